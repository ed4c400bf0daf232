import { EventEmitter } from 'node:events';
import { ConnectionMetrics } from './connection-metrics';
import { HttpMetrics, routeTemplate, UNMATCHED_ROUTE } from './http-metrics';
import { LlmMetrics, MAX_LLM_MODELS } from './llm-metrics';
import { MetricsRegistry, withinTimeout } from './metrics-registry';
import { QueueMetrics } from './queue-metrics';
import { openSseStreams, trackSseStream } from './sse-streams';
import { StoreMetrics } from './store-metrics';

const lines = (text: string, name: string) =>
  text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('routeTemplate', () => {
  it('is the matched route template (base URL + path), or unmatched', () => {
    expect(routeTemplate({ method: 'GET', baseUrl: '', route: { path: '/api/v1/users/:id' } })).toBe(
      '/api/v1/users/:id',
    );
    expect(routeTemplate({ method: 'GET', baseUrl: '/api/v1', route: { path: '/users/:id' } })).toBe(
      '/api/v1/users/:id',
    );
    expect(routeTemplate({ method: 'GET' })).toBe(UNMATCHED_ROUTE);
    expect(routeTemplate({ method: 'GET', route: { path: /re/ } })).toBe(UNMATCHED_ROUTE);
  });
});

describe('HttpMetrics', () => {
  it('counts and times by method, route template and status, reusing one label child per set', async () => {
    const registry = new MetricsRegistry();
    const http = new HttpMetrics(registry);
    const histogram = (http as unknown as { histogram: { create: () => unknown } }).histogram;
    const createSpy = jest.spyOn(histogram, 'create');
    const req = { method: 'GET', baseUrl: '', route: { path: '/api/v1/users/:id' } };
    for (let i = 0; i < 5; i++) {
      http.onFinish(req, { statusCode: 200 }, 0.003);
    }
    http.onFinish(req, { statusCode: 404 }, 0.2);
    http.onFinish({ method: 'GET' }, { statusCode: 404 }, 0.001);
    expect(createSpy).toHaveBeenCalledTimes(3); // one per distinct label set, not per request

    const text = await registry.render();
    expect(lines(text, 'http_requests_total')).toEqual([
      'http_requests_total{method="GET",route="/api/v1/users/:id",status="200"} 5',
      'http_requests_total{method="GET",route="/api/v1/users/:id",status="404"} 1',
      'http_requests_total{method="GET",route="unmatched",status="404"} 1',
    ]);
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/users/:id",status="200"} 5',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.1",method="GET",route="/api/v1/users/:id",status="404"} 0',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.25",method="GET",route="/api/v1/users/:id",status="404"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="unmatched",status="404"} 1',
    );
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE http_requests_total counter');
  });

  it('each registry is its own (apps created repeatedly in one process do not collide)', async () => {
    const a = new MetricsRegistry();
    const b = new MetricsRegistry();
    new HttpMetrics(a).onFinish({ method: 'GET' }, { statusCode: 200 }, 0.01);
    new HttpMetrics(b);
    expect(lines(await a.render(), 'http_requests_total')).toHaveLength(1);
    expect(lines(await b.render(), 'http_requests_total')).toHaveLength(0);
  });
});

describe('scrape-time instruments', () => {
  it('counts SSE streams until their connection closes, and reads the WebSocket count', async () => {
    const registry = new MetricsRegistry();
    const conns = new ConnectionMetrics(registry);
    conns.trackWebSocketClients(() => 3);
    const base = openSseStreams();
    const res = new EventEmitter();
    trackSseStream(res);
    expect(lines(await registry.render(), 'sse_streams_open')).toEqual([`sse_streams_open ${base + 1}`]);
    res.emit('close');
    res.emit('close');
    expect(openSseStreams()).toBe(base);
    expect(lines(await registry.render(), 'websocket_clients')).toEqual(['websocket_clients 3']);
  });

  it('queue counts and round trips are collected per scrape; a failing probe leaves its sample out', async () => {
    const registry = new MetricsRegistry();
    const queues = new QueueMetrics(registry);
    queues.track('ingest', () => Promise.resolve({ waiting: 2, active: 1 }));
    queues.observeJob('ingest', 'completed', 1.5);
    const stores = new StoreMetrics(registry);
    stores.trackPool(() => ({ total: 4, idle: 3, waiting: 0 }));
    stores.trackRoundTrip('redis', () => Promise.resolve('PONG'));
    stores.trackRoundTrip('neo4j', () => Promise.reject(new Error('down')));
    const text = await registry.render();
    expect(lines(text, 'queue_jobs')).toEqual([
      'queue_jobs{queue="ingest",state="waiting"} 2',
      'queue_jobs{queue="ingest",state="active"} 1',
    ]);
    expect(text).toContain('queue_job_duration_seconds_count{queue="ingest",status="completed"} 1');
    expect(lines(text, 'db_pool_connections')).toEqual([
      'db_pool_connections{state="total"} 4',
      'db_pool_connections{state="idle"} 3',
      'db_pool_connections{state="waiting"} 0',
    ]);
    const rtt = lines(text, 'store_roundtrip_seconds');
    expect(rtt).toHaveLength(1);
    expect(rtt[0]).toMatch(/^store_roundtrip_seconds\{store="redis"\} \d/);
  });

  it('withinTimeout gives up on a probe that never answers', async () => {
    await expect(withinTimeout(() => new Promise(() => undefined), 10)).resolves.toBeUndefined();
    await expect(withinTimeout(() => Promise.resolve(7), 10)).resolves.toBe(7);
  });
});

describe('LlmMetrics', () => {
  it('times calls and counts tokens per provider and model; models beyond the cap become `other`', async () => {
    const registry = new MetricsRegistry();
    const llm = new LlmMetrics(registry);
    llm.observe('openai', 'gpt-4o', 1.2, { inputTokens: 100, outputTokens: 20 });
    llm.observe('openai', 'gpt-4o', 0.8, { inputTokens: 10, outputTokens: 2 });
    llm.observe('offline', 'offline-1', 0.01);
    for (let i = 0; i < MAX_LLM_MODELS + 5; i++) {
      llm.observe('openai', `m-${i}`, 0.1);
    }
    const text = await registry.render();
    expect(text).toContain('llm_request_duration_seconds_count{provider="openai",model="gpt-4o"} 2');
    expect(text).toContain('llm_tokens_total{provider="openai",model="gpt-4o",kind="input"} 110');
    expect(text).toContain('llm_tokens_total{provider="openai",model="gpt-4o",kind="output"} 22');
    expect(text).toContain('llm_request_duration_seconds_count{provider="openai",model="other"}');
    const models = new Set(
      lines(text, 'llm_request_duration_seconds_count').map((l) => /model="([^"]*)"/.exec(l)?.[1]),
    );
    expect(models.size).toBeLessThanOrEqual(MAX_LLM_MODELS + 1);
  });
});
