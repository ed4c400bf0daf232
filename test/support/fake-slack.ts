/**
 * A local stand-in of Slack: the Web API methods the channels module calls (`auth.test`,
 * `chat.postMessage`) and the signing side of the Events API (what Slack sends to a Request URL).
 *
 *   const slack = await startFakeSlack({ tokens: ['xoxb-good'] });
 *   // configure the channel with api_base_url = slack.apiUrl (EGRESS_ALLOW must open 127.0.0.1)
 *   const { raw, headers } = slackEvent('signing-secret', { type: 'event_callback', event: {...} });
 *   await http().post(`/api/v1/channels/slack/${id}/events`).set(headers).send(raw);
 *   expect(slack.posts()[0].args).toMatchObject({ channel: 'C42', thread_ts: '100.1' });
 *
 * Every call is recorded with its token (`Authorization: Bearer` or a `token` body field), its
 * User-Agent (the official SDK sends `@slack:web-api/<version> …`) and its arguments, parsed from
 * `application/x-www-form-urlencoded` (what the SDK sends) or JSON. An unknown token answers
 * `{ ok: false, error: 'invalid_auth' }` like Slack. The signature is computed here, independently
 * of the API's code: `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  /** Web API method, e.g. `chat.postMessage` */
  method: string;
  token: string | null;
  userAgent: string;
  contentType: string;
  args: Record<string, unknown>;
}

export interface FakeSlack {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** origin + /api: the `api_base_url` of a channel */
  apiUrl: string;
  calls: SlackCall[];
  /** the recorded `chat.postMessage` calls */
  posts(): SlackCall[];
  /** tokens `auth.test` / `chat.postMessage` accept */
  tokens: Set<string>;
  close(): Promise<void>;
}

function parseArgs(req: IncomingMessage, raw: string): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      return JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw).entries());
}

export async function startFakeSlack(
  opts: { host?: string; tokens?: string[]; team?: string; botUserId?: string } = {},
): Promise<FakeSlack> {
  const host = opts.host ?? '127.0.0.1';
  const calls: SlackCall[] = [];
  const tokens = new Set(opts.tokens ?? ['xoxb-good']);
  let ts = 1000;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const args = parseArgs(req, raw);
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1] ?? null;
      const token = bearer ?? (typeof args.token === 'string' ? args.token : null);
      const method = (req.url ?? '').split('?')[0].replace(/^\/api\//, '');
      calls.push({
        method,
        token,
        userAgent: String(req.headers['user-agent'] ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
        args,
      });
      let out: Record<string, unknown>;
      if (!token || !tokens.has(token)) {
        out = { ok: false, error: token ? 'invalid_auth' : 'not_authed' };
      } else if (method === 'auth.test') {
        out = {
          ok: true,
          url: 'https://acme.slack.com/',
          team: opts.team ?? 'acme',
          user: 'agentcy',
          team_id: 'T1',
          user_id: opts.botUserId ?? 'UBOT',
          bot_id: 'B1',
        };
      } else if (method === 'chat.postMessage') {
        if (!args.channel) {
          out = { ok: false, error: 'channel_not_found' };
        } else {
          out = { ok: true, channel: args.channel, ts: `${++ts}.000100`, message: { text: args.text } };
        }
      } else {
        out = { ok: false, error: 'unknown_method' };
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    apiUrl: `${origin}/api`,
    calls,
    posts: () => calls.filter((c) => c.method === 'chat.postMessage'),
    tokens,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A request as Slack's Events API sends it: raw JSON body and the signing headers. */
export function slackEvent(
  signingSecret: string,
  payload: unknown,
  opts: { ts?: number; retryNum?: number } = {},
): { raw: string; headers: Record<string, string> } {
  const raw = JSON.stringify(payload);
  const ts = String(opts.ts ?? Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', signingSecret).update(`v0:${ts}:${raw}`).digest('hex')}`;
  return {
    raw,
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': sig,
      ...(opts.retryNum !== undefined
        ? { 'x-slack-retry-num': String(opts.retryNum), 'x-slack-retry-reason': 'http_timeout' }
        : {}),
    },
  };
}
