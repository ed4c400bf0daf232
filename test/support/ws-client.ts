import WebSocket from 'ws';

export interface WsMessage {
  type: string;
  ts?: string;
  data?: Record<string, unknown>;
  id?: string | number;
}

export interface TestWs {
  ws: WebSocket;
  /** every JSON message received so far */
  messages: WsMessage[];
  /** waits for the next message (after those already consumed) matching `pred` */
  next: (pred?: (m: WsMessage) => boolean, timeoutMs?: number) => Promise<WsMessage>;
  send: (msg: unknown) => void;
  /** subscribe and wait for the `subscribed` ack */
  subscribe: (topics: string[]) => Promise<WsMessage>;
  close: () => Promise<void>;
}

/** Opens a WebSocket to `${baseUrl}${path}`; resolves on open (rejects with the HTTP status when refused). */
export function openWs(
  baseUrl: string,
  opts: {
    token?: string;
    path?: string;
    headers?: Record<string, string>;
    protocols?: string[];
    autoPong?: boolean;
  } = {},
): Promise<TestWs> {
  const url = new URL(opts.path ?? '/api/v1/ws', baseUrl.replace(/^http/, 'ws'));
  if (opts.token) {
    url.searchParams.set('token', opts.token);
  }
  const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers, autoPong: opts.autoPong ?? true });
  const messages: WsMessage[] = [];
  const waiters: { pred: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }[] = [];
  let cursor = 0;
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as WsMessage;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const next = (pred: (m: WsMessage) => boolean = () => true, timeoutMs = 5_000) =>
    new Promise<WsMessage>((resolve, reject) => {
      for (let i = cursor; i < messages.length; i++) {
        if (pred(messages[i])) {
          cursor = i + 1;
          return resolve(messages[i]);
        }
      }
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for a WebSocket message; got ${JSON.stringify(messages.slice(cursor))}`));
      }, timeoutMs);
      const w = {
        pred,
        resolve: (m: WsMessage) => {
          clearTimeout(timer);
          cursor = messages.indexOf(m) + 1;
          resolve(m);
        },
      };
      waiters.push(w);
    });
  const send = (msg: unknown) => ws.send(JSON.stringify(msg));
  const subscribe = async (topics: string[]) => {
    send({ type: 'subscribe', topics });
    return next((m) => m.type === 'subscribed');
  };
  const close = () =>
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) {
        return resolve();
      }
      ws.once('close', () => resolve());
      ws.close();
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, next, send, subscribe, close }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Resolves with the HTTP status (and body) of a refused upgrade. */
export async function refusedStatus(
  baseUrl: string,
  opts: Parameters<typeof openWs>[1] = {},
): Promise<{ status: number; body: string }> {
  try {
    const c = await openWs(baseUrl, opts);
    await c.close();
    return { status: 101, body: '' };
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status) {
      return { status: e.status, body: e.body ?? '' };
    }
    throw err;
  }
}
