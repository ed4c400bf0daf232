import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/support/spawn-api';

const ROOT = join(__dirname, '..');
export const BENCH_LOG_DIR = join(ROOT, 'bench', 'logs');

export interface BenchProcess {
  name: string;
  baseUrl: string;
  pid: number;
  logFile: string;
  stop: () => Promise<void>;
}

/** The API's production build (`npm start` runs it), which bench/run.sh builds before the benches. */
const API_BUILD = join(ROOT, 'dist', 'src', 'main.js');

/**
 * How a bench starts `entry`: the API (`src/main.ts`) as operators run it, from its build, when
 * there is one (BENCH_FROM_SOURCE=true forces the sources); anything else, a .ts file compiled on
 * the fly with swc. The sources cost the API about 25 MB of RSS more (swc's native modules).
 */
function commandOf(entry: string): string[] {
  if (entry === 'src/main.ts' && process.env.BENCH_FROM_SOURCE !== 'true' && existsSync(API_BUILD)) {
    return [API_BUILD];
  }
  return ['-r', join(ROOT, 'test/support/swc-register.js'), join(ROOT, entry)];
}

/**
 * Starts `entry` (see commandOf) as its own process listening on a free loopback port, with
 * stdout/stderr written straight to bench/logs/<name>.log (a file, so the bench's event loop never
 * reads a pipe), and resolves once `readyPath` answers.
 */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  readyPath = '/api/v1/health',
  startTimeoutMs = 120_000,
): Promise<BenchProcess> {
  mkdirSync(BENCH_LOG_DIR, { recursive: true });
  const logFile = join(BENCH_LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, commandOf(entry), {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const stop = async () => {
    if (exitCode !== undefined) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${name} exited with ${exitCode} before listening; see ${logFile}`);
    }
    try {
      const res = await fetch(`${baseUrl}${readyPath}`, { signal: AbortSignal.timeout(5_000) });
      await res.arrayBuffer();
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not listen on ${baseUrl} in time; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name, baseUrl, pid: child.pid!, logFile, stop };
}
