import { createServer, type Socket } from 'node:net';
import { loginAdmin } from '../factories/users';
import { startTestApp } from '../setup/test-app';
import { CoreProbesModule } from '../support/core-probes.module';

/** A TCP server that accepts connections and never answers: a hung dependency. */
async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const close = () => {
    for (const s of sockets) {
      s.destroy();
    } // the client never closes its side of a hung connection
    return new Promise<void>((r) => server.close(() => r()));
  };
  return { port: (server.address() as { port: number }).port, close };
}

describe('GET /health', () => {
  it('reports features and dependencies with the seed shape; 200 when all required are ok', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http().get('/api/v1/health').expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        features: { rag: true, workers: false, orchestrator: false, voice: false, policies: false },
        dependencies: { postgres: 'ok', neo4j: 'ok', redis: 'ok', llm: 'ok' },
      });
    } finally {
      await t.close();
    }
  });

  it('features are the groups switched on by configuration and mounted by the build', async () => {
    const on = await startTestApp({ AGENTCY_FEATURES_VOICE: 'true', AGENTCY_FEATURES_RAG: 'true' });
    try {
      // both switched on and both mounted: reported, and their routes answer
      const res = await on.http().get('/api/v1/health');
      expect(res.body.features).toMatchObject({ voice: true, rag: true });
      const admin = await loginAdmin(on);
      await on.http().get('/api/v1/rag/status').set(admin.auth).expect(200);
      await on.http().get('/api/v1/voice/sessions').set(admin.auth).expect(200);
    } finally {
      await on.close();
    }
    const t = await startTestApp(
      { AGENTCY_FEATURES_VOICE: 'true', AGENTCY_FEATURES_RAG: 'false' },
      { extraModules: [CoreProbesModule] },
    );
    try {
      const res = await t.http().get('/api/v1/health');
      expect(res.body.features).toMatchObject({ voice: true, rag: false });
      const admin = await loginAdmin(t);
      const off = await t.http().get('/api/v1/rag/status').set(admin.auth).expect(404);
      expect(off.body.error.code).toBe('feature_disabled');
    } finally {
      await t.close();
    }
  });

  it('an LLM that is not usable leaves the API ready: 200 degraded; /health/live answers without checks', async () => {
    const t = await startTestApp({ LLM_PROVIDER: 'anthropic', LLM_API_KEY: '', LLM_BASE_URL: '' });
    try {
      const res = await t.http().get('/api/v1/health').expect(200);
      expect(res.body).toMatchObject({
        status: 'degraded',
        dependencies: { postgres: 'ok', neo4j: 'ok', redis: 'ok', llm: 'down' },
      });
      expect((await t.http().get('/api/v1/health/live').expect(200)).body).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });

  it('a hanging dependency does not hang the check: 503 with the same body, bounded by the timeout', async () => {
    const hole = await blackHole();
    const t = await startTestApp({ NEO4J_URI: `bolt://127.0.0.1:${hole.port}`, HEALTH_CHECK_TIMEOUT_MS: '500' });
    try {
      const started = Date.now();
      const res = await t.http().get('/api/v1/health').expect(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.body.status).toBe('down');
      expect(res.body.dependencies).toEqual({ postgres: 'ok', neo4j: 'down', redis: 'ok', llm: 'ok' });
    } finally {
      await t.close().catch(() => undefined);
      await hole.close();
    }
  });
});

describe('feature flags', () => {
  it('a route of a disabled group answers 404 feature_disabled; enabled it works', async () => {
    const off = await startTestApp({ AGENTCY_FEATURES_VOICE: 'false' }, { extraModules: [CoreProbesModule] });
    try {
      const admin = await loginAdmin(off);
      const res = await off.http().get('/api/v1/probe/voice-only').set(admin.auth).expect(404);
      expect(res.body.error).toEqual({
        code: 'feature_disabled',
        message: expect.any(String),
        details: { feature: 'voice' },
      });
    } finally {
      await off.close();
    }
    const on = await startTestApp({ AGENTCY_FEATURES_VOICE: 'true' }, { extraModules: [CoreProbesModule] });
    try {
      const admin = await loginAdmin(on);
      await on.http().get('/api/v1/probe/voice-only').set(admin.auth).expect(200);
    } finally {
      await on.close();
    }
  });
});
