/** Helpers of the webhooks e2e suites: signed calls to `/hooks/*` and a local receiver for outbound deliveries. */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export function sign(secret: string, body: string | Buffer, timestamp?: string): string {
  const h = createHmac('sha256', secret);
  if (timestamp !== undefined) {
    h.update(`${timestamp}.`);
  }
  return `sha256=${h.update(body).digest('hex')}`;
}

export async function postHook(
  baseUrl: string,
  triggerId: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  query = '',
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/v1/hooks/${triggerId}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed };
}

/** A signed JSON call (optionally timestamped). */
export function postSigned(
  baseUrl: string,
  triggerId: string,
  secret: string,
  payload: unknown,
  opts: { timestamp?: string; headers?: Record<string, string>; query?: string } = {},
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return postHook(
    baseUrl,
    triggerId,
    body,
    {
      'x-agentcy-signature': sign(secret, body, opts.timestamp),
      ...(opts.timestamp !== undefined ? { 'x-agentcy-timestamp': opts.timestamp } : {}),
      ...(opts.headers ?? {}),
    },
    opts.query ?? '',
  );
}

export interface ReceivedCall {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  url: string;
  calls: ReceivedCall[];
  /** decides the answer of each call (default 200); `hang` never answers */
  respond: (call: ReceivedCall, n: number) => number | 'hang';
  close: () => Promise<void>;
}

/** node:http receiver on 127.0.0.1 recording every call. */
export async function startReceiver(): Promise<Receiver> {
  const calls: ReceivedCall[] = [];
  const hanging: ServerResponse[] = [];
  const r: Receiver = {
    url: '',
    calls,
    respond: () => 200,
    close: async () => {
      for (const res of hanging) {
        res.destroy();
      }
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      calls.push(call);
      const answer = r.respond(call, calls.length);
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}
