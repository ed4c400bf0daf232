import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { collectOutputLines } from './output-lines';

export interface DaemonProcess {
  pid: number;
  /** last lines of the daemon's stdout/stderr (for failure messages) */
  output: () => string;
  /** SIGTERM (graceful: deregisters), then SIGKILL after `graceMs`; resolves once exited */
  stop: (graceMs?: number) => Promise<number | null>;
  /** SIGKILL at once (a crashed daemon: no deregister); resolves once exited */
  kill: () => Promise<number | null>;
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');

/**
 * Starts the worker daemon (src/bin/worker-daemon.ts, compiled on the fly with swc) as a separate
 * process. It inherits process.env (test database, Neo4j, EGRESS_ALLOW) plus `env`, which must hold
 * AGENTCY_URL and WORKER_TOKEN (and the REDIS_PREFIX of the API under test). Resolves at once; wait
 * for it to show up in GET /workers. Always stop/kill it in afterAll.
 */
export function spawnWorkerDaemon(env: Record<string, string>): DaemonProcess {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', join(ROOT, 'test/support/swc-register.js'), join(ROOT, 'src/bin/worker-daemon.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.WORKER_LOG_LEVEL ?? 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  void collectOutputLines([child.stdout, child.stderr], lines, 300);
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  const stop = async (graceMs = 15_000) => {
    if (done) {
      return exited;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const kill = async () => {
    if (!done) {
      child.kill('SIGKILL');
    }
    return exited;
  };
  return { pid: child.pid!, output: () => lines.join('\n'), stop, kill, exited };
}
