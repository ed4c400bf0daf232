import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { findEgressError } from '@libs/egress';
import { NotFoundException, ValidationException } from '@libs/errors';
import { Mailer } from '@libs/mail';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ChannelBindingsContract } from './channel-bindings.contract';
import { CHANNEL_CATALOG, channelKind, type ChannelKind } from './channel-catalog';
import { SlackApi, WebhookCallback } from './channel-senders';
import type { ChannelEntity, ChannelType } from './channel.entity';
import { ChannelsRepository } from './channels.repository';
import type { ChannelDto, ChannelTestResultDto, ReloadResultDto, TestChannelDto } from './dto/channels.dto';
import { sidecarUnavailable, WhatsappGateway } from './whatsapp-gateway';

const MAX_FIELD_CHARS = 2000;

/** The channel catalog of an org: configure (secrets sealed, write-only), delete, test, reload. */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly repo: ChannelsRepository,
    private readonly box: SecretBox,
    private readonly slack: SlackApi,
    private readonly callback: WebhookCallback,
    private readonly mailer: Mailer,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly bindings: ChannelBindingsContract,
    private readonly gateway: WhatsappGateway,
  ) {}

  private kind(name: string): ChannelKind {
    const k = channelKind(name);
    if (!k) {
      throw new NotFoundException('Channel');
    }
    return k;
  }

  private secretsOf(c: ChannelEntity | null): Record<string, string> {
    return c?.secretsSealed ? this.box.openJson<Record<string, string>>(c.secretsSealed) : {};
  }

  private async toDto(orgId: string, k: ChannelKind, c: ChannelEntity | null): Promise<ChannelDto> {
    const withSecrets = c ? await this.repo.findWithSecrets({ orgId, id: c.id }) : null;
    const secrets = this.secretsOf(withSecrets);
    const bindingCount = await this.bindings.count(orgId, k.name);
    const inbound =
      c && (k.name === 'slack' || k.name === 'whatsapp')
        ? `${this.config.publicBaseUrl}/api/v1/channels/${k.name}/${c.id}/events`
        : c && (k.name === 'webhook' || k.name === 'email')
          ? `${this.config.publicBaseUrl}/api/v1/channels/${k.name}/${c.id}`
          : null;
    return {
      id: c?.id ?? null,
      name: k.name,
      display_name: k.display_name,
      transport: k.transport,
      status: k.status,
      feature_enabled: k.name === 'whatsapp' ? this.gateway.configured : k.feature_enabled,
      configured: !!c,
      active: !!c && c.enabled,
      last_connected_at: c?.lastConnectedAt?.toISOString() ?? null,
      last_error: c?.lastError ?? null,
      binding_count: bindingCount,
      inbound_url: inbound,
      fields: k.fields.map((f) => ({
        key: f.key,
        label: f.label,
        secret: f.secret,
        required: f.required,
        has_value: f.secret ? !!secrets[f.key] : !!c?.config[f.key],
        ...(f.secret ? {} : { value: c?.config[f.key] ?? null }),
      })),
    };
  }

  async list(p: Principal, q: PageQuery): Promise<Page<ChannelDto>> {
    const configured = new Map((await this.repo.listChannels(p.orgId)).map((c) => [c.type, c]));
    const items = await Promise.all(CHANNEL_CATALOG.map((k) => this.toDto(p.orgId, k, configured.get(k.name) ?? null)));
    return paginateArray(items, q, {
      scope: `channels:${p.orgId}`,
      key: (i) => CHANNEL_CATALOG.findIndex((k) => k.name === i.name),
      id: (i) => i.name,
      map: (i) => i,
      direction: 'ASC',
    });
  }

  async get(p: Principal, name: string): Promise<ChannelDto> {
    const k = this.kind(name);
    return this.toDto(p.orgId, k, await this.repo.findByType(p.orgId, k.name));
  }

  async configure(p: Principal, name: string, fields: Record<string, unknown>): Promise<ChannelDto> {
    const k = this.kind(name);
    if (k.name === 'whatsapp' && !this.gateway.configured) {
      throw sidecarUnavailable();
    }
    if (!k.feature_enabled) {
      throw new NotFoundException('Channel', { reason: 'feature_disabled' }, 'feature_disabled');
    }
    const errors: { field: string; errors: string[] }[] = [];
    for (const [key, value] of Object.entries(fields)) {
      const f = k.fields.find((x) => x.key === key);
      if (!f) {
        errors.push({ field: `fields.${key}`, errors: ['unknown field'] });
      } else if (typeof value !== 'string' || value.length > MAX_FIELD_CHARS) {
        errors.push({ field: `fields.${key}`, errors: [`must be a string of at most ${MAX_FIELD_CHARS} characters`] });
      } else if (key.endsWith('_url') && value && !isHttpUrl(value)) {
        errors.push({ field: `fields.${key}`, errors: ['must be an http(s) URL'] });
      }
    }
    const existing = await this.repo.findWithSecrets({ orgId: p.orgId, type: k.name });
    const secrets = this.secretsOf(existing);
    const config: Record<string, string> = { ...(existing?.config ?? {}) };
    for (const f of k.fields) {
      const v = fields[f.key];
      if (typeof v === 'string') {
        const target = f.secret ? secrets : config;
        if (v) {
          target[f.key] = v;
        } else {
          delete target[f.key];
        }
      }
      if (f.required && !(f.secret ? secrets[f.key] : config[f.key])) {
        errors.push({ field: `fields.${f.key}`, errors: ['is required'] });
      }
    }
    if (errors.length) {
      throw new ValidationException('Invalid channel fields', { fields: errors });
    }
    const c = await this.repo.upsert(p.orgId, k.name, {
      config,
      secretsSealed: this.box.sealJson(secrets),
      // WhatsApp is active once a device is paired (QR pairing), not when its display name is set
      enabled: k.name === 'whatsapp' ? (existing?.enabled ?? false) : true,
      lastError: null,
    });
    this.slack.forget(p.orgId);
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: existing ? 'channels.credentials_rotate' : 'channels.configure',
      result: 'success',
      actor: p,
      target: { type: 'channel', id: c.id, name: k.name },
      details: { fields: Object.keys(fields) },
    });
    return this.toDto(p.orgId, k, c);
  }

  /** Removes the config; bindings stay (they route nothing until the channel is configured again). */
  async remove(p: Principal, name: string): Promise<void> {
    const k = this.kind(name);
    const c = await this.repo.findByType(p.orgId, k.name);
    if (!c || !(await this.repo.deleteByType(p.orgId, k.name))) {
      throw new NotFoundException('Channel');
    }
    if (k.name === 'slack') {
      this.slack.forget(p.orgId);
    }
    if (k.name === 'whatsapp' && this.gateway.configured) {
      // best effort: the linked device is logged out; the row is gone either way
      await this.gateway.unpair(c.id).catch(() => undefined);
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: 'channels.delete',
      result: 'success',
      actor: p,
      target: { type: 'channel', name: k.name },
    });
  }

  async test(p: Principal, name: string, dto: TestChannelDto): Promise<ChannelTestResultDto> {
    const k = this.kind(name);
    const c = await this.repo.findWithSecrets({ orgId: p.orgId, type: k.name });
    if (!c) {
      throw new NotFoundException('Channel');
    }
    const secrets = this.secretsOf(c);
    let result: ChannelTestResultDto;
    try {
      result = await this.probe(p.orgId, k.name, c, secrets, dto);
      await this.repo.update(p.orgId, c.id, { lastConnectedAt: new Date(), lastError: null });
    } catch (err) {
      const egress = findEgressError(err);
      const message = (egress ?? (err as Error)).message.slice(0, 1000);
      result = { status: 'error', details: { code: egress ? 'egress_forbidden' : 'channel_error', message } };
      await this.repo.update(p.orgId, c.id, { lastError: message });
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: 'channels.test',
      result: result.status === 'ok' ? 'success' : 'failure',
      actor: p,
      target: { type: 'channel', id: c.id, name: k.name },
      details: result.details,
    });
    return result;
  }

  private async probe(
    orgId: string,
    type: ChannelType,
    c: ChannelEntity,
    secrets: Record<string, string>,
    dto: TestChannelDto,
  ): Promise<ChannelTestResultDto> {
    if (type === 'slack') {
      const creds = { botToken: secrets.bot_token, apiBaseUrl: c.config.api_base_url };
      const who = await this.slack.authTest(orgId, creds);
      if (dto.to) {
        await this.slack.postMessage(orgId, creds, { channel: dto.to, text: dto.text ?? 'Agentcy test message' });
      }
      return { status: 'ok', workspace: who.workspace, bot: who.bot, details: { ...who, sent_to: dto.to ?? null } };
    }
    if (type === 'webhook' && c.config.callback_url) {
      await this.callback.post(orgId, c.config.callback_url, secrets.signing_secret, {
        type: 'test',
        channel_id: c.id,
        to: dto.to ?? null,
        text: dto.text ?? 'Agentcy test message',
      });
      return { status: 'ok', details: { callback_url: c.config.callback_url } };
    }
    if (type === 'whatsapp') {
      if (!this.gateway.configured) {
        throw new Error('No WhatsApp gateway is configured on this install (WHATSAPP_GATEWAY_URL)');
      }
      if (!c.enabled) {
        throw new Error('No WhatsApp device is paired (POST /channels/whatsapp/qr/start)');
      }
      if (dto.to) {
        await this.gateway.send(c.id, { to: dto.to, text: dto.text ?? 'Agentcy test message' });
      }
      return { status: 'ok', details: { phone: c.config.phone ?? null, sent_to: dto.to ?? null } };
    }
    if (type === 'email') {
      if (!this.mailer.enabled) {
        throw new Error('SMTP is not configured on this install (SMTP_URL)');
      }
      if (dto.to) {
        this.mailer.enqueue({ to: dto.to, subject: 'Agentcy test message', text: dto.text ?? 'Agentcy test message' });
      }
      return { status: 'ok', details: { smtp: true, sent_to: dto.to ?? null } };
    }
    return { status: 'ok', details: { callback_url: null } };
  }

  /**
   * Adapters read the DB per message; the only state is the org's cached Slack WebClient, which is
   * dropped so the next call builds it from the stored configuration.
   */
  async reload(p: Principal): Promise<ReloadResultDto> {
    this.slack.forget(p.orgId);
    const reloaded = (await this.repo.listChannels(p.orgId)).filter((c) => c.enabled).map((c) => c.type);
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: 'channels.reload',
      result: 'success',
      actor: p,
      details: { reloaded },
    });
    return { reloaded };
  }
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
