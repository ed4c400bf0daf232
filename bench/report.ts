/**
 * Rewrites the summary table at the top of docs/performance.md (between the bench:summary markers)
 * from every bench/results/<bench>.json (written by recordResults in bench/lib.ts).
 *   report.ts start — records the run's machine, load tool and os.loadavg() before the benches run
 *   report.ts       — rewrites the table (run by bench/run.sh after the benches)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { SummaryRow } from './lib';
import { loadTool } from './wrk';

const RESULTS = join(__dirname, 'results');
const META = join(RESULTS, 'run.meta');
const DOC = join(__dirname, '..', 'docs', 'performance.md');
/** set by bench/run.sh (its default list when the caller gave none); unset, every result file counts */
const BENCHES = (process.env.BENCHES ?? '').split(/\s+/).filter(Boolean);
const START = '<!-- bench:summary:start -->';
const END = '<!-- bench:summary:end -->';

interface RunMeta {
  startedAt: string;
  cores: number;
  cpuModel: string;
  loadavg: number[];
  tool: string;
  /** the benches this run was asked for (BENCHES) */
  benches: string[];
}

interface ResultFile {
  bench: string;
  measuredAt: string;
  rows: SummaryRow[];
}

function toolDescription(): string {
  const duration = process.env.BENCH_DURATION_SEC ?? '10';
  const conns = process.env.BENCH_CONNECTIONS ?? '50';
  if (loadTool() !== 'wrk') {
    return `autocannon (wrk not installed), ${conns} connections, ${duration} s per load`;
  }
  let version = 'wrk';
  try {
    execFileSync('wrk', ['--version'], { stdio: 'pipe' });
  } catch (err) {
    version = /^(wrk \S+)/.exec(String((err as { stdout?: Buffer }).stdout ?? ''))?.[1] ?? 'wrk';
  }
  return `${version}, \`-t1 -c${conns} -d${duration}s\`, 2 s warm-up load before each`;
}

function start(): void {
  mkdirSync(RESULTS, { recursive: true });
  const meta: RunMeta = {
    startedAt: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    tool: toolDescription(),
    benches: BENCHES,
  };
  writeFileSync(META, `${JSON.stringify(meta, null, 2)}\n`);
}

/** the BENCHES order, then any other result file */
const order = (bench: string) => (BENCHES.includes(bench) ? BENCHES.indexOf(bench) : BENCHES.length);

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function summary(): string {
  const meta: RunMeta | undefined = existsSync(META) ? (JSON.parse(readFileSync(META, 'utf8')) as RunMeta) : undefined;
  const files: ResultFile[] = existsSync(RESULTS)
    ? readdirSync(RESULTS)
        .filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(readFileSync(join(RESULTS, f), 'utf8')) as ResultFile)
        .sort((x, y) => order(x.bench) - order(y.bench) || x.bench.localeCompare(y.bench))
    : [];
  const lines = [
    `## Latest run (${(meta?.startedAt ?? new Date().toISOString()).slice(0, 16).replace('T', ' ')} UTC, \`npm run bench\`)`,
    '',
    `Machine: ${meta ? `${meta.cores} cores (${meta.cpuModel}), load average at the start ${meta.loadavg.join(' / ')}` : 'unknown'}. ` +
      `Load tool: ${meta?.tool ?? toolDescription()}. Every ratio compares figures of the same run.`,
    '',
    '| bench | API | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of files) {
    const asked = meta?.benches?.length ? meta.benches : undefined;
    const earlier = meta && (f.measuredAt < meta.startedAt || (asked !== undefined && !asked.includes(f.bench)));
    const stale = earlier ? ` (not this run: ${f.measuredAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
    for (const r of f.rows) {
      lines.push(
        `| ${cell(r.bench)}${stale} | ${cell(r.api)} | ${cell(r.baseline)} | ${r.ratio ?? '—'} | ${r.target ?? '—'} | ${
          r.met === undefined ? '—' : r.met ? 'yes' : '**no**'
        } |`,
      );
    }
  }
  if (!files.length) {
    lines.push('| (no results yet) | | | | | |');
  }
  return lines.join('\n');
}

function rewrite(): void {
  const doc = readFileSync(DOC, 'utf8');
  const block = `${START}\n${summary()}\n${END}`;
  let out: string;
  const s = doc.indexOf(START);
  const e = doc.indexOf(END);
  if (s !== -1 && e > s) {
    out = doc.slice(0, s) + block + doc.slice(e + END.length);
  } else {
    // first run: replace the hand-written "Latest full run" section, else insert after the first paragraph
    const old = doc.indexOf('## Latest full run');
    if (old !== -1) {
      const after = doc.slice(old + 1).search(/\n(The sections below|## )/);
      const stop = after === -1 ? doc.length : old + 1 + after + 1;
      out = `${doc.slice(0, old)}${block}\n\n${doc.slice(stop)}`;
    } else {
      const para = doc.indexOf('\n\n', doc.indexOf('\n\n') + 2);
      const at = para === -1 ? doc.length : para + 2;
      out = `${doc.slice(0, at)}${block}\n\n${doc.slice(at)}`;
    }
  }
  writeFileSync(DOC, out);
  process.stdout.write(`${summary()}\n\nrewrote ${DOC}\n`);
}

if (process.argv[2] === 'start') {
  start();
} else {
  rewrite();
}
