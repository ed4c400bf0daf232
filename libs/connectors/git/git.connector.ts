import type { OrgEgress } from '@libs/egress/org-egress';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  ConnectorConfigError,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorToolSpec,
  GraphEdgeInput,
  GraphNodeInput,
  IngestBatch,
  ToolExecutionError,
} from '../connector';
import { argInt } from '../tool-args';

export interface GitConfig {
  /** local repository (work tree or bare) on the API host */
  path?: string;
  /** remote to clone (https, ssh, git, file); cached under $UPLOAD_DIR/git (or the OS temp dir) */
  url?: string;
  /** https token for private remotes (sent as basic-auth password) */
  token?: string;
  branch?: string;
  /** commits ingested (newest first), default 1000 */
  max_commits?: number;
  timeout_ms?: number;
}

type Ctx = ConnectorContext<GitConfig>;

const BATCH = 500;
const MAX_FILES = 20_000;
const ALLOWED_PROTOCOLS = 'https:http:ssh:git:file';
const FETCH_INTERVAL_MS = 60_000;

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

// ---------- repository resolution ----------

function checkShape(c: GitConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  const hasPath = typeof c.path === 'string' && c.path.trim() !== '';
  const hasUrl = typeof c.url === 'string' && c.url.trim() !== '';
  if (hasPath === hasUrl) {
    throw new ConnectorConfigError('shape', 'exactly one of `path` or `url` is required', { fields: ['path', 'url'] });
  }
  if (hasPath && !path.isAbsolute(c.path!)) {
    throw new ConnectorConfigError('shape', '`path` must be an absolute path', { field: 'path' });
  }
  if (hasUrl) {
    const u = c.url!.trim();
    const scp = SCP_LIKE.test(u);
    let proto = '';
    try {
      proto = new URL(u).protocol;
    } catch {
      /* scp-like */
    }
    if (u.startsWith('-') || (!scp && !['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(proto))) {
      throw new ConnectorConfigError(
        'shape',
        '`url` must be an https, http, ssh, git or file URL (or user@host:path)',
        { field: 'url' },
      );
    }
  }
  if (c.branch !== undefined && !isSafeRef(c.branch)) {
    throw new ConnectorConfigError('shape', '`branch` is not a valid ref name', { field: 'branch' });
  }
  if (
    c.max_commits !== undefined &&
    (!Number.isInteger(c.max_commits) || c.max_commits < 1 || c.max_commits > 100_000)
  ) {
    throw new ConnectorConfigError('shape', '`max_commits` must be an integer between 1 and 100000', {
      field: 'max_commits',
    });
  }
}

/** `user@host:path` (ssh) */
const SCP_LIKE = /^[\w.-]+@[\w.-]+:[\w./~-]+$/;

/**
 * ssh and git:// remotes are connected by ssh/git themselves, not through a connection the egress
 * guard pins (ssh also authenticates with the API host's own keys), so they are host access.
 */
function unguardedRemote(c: GitConfig | undefined): string | null {
  const u = typeof c?.url === 'string' ? c.url.trim() : '';
  if (/^ssh:/i.test(u) || SCP_LIKE.test(u)) {
    return "connects over SSH with the API host's SSH keys";
  }
  return /^git:/i.test(u) ? 'connects over the git:// protocol outside the egress guard' : null;
}

/** A local path, or a `file:` URL: both read whatever repository the API process can see. */
function readsHostFiles(c: GitConfig | undefined): boolean {
  if (!c) {
    return false;
  }
  if (typeof c.path === 'string' && c.path.trim()) {
    return true;
  }
  return typeof c.url === 'string' && /^\s*file:/i.test(c.url);
}

function isSafeRef(ref: unknown): ref is string {
  return (
    typeof ref === 'string' &&
    ref.length > 0 &&
    ref.length < 256 &&
    !ref.startsWith('-') &&
    /^[A-Za-z0-9._/@{}~^+-]+$/.test(ref) &&
    !ref.includes('..')
  );
}

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

function redact(msg: string, c: GitConfig): string {
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
      if (/authentication failed|could not read username|permission denied|403|401/i.test(e.stderr)) {
        throw new ConnectorConfigError('credentials', `git remote rejected the credentials: ${msg}`, { field: 'url' });
      }
      throw new ConnectorConfigError('unreachable', `cannot clone/fetch ${c.url}: ${msg}`, { field: 'url' });
    }
    return dir;
  });
}

async function resolveBranch(dir: string, c: GitConfig, signal?: AbortSignal): Promise<string> {
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

// ---------- parsing ----------

const RS = '\x1e';
const US = '\x1f';
const LOG_FORMAT = `${RS}%H${US}%P${US}%an${US}%ae${US}%aI${US}%cn${US}%ce${US}%cI${US}%s`;

export interface ParsedCommit {
  sha: string;
  parents: string[];
  author: { name: string; email: string };
  authored_at: string;
  committer: { name: string; email: string };
  committed_at: string;
  subject: string;
  files: { path: string; additions: number | null; deletions: number | null }[];
}

/** numstat path: handles `a => b` and `dir/{a => b}/x` rename notation */
function numstatPath(p: string): string {
  const brace = p.match(/^(.*)\{(.*) => (.*)\}(.*)$/);
  if (brace) {
    return `${brace[1]}${brace[3]}${brace[4]}`.replace(/\/\//g, '/');
  }
  const plain = p.match(/^(.*) => (.*)$/);
  return plain ? plain[2] : p;
}

export function parseLog(out: string): ParsedCommit[] {
  const commits: ParsedCommit[] = [];
  for (const rec of out.split(RS)) {
    if (!rec.trim()) {
      continue;
    }
    const [header, ...rest] = rec.split('\n');
    const f = header.split(US);
    if (f.length < 9) {
      continue;
    }
    const files = rest
      .filter((l) => l.trim())
      .map((l) => {
        const [a, d, ...p] = l.split('\t');
        return {
          path: numstatPath(p.join('\t')),
          additions: a === '-' ? null : Number(a),
          deletions: d === '-' ? null : Number(d),
        };
      });
    commits.push({
      sha: f[0],
      parents: f[1] ? f[1].split(' ') : [],
      author: { name: f[2], email: f[3] },
      authored_at: f[4],
      committer: { name: f[5], email: f[6] },
      committed_at: f[7],
      subject: f.slice(8).join(US),
      files,
    });
  }
  return commits;
}

function summarize(c: ParsedCommit) {
  return {
    sha: c.sha,
    short_sha: c.sha.slice(0, 7),
    author: c.author.name,
    author_email: c.author.email,
    authored_at: c.authored_at,
    subject: c.subject,
    parents: c.parents,
    files_changed: c.files.length,
    additions: c.files.reduce((n, f) => n + (f.additions ?? 0), 0),
    deletions: c.files.reduce((n, f) => n + (f.deletions ?? 0), 0),
  };
}

// ---------- tools ----------

export const GIT_TOOLS: ConnectorToolSpec[] = [
  {
    name: 'log',
    description: 'Recent commits (newest first) of a branch/ref, optionally limited to a path, an author or a date.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        ref: { type: 'string', description: 'branch, tag or sha (default: the source branch)' },
        path: { type: 'string', description: 'only commits touching this path' },
        author: { type: 'string', description: 'author name or email pattern' },
        since: { type: 'string', description: 'e.g. 2026-01-01 or "2 weeks ago"' },
        limit: { type: 'integer', minimum: 1, maximum: 500, default: 20 },
      },
    },
  },
  {
    name: 'show',
    description: 'One commit: author, committer, full message, parents and per-file diff stat (optionally the patch).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        ref: { type: 'string', description: 'commit sha, branch or tag' },
        patch: { type: 'boolean', default: false },
        max_chars: { type: 'integer', minimum: 100, maximum: 200000, default: 20000 },
      },
      required: ['ref'],
    },
  },
  {
    name: 'diff',
    description: 'Diff between two refs (diff stat + unified diff, truncated).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        from: { type: 'string', description: 'base ref' },
        to: { type: 'string', description: 'target ref (default: the source branch)' },
        path: { type: 'string', description: 'limit to this path' },
        max_chars: { type: 'integer', minimum: 100, maximum: 200000, default: 20000 },
      },
      required: ['from'],
    },
  },
];

function argRef(args: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') {
    if (required) {
      throw new ToolExecutionError('invalid_arguments', `\`${key}\` is required`, { field: key });
    }
    return undefined;
  }
  if (!isSafeRef(v)) {
    throw new ToolExecutionError('invalid_arguments', `\`${key}\` is not a valid ref`, { field: key });
  }
  return v;
}

function argPath(args: Record<string, unknown>): string | undefined {
  const v = args.path;
  if (v === undefined || v === null || v === '') {
    return undefined;
  }
  if (typeof v !== 'string' || v.startsWith('-') || v.includes('\0')) {
    throw new ToolExecutionError('invalid_arguments', '`path` is not a valid path', { field: 'path' });
  }
  return v;
}

async function verifyRef(dir: string, ref: string, signal?: AbortSignal): Promise<string> {
  try {
    return (await runGit(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: dir, signal })).trim();
  } catch {
    throw new ToolExecutionError('not_found', `unknown revision "${ref}"`, { ref });
  }
}

function cut(text: string, max: number): { text: string; truncated: boolean } {
  return text.length > max ? { text: text.slice(0, max), truncated: true } : { text, truncated: false };
}

async function runTool(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<unknown> {
  const c = ctx.config;
  const signal = ctx.signal;
  if (!GIT_TOOLS.some((t) => t.name === tool)) {
    throw new ToolExecutionError('tool_not_found', `git has no tool "${tool}"`, { tool });
  }
  const dir = await resolveRepo(c, { egress: ctx.egress, signal, uploadDir: ctx.uploadDir, orgId: ctx.orgId });
  switch (tool) {
    case 'log': {
      const ref = argRef(args, 'ref', false) ?? c.branch ?? 'HEAD';
      await verifyRef(dir, ref, signal);
      const limit = argInt(args, 'limit', { def: 20, min: 1, max: 500 });
      const gitArgs = ['log', `--max-count=${limit}`, `--format=${LOG_FORMAT}`, '--numstat', '--no-color'];
      if (typeof args.author === 'string' && args.author) {
        gitArgs.push(`--author=${args.author}`);
      }
      if (typeof args.since === 'string' && args.since) {
        gitArgs.push(`--since=${args.since}`);
      }
      gitArgs.push(ref, '--');
      const p = argPath(args);
      if (p) {
        gitArgs.push(p);
      }
      const commits = parseLog(await runGit(gitArgs, { cwd: dir, signal }));
      return { ref, items: commits.map(summarize), total: commits.length };
    }
    case 'show': {
      const ref = argRef(args, 'ref', true)!;
      const sha = await verifyRef(dir, ref, signal);
      const max = argInt(args, 'max_chars', { def: 20_000, min: 100, max: 200_000 });
      const [head] = parseLog(
        await runGit(['show', '--no-color', `--format=${LOG_FORMAT}`, '--numstat', sha], { cwd: dir, signal }),
      );
      const message = await runGit(['show', '--no-patch', '--format=%B', sha], { cwd: dir, signal });
      const status = await runGit(['show', '--no-color', '--format=', '--name-status', sha], { cwd: dir, signal });
      const statusByPath = new Map<string, string>();
      for (const l of status.split('\n').filter(Boolean)) {
        const parts = l.split('\t');
        statusByPath.set(parts[parts.length - 1], parts[0][0]);
      }
      const STATUS: Record<string, string> = {
        A: 'added',
        M: 'modified',
        D: 'deleted',
        R: 'renamed',
        C: 'copied',
        T: 'type_changed',
      };
      const out: Record<string, unknown> = {
        ...summarize(head),
        committer: head.committer.name,
        committer_email: head.committer.email,
        committed_at: head.committed_at,
        message: message.trim(),
        files: head.files.map((f) => ({ ...f, status: STATUS[statusByPath.get(f.path) ?? 'M'] ?? 'modified' })),
      };
      if (args.patch === true) {
        const patch = cut(
          await runGit(['show', '--no-color', '--no-ext-diff', '--format=', '--patch', sha], { cwd: dir, signal }),
          max,
        );
        out.patch = patch.text;
        out.truncated = patch.truncated;
      }
      return out;
    }
    case 'diff': {
      const from = argRef(args, 'from', true)!;
      const to = argRef(args, 'to', false) ?? c.branch ?? 'HEAD';
      const fromSha = await verifyRef(dir, from, signal);
      const toSha = await verifyRef(dir, to, signal);
      const max = argInt(args, 'max_chars', { def: 20_000, min: 100, max: 200_000 });
      const p = argPath(args);
      const tail = ['--', ...(p ? [p] : [])];
      const numstat = await runGit(['diff', '--no-color', '--numstat', fromSha, toSha, ...tail], { cwd: dir, signal });
      const files = numstat
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [a, d, ...rest] = l.split('\t');
          return {
            path: numstatPath(rest.join('\t')),
            additions: a === '-' ? null : Number(a),
            deletions: d === '-' ? null : Number(d),
          };
        });
      const patch = cut(
        await runGit(['diff', '--no-color', '--no-ext-diff', fromSha, toSha, ...tail], { cwd: dir, signal }),
        max,
      );
      return {
        from,
        to,
        from_sha: fromSha,
        to_sha: toSha,
        files,
        files_changed: files.length,
        additions: files.reduce((n, f) => n + (f.additions ?? 0), 0),
        deletions: files.reduce((n, f) => n + (f.deletions ?? 0), 0),
        diff: patch.text,
        truncated: patch.truncated,
      };
    }
  }
  throw new ToolExecutionError('tool_not_found', `git has no tool "${tool}"`, { tool });
}

// ---------- validate / ingest ----------

async function validate(ctx: Ctx) {
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

async function currentBranch(dir: string): Promise<string | null> {
  try {
    return (await runGit(['symbolic-ref', '--short', 'HEAD'], { cwd: dir })).trim();
  } catch {
    return null;
  }
}

async function* ingest(ctx: Ctx): AsyncIterable<IngestBatch> {
  const c = ctx.config;
  const dir = await resolveRepo(c, {
    egress: ctx.egress,
    fresh: true,
    signal: ctx.signal,
    uploadDir: ctx.uploadDir,
    orgId: ctx.orgId,
  });
  const branch = await resolveBranch(dir, c, ctx.signal);
  const max = c.max_commits ?? 1000;
  const commits = parseLog(
    await runGit(['log', `--max-count=${max}`, `--format=${LOG_FORMAT}`, '--numstat', '--no-color', branch, '--'], {
      cwd: dir,
      signal: ctx.signal,
    }),
  );
  const tree = (await runGit(['ls-tree', '-r', '--name-only', '-z', branch], { cwd: dir, signal: ctx.signal }))
    .split('\0')
    .filter(Boolean)
    .slice(0, MAX_FILES);
  const inTree = new Set(tree);

  const people = new Map<string, GraphNodeInput>();
  const files = new Map<string, GraphNodeInput>();
  const fileNode = (p: string) => {
    if (!files.has(p)) {
      files.set(p, {
        label: 'File',
        key: `file:${p}`,
        name: p,
        properties: {
          path: p,
          directory: path.posix.dirname(p),
          extension: path.posix.extname(p).replace(/^\./, '') || null,
          exists: inTree.has(p),
        },
      });
    }
    return `file:${p}`;
  };
  for (const p of tree) {
    fileNode(p);
  }

  const commitNodes: GraphNodeInput[] = [];
  const edges: GraphEdgeInput[] = [];
  const shas = new Set(commits.map((x) => x.sha));
  for (const cm of commits) {
    const email = cm.author.email.toLowerCase();
    const personKey = `person:${email}`;
    if (!people.has(personKey)) {
      people.set(personKey, {
        label: 'Person',
        key: personKey,
        name: cm.author.name,
        properties: { email, name: cm.author.name },
      });
    }
    const s = summarize(cm);
    const key = `commit:${cm.sha}`;
    commitNodes.push({
      label: 'Commit',
      key,
      name: `${s.short_sha} ${cm.subject}`,
      description: cm.subject,
      properties: {
        sha: cm.sha,
        short_sha: s.short_sha,
        author: cm.author.name,
        author_email: email,
        authored_at: cm.authored_at,
        committed_at: cm.committed_at,
        subject: cm.subject,
        parents: cm.parents,
        additions: s.additions,
        deletions: s.deletions,
        files_changed: s.files_changed,
        is_merge: cm.parents.length > 1,
      },
    });
    edges.push({ type: 'AUTHORED', fromKey: personKey, toKey: key, properties: { at: cm.authored_at } });
    for (const parent of cm.parents) {
      if (shas.has(parent)) {
        edges.push({ type: 'PARENT', fromKey: key, toKey: `commit:${parent}` });
      }
    }
    for (const f of cm.files) {
      edges.push({
        type: 'MODIFIES',
        fromKey: key,
        toKey: fileNode(f.path),
        properties: { additions: f.additions, deletions: f.deletions },
      });
    }
  }
  const nodes = [...people.values(), ...files.values(), ...commitNodes];
  for (let i = 0; i < nodes.length; i += BATCH) {
    yield { nodes: nodes.slice(i, i + BATCH), edges: [] };
  }
  for (let i = 0; i < edges.length; i += BATCH) {
    yield { nodes: [], edges: edges.slice(i, i + BATCH) };
  }
}

export const gitConnector: ConnectorDefinition<GitConfig> = {
  type: 'git',
  displayName: 'Git repository',
  description:
    'A git repository (local path or cloned remote): ingests commits, authors and files; tools for log, show and diff.',
  defaultRealm: 'development',
  configSchema: {
    type: 'object',
    properties: {
      path: { type: 'string', description: 'absolute path of a local repository on the API host' },
      url: { type: 'string', description: 'remote to clone (https, ssh, git or file URL, or user@host:path)' },
      token: { type: 'string', writeOnly: true, description: 'https token for private remotes' },
      branch: { type: 'string', description: 'branch or ref to ingest (default: HEAD)' },
      max_commits: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
      timeout_ms: { type: 'integer', minimum: 1000, maximum: 600000, default: 120000 },
    },
    oneOf: [{ required: ['path'] }, { required: ['url'] }],
    additionalProperties: false,
  },
  secretFields: ['token'],
  hostAccess: (c) => (readsHostFiles(c) ? "reads a repository from the API host's file system" : unguardedRemote(c)),
  validate,
  ingest,
  tools() {
    return Promise.resolve(GIT_TOOLS.map((t) => ({ ...t })));
  },
  async executeTool(ctx, tool, args) {
    try {
      return await runTool(ctx, tool, args ?? {});
    } catch (e) {
      if (e instanceof ConnectorConfigError) {
        throw new ToolExecutionError(
          e.kind === 'unreachable' ? 'upstream_unreachable' : 'source_misconfigured',
          e.message,
          e.details,
        );
      }
      if (e instanceof GitCommandError) {
        throw new ToolExecutionError('upstream_error', redact(e.message, ctx.config));
      }
      throw e;
    }
  },
};
