import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { collectOutputLines } from './output-lines';

export interface SpawnedApi {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  port: number;
  pid: number;
  /** last lines of the child's stdout/stderr (for failure messages) */
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  kill: (graceMs?: number) => Promise<void>;
  /** sends a signal without waiting */
  signal: (sig: NodeJS.Signals) => void;
  /** resolves with the exit code once the process has exited */
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts a second, fully separate API process (src/main.ts compiled on the fly with swc) that
 * talks to the same PostgreSQL/Redis/Neo4j as the test process. It inherits process.env (so the
 * test database URL and Redis prefix set by test/setup/env.ts), plus `env`. Resolves once the
 * HTTP server answers. Always `kill()` it in afterAll.
 */
export async function spawnApiProcess(
  env: Record<string, string> = {},
  opts: {
    startTimeoutMs?: number;
    /** entry file relative to the repo root (default src/main.ts) */
    entry?: string;
    /** path polled until it answers (any HTTP status); default /api/v1/health */
    readyPath?: string;
  } = {},
): Promise<SpawnedApi> {
  const port = await freePort();
  const entry = opts.entry ?? 'src/main.ts';
  // a built entry runs as `npm start` runs it: without the TypeScript hook (and its compiler) loaded
  const preload = entry.endsWith('.ts') ? ['-r', join(ROOT, 'test/support/swc-register.js')] : [];
  const child: ChildProcess = spawn(process.execPath, [...preload, join(ROOT, entry)], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const drained = collectOutputLines([child.stdout, child.stderr], lines, 200);
  let exited: number | null | undefined;
  // The exit code counts once the process is gone and its output has been read to the end
  // (bounded, in case a grandchild still holds the pipes).
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      const settle = setTimeout(() => resolve(code), 2_000);
      void drained.then(() => {
        clearTimeout(settle);
        resolve(code);
      });
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => lines.join('\n');
  const kill = async (graceMs = 10_000) => {
    if (exited !== undefined) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(`API process exited with ${exited} before listening:\n${output()}`);
    }
    try {
      const res = await fetch(`${baseUrl}${opts.readyPath ?? '/api/v1/health'}`, {
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await kill(2_000);
      throw new Error(`API process did not listen on ${baseUrl} in time:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseUrl, port, pid: child.pid!, output, kill, signal: (sig) => void child.kill(sig), exited: exit };
}
