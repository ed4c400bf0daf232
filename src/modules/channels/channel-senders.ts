import { EgressGuard } from '@libs/egress';
import { Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { SLACK_DEFAULT_API } from './channel-catalog';

export interface SlackCredentials {
  botToken: string;
  apiBaseUrl?: string;
}

export class ChannelSendError extends Error {}

/**
 * Slack's Web API over the org's egress-guarded fetch (the `@slack/web-api` SDK is not a dependency
 * of this build; the two methods used are plain form-less JSON POSTs).
 */
@Injectable()
export class SlackApi {
  constructor(private readonly egress: EgressGuard) {}

  private async call(
    orgId: string,
    creds: SlackCredentials,
    method: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const base = (creds.apiBaseUrl || SLACK_DEFAULT_API).replace(/\/+$/, '');
    const res = await this.egress.forOrg(orgId).fetch(`${base}/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${creds.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || json.ok !== true) {
      throw new ChannelSendError(`slack ${method}: ${String(json.error ?? `HTTP ${res.status}`)}`);
    }
    return json;
  }

  /** `auth.test`: the workspace and bot user the token belongs to. */
  async authTest(orgId: string, creds: SlackCredentials): Promise<{ workspace: string; bot: string }> {
    const r = await this.call(orgId, creds, 'auth.test', {});
    return { workspace: String(r.team ?? ''), bot: String(r.user_id ?? '') };
  }

  async postMessage(
    orgId: string,
    creds: SlackCredentials,
    msg: { channel: string; text: string; threadTs?: string | null },
  ): Promise<void> {
    await this.call(orgId, creds, 'chat.postMessage', {
      channel: msg.channel,
      text: msg.text,
      ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
    });
  }
}

/** Replies of the generic webhook channel: a signed JSON POST to the configured callback URL. */
@Injectable()
export class WebhookCallback {
  constructor(private readonly egress: EgressGuard) {}

  async post(orgId: string, url: string, secret: string, payload: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(payload);
    const res = await this.egress.forOrg(orgId).fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-agentcy-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    if (!res.ok) {
      throw new ChannelSendError(`callback: HTTP ${res.status}`);
    }
  }
}
