import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export interface ApiProcess {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  /** stdout+stderr collected so far */
  output: () => string;
  /** resolves with the exit code */
  exited: Promise<number | null>;
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Runs the built API (`dist/src/main.js`, built by `npm test` before jest starts) as a separate
 * process on a free port, with the test environment plus `env`. Waits until it answers.
 */
export async function spawnApiProcess(env: Record<string, string> = {}, timeoutMs = 30_000): Promise<ApiProcess> {
  const main = join(ROOT, 'dist/src/main.js');
  if (!existsSync(main)) throw new Error('dist/src/main.js is missing: run `npx nest build` (npm test does it)');
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...process.env, SEED_ADMIN: 'true', LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited early (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${baseUrl}/api/v1/openapi.json`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API process did not answer within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    baseUrl,
    port,
    child,
    output: () => out,
    exited,
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
