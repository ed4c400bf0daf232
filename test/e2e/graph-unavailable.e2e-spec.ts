import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { freePort } from '../support/spawn-api';

/** Neo4j unreachable: graph reads answer 503 graph_unavailable instead of a 500 or a hang. */
describe('graph endpoints while Neo4j is unreachable', () => {
  let t: TestApp;
  let u: TestUser;

  beforeAll(async () => {
    const port = await freePort(); // nothing listens there
    t = await startTestApp({ NEO4J_URI: `bolt://127.0.0.1:${port}` });
    u = await registerOwner(t, 'grdown');
  }, 60_000);
  afterAll(() => t.close());

  it('GET /graph/nodes and /graph/stats → 503 graph_unavailable', async () => {
    for (const path of ['/api/v1/graph/nodes', '/api/v1/graph/stats']) {
      const res = await t.http().get(path).set(u.auth);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('graph_unavailable');
    }
  }, 60_000);

  it('GET /realms → 503 graph_unavailable; /realms/available still works (no graph needed)', async () => {
    const res = await t.http().get('/api/v1/realms').set(u.auth);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('graph_unavailable');
    const avail = await t.http().get('/api/v1/realms/available').set(u.auth).expect(200);
    expect(avail.body.total).toBe(6);
  }, 60_000);
});
