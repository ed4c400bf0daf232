/**
 * Chat streaming: time from POST /chat/conversations/:id/messages to the `message_start` frame, and
 * 1,000 concurrent SSE turns against the fake OpenAI model (memory per open stream), each beside a
 * raw node:http SSE server doing the minimum (same run, same machine).
 * Usage: npm run bench (BENCHES=chat-sse) or
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/chat-sse.ts
 * Env: BENCH_CHAT_STREAMS (default 1000), BENCH_CHAT_SAMPLES (default 100), BENCH_CHAT_HOLD_MS (default
 * 8000), DATABASE_URL, BENCH_API_ENTRY (entry file relative to the repo root), BENCH_CHAT_HEAP_SIGNAL
 * (sends SIGUSR2 to the API before and with the open streams, for an entry that writes heap snapshots).
 * Records its summary rows in bench/results/chat-sse.json (bench/lib.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { startFakeOpenAI } from '../test/support/fake-openai-server';
import { spawnApiProcess } from '../test/support/spawn-api';
import { recordResults, SummaryRow } from './lib';

const STREAMS = Number(process.env.BENCH_CHAT_STREAMS ?? 1000);
const SAMPLES = Number(process.env.BENCH_CHAT_SAMPLES ?? 100);
const HOLD_MS = Number(process.env.BENCH_CHAT_HOLD_MS ?? 8000);
/** The built API (`npx nest build`) as in production, else the sources through swc; BENCH_API_ENTRY overrides. */
const API_ENTRY =
  process.env.BENCH_API_ENTRY ??
  (existsSync(join(__dirname, '..', 'dist/src/main.js')) ? 'dist/src/main.js' : 'src/main.ts');

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** POSTs and resolves timings: first byte of headers and first `message_start` frame; `done` when the stream ends. */
function openStream(
  url: string,
  headers: Record<string, string>,
  body: unknown,
): { firstEvent: Promise<number>; done: Promise<number>; started: number } {
  const started = performance.now();
  let resolveFirst!: (ms: number) => void;
  let rejectFirst!: (e: Error) => void;
  const firstEvent = new Promise<number>((r, j) => ((resolveFirst = r), (rejectFirst = j)));
  const done = new Promise<number>((resolve, reject) => {
    const payload = JSON.stringify(body);
    const u = new URL(url);
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          accept: 'text/event-stream',
          ...headers,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            const e = new Error(`status ${res.statusCode}: ${text}`);
            rejectFirst(e);
            reject(e);
          });
          return;
        }
        let buf = '';
        let seen = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          if (!seen && buf.includes('event: message_start')) {
            seen = true;
            resolveFirst(performance.now() - started);
          }
          if (buf.length > 4096) {
            buf = buf.slice(-256);
          }
        });
        res.on('end', () => resolve(performance.now() - started));
        res.on('error', reject);
      },
    );
    req.on('error', (e) => {
      rejectFirst(e);
      reject(e);
    });
    req.end(payload);
  });
  return { firstEvent, done, started };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

/** The raw baseline: node:http writing the same SSE frames, holding each stream for `hold` ms. */
const RAW_SERVER = `
const http = require('node:http');
const hold = Number(process.env.HOLD_MS || 0);
let n = 0;
const srv = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.write('id: 1\\nevent: message_start\\ndata: ' + JSON.stringify({ message_id: String(++n) }) + '\\n\\n');
    setTimeout(() => {
      res.write('id: 2\\nevent: content_delta\\ndata: {"delta":"Hello from the raw server."}\\n\\n');
      res.end('id: 3\\nevent: message_end\\ndata: {"finish_reason":"end_turn","usage":{}}\\n\\n');
    }, hold);
  });
});
srv.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + srv.address().port + '\\n'));
`;

async function rawServer(holdMs: number): Promise<{ url: string; pid: number; kill: () => void }> {
  const child = spawn(process.execPath, ['-e', RAW_SERVER], {
    env: { ...process.env, HOLD_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve) =>
    child.stdout!.on('data', (d) => {
      const m = /PORT (\d+)/.exec(String(d));
      if (m) {
        resolve(Number(m[1]));
      }
    }),
  );
  return { url: `http://127.0.0.1:${port}/`, pid: child.pid!, kill: () => child.kill('SIGKILL') };
}

async function json(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = await res.json();
  if (res.status >= 300) {
    throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(out)}`);
  }
  return out;
}

async function main() {
  const fake = await startFakeOpenAI();
  const api = await spawnApiProcess(
    {
      ...fake.apiEnv,
      RATE_LIMIT_PER_MIN: '100000000',
      MIGRATIONS_RUN: 'true',
      DATABASE_POOL_SIZE: '20',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy',
    },
    { entry: API_ENTRY },
  );
  const email = `bench-chat-${Date.now()}@example.test`;
  const reg = await json(
    `${api.baseUrl}/api/v1/auth/register`,
    'POST',
    {},
    { email, password: 'password-123', org_name: `bench-chat-${Date.now()}` },
  );
  const auth = { Authorization: `Bearer ${reg.token}` };
  const newConv = async () =>
    (await json(`${api.baseUrl}/api/v1/chat/conversations`, 'POST', auth, { title: 'bench' })).id as string;
  const lines: string[] = [];
  try {
    // ---- 1. latency POST → message_start, one stream at a time ----
    fake.setDefault({ text: 'Hello from the fake model.' });
    const convs: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      convs.push(await newConv());
    }
    for (let i = 0; i < 5; i++) {
      await openStream(`${api.baseUrl}/api/v1/chat/conversations/${convs[i]}/messages`, auth, { content: 'warm up' })
        .done;
    }
    const apiFirst: number[] = [];
    const apiTotal: number[] = [];
    for (let i = 5; i < SAMPLES; i++) {
      const s = openStream(`${api.baseUrl}/api/v1/chat/conversations/${convs[i]}/messages`, auth, { content: 'hello' });
      apiFirst.push(await s.firstEvent);
      apiTotal.push(await s.done);
    }
    const raw0 = await rawServer(0);
    const rawFirst: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const s = openStream(raw0.url, {}, { content: 'hello' });
      rawFirst.push(await s.firstEvent);
      await s.done;
    }
    raw0.kill();

    // ---- 2. N concurrent streams held open by a slow model: memory per stream ----
    fake.setDefault({ text: 'Hello from the fake model.', delayMs: HOLD_MS });
    const many: string[] = [];
    for (let i = 0; i < STREAMS; i += 50) {
      many.push(...(await Promise.all(Array.from({ length: Math.min(50, STREAMS - i) }, () => newConv()))));
    }
    global.gc?.();
    await new Promise((r) => setTimeout(r, 1000));
    const apiBase = rssKb(api.pid);
    // diagnosis only: an entry that writes a heap snapshot on SIGUSR2 (see docs/performance.md, Chat streaming)
    const snapshot = () => process.env.BENCH_CHAT_HEAP_SIGNAL && process.kill(api.pid, 'SIGUSR2');
    snapshot();
    const t0 = performance.now();
    const streams = many.map((c) =>
      openStream(`${api.baseUrl}/api/v1/chat/conversations/${c}/messages`, auth, { content: 'hello' }),
    );
    let apiEnded = 0;
    streams.forEach((s) =>
      s.done.then(
        () => apiEnded++,
        () => apiEnded++,
      ),
    );
    const firsts = await Promise.allSettled(streams.map((s) => s.firstEvent));
    const allOpenMs = performance.now() - t0;
    const apiPeak = rssKb(api.pid);
    // streams that already ended (the model holds each for HOLD_MS) are not in the RSS figure
    const openAtPeak = STREAMS - apiEnded;
    snapshot();
    const ends = await Promise.allSettled(streams.map((s) => s.done));
    const okApi = ends.filter((e) => e.status === 'fulfilled').length;
    const firstOk = firsts
      .filter((e) => e.status === 'fulfilled')
      .map((e) => (e as PromiseFulfilledResult<number>).value);

    const rawN = await rawServer(HOLD_MS);
    await new Promise((r) => setTimeout(r, 300));
    const rawBase = rssKb(rawN.pid);
    const r0 = performance.now();
    const rawStreams = Array.from({ length: STREAMS }, () => openStream(rawN.url, {}, { content: 'hello' }));
    const rawFirsts = (await Promise.allSettled(rawStreams.map((s) => s.firstEvent)))
      .filter((e) => e.status === 'fulfilled')
      .map((e) => (e as PromiseFulfilledResult<number>).value);
    const rawAllOpenMs = performance.now() - r0;
    const rawPeak = rssKb(rawN.pid);
    const rawEnds = await Promise.allSettled(rawStreams.map((s) => s.done));
    const okRaw = rawEnds.filter((e) => e.status === 'fulfilled').length;
    rawN.kill();

    lines.push('| measure | API (chat SSE) | raw node:http SSE |', '|---|---|---|');
    lines.push(
      `| POST → message_start p50 (ms), ${SAMPLES - 5} sequential turns | ${f1(pct(apiFirst, 50))} | ${f1(pct(rawFirst, 50))} |`,
    );
    lines.push(`| POST → message_start p99 (ms) | ${f1(pct(apiFirst, 99))} | ${f1(pct(rawFirst, 99))} |`);
    lines.push(`| whole turn p50 (ms), fake model answering at once | ${f1(pct(apiTotal, 50))} | — |`);
    lines.push(`| ${STREAMS} concurrent streams: completed | ${okApi}/${STREAMS} | ${okRaw}/${STREAMS} |`);
    lines.push(
      `| ${STREAMS} concurrent: POST → message_start p50 / p99 (ms) | ${f1(pct(firstOk, 50))} / ${f1(pct(firstOk, 99))} | ${f1(pct(rawFirsts, 50))} / ${f1(pct(rawFirsts, 99))} |`,
    );
    lines.push(`| ${STREAMS} concurrent: all streams open after (ms) | ${f1(allOpenMs)} | ${f1(rawAllOpenMs)} |`);
    lines.push(
      `| RSS before → with ${STREAMS} open streams (MB) | ${(apiBase / 1024).toFixed(0)} → ${(apiPeak / 1024).toFixed(0)} | ${(rawBase / 1024).toFixed(0)} → ${(rawPeak / 1024).toFixed(0)} |`,
    );
    lines.push(
      `| memory per open stream (KB) | ${((apiPeak - apiBase) / STREAMS).toFixed(1)} | ${((rawPeak - rawBase) / STREAMS).toFixed(1)} |`,
    );
    lines.push(`| streams still open when the RSS was read | ${openAtPeak}/${STREAMS} | — |`);
    process.stdout.write(`${lines.join('\n')}\n`);

    const p50 = pct(apiFirst, 50);
    const rawP50 = pct(rawFirst, 50);
    const perStream = (apiPeak - apiBase) / STREAMS;
    const rawPerStream = (rawPeak - rawBase) / STREAMS;
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
    const rows: SummaryRow[] = [
      {
        bench: `chat: \`POST …/messages\` → \`message_start\` p50 (fake model, ${SAMPLES - 5} sequential turns)`,
        api: `${f1(p50)} ms (p99 ${f1(pct(apiFirst, 99))} ms)`,
        baseline: `${f1(rawP50)} ms (raw node:http SSE server)`,
        ratio: Number((rawP50 / p50).toFixed(2)),
        target: '≤ 5 ms',
        met: p50 <= 5,
      },
      {
        bench: `chat: RSS of the API process with ${STREAMS} open SSE streams (${openAtPeak} still open at the reading)`,
        api: `${mb(apiPeak)} (${mb(apiBase)} before the streams)`,
        baseline: `${mb(rawPeak)} (raw node:http SSE server, ${mb(rawBase)} before)`,
        ratio: Number((rawPeak / apiPeak).toFixed(2)),
        target: '< 300 MB',
        met: apiPeak < 300 * 1024 && okApi === STREAMS,
      },
      {
        bench: 'chat: memory per open SSE stream (RSS growth / streams)',
        api: `${perStream.toFixed(1)} KB`,
        baseline: `${rawPerStream.toFixed(1)} KB (raw node:http SSE server)`,
        ratio: Number((rawPerStream / perStream).toFixed(2)),
      },
    ];
    recordResults('chat-sse', rows);
  } catch (err) {
    process.stderr.write(`API output (last lines):\n${api.output()}\n`);
    throw err;
  } finally {
    await api.kill();
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
