import type { Octokit } from '@octokit/rest';
import { createGitHubClient, githubApiError, repoParams } from './github-client';
import { configuredRepos, ownerOf, type GitHubConfig, type GitHubCtx } from './github-config';

/** The source's GitHub client and the list calls shared by the tools and the ingest. */
export function githubClient({ config: c, egress, signal }: GitHubCtx): Octokit {
  return createGitHubClient({
    fetch: egress.fetch,
    token: c.token.trim(),
    baseUrl: c.base_url,
    timeoutMs: c.timeout_ms ?? 30_000,
    signal,
  });
}

/** at most `max` items of a paginated list (100 per page), stopping once enough are fetched */
export async function listAll<T>(pages: AsyncIterable<{ data: T[] }>, max = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) {
    out.push(...page.data);
    if (out.length >= max) {
      return out.slice(0, max);
    }
  }
  return out;
}

export async function listRepos(c: GitHubConfig, gh: Octokit, max: number, owner?: string): Promise<any[]> {
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
