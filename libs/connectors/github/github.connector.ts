import type { Octokit } from '@octokit/rest';
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
import { argInt, argString, argStringArray } from '../tool-args';
import { createGitHubClient, DEFAULT_GITHUB_API, githubApiError, githubUnreachable, repoParams } from './github-client';

export interface GitHubConfig {
  token: string;
  /** user or organization owning the repositories */
  owner?: string;
  /** alias of `owner` (documented `{ token, org }` shape) */
  org?: string;
  /** `name` (under `owner`) or `owner/name`; empty = every repo of the owner (or of the token's user) */
  repos?: string[];
  base_url?: string;
  /** ingestion cap per repository for issues and for pull requests (default 1000 each) */
  max_items_per_repo?: number;
  timeout_ms?: number;
}

type Ctx = ConnectorContext<GitHubConfig>;

export const REQUIRED_SCOPES = ['repo'];
const BATCH = 500;

function ownerOf(c: GitHubConfig): string | undefined {
  return c.owner || c.org || undefined;
}

function checkShape(c: GitHubConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  if (typeof c.token !== 'string' || !c.token.trim()) {
    throw new ConnectorConfigError('shape', '`token` is required', { field: 'token' });
  }
  for (const f of ['owner', 'org', 'base_url'] as const) {
    if (c[f] !== undefined && c[f] !== null && typeof c[f] !== 'string') {
      throw new ConnectorConfigError('shape', `\`${f}\` must be a string`, { field: f });
    }
  }
  if (
    c.repos !== undefined &&
    (!Array.isArray(c.repos) || c.repos.some((r) => typeof r !== 'string' || !/^([\w.-]+\/)?[\w.-]+$/.test(r)))
  ) {
    throw new ConnectorConfigError('shape', '`repos` must be an array of `name` or `owner/name` strings', {
      field: 'repos',
    });
  }
  if (c.repos?.some((r) => !r.includes('/')) && !ownerOf(c)) {
    throw new ConnectorConfigError('shape', '`owner` is required when `repos` lists bare repository names', {
      field: 'owner',
    });
  }
  if (c.base_url) {
    try {
      const u = new URL(c.base_url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') {
        throw new Error();
      }
    } catch {
      throw new ConnectorConfigError('shape', '`base_url` must be an http(s) URL', { field: 'base_url' });
    }
  }
}

function client({ config: c, egress, signal }: Ctx): Octokit {
  return createGitHubClient({
    fetch: egress.fetch,
    token: c.token.trim(),
    baseUrl: c.base_url,
    timeoutMs: c.timeout_ms ?? 30_000,
    signal,
  });
}

/** at most `max` items of a paginated list (100 per page), stopping once enough are fetched */
async function listAll<T>(pages: AsyncIterable<{ data: T[] }>, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    out.push(...page.data);
    if (out.length >= max) {
      return out.slice(0, max);
    }
  }
  return out;
}

/** configured repos as `owner/name` */
function configuredRepos(c: GitHubConfig): string[] | undefined {
  if (!c.repos || c.repos.length === 0) {
    return undefined;
  }
  return c.repos.map((r) => (r.includes('/') ? r : `${ownerOf(c)}/${r}`));
}

function parseScopes(h: string | undefined): string[] | null {
  if (h === undefined) {
    return null;
  }
  return h
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------- mapping ----------

function mapRepo(r: any) {
  return {
    full_name: r.full_name,
    name: r.name,
    owner: r.owner?.login ?? null,
    private: r.private === true,
    description: r.description ?? null,
    default_branch: r.default_branch ?? null,
    language: r.language ?? null,
    stars: r.stargazers_count ?? 0,
    forks: r.forks_count ?? 0,
    open_issues: r.open_issues_count ?? 0,
    archived: r.archived === true,
    url: r.html_url ?? null,
    updated_at: r.updated_at ?? null,
  };
}

function mapIssue(i: any) {
  return {
    number: i.number,
    title: i.title,
    state: i.state,
    state_reason: i.state_reason ?? null,
    author: i.user?.login ?? null,
    assignees: (i.assignees ?? []).map((a: any) => a.login),
    labels: (i.labels ?? []).map((l: any) => (typeof l === 'string' ? l : l.name)),
    comments: i.comments ?? 0,
    is_pull_request: !!i.pull_request,
    url: i.html_url ?? null,
    created_at: i.created_at ?? null,
    updated_at: i.updated_at ?? null,
    closed_at: i.closed_at ?? null,
  };
}

function mapPull(p: any) {
  return {
    number: p.number,
    title: p.title,
    state: p.state,
    draft: p.draft === true,
    merged: !!p.merged_at,
    author: p.user?.login ?? null,
    head: p.head?.ref ?? null,
    base: p.base?.ref ?? null,
    labels: (p.labels ?? []).map((l: any) => l.name),
    url: p.html_url ?? null,
    created_at: p.created_at ?? null,
    updated_at: p.updated_at ?? null,
    merged_at: p.merged_at ?? null,
  };
}

// ---------- tools ----------

const repoProp = {
  type: 'string',
  description: 'repository as `owner/name` (or `name` under the source owner)',
  minLength: 1,
};
const numberProp = { type: 'integer', minimum: 1, description: 'issue number' };
const limitProp = { type: 'integer', minimum: 1, maximum: 500, default: 50 };

export const GITHUB_TOOLS: ConnectorToolSpec[] = [
  {
    name: 'list_repos',
    description: 'List repositories of the source (configured repos, the owner/org, or the token user).',
    effect: 'read',
    inputSchema: { type: 'object', properties: { owner: { type: 'string' }, limit: limitProp } },
  },
  {
    name: 'list_issues',
    description: 'List issues of a repository (pull requests excluded), filtered by state, labels or assignee.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        state: { type: 'string', enum: ['open', 'closed', 'all'], default: 'open' },
        labels: { type: 'string', description: 'comma-separated label names' },
        assignee: { type: 'string' },
        limit: limitProp,
      },
      required: ['repo'],
    },
  },
  {
    name: 'get_issue',
    description: 'Get one issue with its body and latest comments.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { repo: repoProp, number: numberProp }, required: ['repo', 'number'] },
  },
  {
    name: 'list_pulls',
    description: 'List pull requests of a repository.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        state: { type: 'string', enum: ['open', 'closed', 'all'], default: 'open' },
        limit: limitProp,
      },
      required: ['repo'],
    },
  },
  {
    name: 'get_pull_request',
    description: 'Get one pull request (branches, mergeability, diff stats).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: { repo: repoProp, number: { type: 'integer', minimum: 1 } },
      required: ['repo', 'number'],
    },
  },
  {
    name: 'get_pull_request_diff',
    description: 'Unified diff of a pull request (truncated).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        number: { type: 'integer', minimum: 1 },
        max_chars: { type: 'integer', minimum: 100, maximum: 200000, default: 20000 },
      },
      required: ['repo', 'number'],
    },
  },
  {
    name: 'list_commits',
    description: 'Recent commits of a repository branch, optionally touching a path.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        ref: { type: 'string', description: 'branch, tag or sha (default branch if omitted)' },
        path: { type: 'string' },
        limit: limitProp,
      },
      required: ['repo'],
    },
  },
  {
    name: 'get_file',
    description: 'Read a file (text, truncated) or list a directory of a repository at a ref.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        path: { type: 'string', minLength: 1 },
        ref: { type: 'string' },
        max_chars: { type: 'integer', minimum: 100, maximum: 200000, default: 50000 },
      },
      required: ['repo', 'path'],
    },
  },
  {
    name: 'create_issue',
    description: 'Open a new issue.',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        title: { type: 'string', minLength: 1, maxLength: 256 },
        body: { type: 'string' },
        labels: { type: 'array', items: { type: 'string' } },
        assignees: { type: 'array', items: { type: 'string' } },
      },
      required: ['repo', 'title'],
    },
  },
  {
    name: 'comment_on_issue',
    description: 'Add a comment to an issue or pull request.',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: { repo: repoProp, number: numberProp, body: { type: 'string', minLength: 1 } },
      required: ['repo', 'number', 'body'],
    },
  },
  {
    name: 'close_issue',
    description: 'Close an issue (optionally with a closing comment).',
    effect: 'destructive',
    requiresApproval: true,
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        number: numberProp,
        reason: { type: 'string', enum: ['completed', 'not_planned'], default: 'completed' },
        comment: { type: 'string' },
      },
      required: ['repo', 'number'],
    },
  },
];

/** `owner/name` for a tool's `repo` argument, enforcing the source's repo allow-list. */
function resolveRepo(c: GitHubConfig, raw: string): string {
  const full = raw.includes('/') ? raw : ownerOf(c) ? `${ownerOf(c)}/${raw}` : undefined;
  if (!full || !/^[\w.-]+\/[\w.-]+$/.test(full)) {
    throw new ToolExecutionError(
      'invalid_arguments',
      '`repo` must be `owner/name` (this source has no default owner)',
      { field: 'repo' },
    );
  }
  const allowed = configuredRepos(c);
  if (allowed && !allowed.some((r) => r.toLowerCase() === full.toLowerCase())) {
    throw new ToolExecutionError('repo_not_allowed', `repository ${full} is not part of this source`, {
      allowed_repos: allowed,
    });
  }
  return full;
}

async function listRepos(c: GitHubConfig, gh: Octokit, max: number, owner?: string): Promise<any[]> {
  const configured = configuredRepos(c);
  if (configured && !owner) {
    const out = [];
    for (const r of configured.slice(0, max)) {
      out.push((await gh.rest.repos.get(repoParams(r))).data);
    }
    return out;
  }
  const o = owner ?? ownerOf(c);
  const it = gh.paginate.iterator;
  if (!o) {
    return listAll(
      it(gh.rest.repos.listForAuthenticatedUser, {
        sort: 'full_name',
        affiliation: 'owner,collaborator,organization_member',
        per_page: 100,
      }),
      max,
    );
  }
  try {
    return await listAll(it(gh.rest.repos.listForOrg, { org: o, type: 'all', sort: 'full_name', per_page: 100 }), max);
  } catch (e) {
    if (githubApiError(e)?.status !== 404) {
      throw e;
    }
    return listAll(
      it(gh.rest.repos.listForUser, { username: o, type: 'owner', sort: 'full_name', per_page: 100 }),
      max,
    );
  }
}

async function runTool(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<unknown> {
  const c = ctx.config;
  const gh = client(ctx);
  switch (tool) {
    case 'list_repos': {
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const repos = await listRepos(c, gh, limit, argString(args, 'owner'));
      return { items: repos.map(mapRepo), total: repos.length };
    }
    case 'list_issues': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const state = argString(args, 'state') ?? 'open';
      if (!['open', 'closed', 'all'].includes(state)) {
        throw new ToolExecutionError('invalid_arguments', '`state` must be open, closed or all', { field: 'state' });
      }
      const items: any[] = [];
      const pages = gh.paginate.iterator(gh.rest.issues.listForRepo, {
        ...repoParams(repo),
        state: state as 'open' | 'closed' | 'all',
        labels: argString(args, 'labels'),
        assignee: argString(args, 'assignee'),
        per_page: 100,
      });
      for await (const page of pages) {
        items.push(...page.data.filter((i) => !i.pull_request));
        if (items.length >= limit) {
          break;
        }
      }
      return {
        repo,
        items: items.slice(0, limit).map(mapIssue),
        total: Math.min(items.length, limit),
        truncated: items.length > limit,
      };
    }
    case 'get_issue': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const n = argInt(args, 'number', { min: 1, required: true });
      const issue = (await gh.rest.issues.get({ ...repoParams(repo), issue_number: n })).data;
      const comments =
        issue.comments > 0
          ? (await gh.rest.issues.listComments({ ...repoParams(repo), issue_number: n, per_page: 30 })).data
          : [];
      return {
        repo,
        ...mapIssue(issue),
        body: issue.body ?? '',
        comment_list: (comments as any[]).map((cm) => ({
          id: cm.id,
          author: cm.user?.login ?? null,
          body: cm.body,
          created_at: cm.created_at,
        })),
      };
    }
    case 'list_pulls': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const state = (argString(args, 'state') ?? 'open') as 'open' | 'closed' | 'all';
      const pulls = await listAll(
        gh.paginate.iterator(gh.rest.pulls.list, { ...repoParams(repo), state, per_page: 100 }),
        limit,
      );
      return { repo, items: pulls.map(mapPull), total: pulls.length };
    }
    case 'get_pull_request': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const p = (
        await gh.rest.pulls.get({
          ...repoParams(repo),
          pull_number: argInt(args, 'number', { min: 1, required: true }),
        })
      ).data;
      return {
        repo,
        ...mapPull(p),
        body: p.body ?? '',
        mergeable: p.mergeable ?? null,
        additions: p.additions ?? null,
        deletions: p.deletions ?? null,
        changed_files: p.changed_files ?? null,
        commits: p.commits ?? null,
      };
    }
    case 'get_pull_request_diff': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const n = argInt(args, 'number', { min: 1, required: true });
      const max = argInt(args, 'max_chars', { min: 100, max: 200_000, def: 20_000 });
      const res = await gh.rest.pulls.get({ ...repoParams(repo), pull_number: n, mediaType: { format: 'diff' } });
      // with the diff media type the body is the unified diff as text
      const data: unknown = res.data;
      const diff = typeof data === 'string' ? data : JSON.stringify(data);
      return { repo, number: n, diff: diff.slice(0, max), truncated: diff.length > max };
    }
    case 'list_commits': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const commits = await listAll(
        gh.paginate.iterator(gh.rest.repos.listCommits, {
          ...repoParams(repo),
          sha: argString(args, 'ref'),
          path: argString(args, 'path'),
          per_page: 100,
        }),
        limit,
      );
      return {
        repo,
        items: commits.map((cm: any) => ({
          sha: cm.sha,
          message: String(cm.commit?.message ?? '').split('\n')[0],
          author: cm.author?.login ?? cm.commit?.author?.name ?? null,
          date: cm.commit?.author?.date ?? null,
          url: cm.html_url ?? null,
        })),
        total: commits.length,
      };
    }
    case 'get_file': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const filePath = argString(args, 'path', true).replace(/^\/+/, '');
      const max = argInt(args, 'max_chars', { min: 100, max: 200_000, def: 50_000 });
      const res = await gh.rest.repos.getContent({ ...repoParams(repo), path: filePath, ref: argString(args, 'ref') });
      if (Array.isArray(res.data)) {
        return {
          repo,
          path: filePath,
          type: 'dir',
          entries: res.data.map((e) => ({ name: e.name, path: e.path, type: e.type, size: e.size ?? null })),
        };
      }
      const f: any = res.data;
      const text =
        f.encoding === 'base64' && typeof f.content === 'string'
          ? Buffer.from(f.content, 'base64').toString('utf8')
          : String(f.content ?? '');
      return {
        repo,
        path: f.path ?? filePath,
        type: f.type ?? 'file',
        sha: f.sha ?? null,
        size: f.size ?? text.length,
        content: text.slice(0, max),
        truncated: text.length > max,
      };
    }
    case 'create_issue': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const title = argString(args, 'title', true);
      const res = await gh.rest.issues.create({
        ...repoParams(repo),
        title,
        body: argString(args, 'body'),
        labels: argStringArray(args, 'labels'),
        assignees: argStringArray(args, 'assignees'),
      });
      return { repo, ...mapIssue(res.data) };
    }
    case 'comment_on_issue': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const n = argInt(args, 'number', { min: 1, required: true });
      const res = await gh.rest.issues.createComment({
        ...repoParams(repo),
        issue_number: n,
        body: argString(args, 'body', true),
      });
      return {
        repo,
        number: n,
        comment_id: res.data.id,
        url: res.data.html_url ?? null,
        created_at: res.data.created_at ?? null,
      };
    }
    case 'close_issue': {
      const repo = resolveRepo(c, argString(args, 'repo', true));
      const n = argInt(args, 'number', { min: 1, required: true });
      const reason = argString(args, 'reason') ?? 'completed';
      if (!['completed', 'not_planned'].includes(reason)) {
        throw new ToolExecutionError('invalid_arguments', '`reason` must be completed or not_planned', {
          field: 'reason',
        });
      }
      const comment = argString(args, 'comment');
      if (comment) {
        await gh.rest.issues.createComment({ ...repoParams(repo), issue_number: n, body: comment });
      }
      const res = await gh.rest.issues.update({
        ...repoParams(repo),
        issue_number: n,
        state: 'closed',
        state_reason: reason as 'completed' | 'not_planned',
      });
      return { repo, ...mapIssue(res.data) };
    }
    default:
      throw new ToolExecutionError('tool_not_found', `github has no tool "${tool}"`, { tool });
  }
}

function toToolError(e: unknown): unknown {
  if (e instanceof ToolExecutionError) {
    return e;
  }
  const api = githubApiError(e);
  if (api) {
    const details: Record<string, unknown> = { status: api.status };
    const b = api.body as any;
    if (b?.errors) {
      details.errors = b.errors;
    }
    if (api.rateLimited) {
      return new ToolExecutionError('rate_limited', 'GitHub API rate limit exceeded', {
        ...details,
        reset: api.headers['x-ratelimit-reset'] ?? null,
      });
    }
    if (api.status === 401 || api.status === 403) {
      return new ToolExecutionError('upstream_auth_failed', api.message, details);
    }
    if (api.status === 404) {
      return new ToolExecutionError('not_found', api.message, details);
    }
    if (api.status === 410 || api.status === 422 || api.status === 409 || api.status === 400) {
      return new ToolExecutionError('upstream_rejected', api.message, details);
    }
    return new ToolExecutionError('upstream_error', api.message, details);
  }
  const unreachable = githubUnreachable(e);
  if (unreachable !== undefined) {
    return new ToolExecutionError('upstream_unreachable', unreachable);
  }
  if (e instanceof ConnectorConfigError) {
    return new ToolExecutionError('source_misconfigured', e.message, e.details);
  }
  return e;
}

// ---------- validate ----------

async function validate(ctx: Ctx) {
  const c = ctx.config;
  checkShape(c);
  const gh = client(ctx);
  try {
    const me = await gh.rest.users.getAuthenticated();
    const scopes = parseScopes(me.headers['x-oauth-scopes']);
    // classic tokens report their scopes; fine-grained tokens and app tokens do not (header absent)
    if (scopes !== null) {
      const missing = REQUIRED_SCOPES.filter((s) => !scopes.includes(s));
      if (missing.length > 0) {
        throw new ConnectorConfigError('scope', 'GitHub token is missing required scopes', { missing_scopes: missing });
      }
    }
    const owner = ownerOf(c);
    if (owner && !configuredRepos(c)) {
      try {
        await gh.rest.users.getByUsername({ username: owner });
      } catch (e) {
        if (githubApiError(e)?.status === 404) {
          throw new ConnectorConfigError(
            'scope',
            `GitHub owner "${owner}" does not exist or is not visible to the token`,
            { owner },
          );
        }
        throw e;
      }
    }
    const inaccessible: string[] = [];
    for (const r of configuredRepos(c) ?? []) {
      try {
        await gh.rest.repos.get(repoParams(r));
      } catch (e) {
        const status = githubApiError(e)?.status;
        if (status === 404 || status === 403) {
          inaccessible.push(r);
        } else {
          throw e;
        }
      }
    }
    if (inaccessible.length > 0) {
      throw new ConnectorConfigError('scope', 'GitHub token cannot access some configured repositories', {
        inaccessible_repos: inaccessible,
      });
    }
    return { ok: true as const, info: { login: me.data.login, scopes: scopes ?? [], repos: configuredRepos(c) ?? [] } };
  } catch (e) {
    if (e instanceof ConnectorConfigError) {
      throw e;
    }
    const api = githubApiError(e);
    if (api) {
      if (api.status === 401) {
        throw new ConnectorConfigError('credentials', 'GitHub rejected the token (bad credentials)', { status: 401 });
      }
      if (api.status === 403 && !api.rateLimited) {
        throw new ConnectorConfigError('scope', 'GitHub token is not allowed to read the user', { status: 403 });
      }
      throw new ConnectorConfigError('unreachable', api.message, { status: api.status });
    }
    const unreachable = githubUnreachable(e);
    if (unreachable !== undefined) {
      throw new ConnectorConfigError('unreachable', unreachable);
    }
    throw e;
  }
}

// ---------- ingest ----------

async function* ingest(ctx: Ctx): AsyncIterable<IngestBatch> {
  const c = ctx.config;
  const gh = client(ctx);
  const maxItems = c.max_items_per_repo ?? 1000;
  const users = new Map<string, GraphNodeInput>();
  const userNode = (u: any): string | undefined => {
    if (!u?.login) {
      return undefined;
    }
    const key = `user:${u.login.toLowerCase()}`;
    if (!users.has(key)) {
      users.set(key, {
        label: 'User',
        key,
        name: u.login,
        properties: {
          login: u.login,
          type: u.type ?? 'User',
          url: u.html_url ?? null,
          avatar_url: u.avatar_url ?? null,
        },
      });
    }
    return key;
  };
  const emitted = new Set<string>();
  const flushUsers = (): GraphNodeInput[] => {
    const out = [...users.values()].filter((u) => !emitted.has(u.key));
    for (const u of out) {
      emitted.add(u.key);
    }
    return out;
  };

  const repos = await listRepos(c, gh, 10_000);
  for (const r of repos) {
    const repo = mapRepo(r);
    const repoKey = `repo:${repo.full_name.toLowerCase()}`;
    const nodes: GraphNodeInput[] = [];
    const edges: GraphEdgeInput[] = [];
    const ownerKey = userNode(r.owner);
    nodes.push({
      label: 'Repository',
      key: repoKey,
      name: repo.full_name,
      description: repo.description ?? undefined,
      properties: {
        full_name: repo.full_name,
        owner: repo.owner,
        private: repo.private,
        default_branch: repo.default_branch,
        language: repo.language,
        stars: repo.stars,
        forks: repo.forks,
        open_issues: repo.open_issues,
        archived: repo.archived,
        url: repo.url,
        updated_at: repo.updated_at,
      },
    });
    if (ownerKey) {
      edges.push({ type: 'OWNS', fromKey: ownerKey, toKey: repoKey });
    }

    let issueCount = 0;
    const issuePages = gh.paginate.iterator(gh.rest.issues.listForRepo, {
      ...repoParams(repo.full_name),
      state: 'all',
      sort: 'updated',
      direction: 'desc',
      per_page: 100,
    });
    for await (const page of issuePages) {
      for (const i of page.data) {
        if (i.pull_request || issueCount >= maxItems) {
          continue;
        }
        issueCount++;
        const m = mapIssue(i);
        const key = `issue:${repo.full_name.toLowerCase()}#${m.number}`;
        nodes.push({
          label: 'Issue',
          key,
          name: `${repo.full_name}#${m.number} ${m.title}`,
          description: typeof i.body === 'string' ? i.body.slice(0, 2000) : undefined,
          properties: {
            repo: repo.full_name,
            number: m.number,
            title: m.title,
            state: m.state,
            state_reason: m.state_reason,
            labels: m.labels,
            comments: m.comments,
            author: m.author,
            assignees: m.assignees,
            url: m.url,
            created_at: m.created_at,
            updated_at: m.updated_at,
            closed_at: m.closed_at,
          },
        });
        edges.push({ type: 'IN_REPOSITORY', fromKey: key, toKey: repoKey });
        const a = userNode(i.user);
        if (a) {
          edges.push({ type: 'OPENED', fromKey: a, toKey: key });
        }
        for (const as of i.assignees ?? []) {
          const k = userNode(as);
          if (k) {
            edges.push({ type: 'ASSIGNED_TO', fromKey: key, toKey: k });
          }
        }
      }
      if (issueCount >= maxItems) {
        break;
      }
    }

    const pulls = await listAll(
      gh.paginate.iterator(gh.rest.pulls.list, {
        ...repoParams(repo.full_name),
        state: 'all',
        sort: 'updated',
        direction: 'desc',
        per_page: 100,
      }),
      maxItems,
    );
    for (const p of pulls) {
      const m = mapPull(p);
      const key = `pr:${repo.full_name.toLowerCase()}#${m.number}`;
      nodes.push({
        label: 'PullRequest',
        key,
        name: `${repo.full_name}#${m.number} ${m.title}`,
        description: typeof p.body === 'string' ? p.body.slice(0, 2000) : undefined,
        properties: {
          repo: repo.full_name,
          number: m.number,
          title: m.title,
          state: m.state,
          draft: m.draft,
          merged: m.merged,
          head: m.head,
          base: m.base,
          labels: m.labels,
          author: m.author,
          url: m.url,
          created_at: m.created_at,
          updated_at: m.updated_at,
          merged_at: m.merged_at,
        },
      });
      edges.push({ type: 'IN_REPOSITORY', fromKey: key, toKey: repoKey });
      const a = userNode(p.user);
      if (a) {
        edges.push({ type: 'OPENED', fromKey: a, toKey: key });
      }
      for (const rv of p.requested_reviewers ?? []) {
        const k = userNode(rv);
        if (k) {
          edges.push({ type: 'REVIEW_REQUESTED', fromKey: key, toKey: k });
        }
      }
    }

    // users first so every edge's endpoints exist by the time the edge is written
    const all = [...flushUsers(), ...nodes];
    for (let i = 0; i < all.length; i += BATCH) {
      const last = i + BATCH >= all.length;
      yield { nodes: all.slice(i, i + BATCH), edges: last ? edges : [] };
    }
  }
}

export const githubConnector: ConnectorDefinition<GitHubConfig> = {
  type: 'github',
  displayName: 'GitHub',
  description:
    'GitHub (or GitHub Enterprise) with a personal access token: ingests repositories, issues, pull requests and users; tools to list/read issues and pull requests, open, comment on and close issues.',
  defaultRealm: 'development',
  configSchema: {
    type: 'object',
    properties: {
      token: {
        type: 'string',
        writeOnly: true,
        description: 'personal access token (classic tokens need the `repo` scope)',
      },
      owner: { type: 'string', description: 'user or organization' },
      org: { type: 'string', description: 'alias of owner' },
      repos: {
        type: 'array',
        items: { type: 'string' },
        description: '`name` or `owner/name`; empty = all repositories of the owner',
      },
      base_url: {
        type: 'string',
        default: DEFAULT_GITHUB_API,
        description: 'API root, e.g. https://ghe.example.com/api/v3',
      },
      max_items_per_repo: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
      timeout_ms: { type: 'integer', minimum: 1000, maximum: 120000, default: 30000 },
    },
    required: ['token'],
    additionalProperties: false,
  },
  secretFields: ['token'],
  validate,
  ingest,
  tools() {
    return Promise.resolve(GITHUB_TOOLS.map((t) => ({ ...t })));
  },
  async executeTool(ctx, tool, args) {
    try {
      checkShape(ctx.config);
      return await runTool(ctx, tool, args ?? {});
    } catch (e) {
      throw toToolError(e);
    }
  },
};
