import { createServer, Server } from 'node:net';
import { spawnApiProcess } from '../support/api-process';

describe('process: structured logs and graceful shutdown', () => {
  let hole: Server;
  let holePort: number;
  beforeAll(async () => {
    hole = createServer(() => undefined); // accepts, never answers: makes /health slow on purpose
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', () => r()));
    holePort = (hole.address() as { port: number }).port;
  });
  afterAll(() => hole.close());

  it('SIGTERM lets an in-flight request finish, refuses new ones, exits 0', async () => {
    const api = await spawnApiProcess({ NEO4J_URI: `bolt://127.0.0.1:${holePort}`, HEALTH_CHECK_TIMEOUT_MS: '1500' });
    const inflight = fetch(`${api.baseUrl}/api/v1/health`, { headers: { 'X-Request-Id': 'shutdown-probe-1' } });
    await new Promise((r) => setTimeout(r, 300));
    api.child.kill('SIGTERM');
    const res = await inflight;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { dependencies: { neo4j: string } }).dependencies.neo4j).toBe('error');
    expect(await api.exited).toBe(0);
    await expect(fetch(`${api.baseUrl}/api/v1/health`)).rejects.toThrow();
    const lines = api
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const access = lines.find((l) => l.request_id === 'shutdown-probe-1');
    expect(access).toMatchObject({ level: 'info', method: 'GET', path: '/api/v1/health', status: 503 });
    expect(lines.some((l) => l.msg === 'shutdown complete')).toBe(true);
  });

  it('a bad configuration stops the process with one message naming every bad variable', async () => {
    await expect(spawnApiProcess({ PORT_OVERRIDE: '1', AGENTCY_FEATURES_RAG: 'maybe', JWT_EXPIRY_SECS: 'soon' }, 10_000)).rejects.toThrow(
      /Invalid configuration:[\s\S]*JWT_EXPIRY_SECS[\s\S]*AGENTCY_FEATURES_RAG|Invalid configuration:[\s\S]*AGENTCY_FEATURES_RAG[\s\S]*JWT_EXPIRY_SECS/,
    );
  });
});
