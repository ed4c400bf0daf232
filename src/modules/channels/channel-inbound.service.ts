import { SecretBox } from '@libs/crypto';
import { NotFoundException, UnauthorizedException, ValidationException } from '@libs/errors';
import { Mailer } from '@libs/mail';
import { Injectable, Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChatTurnsContract } from 'src/modules/chat/chat-turns.contract';
import { ruleMatches, type ChannelMessage } from './channel-message';
import { SlackApi, WebhookCallback } from './channel-senders';
import type { ChannelEntity, ChannelType } from './channel.entity';
import { ChannelsRepository } from './channels.repository';
import type { ChannelInboundResultDto, EmailChannelMessageDto, WebhookChannelMessageDto } from './dto/channels.dto';
import { verifySlackSignature } from './slack-signature';

export interface InboundRequest {
  rawBody: Buffer;
  header: (name: string) => string | undefined;
}

const invalidSignature = () =>
  new UnauthorizedException(
    'Missing or invalid request signature',
    { reason: 'invalid_signature' },
    'invalid_signature',
  );

interface SlackEnvelope {
  type?: string;
  challenge?: string;
  team_id?: string;
  event?: {
    type?: string;
    subtype?: string;
    bot_id?: string;
    user?: string;
    text?: string;
    channel?: string;
    channel_type?: string;
    ts?: string;
    thread_ts?: string;
  };
}

/**
 * Inbound channel messages: check the provider's signature, resolve the first matching binding,
 * start a turn on the conversation of the thread, and send the answer back through the channel
 * when the turn ends. No binding: logged and dropped (`routed: false`), nothing is answered.
 */
@Injectable()
export class ChannelInboundService {
  private readonly log = new Logger('Channels');

  constructor(
    private readonly repo: ChannelsRepository,
    private readonly box: SecretBox,
    private readonly chat: ChatTurnsContract,
    private readonly slack: SlackApi,
    private readonly callback: WebhookCallback,
    private readonly mailer: Mailer,
  ) {}

  private async channel(type: ChannelType, id: string): Promise<{ c: ChannelEntity; secrets: Record<string, string> }> {
    const c = await this.repo.findWithSecrets({ id, type });
    if (!c || !c.enabled || !c.secretsSealed) {
      throw new NotFoundException('Channel');
    }
    return { c, secrets: this.box.openJson<Record<string, string>>(c.secretsSealed) };
  }

  async slackEvent(id: string, req: InboundRequest): Promise<ChannelInboundResultDto | { challenge: string }> {
    const { c, secrets } = await this.channel('slack', id);
    const ok = verifySlackSignature(
      secrets.signing_secret,
      req.header('x-slack-request-timestamp'),
      req.header('x-slack-signature'),
      req.rawBody,
    );
    if (!ok) {
      throw invalidSignature();
    }
    let body: SlackEnvelope;
    try {
      body = JSON.parse(req.rawBody.toString('utf8') || '{}') as SlackEnvelope;
    } catch {
      throw new ValidationException('Slack events must be JSON (slash commands are not supported)');
    }
    if (body.type === 'url_verification') {
      return { challenge: String(body.challenge ?? '') };
    }
    const e = body.event;
    // Slack redelivers when the ack was late; the first delivery already started the turn
    if (req.header('x-slack-retry-num') || body.type !== 'event_callback' || !e) {
      return { accepted: true, routed: false };
    }
    if (e.bot_id || e.subtype || !e.user || !e.channel || (e.type !== 'message' && e.type !== 'app_mention')) {
      return { accepted: true, routed: false };
    }
    const msg: ChannelMessage = {
      channel: 'slack',
      from: e.user,
      chat: e.channel,
      thread: e.thread_ts ?? e.ts ?? null,
      team: body.team_id ?? null,
      conversationType: e.channel_type ?? (e.type === 'app_mention' ? 'channel' : null),
      mentioned: e.type === 'app_mention',
      text: (e.text ?? '').replace(/<@[A-Z0-9]+>\s*/g, '').trim(),
    };
    const creds = { botToken: secrets.bot_token, apiBaseUrl: c.config.api_base_url };
    return this.dispatch(c, msg, (text) =>
      this.slack.postMessage(c.orgId, creds, { channel: e.channel!, text, threadTs: msg.thread }),
    );
  }

  /** The channel, after checking `X-Agentcy-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`. */
  private async signedChannel(type: ChannelType, id: string, req: InboundRequest) {
    const found = await this.channel(type, id);
    const want = Buffer.from(
      `sha256=${createHmac('sha256', found.secrets.signing_secret).update(req.rawBody).digest('hex')}`,
    );
    const got = Buffer.from(req.header('x-agentcy-signature') ?? '');
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      throw invalidSignature();
    }
    return found;
  }

  /** Inbound mail (parsed by the mail provider's webhook); the answer is mailed back through SMTP. */
  async emailMessage(id: string, req: InboundRequest, dto: EmailChannelMessageDto): Promise<ChannelInboundResultDto> {
    const { c } = await this.signedChannel('email', id, req);
    const from = dto.from.toLowerCase();
    const msg: ChannelMessage = {
      channel: 'email',
      from,
      chat: null,
      thread: dto.thread ?? null,
      team: null,
      conversationType: null,
      mentioned: false,
      text: dto.subject ? `${dto.subject}\n\n${dto.text}` : dto.text,
    };
    return this.dispatch(c, msg, (text) => {
      if (!this.mailer.enabled) {
        return Promise.reject(new Error('SMTP is not configured on this install (SMTP_URL)'));
      }
      const subject = dto.subject ?? 'Your message';
      this.mailer.enqueue({ to: from, subject: /^re:/i.test(subject) ? subject : `Re: ${subject}`, text });
      return Promise.resolve();
    });
  }

  async webhookMessage(
    id: string,
    req: InboundRequest,
    dto: WebhookChannelMessageDto,
  ): Promise<ChannelInboundResultDto> {
    const { c, secrets } = await this.signedChannel('webhook', id, req);
    const msg: ChannelMessage = {
      channel: 'webhook',
      from: dto.from,
      chat: dto.chat ?? null,
      thread: dto.thread ?? null,
      team: null,
      conversationType: null,
      mentioned: false,
      text: dto.text,
    };
    const url = c.config.callback_url;
    return this.dispatch(c, msg, async (text, conversationId) => {
      if (url) {
        await this.callback.post(c.orgId, url, secrets.signing_secret, {
          type: 'reply',
          channel_id: c.id,
          conversation_id: conversationId,
          from: msg.from,
          chat: msg.chat,
          thread: msg.thread,
          text,
        });
      }
    });
  }

  private async dispatch(
    c: ChannelEntity,
    msg: ChannelMessage,
    reply: (text: string, conversationId: string) => Promise<void>,
  ): Promise<ChannelInboundResultDto> {
    const bindings = await this.repo.listBindings(c.orgId, c.type);
    const b = bindings.find((x) => x.enabled && ruleMatches(x.matchRule, msg));
    if (!b || !msg.text) {
      this.log.log(`org ${c.orgId} ${c.type} message from ${msg.from}: no matching binding, dropped`);
      return { accepted: true, routed: false };
    }
    const place = msg.thread ?? msg.chat ?? msg.from;
    const key = `channel:${c.id}:${place}:${b.agent}`.slice(0, 300);
    let waitingSent = false;
    let conversationId = '';
    const turn = await this.chat.start({
      orgId: c.orgId,
      agent: b.agent,
      realm: b.realm,
      title: `${c.type}: ${msg.from}`,
      content: msg.text,
      actorUserId: null,
      externalKey: key,
      // the approval itself goes to the approvals inbox; the channel user only hears that it waits
      observe: (event) => {
        if (event === 'approval_required' && !waitingSent) {
          waitingSent = true;
          reply('Waiting for approval before I can continue.', conversationId).catch((err: Error) =>
            this.log.warn(`org ${c.orgId} ${c.type} waiting notice failed: ${err.message}`),
          );
        }
      },
    });
    conversationId = turn.conversationId;
    void turn.done
      .then(async (o) => {
        const text = o.content || (o.error ? `Sorry, that failed (${o.error.code}).` : '');
        if (text) {
          await reply(text, turn.conversationId);
        }
        await this.repo.update(c.orgId, c.id, { lastConnectedAt: new Date(), lastError: null });
      })
      .catch(async (err: Error) => {
        this.log.warn(`org ${c.orgId} ${c.type} reply failed: ${err.message}`);
        await this.repo.update(c.orgId, c.id, { lastError: err.message.slice(0, 1000) }).catch(() => undefined);
      });
    return { accepted: true, routed: true, conversation_id: turn.conversationId, binding_id: b.id };
  }
}
