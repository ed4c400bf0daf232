import { Client } from 'pg';
import type { Response } from 'supertest';
import { addMember, registerOwner, TestUser } from '../../factories/users';
import { startTestApp, TestApp } from '../../setup/test-app';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../support/connectors/fake-github-api';

/**
 * The OAuth callback is anonymous: the provider redirects *a* browser to it. A hostile org owner
 * starts a flow in its own org and hands the authorize URL to a victim; if the victim's browser
 * completed it, the victim's provider token would land in the attacker's org. The flow is bound
 * to the starter's browser (cookie), to a starter who may still connect sources, and is single use.
 */
describe('hostile tenant: OAuth state is bound to the browser and user that started the flow', () => {
  let gh: FakeGitHubApi;
  let t: TestApp;
  let attacker: TestUser;
  let db: Client;

  beforeAll(async () => {
    gh = await startFakeGitHubApi();
    t = await startTestApp({ ...gh.oauthEnv, FRONTEND_URL: 'http://console.test' });
    attacker = await registerOwner(t, 'oauth-attacker');
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await gh.close();
  });

  const cookiesOf = (res: Response) =>
    ((res.headers['set-cookie'] as unknown as string[] | undefined) ?? []).map((c) => c.split(';')[0]).join('; ');

  const start = async (u: TestUser) => {
    const res = await t.http().post('/api/v1/sources/oauth/github/start').set(u.auth).send({ name: 'gh' }).expect(200);
    const authorize = new URL(res.body.authorize_url);
    const code = gh.oauth.issueCode(authorize.searchParams.get('code_challenge')!, 'ghp_victim_token');
    return { res, state: res.body.state as string, code, cookie: cookiesOf(res) };
  };

  const callback = (q: Record<string, string>, cookie?: string) => {
    const req = t.http().get('/api/v1/sources/oauth/github/callback').query(q);
    return (cookie ? req.set('Cookie', cookie) : req).expect(302);
  };

  const exchanges = () => gh.requests.filter((r) => r.path === '/login/oauth/access_token').length;
  const sourceCount = async (u: TestUser) =>
    (await t.http().get('/api/v1/sources').set(u.auth).expect(200)).body.total as number;

  it('the start sets an HttpOnly, SameSite=Lax binding cookie scoped to the OAuth routes', async () => {
    const { res, state } = await start(attacker);
    const set = (res.headers['set-cookie'] as unknown as string[]).join('\n');
    expect(set).toMatch(/agentcy_oauth_[0-9a-f]{16}=/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Lax');
    expect(set).toContain('Path=/api/v1/sources/oauth');
    expect(set).toMatch(/Max-Age=600/);
    const row = await db.query('SELECT org_id, user_id FROM oauth_states WHERE state = $1', [state]);
    expect(row.rows[0]).toEqual({ org_id: attacker.orgId, user_id: attacker.userId });
  });

  it("another browser (the victim's) cannot complete the attacker's flow: nothing is exchanged or stored", async () => {
    const before = { exchanges: exchanges(), sources: await sourceCount(attacker) };
    const other = await start(attacker);
    // no cookie, another flow's cookie, and the state under a made-up cookie name
    const wrongCookies = [undefined, other.cookie, (state: string) => `agentcy_oauth_0000000000000000=${state}`];
    for (const wrong of wrongCookies) {
      const flow = await start(attacker);
      const cookie = typeof wrong === 'function' ? wrong(flow.state) : wrong;
      const back = new URL((await callback({ code: flow.code, state: flow.state }, cookie)).headers.location);
      expect(back.searchParams.get('error')).toBe('state_not_bound');
      // the refused state is burnt: the starter's own browser cannot use it afterwards either
      const burnt = new URL((await callback({ code: flow.code, state: flow.state }, flow.cookie)).headers.location);
      expect(burnt.searchParams.get('error')).toBe('invalid_state');
    }
    expect(exchanges()).toBe(before.exchanges);
    expect(await sourceCount(attacker)).toBe(before.sources);
    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=sources.oauth.connect&result=denied')
      .set(attacker.auth)
      .expect(200);
    expect(audit.body.items[0].details).toMatchObject({ reason: 'state_not_bound' });
  });

  it('the starting browser completes it once; a replay is refused', async () => {
    const { state, code, cookie } = await start(attacker);
    const ok = new URL((await callback({ code, state }, cookie)).headers.location);
    expect(ok.searchParams.get('connected')).toBe('github');
    const again = new URL((await callback({ code, state }, cookie)).headers.location);
    expect(again.searchParams.get('error')).toBe('invalid_state');
  });

  it('a starter who lost admin rights (or was disabled) before the callback cannot finish the flow', async () => {
    const admin = await addMember(t, attacker, 'admin', 'oauth-admin');
    const { state, code, cookie } = await start(admin);
    await t.http().patch(`/api/v1/users/${admin.userId}`).set(attacker.auth).send({ role: 'member' }).expect(200);
    const before = exchanges();
    const back = new URL((await callback({ code, state }, cookie)).headers.location);
    expect(back.searchParams.get('error')).toBe('not_allowed');
    expect(exchanges()).toBe(before);
  });

  it('a flow cannot target a source of another org', async () => {
    const other = await registerOwner(t, 'oauth-other');
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(other.auth)
      .send({
        name: 'gh-other',
        source_type: 'github',
        config: { token: 'github_pat_fine', owner: 'acme', base_url: gh.url },
      })
      .expect(201);
    await t
      .http()
      .post('/api/v1/sources/oauth/github/start')
      .set(attacker.auth)
      .send({ source_id: src.body.id })
      .expect(404);
  });
});
