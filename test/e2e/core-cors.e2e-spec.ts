import { startTestApp, TestApp } from '../setup/test-app';

/** CORS for the configured origins only; a request without Origin is not a CORS request. */
describe('core: CORS', () => {
  let t: TestApp;
  const allowed = 'https://console.example.test';

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: allowed });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers an allowed origin with its CORS headers (credentials, readable request id)', async () => {
    const res = await t.http().get('/api/v1/health/live').set('Origin', allowed).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('answers a preflight from an allowed origin with 204 and the allowed methods', async () => {
    const res = await t
      .http()
      .options('/api/v1/users')
      .set('Origin', allowed)
      .set('Access-Control-Request-Method', 'PATCH')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    expect(res.headers['access-control-allow-methods']).toContain('PATCH');
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type');
  });

  it('gives another origin nothing a browser would accept', async () => {
    const res = await t.http().get('/api/v1/health/live').set('Origin', 'https://evil.example.test').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a request without Origin gets exactly what the cors package gives it, no allowed origin', async () => {
    const res = await t.http().get('/api/v1/health/live').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id,Retry-After');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('a preflight without Origin is still answered by the cors package (204)', async () => {
    await t.http().options('/api/v1/users').set('Access-Control-Request-Method', 'GET').expect(204);
  });
});
