import type { Octokit } from '@octokit/rest';
import { ConnectorConfigError, ToolExecutionError } from '../connector';
import { argString, type Args } from '../tool-args';
import { githubClient } from './github-api';
import { githubApiError, githubUnreachable } from './github-client';
import { configuredRepos, ownerOf, type GitHubConfig, type GitHubCtx } from './github-config';

/** Argument schemas, the repo allow-list and the error mapping shared by the github tools. */
export const repoProp = {
  type: 'string',
  description: 'repository as `owner/name` (or `name` under the source owner)',
  minLength: 1,
};
export const numberProp = { type: 'integer', minimum: 1, description: 'issue number' };
export const limitProp = { type: 'integer', minimum: 1, maximum: 500, default: 50 };

/** `owner/name` for a tool's `repo` argument, enforcing the source's repo allow-list. */
export function resolveRepo(c: GitHubConfig, raw: string): string {
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

/** The client and the `owner/name` a repo tool acts on: its `repo` argument, checked against the allow-list. */
export function repoTarget(ctx: GitHubCtx, args: Args): { gh: Octokit; repo: string } {
  const gh = githubClient(ctx);
  return { gh, repo: resolveRepo(ctx.config, argString(args, 'repo', true)) };
}

/** A failed call as the model sees it: GitHub's status mapped to a ToolExecutionError code. */
export function toToolError(e: unknown): unknown {
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
