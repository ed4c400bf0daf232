import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib';

/** One measured load: throughput only counts when every response was 2xx and no socket failed. */
export interface Measured {
  name: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** responses with status ≥ 400 (wrk's "Non-2xx or 3xx responses") or non-2xx (autocannon) */
  non2xx: number;
  /** connect/read/write/timeout errors (wrk) or errors (autocannon) */
  socketErrors: number;
  totalRequests: number;
}

export interface LoadOptions {
  durationSec: number;
  connections: number;
  headers?: Record<string, string>;
  /** POST with this body (every request the same) instead of GET */
  body?: string;
}

export type LoadTool = 'wrk' | 'autocannon';

let tool: LoadTool | undefined;

/** `wrk` when it is on PATH (the tool), else autocannon in-process; BENCH_LOAD_TOOL forces one. */
export function loadTool(): LoadTool {
  const forced = process.env.BENCH_LOAD_TOOL;
  if (!tool && (forced === 'wrk' || forced === 'autocannon')) {
    tool = forced;
  }
  if (!tool) {
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' });
      tool = 'wrk';
    } catch (err) {
      // `wrk --version` exits 1 after printing its version: only a missing binary means no wrk
      tool = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'autocannon' : 'wrk';
    }
  }
  return tool;
}

export function loadToolLabel(o: Pick<LoadOptions, 'durationSec' | 'connections'>): string {
  return loadTool() === 'wrk'
    ? `wrk -t1 -c${o.connections} -d${o.durationSec}s`
    : `autocannon ${o.connections} connections ${o.durationSec} s`;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) {
    throw new Error(`wrk: cannot parse latency "${text}"`);
  }
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Whole req/s, but two decimals below 100 so that slow routes keep a meaningful figure. */
export function roundRate(r: number): number {
  return r >= 100 ? Math.round(r) : Math.round(r * 100) / 100;
}

/** Parses `wrk --latency` output. */
export function parseWrk(name: string, out: string): Measured {
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? Math.round(durationMs(m[1]) * 100) / 100 : NaN;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (!rps || !total) {
    throw new Error(`wrk: unexpected output:\n${out}`);
  }
  return {
    name,
    requestsPerSec: roundRate(Number(rps[1])),
    latencyP50Ms: pct('50'),
    latencyP99Ms: pct('99'),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    totalRequests: Number(total[1]),
  };
}

/** A wrk Lua script that POSTs `body` (a Lua long string cannot be broken out of: its level is chosen to fit). */
function postScript(body: string): string {
  let eq = '';
  while (body.includes(`]${eq}]`)) {
    eq += '=';
  }
  const file = join(mkdtempSync(join(tmpdir(), 'wrk-')), 'post.lua');
  writeFileSync(file, `wrk.method = "POST"\nwrk.body = [${eq}[${body}]${eq}]\n`);
  return file;
}

function runWrk(name: string, url: string, o: LoadOptions): Promise<Measured> {
  const args = ['-t1', `-c${o.connections}`, `-d${o.durationSec}s`, '--latency', '--timeout', '10s'];
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    args.push('-H', `${k}: ${v}`);
  }
  if (o.body !== undefined) {
    args.push('-s', postScript(o.body));
  }
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
        return;
      }
      try {
        resolve(parseWrk(name, stdout));
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** One load run with the selected tool. */
export async function measure(name: string, url: string, o: LoadOptions): Promise<Measured> {
  if (loadTool() === 'wrk') {
    return runWrk(name, url, o);
  }
  const r = await load(name, url, {
    connections: o.connections,
    durationSec: o.durationSec,
    headers: o.headers,
    body: o.body,
  });
  return {
    name,
    requestsPerSec: r.requestsPerSec,
    latencyP50Ms: r.latencyP50Ms,
    latencyP99Ms: r.latencyP99Ms,
    non2xx: r.non2xx,
    socketErrors: r.errors,
    totalRequests: Math.round(r.requestsPerSec * o.durationSec),
  };
}

/** A run is valid only when every response was 2xx and no socket failed. */
export function isClean(m: Measured): boolean {
  return m.non2xx === 0 && m.socketErrors === 0 && m.totalRequests > 0;
}

/** A load after a warm-up load of `warmupSec` (0: none) on the same target; prints its figures in one line. */
export async function measureWarm(
  name: string,
  url: string,
  o: LoadOptions & { warmupSec: number },
): Promise<Measured> {
  const { warmupSec, ...load } = o;
  if (warmupSec > 0) {
    await measure(`${name} (warm-up)`, url, { ...load, durationSec: warmupSec });
  }
  const m = await measure(name, url, load);
  process.stdout.write(
    `  ${name}: ${m.requestsPerSec} req/s, p50 ${m.latencyP50Ms} ms, p99 ${m.latencyP99Ms} ms, non-2xx ${m.non2xx}, socket errors ${m.socketErrors}\n`,
  );
  return m;
}

/** The run with the median req/s; errors of every round count (one bad round invalidates the figure). */
export function median(runs: Measured[]): Measured {
  const sorted = [...runs].sort((x, y) => x.requestsPerSec - y.requestsPerSec);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  return {
    ...mid,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    socketErrors: runs.reduce((n, r) => n + r.socketErrors, 0),
  };
}

/** A table cell: req/s and p99, or why the figure is invalid. */
export function figure(m: Measured): string {
  const base = `${m.requestsPerSec} req/s, p99 ${m.latencyP99Ms} ms`;
  return isClean(m) ? base : `INVALID: ${m.non2xx} non-2xx, ${m.socketErrors} socket errors (${base})`;
}
