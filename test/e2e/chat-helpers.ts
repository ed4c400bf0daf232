/** Helpers of the chat e2e suites: an SSE client over fetch, polling, and a kubernetes source on a fake API. */
import { startFakeKubeApi, type FakeKubeApi } from '../support/connectors/fake-kube-api';

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** error body when status is not 200 */
  body?: any;
  events: SseEvent[];
  /** resolves when the server ends the stream (or it is aborted) */
  done: Promise<void>;
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  abort(): void;
}

export async function openSse(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<SseStream> {
  const ctrl = new AbortController();
  const res = await fetch(url, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'text/event-stream',
      ...(init.headers ?? {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: ctrl.signal,
  });
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* text */
    }
    return {
      status: res.status,
      headers: res.headers,
      body,
      events,
      done: Promise.resolve(),
      waitFor: () => Promise.reject(new Error(`not a stream: ${res.status} ${text}`)),
      abort: () => ctrl.abort(),
    };
  }
  const push = (e: SseEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const done = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const e: SseEvent = { event: 'message', data: undefined };
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('id:')) {
              e.id = line.slice(3).trim();
            } else if (line.startsWith('event:')) {
              e.event = line.slice(6).trim();
            } else if (line.startsWith('data:')) {
              data.push(line.slice(5).trimStart());
            }
          }
          const raw = data.join('\n');
          try {
            e.data = JSON.parse(raw);
          } catch {
            e.data = raw;
          }
          push(e);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    done,
    abort: () => ctrl.abort(),
    waitFor: (pred, timeoutMs = 20_000) => {
      const hit = events.find(pred);
      if (hit) {
        return Promise.resolve(hit);
      }
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timed out waiting for an SSE event; got: ${events.map((x) => x.event).join(',')}`)),
          timeoutMs,
        );
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
  };
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  stepMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const names = (events: SseEvent[]) => events.map((e) => e.event).filter((n) => n !== 'ping');

export async function withFakeKube(): Promise<FakeKubeApi> {
  return startFakeKubeApi();
}

/** Creates a kubernetes source named `name` on the fake API for the caller's org. */
export async function createKubeSource(
  baseUrl: string,
  auth: Record<string, string>,
  kube: FakeKubeApi,
  name = 'prod-cluster',
): Promise<{ id: string; name: string }> {
  const res = await fetch(`${baseUrl}/api/v1/sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({ name, source_type: 'kubernetes', config: { server: kube.url, token: kube.token } }),
  });
  const body = (await res.json()) as { id: string; name: string };
  if (res.status !== 201) {
    throw new Error(`creating source failed: ${res.status} ${JSON.stringify(body)}`);
  }
  return { id: body.id, name: body.name };
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  auth: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...auth },
    body: body !== undefined ? JSON.stringify(body) : undefined,
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

/**
 * Turns on `allow_self_approval` for the caller's org: suites about the approval mechanics approve
 * their own destructive calls (off by default; the rule itself: hostile-tenant/tool-gate.e2e-spec.ts).
 */
export async function allowSelfApproval(baseUrl: string, auth: Record<string, string>): Promise<void> {
  const res = await api(baseUrl, 'POST', '/settings/security', auth, { allow_self_approval: true });
  if (res.status !== 200) {
    throw new Error(`enabling self-approval failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
