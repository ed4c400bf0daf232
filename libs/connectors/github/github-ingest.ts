import type { Octokit } from '@octokit/rest';
import type { GraphEdgeInput, GraphNodeInput, IngestBatch } from '../connector';
import { githubClient, listAll, listRepos } from './github-api';
import { repoParams } from './github-client';
import type { GitHubCtx } from './github-config';
import { mapIssue, mapPull, mapRepo } from './github-mapping';

const BATCH = 500;

/** `:User` nodes met along the way; each is emitted once, before the edges that use it. */
class UserNodes {
  private readonly users = new Map<string, GraphNodeInput>();
  private readonly emitted = new Set<string>();

  /** The user's node key (undefined without a login). */
  node(u: any): string | undefined {
    if (!u?.login) {
      return undefined;
    }
    const key = `user:${u.login.toLowerCase()}`;
    if (!this.users.has(key)) {
      this.users.set(key, {
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
  }

  /** Users not emitted yet. */
  flush(): GraphNodeInput[] {
    const out = [...this.users.values()].filter((u) => !this.emitted.has(u.key));
    for (const u of out) {
      this.emitted.add(u.key);
    }
    return out;
  }
}

interface RepoGraph {
  gh: Octokit;
  fullName: string;
  repoKey: string;
  maxItems: number;
  users: UserNodes;
  nodes: GraphNodeInput[];
  edges: GraphEdgeInput[];
}

/** The repository's issues (pull requests excluded), newest first, up to `max_items_per_repo`. */
async function addIssues({ gh, fullName, repoKey, maxItems, users, nodes, edges }: RepoGraph): Promise<void> {
  const repo = { full_name: fullName };
  const userNode = (u: any) => users.node(u);
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
}

/** The repository's pull requests, newest first, up to `max_items_per_repo`. */
async function addPulls({ gh, fullName, repoKey, maxItems, users, nodes, edges }: RepoGraph): Promise<void> {
  const repo = { full_name: fullName };
  const userNode = (u: any) => users.node(u);
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
}

/** Repositories, issues, pull requests and users, one repository per group of batches. */
export async function* ingestGitHub(ctx: GitHubCtx): AsyncIterable<IngestBatch> {
  const c = ctx.config;
  const gh = githubClient(ctx);
  const maxItems = c.max_items_per_repo ?? 1000;
  const users = new UserNodes();
  const userNode = (u: any) => users.node(u);

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
    const graph: RepoGraph = { gh, fullName: repo.full_name, repoKey, maxItems, users, nodes, edges };
    await addIssues(graph);
    await addPulls(graph);

    // users first so every edge's endpoints exist by the time the edge is written
    const all = [...users.flush(), ...nodes];
    for (let i = 0; i < all.length; i += BATCH) {
      const last = i + BATCH >= all.length;
      yield { nodes: all.slice(i, i + BATCH), edges: last ? edges : [] };
    }
  }
}
