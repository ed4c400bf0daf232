import { loginAdmin } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

describe('core contract (error envelope, request ids)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('unknown route is a 404 in the envelope', async () => {
    const res = await t.http().get('/api/v1/definitely-not-here').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('malformed JSON is a 400 malformed_json', async () => {
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(res.body.error.code).toBe('malformed_json');
  });

  it('unknown body fields are rejected with per-field details', async () => {
    const res = await t.http().post('/api/v1/auth/login').send({ email: 'a@b.c', password: 'x', extra: 1 }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields).toEqual([
      { field: 'extra', errors: [expect.stringContaining('should not exist')] },
    ]);
  });

  it('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ email: 'a'.repeat(2 * 1024 * 1024), password: 'x' });
    const res = await t.http().post('/api/v1/auth/login').set('content-type', 'application/json').send(big).expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('echoes X-Request-Id and generates one when absent', async () => {
    const given = await t.http().get('/api/v1/nope').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await t.http().get('/api/v1/nope');
    expect(made.headers['x-request-id']).toMatch(/^req_/);
  });

  it('the seeded admin logs in with the seed shape', async () => {
    const admin = await loginAdmin(t);
    expect(admin.token).toBeTruthy();
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: 'admin@localhost', password: 'admin' })
      .expect(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      expires_at: expect.any(String),
      user: { id: expect.any(String), email: 'admin@localhost', role: 'owner' },
    });
  });

  it('a protected route without a token is 401 in the envelope', async () => {
    const res = await t.http().get('/api/v1/auth/me').expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});
