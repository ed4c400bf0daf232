/**
 * Tiny GitHub REST client on `fetch` (Octokit v21 is ESM-only and cannot be loaded by the CommonJS
 * build or jest). Handles auth, JSON, Link-header pagination and typed errors.
 */
export class GitHubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
    readonly headers: Headers,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }

  get rateLimited(): boolean {
    return (this.status === 403 || this.status === 429) && this.headers.get('x-ratelimit-remaining') === '0';
  }
}

export class GitHubUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitHubUnreachableError';
  }
}

export interface GitHubResponse<T> {
  status: number;
  data: T;
  headers: Headers;
}

export const DEFAULT_GITHUB_API = 'https://api.github.com';

export class GitHubClient {
  private readonly base: string;

  constructor(
    private readonly token: string,
    baseUrl: string = DEFAULT_GITHUB_API,
    private readonly timeoutMs = 30_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  url(path: string, query?: Record<string, string | number | boolean | undefined>): string {
    const u = new URL(path.startsWith('http') ? path : this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request<T = any>(method: string, pathOrUrl: string, opts: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; signal?: AbortSignal; accept?: string } = {}): Promise<GitHubResponse<T>> {
    const headers: Record<string, string> = {
      Accept: opts.accept ?? 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'agentcy-github-connector',
    };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    const signal = AbortSignal.any(signals);
    const send = () => fetch(this.url(pathOrUrl, opts.query), { method, headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined, signal });
    let res: Response;
    try {
      try {
        res = await send();
      } catch (first) {
        // a pooled keep-alive socket closed under us: retry idempotent calls once
        const code = (first as any)?.cause?.code;
        if (signal.aborted || !['GET', 'HEAD', 'PUT', 'DELETE'].includes(method) || !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code)) throw first;
        res = await send();
      }
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      const cause = (e as any)?.cause?.code ?? (e as any)?.cause?.message ?? (e as Error).message;
      throw new GitHubUnreachableError(`cannot reach GitHub API at ${this.base}: ${cause}`);
    }
    const text = await res.text();
    let data: any = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (!res.ok) {
      const msg = (data && typeof data === 'object' && data.message) || `GitHub API ${method} ${pathOrUrl} failed with HTTP ${res.status}`;
      throw new GitHubApiError(res.status, String(msg), data, res.headers);
    }
    return { status: res.status, data: data as T, headers: res.headers };
  }

  get<T = any>(path: string, query?: Record<string, string | number | boolean | undefined>, signal?: AbortSignal) {
    return this.request<T>('GET', path, { query, signal });
  }

  /** Iterates pages following `Link: <…>; rel="next"`. */
  async *paginate<T = any>(path: string, query: Record<string, string | number | boolean | undefined> = {}, signal?: AbortSignal): AsyncGenerator<T[]> {
    let next: string | undefined = this.url(path, { per_page: 100, ...query });
    while (next) {
      const res: GitHubResponse<T[]> = await this.request<T[]>('GET', next, { signal });
      yield Array.isArray(res.data) ? res.data : [];
      next = parseNextLink(res.headers.get('link'));
    }
  }

  async listAll<T = any>(path: string, query: Record<string, string | number | boolean | undefined> = {}, max = Infinity, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    for await (const page of this.paginate<T>(path, query, signal)) {
      out.push(...page);
      if (out.length >= max) return out.slice(0, max);
    }
    return out;
  }
}

export function parseNextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?next"?/);
    if (m) return m[1];
  }
  return undefined;
}
