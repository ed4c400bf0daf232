import { execFile } from 'node:child_process';

/** Runs the git binary; a failure is a GitCommandError carrying stderr and the exit code. */
const ALLOWED_PROTOCOLS = 'https:http:ssh:git:file';

export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly exitCode: number | string | null,
  ) {
    super(message);
    this.name = 'GitCommandError';
  }
}

export function runGit(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; signal?: AbortSignal; maxBuffer?: number; config?: string[] } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...(opts.config ?? []).flatMap((kv) => ['-c', kv]), ...args],
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
        signal: opts.signal,
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '',
          SSH_ASKPASS: '',
          GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
          GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS,
          GIT_CONFIG_NOSYSTEM: '1',
          // the API user's ~/.gitconfig (credential helpers, url rewrites) is install-level, never an org's
          GIT_CONFIG_GLOBAL: '/dev/null',
          LC_ALL: 'C',
        },
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) {
          const code = (err as any).code ?? null;
          const msg = String(stderr || err.message)
            .trim()
            .split('\n')
            .slice(-3)
            .join(' ');
          return reject(new GitCommandError(`git ${args[0]} failed: ${msg}`, String(stderr ?? ''), code));
        }
        resolve(stdout);
      },
    );
  });
}
