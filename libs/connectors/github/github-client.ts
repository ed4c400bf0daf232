import { EgressForbiddenError, findEgressError } from '@libs/egress/egress.errors';
import type { GuardedFetch } from '@libs/egress/org-egress';
import { Octokit } from '@octokit/rest';

/**
 * GitHub REST client: the official `@octokit/rest` SDK (v20, the last CommonJS build; v21+ is ESM-only
 * and cannot be loaded by the CommonJS build or jest). The `fetch` handed to Octokit adds the per-request
 * timeout, the caller's abort signal (Octokit's paginator does not forward `request.signal` to later
 * pages) and one retry of idempotent calls on a dropped keep-alive socket. It is the org's egress-guarded
 * fetch: base URL and redirects are checked, and a refusal surfaces as the EgressForbiddenError itself
 * (Octokit would turn it into a status-500 RequestError with only the message).
 */
export const DEFAULT_GITHUB_API = 'https://api.github.com';

export interface GitHubClientOptions {
  /** the org's egress-guarded fetch (`ctx.egress.fetch`) */
  fetch: GuardedFetch;
  token: string;
  baseUrl?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function createGitHubClient(o: GitHubClientOptions): Octokit {
  const baseUrl = (o.baseUrl || DEFAULT_GITHUB_API).replace(/\/+$/, '');
  const refusal: { error?: EgressForbiddenError } = {};
  const octokit = new Octokit({
    auth: o.token,
    baseUrl,
    request: { fetch: retryingFetch(o.fetch, refusal, baseUrl, o.timeoutMs ?? 30_000, o.signal) },
    userAgent: 'agentcy',
  });
  octokit.hook.wrap('request', async (request, options) => {
    try {
      return await request(options);
    } catch (e) {
      // a request that got no response because the egress guard refused the connection
      if (refusal.error && !(e as { response?: unknown }).response) {
        throw refusal.error;
      }
      throw e;
    }
  });
  return octokit;
}

const IDEMPOTENT = ['GET', 'HEAD', 'PUT', 'DELETE'];
const DROPPED_SOCKET = ['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'];

function retryingFetch(
  fetch: GuardedFetch,
  refusal: { error?: EgressForbiddenError },
  baseUrl: string,
  timeoutMs: number,
  callerSignal?: AbortSignal,
): typeof globalThis.fetch {
  return async (input, init = {}) => {
    const signal = AbortSignal.any([
      AbortSignal.timeout(timeoutMs),
      ...(callerSignal ? [callerSignal] : []),
      ...(init.signal ? [init.signal] : []),
    ]);
    const send = () => fetch(input, { ...init, signal });
    try {
      try {
        return await send();
      } catch (first) {
        const code = (first as any)?.cause?.code;
        if (
          signal.aborted ||
          !IDEMPOTENT.includes((init.method ?? 'GET').toUpperCase()) ||
          !DROPPED_SOCKET.includes(code)
        ) {
          throw first;
        }
        return await send();
      }
    } catch (e) {
      // a caller abort propagates as is (Octokit rethrows AbortError untouched)
      if (callerSignal?.aborted || init.signal?.aborted) {
        throw e;
      }
      const refused = findEgressError(e);
      if (refused) {
        refusal.error = refused;
        throw refused;
      }
      const cause = (e as any)?.cause?.code ?? (e as any)?.cause?.message ?? (e as Error).message;
      // Octokit wraps this in a RequestError without `response`, keeping the message
      throw new Error(`cannot reach GitHub API at ${baseUrl}: ${cause}`, { cause: e });
    }
  };
}

/** The parts of Octokit's `RequestError` the connector reads. */
interface OctokitRequestError extends Error {
  status: number;
  request: { method: string; url: string };
  response?: { status: number; headers: Record<string, string | undefined>; data: unknown };
}

function isRequestError(e: unknown): e is OctokitRequestError {
  return e instanceof Error && e.name === 'HttpError' && typeof (e as any).status === 'number';
}

/** An HTTP error answered by GitHub. */
export interface GitHubApiError {
  status: number;
  /** GitHub's `message` (Octokit's own message appends the documentation URL) */
  message: string;
  body: unknown;
  headers: Record<string, string | undefined>;
  rateLimited: boolean;
}

/** GitHub answered with an HTTP error: its status, message, body and headers; otherwise undefined. */
export function githubApiError(e: unknown): GitHubApiError | undefined {
  if (!isRequestError(e) || !e.response) {
    return undefined;
  }
  const { status, headers, data } = e.response;
  const msg = data && typeof data === 'object' && (data as any).message;
  return {
    status,
    message: String(msg || `GitHub API ${e.request.method} ${e.request.url} failed with HTTP ${status}`),
    body: data,
    headers,
    rateLimited: (status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0',
  };
}

/** GitHub could not be reached (connection failure or timeout): the message; otherwise undefined. */
export function githubUnreachable(e: unknown): string | undefined {
  return isRequestError(e) && !e.response ? e.message : undefined;
}

/** `owner` and `repo` route parameters of an `owner/name` string. */
export function repoParams(full: string): { owner: string; repo: string } {
  const [owner, repo] = full.split('/');
  return { owner, repo };
}
