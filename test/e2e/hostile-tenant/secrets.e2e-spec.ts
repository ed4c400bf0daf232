import { OrgSettingsCache } from 'src/modules/orgs/org-settings-cache';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../../factories/users';
import { startTestApp, type TestApp } from '../../setup/test-app';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../support/connectors/fake-github-api';
import { startRecordingServer, type RecordingServer } from '../../support/recording-server';
import { openSse } from '../chat-helpers';

const INSTALL_OPENAI = 'sk-install-secret';
const INSTALL_LLM = 'sk-install-llm-key';
const INSTALL_ANTHROPIC = 'sk-install-anthropic-key';
const INSTALL_SECRETS = [INSTALL_OPENAI, INSTALL_LLM, INSTALL_ANTHROPIC];

/**
 * Install secrets stay with the install: a self-registered owner points its LLM settings and its
 * sources at a server of its own (a local recorder) and tries to receive the install's provider
 * keys or its sources' stored secrets there; internal addresses (127.0.0.2) are never reached.
 */
describe('hostile tenant: install secrets stay with the install', () => {
  let t: TestApp;
  let rec: RecordingServer;
  let internal: RecordingServer;
  let gh: FakeGitHubApi;
  const savedEnv = { openai: process.env.OPENAI_API_KEY, anthropic: process.env.ANTHROPIC_API_KEY };

  beforeAll(async () => {
    rec = await startRecordingServer();
    internal = await startRecordingServer('127.0.0.2');
    gh = await startFakeGitHubApi();
    // as in production, the keys are in the process environment too (the SDKs would read them)
    process.env.OPENAI_API_KEY = INSTALL_OPENAI;
    process.env.ANTHROPIC_API_KEY = INSTALL_ANTHROPIC;
    t = await startTestApp({
      LLM_PROVIDER: 'openai',
      LLM_API_KEY: INSTALL_LLM,
      OPENAI_API_KEY: INSTALL_OPENAI,
      ANTHROPIC_API_KEY: INSTALL_ANTHROPIC,
      OAUTH_GITHUB_CLIENT_ID: gh.oauth.clientId,
      OAUTH_GITHUB_CLIENT_SECRET: gh.oauth.clientSecret,
      SSE_PING_INTERVAL_MS: '200',
    });
  });

  afterAll(async () => {
    await t?.close();
    await rec.close();
    await internal.close();
    await gh.close();
    restoreEnv('OPENAI_API_KEY', savedEnv.openai);
    restoreEnv('ANTHROPIC_API_KEY', savedEnv.anthropic);
  });

  const noInstallSecret = (server: RecordingServer) => {
    for (const s of INSTALL_SECRETS) {
      expect({ secret: s, seen: server.sawSecret(s) }).toEqual({ secret: s, seen: false });
    }
  };

  const authHeaders = (server: RecordingServer, from = 0) =>
    server.requests.slice(from).map((r) => r.headers.authorization ?? r.headers['x-api-key'] ?? null);

  async function chatTurn(u: TestUser): Promise<{ events: { event: string; data: any }[] }> {
    const c = await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'x' }).expect(201);
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${c.body.id}/messages`, {
      headers: u.auth,
      body: { content: 'hello' },
    });
    expect(s.status).toBe(200);
    await s.done;
    return { events: s.events };
  }

  it('an org base_url without a key: test and chat reach it without any key', async () => {
    const u = await registerOwner(t, 'sec-llm');
    const from = rec.requests.length;
    const put = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'openai', model: 'm', base_url: rec.baseUrl })
      .expect(200);
    expect(put.body).toMatchObject({ base_url: rec.baseUrl, api_key_set: false, source: 'org' });

    const test = await t.http().post('/api/v1/settings/llm/test').set(u.auth).send({}).expect(200);
    expect(test.body).toMatchObject({ ok: true, sample: 'pong' });
    // an unsaved configuration of the same provider as the install's does not inherit its key either
    const unsaved = await t
      .http()
      .post('/api/v1/settings/llm/test')
      .set(u.auth)
      .send({ provider: 'openai', base_url: rec.baseUrl })
      .expect(200);
    expect(unsaved.body.ok).toBe(true);
    // nor does a hosted provider whose install key is set (ANTHROPIC_API_KEY)
    await t
      .http()
      .post('/api/v1/settings/llm/test')
      .set(u.auth)
      .send({ provider: 'anthropic', base_url: rec.baseUrl })
      .expect(200);

    const turn = await chatTurn(u);
    expect(turn.events[turn.events.length - 1]).toMatchObject({ event: 'message_end' });
    expect(turn.events.some((e) => e.event === 'content_delta' && e.data.delta.includes('pong'))).toBe(true);

    expect(rec.requests.length - from).toBeGreaterThanOrEqual(4);
    expect(authHeaders(rec, from).every((h) => h === null)).toBe(true);
    noInstallSecret(rec);
  });

  it('with its own key the recorder sees only that key; a masked key never follows a new base_url', async () => {
    const u = await registerOwner(t, 'sec-own');
    const from = rec.requests.length;
    await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'openai', model: 'm', base_url: rec.baseUrl, api_key: 'sk-org-own-key' })
      .expect(200);
    expect((await t.http().post('/api/v1/settings/llm/test').set(u.auth).send({}).expect(200)).body.ok).toBe(true);
    await chatTurn(u);
    expect(authHeaders(rec, from).every((h) => h === 'Bearer sk-org-own-key')).toBe(true);
    expect(rec.requests.length - from).toBeGreaterThanOrEqual(2);

    // same destination, key omitted or masked: kept
    const kept = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'openai', model: 'm2', base_url: `${rec.baseUrl}/`, api_key: 'sk-o****' })
      .expect(200);
    expect(kept.body).toMatchObject({ api_key_set: true, api_key_masked: 'sk-o****' });

    // new destination with the placeholder: the stored key is dropped, not carried over
    const moved = `${rec.origin}/elsewhere/v1`;
    const dropped = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'openai', model: 'm', base_url: moved, api_key: '***' })
      .expect(200);
    expect(dropped.body).toMatchObject({ base_url: moved, api_key_set: false, api_key_masked: null });
    const before = rec.requests.length;
    // testing an unsaved destination does not take the stored key along either
    await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'openai', model: 'm', base_url: rec.baseUrl, api_key: 'sk-org-own-key' })
      .expect(200);
    await t.http().post('/api/v1/settings/llm/test').set(u.auth).send({ base_url: moved }).expect(200);
    await t
      .http()
      .post('/api/v1/settings/llm/test')
      .set(u.auth)
      .send({ provider: 'openai', base_url: moved, api_key: '***' })
      .expect(200);
    const toMoved = rec.requests.slice(before).filter((r) => r.path.startsWith('/elsewhere/'));
    expect(toMoved).toHaveLength(2);
    expect(toMoved.map((r) => r.headers.authorization ?? null)).toEqual([null, null]);

    const ds = t.app.get(DataSource);
    const audit = (await ds.query(
      `SELECT details->>'api_key_dropped' AS d FROM audit_log WHERE org_id = $1 AND action = 'settings.llm.update'`,
      [u.orgId],
    )) as { d: string | null }[];
    expect(audit.map((a) => a.d)).toContain('destination_changed');
    noInstallSecret(rec);
  });

  it('an internal base_url is refused with 422 egress_forbidden on save and test, and never reached', async () => {
    const u = await registerOwner(t, 'sec-egress');
    const target = `${internal.origin}/v1`;
    const put = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(u.auth)
      .send({ provider: 'vllm', base_url: target })
      .expect(422);
    expect(put.body.error).toMatchObject({ code: 'egress_forbidden', details: { address: '127.0.0.2' } });
    for (const body of [
      { provider: 'vllm', base_url: target },
      { provider: 'openai', base_url: target, api_key: 'sk-x' },
      { base_url: target },
    ]) {
      const res = await t.http().post('/api/v1/settings/llm/test').set(u.auth).send(body).expect(422);
      expect(res.body.error.code).toBe('egress_forbidden');
    }
    const settings = await t.http().get('/api/v1/settings/llm').set(u.auth).expect(200);
    expect(settings.body.source).toBe('env');

    // a configuration stored before the rule (or a host that later resolves inside): the chat turn fails clearly
    const ds = t.app.get(DataSource);
    await ds.query(`UPDATE organizations SET settings = jsonb_set(settings, '{llm}', $2::jsonb) WHERE id = $1`, [
      u.orgId,
      JSON.stringify({ provider: 'vllm', model: 'm', base_url: target }),
    ]);
    // written behind the API's back: drop what this process cached of the settings, as a restart would
    await t.app.get(OrgSettingsCache, { strict: false }).changed(u.orgId);
    const turn = await chatTurn(u);
    const err = turn.events.find((e) => e.event === 'error');
    expect(err?.data).toMatchObject({ code: 'egress_forbidden' });
    expect(err?.data.message).toContain('127.0.0.2');
    expect(internal.requests).toHaveLength(0);
  });

  it('sources: a new url with "***" is a 400 naming the secret; without it the secret is cleared', async () => {
    const u = await registerOwner(t, 'sec-src');
    const secret = 'Bearer src-secret-token-123';
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(u.auth)
      .send({
        name: 'records',
        source_type: 'json',
        config: { url: `${rec.origin}/a.json`, headers: { Authorization: secret } },
      })
      .expect(201);
    expect(created.body.config.headers).toBe('***');
    const id = created.body.id;
    // echoing the masked config to the same url keeps the secret
    await t
      .http()
      .patch(`/api/v1/sources/${id}`)
      .set(u.auth)
      .send({ config: { ...created.body.config, label: 'Item' } })
      .expect(200);

    const bad = await t
      .http()
      .patch(`/api/v1/sources/${id}`)
      .set(u.auth)
      .send({ config: { url: `${rec.origin}/b.json`, headers: '***' } })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.fields).toEqual([
      { field: 'config.headers', errors: [expect.stringContaining('re-enter')] },
    ]);
    expect(rec.requests.some((r) => r.path.startsWith('/b.json'))).toBe(false);

    const moved = await t
      .http()
      .patch(`/api/v1/sources/${id}`)
      .set(u.auth)
      .send({ config: { url: `${rec.origin}/b.json` } })
      .expect(200);
    expect(moved.body.config.url).toBe(`${rec.origin}/b.json`);
    expect(moved.body.config.headers).toBeUndefined();
    await t.http().post(`/api/v1/sources/${id}/validate`).set(u.auth).send({}).expect(200);
    const toB = rec.requests.filter((r) => r.path.startsWith('/b.json'));
    expect(toB.length).toBeGreaterThan(0);
    expect(toB.every((r) => !JSON.stringify(r.headers).includes('src-secret-token'))).toBe(true);
    const [row] = (await t.app.get(DataSource).query(`SELECT secrets FROM sources WHERE id = $1`, [id])) as {
      secrets: Buffer | null;
    }[];
    expect(row.secrets).toBeNull();
    const audit = (await t.app
      .get(DataSource)
      .query(
        `SELECT details FROM audit_log WHERE org_id = $1 AND action = 'sources.update' ORDER BY seq DESC LIMIT 1`,
        [u.orgId],
      )) as { details: { secrets_cleared?: string[] } }[];
    expect(audit[0].details.secrets_cleared).toEqual(['headers']);
  });

  it('OAuth: the install OAuth app never puts a token into a source that sends it to the org own server', async () => {
    const u = await registerOwner(t, 'sec-oauth');
    // GitHub at the org's own base_url (the install's flow points at api.github.com)
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(u.auth)
      .send({
        name: 'own-gh',
        source_type: 'github',
        config: { token: 'github_pat_fine', owner: 'acme', base_url: gh.url },
      })
      .expect(201);
    const res = await t
      .http()
      .post('/api/v1/sources/oauth/github/start')
      .set(u.auth)
      .send({ source_id: src.body.id })
      .expect(422);
    expect(res.body.error).toMatchObject({ code: 'oauth_destination_mismatch', details: { field: 'config.base_url' } });
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}
