import { SecretBox } from '@libs/crypto';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { createScratchDb, dropScratchDb, PG_READER, suitePrefix, testUploadDir } from './sources-helpers';

describe('sources CRUD, masking, encryption at rest, validation (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  const scratch = `agentcy_src_crud_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await createScratchDb(scratch);
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('crud'),
      UPLOAD_DIR: testUploadDir(),
      OAUTH_GITHUB_CLIENT_ID: 'test-client-id',
      OAUTH_GITHUB_CLIENT_SECRET: 'test-secret',
      FRONTEND_URL: 'http://localhost:3000',
    });
    a = await registerOwner(t, 'srca');
    b = await registerOwner(t, 'srcb');
  });

  afterAll(async () => {
    await t?.close();
    await dropScratchDb(scratch);
  });

  const pgConfig = () => ({
    host: '127.0.0.1',
    port: 5432,
    database: scratch,
    user: PG_READER,
    password: 'hunter2-secret-pw',
    schemas: ['app'],
  });

  it('lists connector types with config schemas (static route before /:id)', async () => {
    const r = await t.http().get('/api/v1/sources/types').set(a.auth).expect(200);
    const types = r.body.items.map((x: { type: string }) => x.type);
    expect(types).toEqual(expect.arrayContaining(['csv', 'json', 'postgres']));
    const pg = r.body.items.find((x: { type: string }) => x.type === 'postgres');
    expect(pg.config_schema.type).toBe('object');
    expect(pg.secret_fields).toEqual(expect.arrayContaining(['password', 'connection_string']));
    expect(pg.supports_ingest).toBe(true);
    expect(r.body.total).toBe(r.body.items.length);
  });

  it('creates a source, masks secrets, encrypts them at rest, and keeps them on "***" PATCH', async () => {
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'Scratch DB', source_type: 'postgres', config: pgConfig() })
      .expect(201);
    expect(created.body).toMatchObject({
      name: 'Scratch DB',
      source_type: 'postgres',
      realm: 'data',
      enabled: true,
      status: 'ready',
      sync_mode: 'full',
      last_sync: null,
    });
    expect(created.body.config.password).toBe('***');
    expect(created.body.config.host).toBe('127.0.0.1');
    expect(JSON.stringify(created.body)).not.toContain('hunter2');
    const id = created.body.id;

    const got = await t.http().get(`/api/v1/sources/${id}`).set(a.auth).expect(200);
    expect(got.body.config.password).toBe('***');
    expect(got.body.tool_count).toBe(4);
    const list = await t.http().get('/api/v1/sources').set(a.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain('hunter2');

    // at rest: the JSONB has no secret, the bytea does not contain it in clear, and it opens with the key
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const raw = await db.query('SELECT config, secrets FROM sources WHERE id = $1', [id]);
      expect(raw.rows[0].config.password).toBeUndefined();
      expect(JSON.stringify(raw.rows[0].config)).not.toContain('hunter2');
      const sealed: Buffer = raw.rows[0].secrets;
      expect(Buffer.isBuffer(sealed)).toBe(true);
      expect(sealed.toString('latin1')).not.toContain('hunter2');
      expect(t.app.get(SecretBox).openJson<Record<string, string>>(sealed).password).toBe('hunter2-secret-pw');

      // PATCH echoing the masked value keeps the stored secret
      const patched = await t
        .http()
        .patch(`/api/v1/sources/${id}`)
        .set(a.auth)
        .send({ config: { ...got.body.config, password: '***' }, realm: 'warehouse' })
        .expect(200);
      expect(patched.body.realm).toBe('warehouse');
      expect(patched.body.config.password).toBe('***');
      const raw2 = await db.query('SELECT secrets FROM sources WHERE id = $1', [id]);
      expect(t.app.get(SecretBox).openJson<Record<string, string>>(raw2.rows[0].secrets).password).toBe(
        'hunter2-secret-pw',
      );

      // audit entries for create and update
      const audit = await db.query(
        `SELECT action FROM audit_log WHERE org_id = $1 AND action LIKE 'sources.%' ORDER BY seq`,
        [a.orgId],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['sources.create', 'sources.update']));
    } finally {
      await db.end();
    }
  });

  it('rejects a duplicate name in the org with 409 but allows it in another org', async () => {
    const cfg = { url: 'https://example.invalid/x.csv' };
    // name clash is checked before the config is validated
    const dup = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'scratch db', source_type: 'csv', config: cfg })
      .expect(409);
    expect(dup.body.error.code).toBe('already_exists');
    await t
      .http()
      .post('/api/v1/sources')
      .set(b.auth)
      .send({ name: 'Scratch DB', source_type: 'postgres', config: pgConfig() })
      .expect(201);
  });

  it('maps bad shapes to 400 validation_failed and provider refusals to 422 source_validation_failed', async () => {
    const shape = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'csv', config: { label: 'lower case' } })
      .expect(400);
    expect(shape.body.error.code).toBe('validation_failed');
    expect(shape.body.error.details.fields.length).toBeGreaterThan(0);

    const unknownType = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'nope', config: {} })
      .expect(400);
    expect(unknownType.body.error.details.fields[0].field).toBe('source_type');

    const extra = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'postgres', config: { ...pgConfig(), bogus: 1 } })
      .expect(400);
    expect(extra.body.error.code).toBe('validation_failed');

    const creds = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'postgres', config: { ...pgConfig(), user: 'no_such_role_x' } })
      .expect(422);
    expect(creds.body.error.code).toBe('source_validation_failed');
    expect(creds.body.error.details.kind).toBe('credentials');

    const scope = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'postgres', config: { ...pgConfig(), schemas: ['app', 'missing_schema'] } })
      .expect(422);
    expect(scope.body.error.details).toMatchObject({ kind: 'scope', missing_schemas: ['missing_schema'] });

    const unreachable = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'bad', source_type: 'postgres', config: { ...pgConfig(), port: 1 } })
      .expect(422);
    expect(unreachable.body.error.details.kind).toBe('unreachable');

    // nothing was saved
    const list = await t.http().get('/api/v1/sources').query({ type: 'csv' }).set(a.auth).expect(200);
    expect(list.body.items.find((s: { name: string }) => s.name === 'bad')).toBeUndefined();
  });

  it('validates unsaved and stored configs', async () => {
    const ok = await t
      .http()
      .post('/api/v1/sources/validate')
      .set(a.auth)
      .send({ source_type: 'postgres', config: pgConfig() })
      .expect(200);
    expect(ok.body).toMatchObject({ ok: true, source_type: 'postgres' });
    expect(ok.body.info.database).toBe(scratch);
    const bad = await t
      .http()
      .post('/api/v1/sources/validate')
      .set(a.auth)
      .send({ source_type: 'postgres', config: { ...pgConfig(), user: 'no_such_role_y' } })
      .expect(422);
    expect(bad.body.error.code).toBe('source_validation_failed');
    await t
      .http()
      .post('/api/v1/sources/validate')
      .set(a.auth)
      .send({ source_type: 'postgres', config: { host: 'x' } })
      .expect(400);

    const list = await t.http().get('/api/v1/sources').set(a.auth).expect(200);
    const id = list.body.items.find((s: { name: string }) => s.name === 'Scratch DB').id;
    const stored = await t.http().post(`/api/v1/sources/${id}/validate`).set(a.auth).send({}).expect(200);
    expect(stored.body.ok).toBe(true);
  });

  it('lists with pagination and filters', async () => {
    for (const n of ['p1', 'p2', 'p3']) {
      await t
        .http()
        .post('/api/v1/sources')
        .set(a.auth)
        .send({ name: n, source_type: 'postgres', realm: 'paging', config: pgConfig() })
        .expect(201);
    }
    const p1 = await t.http().get('/api/v1/sources').query({ realm: 'paging', limit: 2 }).set(a.auth).expect(200);
    expect(p1.body.total).toBe(3);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get('/api/v1/sources')
      .query({ realm: 'paging', limit: 2, cursor: p1.body.next_cursor })
      .set(a.auth)
      .expect(200);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.next_cursor).toBeNull();
    const names = [...p1.body.items, ...p2.body.items].map((s: { name: string }) => s.name).sort();
    expect(names).toEqual(['p1', 'p2', 'p3']);
    const byType = await t.http().get('/api/v1/sources').query({ type: 'csv' }).set(a.auth).expect(200);
    expect(byType.body.total).toBe(0);
    await t.http().get('/api/v1/sources').query({ status: 'bogus' }).set(a.auth).expect(400);
  });

  it("hides other orgs' sources behind 404 and deletes", async () => {
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'to-delete', source_type: 'postgres', config: pgConfig() })
      .expect(201);
    const id = created.body.id;
    await t.http().get(`/api/v1/sources/${id}`).set(b.auth).expect(404);
    await t.http().patch(`/api/v1/sources/${id}`).set(b.auth).send({ name: 'x' }).expect(404);
    await t.http().post(`/api/v1/sources/${id}/sync`).set(b.auth).send({}).expect(404);
    await t.http().get(`/api/v1/sources/${id}/jobs`).set(b.auth).expect(404);
    await t.http().get(`/api/v1/sources/${id}/tools`).set(b.auth).expect(404);
    await t.http().post(`/api/v1/sources/${id}/validate`).set(b.auth).send({}).expect(404);
    await t.http().delete(`/api/v1/sources/${id}`).set(b.auth).expect(404);
    await t.http().get('/api/v1/sources/not-a-uuid').set(a.auth).expect(404);
    await t.http().delete(`/api/v1/sources/${id}`).set(a.auth).expect(204);
    await t.http().get(`/api/v1/sources/${id}`).set(a.auth).expect(404);
  });

  it('OAuth: start stores a single-use, expiring, provider-bound state; the callback redirects to the console', async () => {
    const start = await t
      .http()
      .post('/api/v1/sources/oauth/github/start')
      .set(a.auth)
      .send({ name: 'gh', scopes: ['repo'] })
      .expect(200);
    const url = new URL(start.body.authorize_url);
    expect(url.origin + url.pathname).toBe('https://github.com/login/oauth/authorize');
    expect(url.searchParams.get('state')).toBe(start.body.state);
    expect(url.searchParams.get('client_id')).toBe('test-client-id');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toMatch(/\/api\/v1\/sources\/oauth\/github\/callback$/);
    await t.http().post('/api/v1/sources/oauth/nope/start').set(a.auth).send({}).expect(404);
    await t.http().post('/api/v1/sources/oauth/github/start').send({}).expect(401);

    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const row = await db.query('SELECT org_id, user_id, provider, expires_at FROM oauth_states WHERE state = $1', [
        start.body.state,
      ]);
      expect(row.rows[0]).toMatchObject({ org_id: a.orgId, user_id: a.userId, provider: 'github' });
      expect(new Date(row.rows[0].expires_at).getTime()).toBeGreaterThan(Date.now());

      // bound to the provider: presenting it on another provider's callback fails (and burns nothing of github's)
      const wrong = await t
        .http()
        .get('/api/v1/sources/oauth/google/callback')
        .query({ code: 'x', state: start.body.state })
        .expect(302);
      expect(wrong.headers.location).toContain('error=invalid_state');
      // the user denied at the provider: state is consumed, error forwarded (to the browser that started it)
      const binding = (start.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      const denied = await t
        .http()
        .get('/api/v1/sources/oauth/github/callback')
        .set('Cookie', binding)
        .query({ error: 'access_denied', state: start.body.state })
        .expect(302);
      expect(denied.headers.location).toContain('error=access_denied');
      // single use
      const reuse = await t
        .http()
        .get('/api/v1/sources/oauth/github/callback')
        .query({ code: 'x', state: start.body.state })
        .expect(302);
      expect(reuse.headers.location).toContain('error=invalid_state');
      // expired
      const s2 = await t.http().post('/api/v1/sources/oauth/github/start').set(a.auth).send({}).expect(200);
      await db.query(`UPDATE oauth_states SET expires_at = now() - interval '1 minute' WHERE state = $1`, [
        s2.body.state,
      ]);
      const expired = await t
        .http()
        .get('/api/v1/sources/oauth/github/callback')
        .query({ code: 'x', state: s2.body.state })
        .expect(302);
      expect(expired.headers.location).toContain('error=invalid_state');
      expect(expired.headers.location.startsWith('http://localhost:3000/connectors')).toBe(true);
    } finally {
      await db.end();
    }
  });
});
