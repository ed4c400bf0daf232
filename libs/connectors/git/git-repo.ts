import type { OrgEgress } from '@libs/egress/org-egress';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConnectorConfigError, type ValidationResult } from '../connector';
import { GitCommandError, runGit } from './git-command';
import { checkShape, SCP_LIKE, type GitConfig, type GitCtx } from './git-config';

/**
 * git's words for refused credentials, and an HTTP 401/403 as git reports it ("The requested URL
 * returned error: 403"); a bare "401" would also match a port or a path in the message.
 */
export const REJECTED_CREDENTIALS =
  /authentication failed|could not read username|permission denied|returned error: 40[13]\b/i;

const FETCH_INTERVAL_MS = 60_000;

/** Where an org's bare clones live: `<UPLOAD_DIR>/git/<org id>/` (removed when the org is purged). */
export function gitCacheDir(uploadDir?: string, orgId?: string): string {
  const dir = uploadDir || process.env.UPLOAD_DIR;
  const base = dir ? path.resolve(dir) : os.tmpdir();
  return path.join(base, 'git', orgId || '_');
}

/** The remote as git gets it, and the `-c` options that keep git on the address the guard checked. */
interface GuardedRemote {
  url: string;
  config: string[];
}

/**
 * Checks a remote with the org's egress guard before git connects. http(s): the host is resolved
 * and checked once, and curl is pinned to that address (`http.curloptResolve`), with no redirects
 * and no proxy; git gets the normalised URL so curl parses the host the guard checked. ssh/git://
 * (host access, see unguardedRemote): the host is resolved and checked. `file:` reads the host's
 * files (host access) and opens no connection.
 */
export async function guardRemote(c: GitConfig, egress: OrgEgress): Promise<GuardedRemote> {
  const raw = c.url!.trim();
  if (/^file:/i.test(raw)) {
    return { url: raw, config: [] };
  }
  if (!/^https?:/i.test(raw)) {
    const at = raw.indexOf('@');
    await egress.resolve(SCP_LIKE.test(raw) ? raw.slice(at + 1, raw.indexOf(':', at)) : new URL(raw).hostname);
    return { url: raw, config: [] };
  }
  const u = new URL(raw);
  const { host, address } = await egress.checkUrl(u);
  if (c.token) {
    u.username = u.username || 'x-access-token';
    u.password = c.token;
  }
  const config = ['http.followRedirects=false', 'http.proxy='];
  if (!isIP(host)) {
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    config.push(`http.curloptResolve=${host}:${port}:${isIP(address) === 6 ? `[${address}]` : address}`);
  }
  return { url: u.toString(), config };
}

export function redact(msg: string, c: GitConfig): string {
  return c.token ? msg.split(c.token).join('***') : msg;
}

const locks = new Map<string, Promise<unknown>>();
const lastFetch = new Map<string, number>();

async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(fn);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) {
      locks.delete(key);
    }
  }
}

/** Returns the git dir to run commands in (cloning / fetching remotes as needed). */
/** Clones are cached per org (gitCacheDir): one org's fetch never serves another org's reads. */
export async function resolveRepo(
  c: GitConfig,
  opts: { egress: OrgEgress; fresh?: boolean; signal?: AbortSignal; uploadDir?: string; orgId?: string },
): Promise<string> {
  checkShape(c);
  const timeoutMs = c.timeout_ms ?? 120_000;
  if (c.path) {
    const p = c.path;
    if (!existsSync(p) || !statSync(p).isDirectory()) {
      throw new ConnectorConfigError('unreachable', `repository path does not exist: ${p}`, { field: 'path' });
    }
    try {
      await runGit(['rev-parse', '--git-dir'], { cwd: p, timeoutMs, signal: opts.signal });
    } catch {
      throw new ConnectorConfigError('shape', `not a git repository: ${p}`, { field: 'path' });
    }
    return p;
  }
  const dir = path.join(
    gitCacheDir(opts.uploadDir, opts.orgId),
    createHash('sha256').update(c.url!.trim()).digest('hex').slice(0, 24) + '.git',
  );
  return withLock(dir, async () => {
    try {
      if (!existsSync(path.join(dir, 'HEAD'))) {
        mkdirSync(path.dirname(dir), { recursive: true });
        const remote = await guardRemote(c, opts.egress);
        await runGit(['clone', '--bare', '--quiet', '--', remote.url, dir], {
          timeoutMs,
          signal: opts.signal,
          config: remote.config,
        });
        // keep the token out of the cached config
        await runGit(['remote', 'set-url', 'origin', c.url!.trim()], { cwd: dir });
        lastFetch.set(dir, Date.now());
      } else if (opts.fresh || Date.now() - (lastFetch.get(dir) ?? 0) > FETCH_INTERVAL_MS) {
        const remote = await guardRemote(c, opts.egress);
        await runGit(
          ['fetch', '--quiet', '--prune', '--', remote.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
          { cwd: dir, timeoutMs, signal: opts.signal, config: remote.config },
        );
        lastFetch.set(dir, Date.now());
      }
    } catch (e) {
      if (!(e instanceof GitCommandError)) {
        throw e;
      }
      const msg = redact(e.message, c);
      if (REJECTED_CREDENTIALS.test(e.stderr)) {
        throw new ConnectorConfigError('credentials', `git remote rejected the credentials: ${msg}`, { field: 'url' });
      }
      throw new ConnectorConfigError('unreachable', `cannot clone/fetch ${c.url}: ${msg}`, { field: 'url' });
    }
    return dir;
  });
}

export async function resolveBranch(dir: string, c: GitConfig, signal?: AbortSignal): Promise<string> {
  const ref = c.branch ?? 'HEAD';
  try {
    await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: dir, signal });
  } catch {
    throw new ConnectorConfigError(
      'shape',
      c.branch ? `branch "${c.branch}" does not exist` : 'the repository has no commits',
      { field: 'branch' },
    );
  }
  return ref;
}

/** The source's repository for a tool call (fetched at most every minute). */
export function openRepo(ctx: GitCtx): Promise<string> {
  return resolveRepo(ctx.config, {
    egress: ctx.egress,
    signal: ctx.signal,
    uploadDir: ctx.uploadDir,
    orgId: ctx.orgId,
  });
}

export async function currentBranch(dir: string): Promise<string | null> {
  try {
    return (await runGit(['symbolic-ref', '--short', 'HEAD'], { cwd: dir })).trim();
  } catch {
    return null;
  }
}

/** Opens (clones/fetches) the repository and counts the commits of the branch. */
export async function validateGit(ctx: GitCtx): Promise<ValidationResult> {
  const dir = await resolveRepo(ctx.config, {
    egress: ctx.egress,
    fresh: true,
    signal: ctx.signal,
    uploadDir: ctx.uploadDir,
    orgId: ctx.orgId,
  });
  const branch = await resolveBranch(dir, ctx.config, ctx.signal);
  const head = (await runGit(['rev-parse', `${branch}^{commit}`], { cwd: dir })).trim();
  const count = Number((await runGit(['rev-list', '--count', head], { cwd: dir })).trim());
  return { ok: true as const, info: { branch: ctx.config.branch ?? (await currentBranch(dir)), head, commits: count } };
}
