import { randomUUID } from 'node:crypto';
import { loginAdmin, registerOwner } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { freePort } from '../support/spawn-api';
import { openSse } from './chat-helpers';

const TOKEN = 'metrics-test-token-0123456789';

/** The sample lines of one metric family (no HELP/TYPE). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('GET /metrics', () => {
  it('is not served on the API port without METRICS_TOKEN (404, like an unknown route)', async () => {
    const t = await startTestApp({ METRICS_TOKEN: '', METRICS_PORT: '' });
    try {
      const res = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
      const unknown = await t.http().get('/metricz').expect(404);
      expect(res.body).toEqual({ error: { ...unknown.body.error, message: 'Cannot GET /metrics' } });
      expect(unknown.body.error.message).toBe('Cannot GET /metricz');
      await t.http().get('/metrics').expect(404);
      await t.http().get('/api/v1/metrics').expect(404);
    } finally {
      await t.close();
    }
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ METRICS_TOKEN: TOKEN, METRICS_PORT: '' });
    });
    afterAll(() => t.close());

    const scrape = async () => {
      const res = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      return res.text;
    };

    it('needs the bearer token: 401 without it or with another one, in the error envelope', async () => {
      const missing = await t.http().get('/metrics').expect(401);
      expect(missing.body.error).toMatchObject({ code: 'unauthorized', details: { reason: 'missing_token' } });
      const wrong = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
      expect(wrong.body.error.details).toEqual({ reason: 'invalid_metrics_token' });
      // a user session is not a metrics credential
      const admin = await loginAdmin(t);
      await t.http().get('/metrics').set(admin.auth).expect(401);
      await scrape();
    });

    it('labels HTTP requests by route template and status, never by raw path', async () => {
      await t.http().get('/api/v1/health').expect(200);
      await t.http().get('/api/v1/health/live').expect(200);
      const admin = await loginAdmin(t);
      const id = randomUUID();
      await t.http().get(`/api/v1/users/${id}`).set(admin.auth).expect(404);
      const junk = `/api/v1/no-such-route-${randomUUID()}`;
      await t.http().get(junk).expect(404);
      await scrape(); // the scrape itself is measured too

      const text = await scrape();
      const buckets = samples(text, 'http_request_duration_seconds_bucket');
      expect(buckets.some((l) => l.includes('route="/api/v1/health"') && l.includes('status="200"'))).toBe(true);
      expect(
        samples(text, 'http_requests_total').some(
          (l) => l.includes('method="GET"') && l.includes('route="/api/v1/users/:id"') && l.includes('status="404"'),
        ),
      ).toBe(true);
      expect(samples(text, 'http_requests_total').some((l) => l.includes('route="unmatched"'))).toBe(true);
      expect(samples(text, 'http_requests_total').some((l) => l.includes('route="/metrics"'))).toBe(true);
      expect(text).not.toContain(id);
      expect(text).not.toContain('no-such-route');

      // another unknown path adds no label set
      const routes = (s: string) => new Set(samples(s, 'http_requests_total').map((l) => l.replace(/ [^ ]+$/, '')));
      const before = routes(await scrape());
      await t.http().get(`/api/v1/no-such-route-${randomUUID()}`).expect(404);
      await t.http().get(`/totally/${randomUUID()}/elsewhere`).expect(404);
      const after = routes(await scrape());
      expect([...after].filter((r) => !before.has(r))).toEqual([]);
    });

    it('reports the pool, the queues, the stores, connections and LLM calls', async () => {
      const u = await registerOwner(t, 'metricsllm');
      const c = await t.http().post('/api/v1/chat/conversations').set(u.auth).send({}).expect(201);
      const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${c.body.id}/messages`, {
        headers: u.auth,
        body: { content: 'hello' },
      });
      expect(s.status).toBe(200);
      await s.done;

      const text = await scrape();
      for (const state of ['total', 'idle', 'waiting']) {
        expect(samples(text, 'db_pool_connections').some((l) => l.includes(`state="${state}"`))).toBe(true);
      }
      expect(
        samples(text, 'queue_jobs').some((l) => l.includes('queue="ingest"') && l.includes('state="waiting"')),
      ).toBe(true);
      expect(text).toContain('# TYPE queue_job_duration_seconds histogram');
      expect(
        samples(text, 'store_roundtrip_seconds')
          .map((l) => /store="(\w+)"/.exec(l)?.[1])
          .sort(),
      ).toEqual(['neo4j', 'redis']);
      expect(samples(text, 'neo4j_query_duration_seconds_count').length).toBeGreaterThan(0);
      expect(samples(text, 'sse_streams_open')).toEqual(['sse_streams_open 0']);
      expect(samples(text, 'websocket_clients')).toEqual(['websocket_clients 0']);
      const llmCount = samples(text, 'llm_request_duration_seconds_count').find((l) =>
        l.includes('provider="offline"'),
      );
      expect(llmCount).toBeDefined();
      expect(Number(llmCount!.split(' ').pop())).toBeGreaterThanOrEqual(1);
      const tokens = samples(text, 'llm_tokens_total').filter((l) => l.includes('provider="offline"'));
      expect(tokens.map((l) => /kind="(\w+)"/.exec(l)?.[1]).sort()).toEqual(['input', 'output']);
      expect(text).toContain('process_cpu_seconds_total');
    });
  });

  it('METRICS_PORT serves the same text without a token on a separate listener', async () => {
    const port = await freePort();
    const t = await startTestApp({ METRICS_TOKEN: '', METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' });
    try {
      await t.http().get('/api/v1/health/live').expect(200);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('route="/api/v1/health/live"');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      // the API port still does not serve it
      await t.http().get('/metrics').expect(404);
    } finally {
      await t.close();
    }
    // closed with the app
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
