import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { startFakeGitHubApi, type FakeGitHubApi } from '../support/connectors/fake-github-api';

/**
 * The whole GitHub OAuth connect flow against a local server that answers like GitHub Enterprise
 * Server (web OAuth endpoints and REST API on one host): start → the user approves → callback →
 * token exchange with PKCE → a source holding the token (or an existing source's token rotated).
 */
describe('sources: GitHub OAuth connect flow with the token exchange (GitHub Enterprise Server URLs)', () => {
  let gh: FakeGitHubApi;
  let t: TestApp;
  let u: TestUser;

  beforeAll(async () => {
    gh = await startFakeGitHubApi();
    t = await startTestApp({ ...gh.oauthEnv, FRONTEND_URL: 'http://console.test' });
    u = await registerOwner(t, 'oauthflow');
  });
  afterAll(async () => {
    await t.close();
    await gh.close();
  });

  /** start, let the "user" approve at the fake provider, and return the callback's redirect */
  const connect = async (body: Record<string, unknown>, token: string, tamper?: 'code' | 'challenge') => {
    const start = await t.http().post('/api/v1/sources/oauth/github/start').set(u.auth).send(body).expect(200);
    const authorize = new URL(start.body.authorize_url);
    expect(authorize.origin + authorize.pathname).toBe(`${gh.url}/login/oauth/authorize`);
    const challenge = authorize.searchParams.get('code_challenge')!;
    const code = gh.oauth.issueCode(tamper === 'challenge' ? `${challenge}x` : challenge, token);
    // the browser that started the flow carries its binding cookie back to the callback
    const binding = (start.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
    const cb = await t
      .http()
      .get('/api/v1/sources/oauth/github/callback')
      .set('Cookie', binding)
      .query({ code: tamper === 'code' ? `${code}-tampered` : code, state: start.body.state })
      .expect(302);
    return new URL(cb.headers.location);
  };

  it('creates a source with the exchanged token and the Enterprise API URL, validated against it', async () => {
    const back = await connect({ name: 'ghe-acme', realm: 'development', scopes: ['repo', 'read:org'] }, 'ghp_full');
    expect(back.origin + back.pathname).toBe('http://console.test/connectors');
    expect(back.searchParams.get('connected')).toBe('github');
    const id = back.searchParams.get('source_id')!;

    const exchange = gh.requests.filter((r) => r.path === '/login/oauth/access_token').pop()!;
    expect(exchange.body).toMatchObject({
      grant_type: 'authorization_code',
      client_id: gh.oauth.clientId,
      client_secret: gh.oauth.clientSecret,
      code_verifier: expect.any(String),
    });
    expect(exchange.body.redirect_uri).toMatch(/\/api\/v1\/sources\/oauth\/github\/callback$/);

    const src = await t.http().get(`/api/v1/sources/${id}`).set(u.auth).expect(200);
    expect(src.body).toMatchObject({ name: 'ghe-acme', source_type: 'github', realm: 'development', status: 'ready' });
    expect(src.body.config.base_url).toBe(gh.url);
    expect(JSON.stringify(src.body)).not.toContain('ghp_full');
    // the stored token is the exchanged one: the connector reaches the API with it
    const before = gh.requests.length;
    await t.http().post(`/api/v1/sources/${id}/validate`).set(u.auth).send({}).expect(200);
    expect(gh.requests.slice(before).some((r) => r.auth === 'Bearer ghp_full')).toBe(true);

    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=sources.oauth.connect&result=success')
      .set(u.auth)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({ target: { type: 'source', id } });
  });

  it('rotates the token of an existing source', async () => {
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(u.auth)
      .send({
        name: 'gh-fine',
        source_type: 'github',
        config: { token: 'github_pat_fine', owner: 'acme', base_url: gh.url },
      })
      .expect(201);
    const back = await connect({ source_id: created.body.id }, 'ghp_full');
    expect(back.searchParams.get('source_id')).toBe(created.body.id);
    const before = gh.requests.length;
    await t.http().post(`/api/v1/sources/${created.body.id}/validate`).set(u.auth).send({}).expect(200);
    const auths = gh.requests
      .slice(before)
      .map((r) => r.auth)
      .filter(Boolean);
    expect(auths.length).toBeGreaterThan(0);
    expect(auths.every((a) => a === 'Bearer ghp_full')).toBe(true);
  });

  it('a rejected exchange (wrong code or PKCE verifier) redirects with token_exchange_failed and stores nothing', async () => {
    const total = async () => (await t.http().get('/api/v1/sources').set(u.auth).expect(200)).body.total;
    const n = await total();
    const back = await connect({ name: 'never' }, 'ghp_full', 'code');
    expect(back.searchParams.get('error')).toBe('token_exchange_failed');
    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=sources.oauth.connect&result=failure')
      .set(u.auth)
      .expect(200);
    expect(audit.body.items[0].details.error).toContain('incorrect or expired');
    const pkce = await connect({ name: 'never' }, 'ghp_full', 'challenge');
    expect(pkce.searchParams.get('error')).toBe('token_exchange_failed');
    const audit2 = await t
      .http()
      .get('/api/v1/activity/audit?action=sources.oauth.connect&result=failure')
      .set(u.auth)
      .expect(200);
    expect(audit2.body.items[0].details.error).toContain('code_verifier does not match');
    expect(await total()).toBe(n);
  });
});
