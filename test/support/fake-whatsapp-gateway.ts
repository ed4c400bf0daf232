/**
 * A local stand-in of the WhatsApp gateway sidecar, speaking the HTTP contract of docs/channels.md
 * ("WhatsApp gateway contract"). The test plays the phone: `pair()` / `expire()` move a QR session,
 * `deliver()` pushes a signed event to the API the way the gateway does.
 *
 *   const gw = await startFakeWhatsappGateway();
 *   const t = await startTestApp({ ...gw.apiEnv });
 *   const { body } = await http().post('/api/v1/channels/whatsapp/qr/start')...;   // gw.sessions has it
 *   gw.pair(body.session_id, '+15550100200');
 *   await gw.deliver(channelId, { type: 'message', id: 'M1', from: '+1555…', chat: '+1555…', text: 'hi' });
 *   expect(gw.sent[0]).toMatchObject({ account: channelId, to: '+1555…' });
 *
 * Requests without `Authorization: Bearer <token>` answer 401. Events are signed here, independently
 * of the API's code: `X-Agentcy-Signature: sha256=<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`.
 */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GatewaySession {
  account: string;
  display_name: string;
  webhook_url: string;
  status: 'pending' | 'connected' | 'expired';
  phone?: string;
}

export interface FakeWhatsappGateway {
  url: string;
  token: string;
  signingSecret: string;
  /** env for startTestApp */
  apiEnv: Record<string, string>;
  calls: { method: string; path: string; auth: string | undefined; body: Record<string, unknown> }[];
  sessions: Map<string, GatewaySession>;
  sent: { account: string; to: string; text: string; quoted_id?: string }[];
  unpaired: string[];
  /** the phone scanned the code */
  pair(sessionId: string, phone: string): void;
  expire(sessionId: string): void;
  /** POSTs a signed event to the webhook URL the API gave for `account` (or `opts.url`) */
  deliver(
    account: string,
    event: Record<string, unknown>,
    opts?: { secret?: string; ts?: number; url?: string },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** a 1×1 PNG */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export async function startFakeWhatsappGateway(
  opts: { token?: string; signingSecret?: string; expiresIn?: number } = {},
): Promise<FakeWhatsappGateway> {
  const token = opts.token ?? 'gw-token';
  const signingSecret = opts.signingSecret ?? 'gw-signing-secret';
  const calls: FakeWhatsappGateway['calls'] = [];
  const sessions = new Map<string, GatewaySession>();
  const sent: FakeWhatsappGateway['sent'] = [];
  const unpaired: string[] = [];
  const webhooks = new Map<string, string>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const path = (req.url ?? '').split('?')[0];
      calls.push({ method: req.method ?? '', path, auth: req.headers.authorization, body });
      const reply = (status: number, out?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(out === undefined ? '' : JSON.stringify(out));
      };
      if (req.headers.authorization !== `Bearer ${token}`) {
        return reply(401, { error: 'unauthorized' });
      }
      let m: RegExpExecArray | null;
      if (req.method === 'POST' && path === '/sessions') {
        const sid = String(body.session_id);
        sessions.set(sid, {
          account: String(body.account),
          display_name: String(body.display_name),
          webhook_url: String(body.webhook_url),
          status: 'pending',
        });
        webhooks.set(String(body.account), String(body.webhook_url));
        return reply(200, {
          qr: `2@fake-qr,${sid}`,
          qr_data_url: `data:image/png;base64,${PNG}`,
          expires_in: opts.expiresIn ?? 60,
        });
      }
      if ((m = /^\/sessions\/([^/]+)$/.exec(path))) {
        const s = sessions.get(decodeURIComponent(m[1]));
        if (!s) {
          return reply(404, { error: 'unknown_session' });
        }
        if (req.method === 'DELETE') {
          if (s.status === 'pending') {
            s.status = 'expired';
          }
          return reply(204);
        }
        return reply(200, { status: s.status, ...(s.phone ? { phone: s.phone } : {}) });
      }
      if (req.method === 'DELETE' && (m = /^\/accounts\/([^/]+)$/.exec(path))) {
        unpaired.push(decodeURIComponent(m[1]));
        return reply(204);
      }
      if (req.method === 'POST' && (m = /^\/accounts\/([^/]+)\/messages$/.exec(path))) {
        sent.push({
          account: decodeURIComponent(m[1]),
          to: String(body.to),
          text: String(body.text),
          ...(body.quoted_id ? { quoted_id: String(body.quoted_id) } : {}),
        });
        return reply(200, { id: `OUT${sent.length}` });
      }
      return reply(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    token,
    signingSecret,
    apiEnv: {
      WHATSAPP_GATEWAY_URL: url,
      WHATSAPP_GATEWAY_TOKEN: token,
      WHATSAPP_GATEWAY_SIGNING_SECRET: signingSecret,
    },
    calls,
    sessions,
    sent,
    unpaired,
    pair(sessionId, phone) {
      const s = sessions.get(sessionId);
      if (!s) {
        throw new Error(`no session ${sessionId}`);
      }
      s.status = 'connected';
      s.phone = phone;
    },
    expire(sessionId) {
      const s = sessions.get(sessionId);
      if (s) {
        s.status = 'expired';
      }
    },
    async deliver(account, event, o = {}) {
      const target = o.url ?? webhooks.get(account);
      if (!target) {
        throw new Error(`no webhook URL known for ${account}`);
      }
      const raw = JSON.stringify(event);
      const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
      const sig = `sha256=${createHmac('sha256', o.secret ?? signingSecret)
        .update(`${ts}.${raw}`)
        .digest('hex')}`;
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-agentcy-timestamp': ts, 'x-agentcy-signature': sig },
        body: raw,
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body };
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
