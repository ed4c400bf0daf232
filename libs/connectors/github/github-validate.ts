import { ConnectorConfigError, type ValidationResult } from '../connector';
import { githubClient } from './github-api';
import { githubApiError, githubUnreachable, repoParams } from './github-client';
import { checkShape, configuredRepos, ownerOf, parseScopes, REQUIRED_SCOPES, type GitHubCtx } from './github-config';

/** Checks the token (scopes), the owner and every configured repository. */
export async function validateGitHub(ctx: GitHubCtx): Promise<ValidationResult> {
  const c = ctx.config;
  checkShape(c);
  const gh = githubClient(ctx);
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
