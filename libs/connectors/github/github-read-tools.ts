import { ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { argInt, argString } from '../tool-args';
import { githubClient, listAll, listRepos } from './github-api';
import { repoParams } from './github-client';
import type { GitHubConfig } from './github-config';
import { mapIssue, mapPull, mapRepo } from './github-mapping';
import { limitProp, numberProp, repoProp, repoTarget } from './github-tools';

/** Read-only github tools: repositories, issues, pull requests, commits and files. */
export const GITHUB_READ_TOOLS: ConnectorTool<GitHubConfig>[] = [
  {
    name: 'list_repos',
    description: 'List repositories of the source (configured repos, the owner/org, or the token user).',
    effect: 'read',
    inputSchema: { type: 'object', properties: { owner: { type: 'string' }, limit: limitProp } },
    async run(ctx, args) {
      const c = ctx.config;
      const gh = githubClient(ctx);
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const repos = await listRepos(c, gh, limit, argString(args, 'owner'));
      return { items: repos.map(mapRepo), total: repos.length };
    },
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
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
    },
  },
  {
    name: 'get_issue',
    description: 'Get one issue with its body and latest comments.',
    effect: 'read',
    inputSchema: { type: 'object', properties: { repo: repoProp, number: numberProp }, required: ['repo', 'number'] },
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
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
    },
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
      const limit = argInt(args, 'limit', { min: 1, max: 500, def: 50 });
      const state = (argString(args, 'state') ?? 'open') as 'open' | 'closed' | 'all';
      const pulls = await listAll(
        gh.paginate.iterator(gh.rest.pulls.list, { ...repoParams(repo), state, per_page: 100 }),
        limit,
      );
      return { repo, items: pulls.map(mapPull), total: pulls.length };
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
      const n = argInt(args, 'number', { min: 1, required: true });
      const max = argInt(args, 'max_chars', { min: 100, max: 200_000, def: 20_000 });
      const res = await gh.rest.pulls.get({ ...repoParams(repo), pull_number: n, mediaType: { format: 'diff' } });
      // with the diff media type the body is the unified diff as text
      const data: unknown = res.data;
      const diff = typeof data === 'string' ? data : JSON.stringify(data);
      return { repo, number: n, diff: diff.slice(0, max), truncated: diff.length > max };
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
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
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
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
    },
  },
];
