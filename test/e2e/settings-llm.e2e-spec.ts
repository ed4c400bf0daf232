import { FeatureFlagService } from '@libs/features';
import { LlmProviderFactory } from '@libs/llm/llm.port';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { FakeOpenAI, startFakeOpenAI } from '../support/fake-openai-server';
import { addUserWithRole } from './settings-helpers';

const SECRET = 'sk-live-very-secret-key-123456';

describe('/settings/llm and /settings/features', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('defaults to the built-in offline provider', async () => {
    const org = await registerOwner(t, 'llm');
    const res = await t.http().get('/api/v1/settings/llm').set(org.auth).expect(200);
    expect(res.body).toMatchObject({
      provider: 'offline',
      model: 'offline-keyword-matcher',
      api_key_set: false,
      api_key_masked: null,
      source: 'default',
    });
    const provider = await t.app.get(LlmProviderFactory).forOrg(org.orgId);
    expect(provider.name).toBe('offline');
    const test = await t.http().post('/api/v1/settings/llm/test').set(org.auth).send({}).expect(200);
    expect(test.body).toMatchObject({ ok: true, provider: 'offline', latency_ms: expect.any(Number) });
  });

  it('stores the key encrypted, never returns it, and the factory uses the org configuration', async () => {
    const org = await registerOwner(t, 'llm');
    const put = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'vllm', model: 'qwen-test', base_url: fake.baseUrl, api_key: SECRET, temperature: 0.2 })
      .expect(200);
    expect(put.body).toMatchObject({
      provider: 'vllm',
      model: 'qwen-test',
      base_url: fake.baseUrl,
      api_key_set: true,
      api_key_masked: 'sk-l****',
      temperature: 0.2,
      source: 'org',
    });
    expect(JSON.stringify(put.body)).not.toContain(SECRET);
    const get = await t.http().get('/api/v1/settings/llm').set(org.auth).expect(200);
    expect(get.body).toEqual(put.body);
    const all = await t.http().get('/api/v1/settings').set(org.auth).expect(200);
    expect(all.body.settings.llm.api_key_set).toBe(true);
    expect(JSON.stringify(all.body)).not.toContain(SECRET);
    expect(JSON.stringify(all.body)).not.toContain('api_key_sealed');

    const ds = t.app.get(DataSource);
    const [row] = (await ds.query(`SELECT settings::text AS s FROM organizations WHERE id = $1`, [org.orgId])) as {
      s: string;
    }[];
    expect(row.s).not.toContain(SECRET);
    const audit = (await ds.query(`SELECT details::text AS d FROM audit_log WHERE org_id = $1`, [org.orgId])) as {
      d: string | null;
    }[];
    expect(audit.length).toBeGreaterThan(0);
    for (const a of audit) {
      expect(a.d ?? '').not.toContain(SECRET);
    }

    fake.script({ text: 'hello from vllm', usage: { prompt_tokens: 3, completion_tokens: 3 } });
    const provider = await t.app.get(LlmProviderFactory).forOrg(org.orgId);
    expect([provider.name, provider.model]).toEqual(['vllm', 'qwen-test']);
    let text = '';
    for await (const ev of provider.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })) {
      if (ev.type === 'text_delta') {
        text += ev.delta;
      }
    }
    expect(text).toBe('hello from vllm');
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(fake.requests[0].body.model).toBe('qwen-test');
    expect(fake.requests[0].body.temperature).toBe(0.2);

    // an agent model override keeps the org provider
    const overridden = await t.app.get(LlmProviderFactory).forOrg(org.orgId, { model: 'other-model' });
    expect([overridden.name, overridden.model]).toEqual(['vllm', 'other-model']);
  });

  it('keeps the key when api_key is omitted, clears it with null, and resets with DELETE', async () => {
    const org = await registerOwner(t, 'llm');
    await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'openai', model: 'gpt-x', api_key: SECRET })
      .expect(200);
    const kept = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'openai', model: 'gpt-y' })
      .expect(200);
    expect(kept.body).toMatchObject({ model: 'gpt-y', api_key_set: true });
    const cleared = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'openai', model: 'gpt-y', api_key: null })
      .expect(200);
    expect(cleared.body.api_key_set).toBe(false);
    await t.http().put('/api/v1/settings/llm').set(org.auth).send({ provider: 'openai', api_key: SECRET }).expect(200);
    const switched = await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'anthropic', model: 'claude-x' })
      .expect(200);
    expect(switched.body).toMatchObject({ provider: 'anthropic', api_key_set: false });
    const reset = await t.http().delete('/api/v1/settings/llm').set(org.auth).expect(200);
    expect(reset.body).toMatchObject({ provider: 'offline', source: 'default' });
    expect((await t.app.get(LlmProviderFactory).forOrg(org.orgId)).name).toBe('offline');
  });

  it.each([
    [{ provider: 'gpt' }, 'provider'],
    [{ model: 'x' }, 'provider'],
    [{ provider: 'ollama', model: 'llama3' }, 'base_url'],
    [{ provider: 'lmstudio', base_url: 'not a url' }, 'base_url'],
    [{ provider: 'openai', temperature: 3 }, 'temperature'],
    [{ provider: 'openai', api_key_set: true }, 'api_key_set'],
  ])('PUT %j → 400 on %s', async (body, field) => {
    const org = await registerOwner(t, 'llm');
    const res = await t.http().put('/api/v1/settings/llm').set(org.auth).send(body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('POST /settings/llm/test tries the provider and reports failures without throwing', async () => {
    const org = await registerOwner(t, 'llm');
    await t
      .http()
      .put('/api/v1/settings/llm')
      .set(org.auth)
      .send({ provider: 'openai', model: 'gpt-test', base_url: fake.baseUrl, api_key: SECRET })
      .expect(200);
    fake.script({ text: 'pong' });
    const ok = await t.http().post('/api/v1/settings/llm/test').set(org.auth).send({}).expect(200);
    expect(ok.body).toMatchObject({
      ok: true,
      provider: 'openai',
      model: 'gpt-test',
      sample: 'pong',
      latency_ms: expect.any(Number),
    });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${SECRET}`);

    fake.script({ status: 401, error: { message: 'Incorrect API key provided' } });
    const bad = await t
      .http()
      .post('/api/v1/settings/llm/test')
      .set(org.auth)
      .send({ provider: 'openai', base_url: fake.baseUrl, api_key: 'sk-wrong' })
      .expect(200);
    expect(bad.body).toMatchObject({
      ok: false,
      error_code: 'llm_auth_failed',
      error: expect.stringContaining('Incorrect API key'),
    });
    expect(fake.requests[1].headers.authorization).toBe('Bearer sk-wrong');

    const down = await t
      .http()
      .post('/api/v1/settings/llm/test')
      .set(org.auth)
      .send({ provider: 'ollama', base_url: 'http://127.0.0.1:9/v1' })
      .expect(200);
    expect(down.body).toMatchObject({ ok: false, error_code: 'llm_unavailable' });
  });

  it('members can read the LLM settings but not change or test them', async () => {
    const org = await registerOwner(t, 'llm');
    const member = await addUserWithRole(t, org, 'member');
    await t.http().get('/api/v1/settings/llm').set(member.auth).expect(200);
    await t.http().put('/api/v1/settings/llm').set(member.auth).send({ provider: 'offline' }).expect(403);
    await t.http().post('/api/v1/settings/llm/test').set(member.auth).send({}).expect(403);
    await t.http().put('/api/v1/settings/features').set(member.auth).send({ rag: false }).expect(403);
  });

  describe('features', () => {
    it('GET reports install defaults with their source', async () => {
      const org = await registerOwner(t, 'feat');
      const res = await t.http().get('/api/v1/settings/features').set(org.auth).expect(200);
      expect(res.body).toMatchObject({
        rag: true,
        workers: false,
        voice: false,
        policies: false,
        orchestrator: false,
        overrides: {},
      });
      expect(res.body.source).toMatchObject({ rag: 'env', voice: 'env' });
    });

    it('an org can switch an installed feature off; FeatureFlagService honours it per org', async () => {
      const org = await registerOwner(t, 'feat');
      const other = await registerOwner(t, 'feat');
      const flags = t.app.get(FeatureFlagService, { strict: false });
      expect(await flags.isEnabled('rag', org.orgId)).toBe(true);
      const res = await t.http().put('/api/v1/settings/features').set(org.auth).send({ rag: false }).expect(200);
      expect(res.body).toMatchObject({ rag: false, source: { rag: 'org' }, overrides: { rag: false } });
      expect(await flags.isEnabled('rag', org.orgId)).toBe(false);
      expect(await flags.isEnabled('rag', other.orgId)).toBe(true);
      const settings = await t.http().get('/api/v1/settings').set(org.auth).expect(200);
      expect(settings.body.settings.features).toEqual({ rag: false });
      // PATCH merges; null/true removes the override
      await t.http().patch('/api/v1/settings/features').set(org.auth).send({ workers: null }).expect(200);
      expect(await flags.isEnabled('rag', org.orgId)).toBe(false);
      const back = await t.http().patch('/api/v1/settings/features').set(org.auth).send({ rag: true }).expect(200);
      expect(back.body).toMatchObject({ rag: true, source: { rag: 'env' }, overrides: {} });
      expect(await flags.isEnabled('rag', org.orgId)).toBe(true);
      // PUT replaces
      await t.http().put('/api/v1/settings/features').set(org.auth).send({ rag: false }).expect(200);
      const replaced = await t.http().put('/api/v1/settings/features').set(org.auth).send({}).expect(200);
      expect(replaced.body.overrides).toEqual({});
    });

    it('cannot enable a feature that is off at install level, nor send unknown flags', async () => {
      const org = await registerOwner(t, 'feat');
      const res = await t.http().patch('/api/v1/settings/features').set(org.auth).send({ voice: true }).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.fields[0].field).toBe('voice');
      await t.http().patch('/api/v1/settings/features').set(org.auth).send({ teleport: false }).expect(400);
      await t.http().patch('/api/v1/settings/features').set(org.auth).send({ rag: 'no' }).expect(400);
    });
  });
});

describe('/settings/llm with env configuration', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp({
      LLM_PROVIDER: 'openai',
      LLM_MODEL: 'gpt-env',
      LLM_BASE_URL: fake.baseUrl,
      LLM_API_KEY: 'sk-env-key-abcdef',
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('falls back to the env provider and lets an org override it', async () => {
    const org: TestUser = await registerOwner(t, 'envllm');
    const res = await t.http().get('/api/v1/settings/llm').set(org.auth).expect(200);
    expect(res.body).toMatchObject({
      provider: 'openai',
      model: 'gpt-env',
      base_url: fake.baseUrl,
      api_key_set: true,
      api_key_masked: 'sk-e****',
      source: 'env',
    });
    expect(JSON.stringify(res.body)).not.toContain('sk-env-key-abcdef');
    fake.script({ text: 'pong' });
    const ok = await t.http().post('/api/v1/settings/llm/test').set(org.auth).send({}).expect(200);
    expect(ok.body).toMatchObject({ ok: true, provider: 'openai', model: 'gpt-env' });
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-env-key-abcdef');

    await t.http().put('/api/v1/settings/llm').set(org.auth).send({ provider: 'offline' }).expect(200);
    expect((await t.app.get(LlmProviderFactory).forOrg(org.orgId)).name).toBe('offline');
    const other = await registerOwner(t, 'envllm');
    expect((await t.app.get(LlmProviderFactory).forOrg(other.orgId)).name).toBe('openai');
  });
});
