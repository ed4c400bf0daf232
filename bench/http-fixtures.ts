/**
 * Data for bench/http.ts, created through the API and idempotent on re-runs: the seed admin's JWT,
 * a fresh API key (earlier bench keys revoked), ≥ 25 users, ≥ 3 upload sources whose nodes the
 * graph search finds, ≥ 25 conversations of the admin.
 */
export interface HttpFixtures {
  jwt: string;
  apiKey: string;
  orgId: string;
  searchQuery: string;
}

const MIN_USERS = 25;
const MIN_SOURCES = 3;
const MIN_CONVERSATIONS = 25;
const KEY_NAME = 'bench-http';
export const SEARCH_QUERY = 'benchmark widget';

type Json = Record<string, any>;

async function call(base: string, method: string, path: string, auth?: string, body?: unknown): Promise<Json> {
  const headers: Record<string, string> = {};
  if (auth) {
    headers.authorization = `Bearer ${auth}`;
  }
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  }
  return text ? (JSON.parse(text) as Json) : {};
}

async function total(base: string, path: string, auth: string): Promise<number> {
  return (await call(base, 'GET', path, auth)).total as number;
}

export async function prepareFixtures(base: string): Promise<HttpFixtures> {
  const login = await call(base, 'POST', '/api/v1/auth/login', undefined, {
    email: 'admin@localhost',
    password: 'admin',
  });
  const jwt = login.token as string;
  const me = await call(base, 'GET', '/api/v1/users/me', jwt);
  const orgId = (me.org_id ?? me.orgId ?? me.memberships?.[0]?.org?.id) as string;

  const keys = await call(base, 'GET', '/api/v1/api-keys?limit=200', jwt);
  for (const k of keys.items as Json[]) {
    if (k.name === KEY_NAME && !k.revoked_at) {
      await call(base, 'DELETE', `/api/v1/api-keys/${k.id}`, jwt);
    }
  }
  const apiKey = (await call(base, 'POST', '/api/v1/api-keys', jwt, { name: KEY_NAME, role: 'admin' })).key as string;

  const stamp = Date.now().toString(36);
  for (let n = await total(base, '/api/v1/users?limit=1', jwt), i = 0; n < MIN_USERS; n++, i++) {
    const invite = await call(base, 'POST', '/api/v1/users/invites', jwt, {
      email: `bench-${stamp}-${i}@bench.example.org`,
      role: 'member',
    });
    await call(base, 'POST', '/api/v1/auth/invites/accept', undefined, {
      token: invite.token,
      password: 'bench-password-1',
      name: `Bench User ${i}`,
    });
  }

  const search = `/api/v1/graph/nodes/search?q=${encodeURIComponent(SEARCH_QUERY)}&limit=20`;
  let sources = await total(base, '/api/v1/sources?limit=1', jwt);
  let found = await total(base, search, jwt);
  for (let i = 0; sources < MIN_SOURCES || (found === 0 && i === 0); sources++, i++) {
    const rows = Array.from({ length: 40 }, (_, j) => ({
      id: `w${i}-${j}`,
      name: `benchmark widget ${i}-${j}`,
      description: `widget ${j} for the HTTP benchmark`,
    }));
    const res = await fetch(
      `${base}/api/v1/ingestion/upload?label=BenchWidget&key=id&name_field=name&filename=bench-${stamp}-${i}.json`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      },
    );
    if (res.status !== 202) {
      throw new Error(`upload → ${res.status}: ${await res.text()}`);
    }
    await res.arrayBuffer();
  }
  for (const deadline = Date.now() + 120_000; found === 0; found = await total(base, search, jwt)) {
    if (Date.now() > deadline) {
      throw new Error('graph search still finds nothing 120 s after the uploads (ingestion stuck?)');
    }
    await new Promise((r) => setTimeout(r, 1000));
  }

  for (let n = await total(base, '/api/v1/chat/conversations?limit=1', jwt), i = 0; n < MIN_CONVERSATIONS; n++, i++) {
    await call(base, 'POST', '/api/v1/chat/conversations', jwt, { title: `bench conversation ${stamp}-${i}` });
  }
  return { jwt, apiKey, orgId, searchQuery: SEARCH_QUERY };
}
