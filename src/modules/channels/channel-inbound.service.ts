import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { NotFoundException, UnauthorizedException, ValidationException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { Mailer } from '@libs/mail';
import { RedisService } from '@libs/redis';
import { Injectable, Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChatTurnsContract } from 'src/modules/chat/chat-turns.contract';
import { ChannelBindingsContract } from './channel-bindings.contract';
import type { ChannelMessage } from './channel-message';
import { SlackApi, WebhookCallback } from './channel-senders';
import type { ChannelEntity, ChannelType } from './channel.entity';
import { ChannelsRepository } from './channels.repository';
import type {
  ChannelInboundResultDto,
  EmailChannelMessageDto,
  WebhookChannelMessageDto,
  WhatsappGatewayEvent,
} from './dto/channels.dto';
import { verifySlackSignature } from './slack-signature';
import { WhatsappGateway } from './whatsapp-gateway';
import { WhatsappPairingService } from './whatsapp-pairing.service';
import { verifyGatewaySignature } from './whatsapp-signature';

/** How long a delivered Slack event_id / WhatsApp message id is remembered (redeliveries are dropped). */
const DEDUP_SECONDS = 3600;

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
  event_id?: string;
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
    private readonly bindings: ChannelBindingsContract,
    private readonly redis: RedisService,
    private readonly gateway: WhatsappGateway,
    private readonly pairing: WhatsappPairingService,
    private readonly config: AppConfig,
    private readonly events: OrgEvents,
  ) {}

  /** true the first time `id` is seen on this channel (SET NX), false for a redelivery. */
  private async firstDelivery(channelId: string, id: string): Promise<boolean> {
    const key = this.redis.key('channels', 'seen', channelId, id.slice(0, 200));
    return (await this.redis.client.set(key, '1', 'EX', DEDUP_SECONDS, 'NX')) === 'OK';
  }

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
    if (body.type !== 'event_callback' || !e) {
      return { accepted: true, routed: false };
    }
    // Slack redelivers (X-Slack-Retry-Num) when the ack was late: the event_id runs once
    if (body.event_id ? !(await this.firstDelivery(c.id, body.event_id)) : !!req.header('x-slack-retry-num')) {
      return { accepted: true, routed: false, duplicate: true };
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

  /**
   * An event of the WhatsApp gateway: `X-Agentcy-Timestamp` + `X-Agentcy-Signature` (HMAC with
   * WHATSAPP_GATEWAY_SIGNING_SECRET over `<timestamp>.<raw body>`, 5-minute window), checked before
   * the channel is looked up. `message` → binding → agent → answer through the gateway;
   * `connection` → channel active (connected) or inactive (logged_out).
   */
  async whatsappEvent(id: string, req: InboundRequest): Promise<ChannelInboundResultDto> {
    const ok = verifyGatewaySignature(
      this.config.whatsappGateway.signingSecret,
      req.header('x-agentcy-timestamp'),
      req.header('x-agentcy-signature'),
      req.rawBody,
    );
    if (!ok) {
      throw invalidSignature();
    }
    let ev: WhatsappGatewayEvent;
    try {
      ev = JSON.parse(req.rawBody.toString('utf8') || '{}') as WhatsappGatewayEvent;
    } catch {
      throw new ValidationException('WhatsApp gateway events must be JSON');
    }
    const c = await this.repo.findWithSecrets({ id, type: 'whatsapp' });
    if (!c) {
      throw new NotFoundException('Channel');
    }
    if (ev.type === 'connection') {
      if (ev.status === 'connected') {
        await this.pairing.paired(c.orgId, c.id, typeof ev.phone === 'string' ? ev.phone.slice(0, 40) : null, null);
      } else if (ev.status === 'logged_out') {
        await this.repo.update(c.orgId, c.id, { enabled: false, lastError: 'WhatsApp device logged out' });
        await this.events.publish(c.orgId, 'channel.disconnected', {
          channel_id: c.id,
          type: 'whatsapp',
          reason: 'logged_out',
        });
      }
      return { accepted: true, routed: false };
    }
    const str = (v: unknown, max: number) => (typeof v === 'string' && v ? v.slice(0, max) : null);
    const from = str(ev.from, 200);
    if (ev.type !== 'message' || !from || !c.enabled) {
      if (ev.type === 'message' && !c.enabled) {
        throw new NotFoundException('Channel');
      }
      return { accepted: true, routed: false };
    }
    if (ev.id && !(await this.firstDelivery(c.id, String(ev.id)))) {
      return { accepted: true, routed: false, duplicate: true };
    }
    const chat = str(ev.chat, 200) ?? from;
    const msg: ChannelMessage = {
      channel: 'whatsapp',
      from,
      chat,
      thread: null,
      team: null,
      conversationType: chat.endsWith('@g.us') ? 'group' : 'im',
      mentioned: false,
      text: (str(ev.text, 100_000) ?? '').trim(),
      to: str(ev.to, 40) ?? c.config.phone ?? null,
    };
    const quotedId = str(ev.id, 200);
    return this.dispatch(c, msg, (text) => this.gateway.send(c.id, { to: chat, text, quotedId }));
  }

  private async dispatch(
    c: ChannelEntity,
    msg: ChannelMessage,
    reply: (text: string, conversationId: string) => Promise<void>,
  ): Promise<ChannelInboundResultDto> {
    const b = await this.bindings.resolve(c.orgId, msg);
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
