/**
 * A real local HTTP server speaking the OpenAI chat-completions protocol, scriptable per test.
 *
 *   const fake = await startFakeOpenAI();
 *   fake.script(
 *     { toolCalls: [{ name: 'search_connector_tools', arguments: { query: 'pods' } }] },
 *     { text: 'There are 3 pods.', usage: { prompt_tokens: 50, completion_tokens: 6 } },
 *   );
 *   // point a provider at it: { provider: 'openai' | 'vllm' | ..., baseUrl: fake.baseUrl, apiKey: 'test' }
 *   // ... or the whole app: startTestApp(fake.apiEnv)
 *   expect(fake.requests[0].body.messages).toEqual(...);
 *   await fake.close();
 *
 * Every `POST /v1/chat/completions` takes the next scripted response from the queue (FIFO). With
 * `stream: true` it answers SSE: `data: {choices:[{delta:{content}}]}` chunks, tool calls as
 * `delta.tool_calls[{index,id,type:'function',function:{name,arguments}}]` with the arguments split
 * over several chunks, a final chunk with `finish_reason` and `usage`, then `data: [DONE]`.
 * Without `stream` it answers one `chat.completion` JSON. An empty queue answers 500 (so a test
 * that makes more model calls than it scripted fails loudly) unless `setDefault()` was called.
 * `GET /v1/models` lists `fake-model`.
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeToolCall {
  /** default `call_<n>` */
  id?: string;
  name: string;
  /** object (JSON-encoded for you) or a raw string (sent verbatim, e.g. to test broken JSON) */
  arguments?: Record<string, unknown> | string;
}

export interface FakeChatResponse {
  /** the assistant text; a string is split into a few deltas, an array is sent as given */
  text?: string | string[];
  toolCalls?: FakeToolCall[];
  /** default `tool_calls` when toolCalls are present, else `stop` */
  finishReason?: 'stop' | 'tool_calls' | 'length' | 'content_filter';
  /** default { prompt_tokens: 10, completion_tokens: 5 } */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** wait before the first byte */
  delayMs?: number;
  /** wait between chunks */
  chunkDelayMs?: number;
  /** send the first chunks, then never finish (for abort tests); the socket closes on client abort */
  hang?: boolean;
}

export interface FakeErrorResponse {
  /** HTTP status to answer with, e.g. 401, 429, 500 */
  status: number;
  error?: { message: string; type?: string; code?: string };
}

export type FakeResponse = FakeChatResponse | FakeErrorResponse;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** parsed JSON body (undefined if none / not JSON) */
  body: any;
  /** true when the client went away before the response was complete */
  aborted: boolean;
}

export interface FakeOpenAI {
  /** e.g. `http://127.0.0.1:41234/v1` — use as base URL of an OpenAI-compatible client */
  baseUrl: string;
  /** environment that points an API process at this server as its default (OpenAI-compatible) model */
  apiEnv: Record<string, string>;
  /** appends responses to the queue */
  script(...responses: FakeResponse[]): void;
  /** answer used when the queue is empty (default: a 500 error) */
  setDefault(response: FakeResponse | undefined): void;
  /** every request received, in order */
  requests: RecordedRequest[];
  /** scripted responses not consumed yet */
  pending(): number;
  /** empties the queue and the recorded requests */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function splitText(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  if (words.length <= 1) {
    return [text];
  }
  const per = Math.max(1, Math.ceil(words.length / 3));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) {
    out.push(words.slice(i, i + per).join(''));
  }
  return out;
}

function splitArgs(s: string): string[] {
  if (s.length < 4) {
    return [s];
  }
  const a = Math.floor(s.length / 3);
  const b = Math.floor((2 * s.length) / 3);
  return [s.slice(0, a), s.slice(a, b), s.slice(b)];
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeResponse[] = [];
  const requests: RecordedRequest[] = [];
  let fallback: FakeResponse | undefined;
  let seq = 0;
  const sockets = new Set<import('node:net').Socket>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) {
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '/').split('?')[0];
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      body,
      aborted: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) {
        record.aborted = true;
      }
    });

    if (req.method === 'GET' && path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'fake' }] }));
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `fake-openai: no route ${req.method} ${path}`, type: 'invalid_request_error' },
        }),
      );
      return;
    }
    const next = queue.shift() ?? fallback;
    if (!next) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'fake-openai: no scripted response left', type: 'server_error' } }));
      return;
    }
    if ('status' in next) {
      res.writeHead(next.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { type: 'invalid_request_error', ...(next.error ?? { message: `fake-openai error ${next.status}` }) },
        }),
      );
      return;
    }
    if (next.delayMs) {
      await sleep(next.delayMs);
    }
    const id = `chatcmpl-fake-${++seq}`;
    const model = typeof body?.model === 'string' ? body.model : 'fake-model';
    const created = Math.floor(Date.now() / 1000);
    const texts = next.text === undefined ? [] : Array.isArray(next.text) ? next.text : splitText(next.text);
    const calls = (next.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_${seq}_${i}`,
      name: c.name,
      args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
    }));
    const finishReason = next.finishReason ?? (calls.length ? 'tool_calls' : 'stop');
    const usage = next.usage ?? { prompt_tokens: 10, completion_tokens: 5 };
    const usageOut = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };

    if (!body?.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: texts.length ? texts.join('') : null,
                ...(calls.length
                  ? {
                      tool_calls: calls.map((c) => ({
                        id: c.id,
                        type: 'function',
                        function: { name: c.name, arguments: c.args },
                      })),
                    }
                  : {}),
              },
              finish_reason: finishReason,
            },
          ],
          usage: usageOut,
        }),
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = async (payload: unknown) => {
      if (res.destroyed) {
        return;
      }
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
      if (next.chunkDelayMs) {
        await sleep(next.chunkDelayMs);
      }
    };
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null = null,
      extra: Record<string, unknown> = {},
    ) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    });
    await send(chunk({ role: 'assistant', content: '' }));
    for (const t of texts) {
      await send(chunk({ content: t }));
    }
    if (next.hang) {
      return;
    } // leave the response open; the client must abort
    for (const [index, c] of calls.entries()) {
      const parts = splitArgs(c.args);
      await send(
        chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: parts[0] } }] }),
      );
      for (const p of parts.slice(1)) {
        await send(chunk({ tool_calls: [{ index, function: { arguments: p } }] }));
      }
    }
    await send(chunk({}, finishReason, { usage: usageOut }));
    if (!res.destroyed) {
      res.end('data: [DONE]\n\n');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiEnv: {
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: `http://127.0.0.1:${port}/v1`,
      LLM_API_KEY: 'test',
      LLM_MODEL: 'fake-model',
    },
    requests,
    script: (...responses) => {
      queue.push(...responses);
    },
    setDefault: (r) => {
      fallback = r;
    },
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
