import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { Injectable } from '@nestjs/common';

export const WHATSAPP_GATEWAY_SERVICE = 'whatsapp_gateway';

/** 503 `sidecar_unavailable`: no gateway configured (WHATSAPP_GATEWAY_URL), or it did not answer. */
export const sidecarUnavailable = (reason = 'not_configured', message?: string) =>
  new AppException(
    503,
    'sidecar_unavailable',
    message ??
      (reason === 'not_configured'
        ? 'No WhatsApp gateway is configured on this install (WHATSAPP_GATEWAY_URL)'
        : 'The WhatsApp gateway is not reachable'),
    { service: WHATSAPP_GATEWAY_SERVICE, reason },
  );

export interface WhatsappQr {
  /** the raw QR payload (what the phone scans) */
  qr: string;
  /** the same as a PNG data URL */
  qrDataUrl: string;
  expiresIn: number;
}

export type WhatsappSessionStatus = 'pending' | 'connected' | 'expired';

export interface WhatsappSessionState {
  status: WhatsappSessionStatus;
  phone?: string;
}

/** The gateway session of a pairing went away (unknown to the gateway): treated as expired. */
export class WhatsappSessionGone extends Error {}

/**
 * The WhatsApp gateway sidecar as the channels module sees it (the spec's Baileys gateway run as an
 * operator sidecar; HTTP contract in docs/channels.md). One gateway serves every org: an org's
 * linked device is the gateway "account" named by the org's WhatsApp channel id.
 */
export abstract class WhatsappGateway {
  abstract readonly configured: boolean;
  /** Starts a pairing session for `account`; the gateway posts the account's events to `webhookUrl`. */
  abstract startSession(input: {
    sessionId: string;
    account: string;
    displayName: string;
    webhookUrl: string;
  }): Promise<WhatsappQr>;
  /** WhatsappSessionGone when the gateway no longer knows the session. */
  abstract sessionStatus(sessionId: string): Promise<WhatsappSessionState>;
  abstract cancelSession(sessionId: string): Promise<void>;
  /** Logs the linked device of `account` out. */
  abstract unpair(account: string): Promise<void>;
  abstract send(account: string, msg: { to: string; text: string; quotedId?: string | null }): Promise<void>;
}

const TIMEOUT_MS = 15_000;

/**
 * HTTP client of the gateway at WHATSAPP_GATEWAY_URL (`Authorization: Bearer WHATSAPP_GATEWAY_TOKEN`).
 * The gateway is install configuration (like OPENFANG_URL), not org input, so it is not egress-guarded.
 * Unconfigured or unreachable → 503 `sidecar_unavailable` with `details.service = whatsapp_gateway`.
 */
@Injectable()
export class HttpWhatsappGateway extends WhatsappGateway {
  private readonly base?: string;
  private readonly token?: string;

  constructor(config: AppConfig) {
    super();
    this.base = config.whatsappGateway.url;
    this.token = config.whatsappGateway.token;
  }

  get configured(): boolean {
    return !!this.base;
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    if (!this.base) {
      throw sidecarUnavailable();
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw sidecarUnavailable('unreachable', `The WhatsApp gateway is not reachable: ${(err as Error).message}`);
    }
    const json: unknown = await res.json().catch(() => null);
    if (res.status >= 500 || res.status === 401 || res.status === 403) {
      throw sidecarUnavailable('gateway_error', `The WhatsApp gateway answered HTTP ${res.status}`);
    }
    return { status: res.status, json };
  }

  async startSession(input: {
    sessionId: string;
    account: string;
    displayName: string;
    webhookUrl: string;
  }): Promise<WhatsappQr> {
    const { status, json } = await this.call('POST', '/sessions', {
      session_id: input.sessionId,
      account: input.account,
      display_name: input.displayName,
      webhook_url: input.webhookUrl,
    });
    const r = (json ?? {}) as { qr?: unknown; qr_data_url?: unknown; expires_in?: unknown };
    if (status >= 300 || typeof r.qr !== 'string' || typeof r.qr_data_url !== 'string') {
      throw sidecarUnavailable('gateway_error', `The WhatsApp gateway did not start a session (HTTP ${status})`);
    }
    const expiresIn = Number(r.expires_in);
    return {
      qr: r.qr,
      qrDataUrl: r.qr_data_url,
      expiresIn: Number.isFinite(expiresIn) ? Math.min(Math.max(Math.round(expiresIn), 10), 600) : 60,
    };
  }

  async sessionStatus(sessionId: string): Promise<WhatsappSessionState> {
    const { status, json } = await this.call('GET', `/sessions/${encodeURIComponent(sessionId)}`);
    if (status === 404) {
      throw new WhatsappSessionGone(sessionId);
    }
    const r = (json ?? {}) as { status?: unknown; phone?: unknown };
    const s = r.status === 'connected' || r.status === 'expired' ? r.status : 'pending';
    return { status: s, ...(typeof r.phone === 'string' ? { phone: r.phone.slice(0, 40) } : {}) };
  }

  async cancelSession(sessionId: string): Promise<void> {
    await this.call('DELETE', `/sessions/${encodeURIComponent(sessionId)}`);
  }

  async unpair(account: string): Promise<void> {
    await this.call('DELETE', `/accounts/${encodeURIComponent(account)}`);
  }

  async send(account: string, msg: { to: string; text: string; quotedId?: string | null }): Promise<void> {
    const { status } = await this.call('POST', `/accounts/${encodeURIComponent(account)}/messages`, {
      to: msg.to,
      text: msg.text,
      ...(msg.quotedId ? { quoted_id: msg.quotedId } : {}),
    });
    if (status >= 300) {
      throw new Error(`whatsapp gateway send: HTTP ${status}`);
    }
  }
}
