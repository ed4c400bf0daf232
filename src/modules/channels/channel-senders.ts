import { EgressGuard, findEgressError } from '@libs/egress';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LogLevel, WebClient } from '@slack/web-api';
import { createHmac } from 'node:crypto';
import type { Agent as HttpAgent } from 'node:http';
import { SLACK_DEFAULT_API } from './channel-catalog';

export interface SlackCredentials {
  botToken: string;
  apiBaseUrl?: string;
}

export class ChannelSendError extends Error {}

/** WebClients kept between calls (each holds a keep-alive agent); least recently used dropped beyond. */
const MAX_CACHED_CLIENTS = 200;

interface CachedClient {
  key: string;
  client: WebClient;
  agent: HttpAgent;
}

/**
 * Slack's Web API through the official SDK (`@slack/web-api` WebClient). The API base URL is org
 * input (`api_base_url`), so every call goes through the org's egress guard twice over: the base URL
 * is checked (`OrgEgress.checkUrl`: http(s), resolved, every address allowed) before the call, and
 * the WebClient's only agent is the guard's `http(s).Agent`, which checks each socket's destination
 * as it opens (no DNS rebinding between check and connect). The SDK follows no redirects and ignores
 * proxy env vars. One client per org (rebuilt when the token or base URL changes, dropped by reload).
 */
@Injectable()
export class SlackApi implements OnModuleDestroy {
  private readonly clients = new Map<string, CachedClient>();

  constructor(private readonly egress: EgressGuard) {}

  private async client(orgId: string, creds: SlackCredentials): Promise<WebClient> {
    const base = `${(creds.apiBaseUrl || SLACK_DEFAULT_API).replace(/\/+$/, '')}/`;
    const guard = this.egress.forOrg(orgId);
    await guard.checkUrl(base);
    const key = `${base}\n${creds.botToken}`;
    const cached = this.clients.get(orgId);
    this.clients.delete(orgId);
    if (cached?.key === key) {
      this.clients.set(orgId, cached);
      return cached.client;
    }
    cached?.agent.destroy();
    const agent = base.startsWith('https:')
      ? guard.httpsAgent({ keepAlive: true, maxSockets: 4 })
      : guard.httpAgent({ keepAlive: true, maxSockets: 4 });
    const client = new WebClient(creds.botToken, {
      slackApiUrl: base,
      agent,
      timeout: 15_000,
      // a reply that cannot be posted within seconds is reported (last_error), not retried for 30 minutes
      retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 1000 },
      rejectRateLimitedCalls: true,
      allowAbsoluteUrls: false,
      logLevel: LogLevel.ERROR,
    });
    if (this.clients.size >= MAX_CACHED_CLIENTS) {
      const [oldest, old] = this.clients.entries().next().value as [string, CachedClient];
      this.clients.delete(oldest);
      old.agent.destroy();
    }
    this.clients.set(orgId, { key, client, agent });
    return client;
  }

  private async call<T>(orgId: string, creds: SlackCredentials, method: string, run: (c: WebClient) => Promise<T>) {
    const client = await this.client(orgId, creds);
    try {
      return await run(client);
    } catch (err) {
      throw slackError(method, err);
    }
  }

  /** `auth.test`: the workspace and bot user the token belongs to. */
  async authTest(orgId: string, creds: SlackCredentials): Promise<{ workspace: string; bot: string }> {
    const r = await this.call(orgId, creds, 'auth.test', (c) => c.auth.test());
    return { workspace: String(r.team ?? ''), bot: String(r.user_id ?? '') };
  }

  async postMessage(
    orgId: string,
    creds: SlackCredentials,
    msg: { channel: string; text: string; threadTs?: string | null },
  ): Promise<void> {
    await this.call(orgId, creds, 'chat.postMessage', (c) =>
      c.chat.postMessage({
        channel: msg.channel,
        text: msg.text,
        ...(msg.threadTs ? { thread_ts: msg.threadTs } : {}),
      }),
    );
  }

  /** Drops the org's client (reload, delete, credential rotation): the next call builds a new one. */
  forget(orgId: string): void {
    this.clients.get(orgId)?.agent.destroy();
    this.clients.delete(orgId);
  }

  onModuleDestroy(): void {
    for (const c of this.clients.values()) {
      c.agent.destroy();
    }
    this.clients.clear();
  }
}

/** The SDK's error as a ChannelSendError; an egress refusal inside it (`original` → `cause`) is rethrown as is. */
function slackError(method: string, err: unknown): Error {
  let e: unknown = err;
  for (let depth = 0; e && depth < 8; depth++) {
    const egress = findEgressError(e);
    if (egress) {
      return egress;
    }
    e = (e as { original?: unknown }).original ?? (e as { cause?: unknown }).cause;
  }
  const data = (err as { data?: { error?: string } }).data;
  const detail = data?.error ?? (err as Error).message ?? String(err);
  return new ChannelSendError(`slack ${method}: ${detail}`);
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
