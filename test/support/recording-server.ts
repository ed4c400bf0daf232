/**
 * A local HTTP server that records every request (method, path, headers, body) and answers like a
 * minimal OpenAI-compatible API, so tests can prove which credentials reached which destination.
 *
 *   const rec = await startRecordingServer();          // 127.0.0.1 (EGRESS_ALLOW in tests)
 *   const internal = await startRecordingServer('127.0.0.2'); // the "internal" address
 *   ... point a provider / source at rec.baseUrl ...
 *   expect(rec.sawSecret('sk-install-secret')).toBe(false);
 *
 * Answers: `POST …/chat/completions` → the assistant says "pong" (SSE when `stream: true`);
 * `GET …/*.json` → a JSON array of two records; anything else → `{}`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecordingServer {
  /** http://<host>:<port> */
  origin: string;
  /** origin + /v1 (an OpenAI-style base URL) */
  baseUrl: string;
  requests: RecordedCall[];
  /** true when any recorded header or body contains `secret` */
  sawSecret(secret: string): boolean;
  close(): Promise<void>;
}

export async function startRecordingServer(host = '127.0.0.1'): Promise<RecordingServer> {
  const requests: RecordedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      if (req.method === 'POST' && /\/chat\/completions$/.test(path.split('?')[0])) {
        answerCompletion(body, res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        path.split('?')[0].endsWith('.json')
          ? JSON.stringify([
              { id: 1, name: 'a' },
              { id: 2, name: 'b' },
            ])
          : '{}',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    requests,
    sawSecret: (secret) => requests.some((r) => JSON.stringify(r.headers).includes(secret) || r.body.includes(secret)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answerCompletion(raw: string, res: import('node:http').ServerResponse): void {
  let stream = false;
  try {
    stream = Boolean((JSON.parse(raw) as { stream?: boolean }).stream);
  } catch {
    /* not JSON: answer plainly */
  }
  const base = { id: 'chatcmpl-rec', object: 'chat.completion.chunk', created: 0, model: 'rec-model' };
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const frame = (d: unknown) => res.write(`data: ${JSON.stringify(d)}\n\n`);
  frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: 'pong' }, finish_reason: null }] });
  frame({
    ...base,
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  res.end('data: [DONE]\n\n');
}
