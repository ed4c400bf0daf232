import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { NotFoundException } from '@libs/errors';
import { RedisService } from '@libs/redis';
import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { ChannelEntity } from './channel.entity';
import { ChannelsRepository } from './channels.repository';
import type { WhatsappQrStartDto, WhatsappQrStatusDto, WhatsappUnpairDto } from './dto/channels.dto';
import {
  sidecarUnavailable,
  WhatsappGateway,
  WhatsappSessionGone,
  type WhatsappSessionStatus,
} from './whatsapp-gateway';

/** How long a finished (connected/expired) QR session still answers its status. */
const KEEP_FINISHED_SECONDS = 600;

interface QrSession {
  orgId: string;
  channelId: string;
  /** epoch ms */
  expiresAt: number;
  status: WhatsappSessionStatus;
  phone?: string;
}

/**
 * WhatsApp QR pairing (spec channels.md §4) over the gateway sidecar. QR sessions live in Redis
 * (`wa:qr:<session>`, TTL = expires_in + 10 min so `expired` stays answerable); the org's current
 * session is `wa:qr:org:<org>` and starting a new one cancels the previous pending one. A session of
 * another org (or an unknown one) is 404. `connected` activates the org's WhatsApp channel.
 */
@Injectable()
export class WhatsappPairingService {
  private readonly log = new Logger('WhatsApp');

  constructor(
    private readonly repo: ChannelsRepository,
    private readonly gateway: WhatsappGateway,
    private readonly redis: RedisService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  private sessionKey(id: string): string {
    return this.redis.key('wa', 'qr', id);
  }

  private orgKey(orgId: string): string {
    return this.redis.key('wa', 'qr-org', orgId);
  }

  private async load(id: string): Promise<QrSession | null> {
    if (!/^qr_[0-9a-f]{32}$/.test(id)) {
      return null;
    }
    const raw = await this.redis.client.get(this.sessionKey(id));
    return raw ? (JSON.parse(raw) as QrSession) : null;
  }

  private async save(id: string, s: QrSession): Promise<void> {
    const ttl = Math.max(1, Math.ceil((s.expiresAt - Date.now()) / 1000) + KEEP_FINISHED_SECONDS);
    await this.redis.client.set(this.sessionKey(id), JSON.stringify(s), 'EX', ttl);
  }

  webhookUrl(channelId: string): string {
    return `${this.config.publicBaseUrl}/api/v1/channels/whatsapp/${channelId}/events`;
  }

  /** The org's WhatsApp channel, created inactive on first pairing. */
  private async channel(orgId: string): Promise<ChannelEntity> {
    const c = await this.repo.findByType(orgId, 'whatsapp');
    if (c) {
      return c;
    }
    return this.repo.upsert(orgId, 'whatsapp', { config: { display_name: 'Agentcy' }, enabled: false });
  }

  async start(p: Principal): Promise<WhatsappQrStartDto> {
    if (!this.gateway.configured) {
      throw sidecarUnavailable();
    }
    const c = await this.channel(p.orgId);
    const previous = await this.redis.client.get(this.orgKey(p.orgId));
    if (previous) {
      const old = await this.load(previous);
      if (old?.status === 'pending') {
        await this.save(previous, { ...old, status: 'expired' });
        await this.gateway
          .cancelSession(previous)
          .catch((err: Error) => this.log.warn(`cancel of ${previous} failed: ${err.message}`));
      }
    }
    const sessionId = `qr_${randomBytes(16).toString('hex')}`;
    const qr = await this.gateway.startSession({
      sessionId,
      account: c.id,
      displayName: c.config.display_name || 'Agentcy',
      webhookUrl: this.webhookUrl(c.id),
    });
    const session: QrSession = {
      orgId: p.orgId,
      channelId: c.id,
      expiresAt: Date.now() + qr.expiresIn * 1000,
      status: 'pending',
    };
    await this.save(sessionId, session);
    await this.redis.client.set(this.orgKey(p.orgId), sessionId, 'EX', qr.expiresIn + KEEP_FINISHED_SECONDS);
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: 'channels.whatsapp.pairing_start',
      result: 'success',
      actor: p,
      target: { type: 'channel', id: c.id, name: 'whatsapp' },
      details: { session_id: sessionId },
    });
    return { session_id: sessionId, qr: qr.qr, qr_data_url: qr.qrDataUrl, expires_in: qr.expiresIn };
  }

  async status(p: Principal, sessionId: string): Promise<WhatsappQrStatusDto> {
    const s = await this.load(sessionId);
    if (!s || s.orgId !== p.orgId) {
      throw new NotFoundException('QR session');
    }
    if (s.status !== 'pending') {
      return { status: s.status, ...(s.phone ? { phone: s.phone } : {}) };
    }
    if (!this.gateway.configured) {
      throw sidecarUnavailable();
    }
    let state: { status: WhatsappSessionStatus; phone?: string };
    try {
      state = await this.gateway.sessionStatus(sessionId);
    } catch (err) {
      if (!(err instanceof WhatsappSessionGone)) {
        throw err;
      }
      state = { status: 'expired' };
    }
    if (state.status === 'pending' && Date.now() > s.expiresAt) {
      state = { status: 'expired' };
      await this.gateway.cancelSession(sessionId).catch(() => undefined);
    }
    if (state.status === 'connected') {
      await this.paired(s.orgId, s.channelId, state.phone ?? null, p);
    }
    if (state.status !== 'pending') {
      await this.save(sessionId, { ...s, status: state.status, ...(state.phone ? { phone: state.phone } : {}) });
    }
    return { status: state.status, ...(state.status === 'connected' && state.phone ? { phone: state.phone } : {}) };
  }

  /** The linked device is connected: the channel becomes active (also on the gateway's `connection` event). */
  async paired(orgId: string, channelId: string, phone: string | null, actor: Principal | null): Promise<void> {
    const c = (await this.repo.listChannels(orgId)).find((x) => x.id === channelId);
    if (!c) {
      return;
    }
    await this.repo.update(orgId, c.id, {
      enabled: true,
      config: { ...c.config, ...(phone ? { phone } : {}) },
      lastConnectedAt: new Date(),
      lastError: null,
    });
    if (!c.enabled) {
      await this.audit.record({
        orgId,
        category: 'channels',
        action: 'channels.whatsapp.paired',
        result: 'success',
        actor: actor ?? undefined,
        target: { type: 'channel', id: c.id, name: 'whatsapp' },
        details: { phone },
      });
    }
  }

  /** Logs the linked device out at the gateway; the channel stays configured but inactive. */
  async unpair(p: Principal): Promise<WhatsappUnpairDto> {
    if (!this.gateway.configured) {
      throw sidecarUnavailable();
    }
    const c = await this.repo.findByType(p.orgId, 'whatsapp');
    if (!c) {
      throw new NotFoundException('Channel');
    }
    await this.gateway.unpair(c.id);
    const { phone: _phone, ...config } = c.config;
    await this.repo.update(p.orgId, c.id, { enabled: false, config });
    await this.audit.record({
      orgId: p.orgId,
      category: 'channels',
      action: 'channels.whatsapp.unpair',
      result: 'success',
      actor: p,
      target: { type: 'channel', id: c.id, name: 'whatsapp' },
    });
    return { status: 'unpaired' };
  }
}
