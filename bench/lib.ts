import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  name: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

/** A bounded autocannon run against a loopback URL. */
export async function load(
  name: string,
  url: string,
  opts: { connections?: number; durationSec?: number; headers?: Record<string, string>; body?: string } = {},
): Promise<LoadResult> {
  const r = await autocannon({
    url,
    ...(opts.body !== undefined ? { method: 'POST' as const, body: opts.body } : {}),
    connections: opts.connections ?? 20,
    duration: opts.durationSec ?? 8,
    headers: opts.headers,
  });
  return {
    name,
    requestsPerSec: Math.round(r.requests.average),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
  };
}

/** One line of the summary table at the top of docs/performance.md. */
export interface SummaryRow {
  /** what was measured, e.g. "`GET /health` (wrk, 1 thread, 50 connections, 10 s)" */
  bench: string;
  /** the API's figure with its unit, e.g. "6120 req/s, p99 14 ms" */
  api: string;
  /** the baseline's figure from the same run, with what the baseline is */
  baseline: string;
  /** api/baseline as a number (higher is better; for latency or memory give baseline/api or leave undefined) */
  ratio?: number;
  /** the target, e.g. "≥ 0.9" or "≤ 5 ms", and whether this run met it */
  target?: string;
  met?: boolean;
}

/**
 * Each bench records its rows here; `npm run bench` (bench/run.sh) then rewrites the table at the
 * top of docs/performance.md from every file in bench/results/ (bench/report.ts). `BENCH_RECORD=0`
 * leaves the results alone (a diagnostic run with other knobs must not replace the table's figures).
 */
export function recordResults(benchName: string, rows: SummaryRow[]): void {
  if (process.env.BENCH_RECORD === '0') {
    return;
  }
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${benchName}.json`),
    `${JSON.stringify({ bench: benchName, measuredAt: new Date().toISOString(), rows }, null, 2)}\n`,
  );
}
