import { ConnectorConfigError, ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { argInt } from '../tool-args';
import { GitCommandError, runGit } from './git-command';
import { isSafeRef, type GitConfig, type GitCtx } from './git-config';
import { LOG_FORMAT, numstatPath, parseLog, summarize } from './git-log';
import { openRepo, redact } from './git-repo';

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

/** log, show and diff on the source's repository. */
export const GIT_TOOLS: ConnectorTool<GitConfig>[] = [
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
    async run(ctx, args) {
      const c = ctx.config;
      const signal = ctx.signal;
      const dir = await openRepo(ctx);
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
    async run(ctx, args) {
      const signal = ctx.signal;
      const dir = await openRepo(ctx);
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
    async run(ctx, args) {
      const c = ctx.config;
      const signal = ctx.signal;
      const dir = await openRepo(ctx);
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
    },
  },
];

/** A config problem or a failed git command as the model sees it (the token redacted). */
export function toGitToolError(e: unknown, ctx: GitCtx): unknown {
  if (e instanceof ConnectorConfigError) {
    return new ToolExecutionError(
      e.kind === 'unreachable' ? 'upstream_unreachable' : 'source_misconfigured',
      e.message,
      e.details,
    );
  }
  if (e instanceof GitCommandError) {
    return new ToolExecutionError('upstream_error', redact(e.message, ctx.config));
  }
  return e;
}
