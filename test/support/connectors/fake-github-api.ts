import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * In-memory HTTP server answering like the GitHub REST API (v3 JSON shapes, Link-header pagination,
 * `x-oauth-scopes`) for the endpoints the github connector uses. Tests and local demos only.
 *
 * Tokens: `ghp_full` (scopes `repo, read:org`), `ghp_noscope` (scopes `read:org, gist`),
 * `github_pat_fine` (fine-grained: no x-oauth-scopes header); anything else → 401. Like GitHub, both
 * `Authorization: Bearer <t>` and `Authorization: token <t>` (Octokit's form) are accepted.
 */
export interface FakeGitHubApi {
  url: string;
  /** `auth` is the credential as `Bearer <token>`, whichever of the two accepted schemes was sent */
  requests: { method: string; path: string; query: Record<string, string>; body?: any; auth?: string }[];
  state: {
    repos: any[];
    issues: Record<string, any[]>;
    pulls: Record<string, any[]>;
    comments: Record<string, any[]>;
    commits: any[];
    files: Record<string, Record<string, string>>;
  };
  /**
   * The web side of an OAuth app (GitHub Enterprise Server serves it on the same host):
   * `issueCode` stands for the user approving at `/login/oauth/authorize` and returns the code the
   * browser brings back; `POST /login/oauth/access_token` trades it once for `token`, checking the
   * client credentials and the PKCE verifier, and answers errors with 200 + `{error}` as GitHub does.
   */
  oauth: { clientId: string; clientSecret: string; issueCode(codeChallenge: string, token: string): string };
  /** API env that points the install's GitHub OAuth app at this server (web and REST on one host) */
  oauthEnv: Record<string, string>;
  close(): Promise<void>;
}

const user = (login: string, id: number, type = 'User') => ({
  login,
  id,
  node_id: `MDQ6VXNlcj${id}`,
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  url: `https://api.github.com/users/${login}`,
  html_url: `https://github.com/${login}`,
  type,
  site_admin: false,
});

const ACME = user('acme', 9001, 'Organization');
const OCTO = user('octocat', 1);
const HUBOT = user('hubot', 2);

function repo(name: string, id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    node_id: `R_kgDO${id}`,
    name,
    full_name: `acme/${name}`,
    private: false,
    owner: ACME,
    html_url: `https://github.com/acme/${name}`,
    description: `The ${name} service`,
    fork: false,
    url: `https://api.github.com/repos/acme/${name}`,
    created_at: '2024-01-10T09:00:00Z',
    updated_at: '2026-11-20T10:00:00Z',
    pushed_at: '2026-11-20T10:00:00Z',
    stargazers_count: 42,
    watchers_count: 42,
    language: 'TypeScript',
    forks_count: 3,
    archived: false,
    open_issues_count: 2,
    default_branch: 'main',
    visibility: 'public',
    ...extra,
  };
}

function issue(
  r: string,
  n: number,
  title: string,
  opts: { state?: string; author?: any; assignees?: any[]; labels?: string[]; pr?: boolean; comments?: number } = {},
) {
  const base = `https://api.github.com/repos/acme/${r}`;
  return {
    url: `${base}/issues/${n}`,
    repository_url: base,
    html_url: `https://github.com/acme/${r}/${opts.pr ? 'pull' : 'issues'}/${n}`,
    id: 100000 + n,
    node_id: `I_kwDO${n}`,
    number: n,
    title,
    user: opts.author ?? OCTO,
    labels: (opts.labels ?? []).map((l, i) => ({ id: 500 + i, name: l, color: 'd73a4a', default: false })),
    state: opts.state ?? 'open',
    state_reason: opts.state === 'closed' ? 'completed' : null,
    locked: false,
    assignee: opts.assignees?.[0] ?? null,
    assignees: opts.assignees ?? [],
    comments: opts.comments ?? 0,
    created_at: '2026-11-01T08:00:00Z',
    updated_at: '2026-11-19T08:00:00Z',
    closed_at: opts.state === 'closed' ? '2026-11-19T08:00:00Z' : null,
    author_association: 'MEMBER',
    body: `Body of ${title}`,
    ...(opts.pr
      ? {
          pull_request: {
            url: `${base}/pulls/${n}`,
            html_url: `https://github.com/acme/${r}/pull/${n}`,
            merged_at: null,
          },
        }
      : {}),
  };
}

function pull(r: string, n: number, title: string, author: any, merged = false) {
  return {
    url: `https://api.github.com/repos/acme/${r}/pulls/${n}`,
    id: 200000 + n,
    number: n,
    state: merged ? 'closed' : 'open',
    title,
    user: author,
    body: `PR body ${title}`,
    labels: [],
    draft: false,
    html_url: `https://github.com/acme/${r}/pull/${n}`,
    created_at: '2026-11-02T08:00:00Z',
    updated_at: '2026-11-18T08:00:00Z',
    closed_at: merged ? '2026-11-18T08:00:00Z' : null,
    merged_at: merged ? '2026-11-18T08:00:00Z' : null,
    requested_reviewers: merged ? [] : [HUBOT],
    head: { ref: `feature-${n}`, sha: 'a'.repeat(40) },
    base: { ref: 'main', sha: 'b'.repeat(40) },
    mergeable: true,
    additions: 120,
    deletions: 7,
    changed_files: 4,
    commits: 3,
  };
}

export async function startFakeGitHubApi(): Promise<FakeGitHubApi> {
  const issues: Record<string, any[]> = {
    'acme/api': [
      issue('api', 1, 'Login fails with 500', { labels: ['bug'], assignees: [HUBOT], comments: 1 }),
      issue('api', 2, 'Add rate limiting', { labels: ['enhancement'], author: HUBOT }),
      issue('api', 3, 'Fix flaky test', { pr: true }),
      issue('api', 4, 'Old crash', { state: 'closed' }),
    ],
    'acme/web': [],
  };
  // enough issues on web to need several pages
  for (let n = 1; n <= 130; n++) {
    issues['acme/web'].push(issue('web', n, `Web issue ${n}`, { author: n % 2 ? OCTO : HUBOT }));
  }
  const state: FakeGitHubApi['state'] = {
    repos: [repo('api', 11), repo('web', 12), repo('infra', 13, { private: true, language: 'HCL' })],
    issues,
    pulls: {
      'acme/api': [pull('api', 3, 'Fix flaky test', OCTO), pull('api', 5, 'Refactor auth', HUBOT, true)],
      'acme/web': [],
    },
    comments: {
      'acme/api#1': [
        {
          id: 9001,
          user: HUBOT,
          body: 'Reproduced on staging',
          created_at: '2026-11-02T08:00:00Z',
          html_url: 'https://github.com/acme/api/issues/1#issuecomment-9001',
        },
      ],
    },
    commits: [
      {
        sha: 'c'.repeat(40),
        commit: {
          message: 'Retry login 3 times\n\nFixes #1',
          author: { name: 'Hubot', email: 'hubot@example.com', date: '2026-11-18T08:00:00Z' },
        },
        author: HUBOT,
        html_url: 'https://github.com/acme/api/commit/ccc',
        files: ['src/auth.ts'],
        branches: ['main'],
      },
      {
        sha: 'd'.repeat(40),
        commit: {
          message: 'Add README',
          author: { name: 'Octo', email: 'octo@example.com', date: '2026-11-01T08:00:00Z' },
        },
        author: OCTO,
        html_url: 'https://github.com/acme/api/commit/ddd',
        files: ['README.md'],
        branches: ['main'],
      },
    ],
    files: {
      'acme/api@main': {
        'README.md': '# api\nThe API service.\n',
        'src/auth.ts': 'export const retries = 3;\n',
        'src/index.ts': 'import "./auth";\n',
      },
    },
  };
  state.issues['acme/infra'] = [];
  state.pulls['acme/infra'] = [];
  const requests: FakeGitHubApi['requests'] = [];
  const oauthCodes = new Map<string, { challenge: string; token: string }>();
  const oauth: FakeGitHubApi['oauth'] = {
    clientId: 'fake-gh-client',
    clientSecret: 'fake-gh-secret',
    issueCode(challenge, token) {
      const code = `code_${oauthCodes.size + 1}_${Math.random().toString(36).slice(2, 10)}`;
      oauthCodes.set(code, { challenge, token });
      return code;
    },
  };
  const tokenExchange = (form: URLSearchParams): Record<string, string> => {
    if (form.get('client_id') !== oauth.clientId || form.get('client_secret') !== oauth.clientSecret) {
      return {
        error: 'incorrect_client_credentials',
        error_description: 'The client_id and/or client_secret passed are incorrect.',
      };
    }
    const grant = oauthCodes.get(form.get('code') ?? '');
    if (!grant) {
      return { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' };
    }
    oauthCodes.delete(form.get('code')!);
    if (
      createHash('sha256')
        .update(form.get('code_verifier') ?? '')
        .digest('base64url') !== grant.challenge
    ) {
      return { error: 'invalid_grant', error_description: 'The code_verifier does not match the code_challenge.' };
    }
    return { access_token: grant.token, token_type: 'bearer', scope: 'repo,read:org' };
  };
  let port = 0;
  let commentSeq = 10000;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const query = Object.fromEntries(url.searchParams.entries());
      const raw = Buffer.concat(chunks).toString();
      if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
        const form = new URLSearchParams(raw);
        requests.push({ method: 'POST', path: url.pathname, query, body: Object.fromEntries(form) });
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        return res.end(JSON.stringify(tokenExchange(form)));
      }
      const body = raw ? JSON.parse(raw) : undefined;
      const auth = req.headers.authorization ?? '';
      const tok = auth.replace(/^(Bearer|token)\s+/i, '');
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query,
        body,
        auth: req.headers.authorization && `Bearer ${tok}`,
      });
      const headers: Record<string, string> = {
        'Content-Type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-github-api-version-selected': '2022-11-28',
      };
      if (tok === 'ghp_full') {
        headers['x-oauth-scopes'] = 'repo, read:org';
      } else if (tok === 'ghp_noscope') {
        headers['x-oauth-scopes'] = 'read:org, gist';
      } else if (tok !== 'github_pat_fine') {
        res.writeHead(401, headers);
        return res.end(
          JSON.stringify({
            message: 'Bad credentials',
            documentation_url: 'https://docs.github.com/rest',
            status: '401',
          }),
        );
      }
      const send = (code: number, obj: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(code, { ...headers, ...extra });
        res.end(JSON.stringify(obj));
      };
      const notFound = () =>
        send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      const paged = (all: any[]) => {
        const per = Math.min(Number(query.per_page ?? 30), 100);
        const page = Number(query.page ?? 1);
        const last = Math.max(1, Math.ceil(all.length / per));
        const links: string[] = [];
        const mk = (p: number, rel: string) => {
          const u = new URL(url.toString());
          u.searchParams.set('page', String(p));
          u.searchParams.set('per_page', String(per));
          return `<${u.toString()}>; rel="${rel}"`;
        };
        if (page < last) {
          links.push(mk(page + 1, 'next'), mk(last, 'last'));
        }
        if (page > 1) {
          links.push(mk(1, 'first'), mk(page - 1, 'prev'));
        }
        send(200, all.slice((page - 1) * per, page * per), links.length ? { Link: links.join(', ') } : {});
      };
      const p = url.pathname;
      let m: RegExpMatchArray | null;
      const repoOf = (o: string, r: string) => state.repos.find((x) => x.full_name === `${o}/${r}`);
      if (req.method === 'GET') {
        if (p === '/user') {
          return send(200, { ...OCTO, name: 'The Octocat', public_repos: 8, created_at: '2011-01-25T18:44:36Z' });
        }
        if (p === '/user/repos') {
          return paged(state.repos);
        }
        if ((m = p.match(/^\/orgs\/([^/]+)\/repos$/))) {
          return m[1] === 'acme' ? paged(state.repos) : notFound();
        }
        if ((m = p.match(/^\/users\/([^/]+)$/))) {
          const u = [ACME, OCTO, HUBOT].find((x) => x.login.toLowerCase() === m![1].toLowerCase());
          return u ? send(200, u) : notFound();
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/commits$/))) {
          if (!repoOf(m[1], m[2])) {
            return notFound();
          }
          const all = state.commits.filter(
            (x) => (!query.path || x.files.includes(query.path)) && (!query.sha || x.branches.includes(query.sha)),
          );
          return paged(all.map(({ files: _f, branches: _b, ...rest }) => rest));
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/))) {
          if (!repoOf(m[1], m[2])) {
            return notFound();
          }
          const path = decodeURIComponent(m[3]);
          const files = state.files[`${m[1]}/${m[2]}@${query.ref ?? 'main'}`] ?? {};
          if (path in files) {
            const content = Buffer.from(files[path])
              .toString('base64')
              .replace(/(.{60})/g, '$1\n');
            return send(200, {
              type: 'file',
              encoding: 'base64',
              size: files[path].length,
              name: path.split('/').pop(),
              path,
              sha: 'f'.repeat(40),
              content,
            });
          }
          const entries = Object.keys(files).filter((f) => f.startsWith(`${path}/`));
          if (!entries.length) {
            return notFound();
          }
          return send(
            200,
            entries.map((f) => ({
              type: 'file',
              name: f.split('/').pop(),
              path: f,
              size: files[f].length,
              sha: 'e'.repeat(40),
            })),
          );
        }
        if ((m = p.match(/^\/users\/([^/]+)\/repos$/))) {
          return m[1] === 'octocat' ? paged([]) : notFound();
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)$/))) {
          const r = repoOf(m[1], m[2]);
          return r ? send(200, r) : notFound();
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues$/))) {
          const all = state.issues[`${m[1]}/${m[2]}`];
          if (!all) {
            return notFound();
          }
          const st = query.state ?? 'open';
          let list = all.filter((i) => st === 'all' || i.state === st);
          if (query.labels) {
            list = list.filter((i) => query.labels.split(',').every((l) => i.labels.some((x: any) => x.name === l)));
          }
          if (query.assignee) {
            list = list.filter((i) => i.assignees.some((a: any) => a.login === query.assignee));
          }
          return paged(list);
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/))) {
          const i = state.issues[`${m[1]}/${m[2]}`]?.find((x) => x.number === Number(m![3]));
          return i ? send(200, i) : notFound();
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
          return paged(state.comments[`${m[1]}/${m[2]}#${m[3]}`] ?? []);
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls$/))) {
          const all = state.pulls[`${m[1]}/${m[2]}`];
          if (!all) {
            return notFound();
          }
          const st = query.state ?? 'open';
          return paged(all.filter((x) => st === 'all' || x.state === st));
        }
        if ((m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/))) {
          const x = state.pulls[`${m[1]}/${m[2]}`]?.find((y) => y.number === Number(m![3]));
          // GitHub serves the diff media type with or without the `v3` version (Octokit sends `v3`)
          if (x && /^application\/vnd\.github(\.v3)?\.diff$/.test(req.headers.accept ?? '')) {
            res.writeHead(200, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
            return res.end(
              `diff --git a/src/auth.ts b/src/auth.ts\nindex 1111111..2222222 100644\n--- a/src/auth.ts\n+++ b/src/auth.ts\n@@ -1,3 +1,3 @@\n-export const retries = 1;\n+export const retries = 3;\n`,
            );
          }
          return x ? send(200, x) : notFound();
        }
      }
      if (tok === 'ghp_noscope' && req.method !== 'GET') {
        return send(403, { message: 'Resource not accessible by personal access token', status: '403' });
      }
      if (req.method === 'POST' && (m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues$/))) {
        const list = state.issues[`${m[1]}/${m[2]}`];
        if (!list) {
          return notFound();
        }
        if (!body?.title) {
          return send(422, {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
            status: '422',
          });
        }
        const n =
          Math.max(0, ...list.map((i) => i.number), ...(state.pulls[`${m[1]}/${m[2]}`] ?? []).map((x) => x.number)) + 1;
        const created = issue(m[2], n, body.title, {
          labels: body.labels,
          assignees: (body.assignees ?? []).map((a: string) => user(a, 3000 + n)),
        });
        created.body = body.body ?? null;
        list.push(created);
        return send(201, created, { Location: created.url });
      }
      if (req.method === 'POST' && (m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
        const i = state.issues[`${m[1]}/${m[2]}`]?.find((x) => x.number === Number(m![3]));
        if (!i) {
          return notFound();
        }
        const key = `${m[1]}/${m[2]}#${m[3]}`;
        const cm = {
          id: ++commentSeq,
          user: OCTO,
          body: body?.body,
          created_at: new Date().toISOString(),
          html_url: `${i.html_url}#issuecomment-${commentSeq}`,
        };
        (state.comments[key] ??= []).push(cm);
        i.comments += 1;
        return send(201, cm);
      }
      if (req.method === 'PATCH' && (m = p.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/))) {
        const i = state.issues[`${m[1]}/${m[2]}`]?.find((x) => x.number === Number(m![3]));
        if (!i) {
          return notFound();
        }
        if (body?.state) {
          i.state = body.state;
          i.state_reason = body.state_reason ?? (body.state === 'closed' ? 'completed' : null);
          i.closed_at = body.state === 'closed' ? new Date().toISOString() : null;
        }
        return send(200, i);
      }
      notFound();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    state,
    oauth,
    oauthEnv: {
      OAUTH_GITHUB_URL: `http://127.0.0.1:${port}`,
      OAUTH_GITHUB_API_URL: `http://127.0.0.1:${port}`,
      OAUTH_GITHUB_CLIENT_ID: oauth.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: oauth.clientSecret,
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
