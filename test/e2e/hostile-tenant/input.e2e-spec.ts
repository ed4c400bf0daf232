import { createHash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { registerOwner, TestUser } from '../../factories/users';
import { startTestApp, TestApp } from '../../setup/test-app';

/**
 * Bad input never becomes a 500, and every response carries the security headers: a
 * self-registered owner sends what a JSON parser, class-transformer and PostgreSQL choke on.
 */
describe('hostile tenant: hostile input, security headers, secrets at rest in the idempotency table', () => {
  let t: TestApp;
  let u: TestUser;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp();
    u = await registerOwner(t, 'input');
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const postRaw = (path: string, raw: string) =>
    t.http().post(path).set(u.auth).set('content-type', 'application/json').send(raw);

  const expectEnvelope400 = (res: { status: number; body: { error?: { code?: string } } }) => {
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toEqual(expect.any(String));
  };

  describe('JSON nesting', () => {
    it('a 5,000-deep body is a 400 validation_failed before anything walks it', async () => {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      for (const path of ['/api/v1/realms', '/api/v1/sources', '/api/v1/auth/login']) {
        const res = await postRaw(path, `{"name":"deep","config":{"a":${deep}},"description":${deep}}`);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { reason: 'too_deep' } });
      }
      // objects as well as arrays, brackets inside strings do not count
      const objects = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
      const res = await postRaw('/api/v1/sources', `{"name":"d","source_type":"json","config":${objects}}`);
      expect(res.body.error.details.reason).toBe('too_deep');
      const inString = await postRaw(
        '/api/v1/realms',
        JSON.stringify({ name: 'brackets', description: '['.repeat(500) }),
      );
      expect(inString.status).toBe(201);
    });

    it('a body nested within the limit reaches validation and is judged there (never a 500)', async () => {
      let v: unknown = 'leaf';
      for (let i = 0; i < 60; i++) {
        v = { n: v };
      }
      const res = await t
        .http()
        .post('/api/v1/sources')
        .set(u.auth)
        .send({ name: `n-${randomUUID().slice(0, 6)}`, source_type: 'json', config: v });
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('strings PostgreSQL cannot store', () => {
    it('NUL characters anywhere in a JSON body are a 400 with the JSON path', async () => {
      const cases: [string, string][] = [
        ['{"name":"a\\u0000b"}', '$.name'],
        ['{"name":"ok","config":{"x":{"y":["fine","bad\\u0000"]}},"source_type":"json"}', '$.config.x.y[1]'],
        ['{"name":"ok","config":{"we\\u0000ird":1},"source_type":"json"}', '$.config["we\\u0000ird"]'],
      ];
      for (const [raw, path] of cases) {
        const res = await postRaw(raw.includes('source_type') ? '/api/v1/sources' : '/api/v1/realms', raw);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'validation_failed',
          details: { location: 'body', path, reason: 'nul_character' },
        });
      }
      // a raw NUL byte inside a JSON string is not JSON at all
      const rawByte = await postRaw('/api/v1/realms', '{"name":"a\u0000b"}');
      expect(rawByte.status).toBe(400);
      expect(rawByte.body.error.code).toBe('malformed_json');
    });

    it('lone surrogates are a 400 with the JSON path; a real pair is fine', async () => {
      for (const s of ['\\ud800', '\\udfff', 'x\\ud83dy']) {
        const res = await postRaw('/api/v1/realms', `{"name":"r","description":"${s}"}`);
        expect(res.status).toBe(400);
        expect(res.body.error.details).toMatchObject({ path: '$.description', reason: 'lone_surrogate' });
      }
      const pair = await postRaw(
        '/api/v1/realms',
        `{"name":"emoji-${randomUUID().slice(0, 6)}","description":"ok \\ud83d\\ude00"}`,
      );
      expect(pair.status).toBe(201);
      expect(pair.body.description).toBe('ok 😀');
    });

    it('form bodies, query strings and path segments are checked the same way', async () => {
      const form = await t
        .http()
        .post('/api/v1/realms')
        .set(u.auth)
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('name=abc%00def');
      expect(form.status).toBe(400);
      expect(form.body.error.details).toMatchObject({ location: 'body', path: '$.name', reason: 'nul_character' });

      const query = await t.http().get('/api/v1/sources?q=a%00b').set(u.auth);
      expect(query.status).toBe(400);
      expect(query.body.error.details).toMatchObject({ location: 'query', path: '$.q' });
      const cursor = await t.http().get('/api/v1/sources?cursor=%00').set(u.auth);
      expect(cursor.status).toBe(400);

      const path = await t.http().get('/api/v1/sources/%00').set(u.auth);
      expect(path.status).toBe(400);
      expect(path.body.error.details).toMatchObject({ location: 'path', reason: 'nul_character' });
      const undecodable = await t.http().get('/api/v1/sources/%E0%A4%A').set(u.auth);
      expect(undecodable.status).toBe(400);
      expect(undecodable.body.error.code).toEqual(expect.any(String));
    });
  });

  describe('numbers and identifiers out of range', () => {
    it('integers beyond their limits (and beyond int4/int8/double) are a 400', async () => {
      for (const n of ['1e309', '-1e309', '99999999999999999999', '2147483648', '9223372036854775808', '1.5']) {
        const res = await postRaw(
          '/api/v1/agents',
          `{"name":"agent-${randomUUID().slice(0, 6)}","max_iterations":${n}}`,
        );
        expectEnvelope400(res);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const settings = await t
        .http()
        .patch('/api/v1/settings/security')
        .set(u.auth)
        .set('content-type', 'application/json')
        .send('{"approval_timeout_secs":1e309}');
      expectEnvelope400(settings);
    });

    it('query numbers beyond range are a 400', async () => {
      for (const q of ['limit=1e309', 'limit=99999999999999999999999', 'limit=-1', 'limit=NaN', 'limit=1.5']) {
        const res = await t.http().get(`/api/v1/sources?${q}`).set(u.auth);
        expectEnvelope400(res);
      }
    });

    it('dates beyond the timestamp range are a 400, not a database error', async () => {
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set(u.auth)
        .send({ name: 'far', role: 'viewer', expires_at: '+275760-09-13T00:00:00.000Z' });
      expect(res.status).toBeLessThan(500);
      const far = await t
        .http()
        .post('/api/v1/api-keys')
        .set(u.auth)
        .send({ name: 'far2', role: 'viewer', expires_at: '9999-12-31T23:59:59.999Z' });
      expect(far.status).toBeLessThan(500);
      // valid for JavaScript, before PostgreSQL's timestamp range: the database refuses it (22008)
      for (const since of ['-200000-01-01T00:00:00.000Z', '-004714-01-01T00:00:00.000Z']) {
        const res = await t.http().get('/api/v1/ingestion/jobs').query({ since }).set(u.auth);
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'validation_failed',
          message: expect.stringContaining('out of range'),
        });
      }
    });

    it('malformed ids in path parameters are a 400 or 404, never a 500', async () => {
      const routes = [
        '/api/v1/sources/:id',
        '/api/v1/sources/:id/jobs',
        '/api/v1/agents/:id',
        '/api/v1/realms/:id',
        '/api/v1/sources/:id/tools',
        '/api/v1/sources/:id/jobs/:id',
        '/api/v1/users/invites/:id',
        '/api/v1/users/:id',
        '/api/v1/chat/conversations/:id',
        '/api/v1/chat/conversations/:id/messages',
        '/api/v1/ingestion/jobs/:id',
        '/api/v1/graph/nodes/:id',
        '/api/v1/chat/incoming-endpoints/:id',
      ];
      const ids = [
        'not-a-uuid',
        "1'--",
        '00000000-0000-0000-0000-00000000000g',
        'x'.repeat(3000),
        '%C0%AF',
        '..%2F..%2Fetc',
      ];
      for (const r of routes) {
        for (const id of ids) {
          const res = await t.http().get(r.replaceAll(':id', id)).set(u.auth);
          expect({ route: r, id: id.slice(0, 20), status: res.status }).toEqual({
            route: r,
            id: id.slice(0, 20),
            status: expect.any(Number),
          });
          expect([400, 404]).toContain(res.status);
        }
      }
    });
  });

  describe('security headers', () => {
    const expectHeaders = (res: { headers: Record<string, string> }) => {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['strict-transport-security']).toEqual(expect.any(String));
      expect(res.headers['x-powered-by']).toBeUndefined();
    };

    it('are on 200, 201, 400, 401, 404 and body-parser errors alike', async () => {
      expectHeaders(await t.http().get('/api/v1/auth/me').set(u.auth).expect(200));
      expectHeaders(await t.http().get('/api/v1/health/live'));
      expectHeaders(await t.http().get('/api/v1/auth/me').expect(401));
      expectHeaders(await t.http().get('/api/v1/definitely-not-here').expect(404));
      expectHeaders(await t.http().get('/nothing-at-all').expect(404));
      expectHeaders(await postRaw('/api/v1/realms', '{"name":').expect(400));
      expectHeaders(await postRaw('/api/v1/realms', `{"name":${'['.repeat(100)}`).expect(400));
      expectHeaders(
        await t
          .http()
          .post('/api/v1/realms')
          .set(u.auth)
          .send({ name: `h-${randomUUID().slice(0, 6)}` })
          .expect(201),
      );
    });

    it('the API reference page still loads: same-origin scripts and styles are allowed, framing is not', async () => {
      const page = await t.http().get('/api/v1/docs/').redirects(2).expect(200);
      expect(page.headers['content-type']).toContain('text/html');
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("'unsafe-eval'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      const html = page.text;
      // every script is an external same-origin file (an inline one would be blocked by script-src 'self')
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)=["']([^"']+)["']/gi)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(2);
      for (const a of assets) {
        expect(a).not.toMatch(/^(https?:)?\/\//);
        const url = new URL(a, `http://127.0.0.1/api/v1/docs/`);
        const res = await t.http().get(url.pathname).expect(200);
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      }
      // the document the page loads
      await t.http().get('/api/v1/openapi.json').expect(200);
    });
  });

  describe('idempotency table', () => {
    const dump = async (key: string) => {
      const rows = await db.query(`SELECT row_to_json(i)::text AS row FROM idempotency_keys i WHERE key = $1`, [key]);
      return rows.rows.map((r) => r.row as string).join('\n');
    };

    it('holds no clear secret of a replayable response; the replay returns the same secret', async () => {
      const key = randomUUID();
      const body = { name: `idem-${randomUUID().slice(0, 6)}` };
      const first = await t
        .http()
        .post('/api/v1/chat/incoming-endpoints')
        .set(u.auth)
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const secret: string = first.body.secret;
      expect(secret).toMatch(/^cis_/);
      const again = await t
        .http()
        .post('/api/v1/chat/incoming-endpoints')
        .set(u.auth)
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);

      const row = await dump(key);
      expect(row).toContain(key);
      expect(row).not.toContain(secret);
      expect(row).not.toContain(secret.slice(4, 20));
      expect(row).not.toContain(body.name);
      expect(row).not.toContain(first.body.id);
      // the request fingerprint is keyed: not the plain SHA-256 of what was sent
      const plain = createHash('sha256')
        .update(`/api/v1/chat/incoming-endpoints\0${JSON.stringify(body)}`)
        .digest('hex');
      expect(row).not.toContain(plain);
    });

    it('POST /api-keys with an Idempotency-Key never stores the key: the replay is the same key without its secret', async () => {
      const key = randomUUID();
      const body = { name: `idem-${randomUUID().slice(0, 6)}`, role: 'viewer' };
      const first = await t
        .http()
        .post('/api/v1/api-keys')
        .set(u.auth)
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const secret: string = first.body.key;
      expect(secret).toMatch(/^ak_/);
      const again = await t
        .http()
        .post('/api/v1/api-keys')
        .set(u.auth)
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.key).toBeUndefined();
      expect(await dump(key)).not.toContain(secret);
      const stored = await db.query(`SELECT row_to_json(k)::text AS row FROM api_keys k WHERE id = $1`, [
        first.body.id,
      ]);
      expect(stored.rows[0].row).not.toContain(secret);
      await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${secret}`).expect(200);
    });
  });
});
