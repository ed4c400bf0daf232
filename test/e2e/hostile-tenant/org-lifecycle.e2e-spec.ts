import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { ConversationEntity } from 'src/modules/chat/chat.entity';
import { TurnsService } from 'src/modules/chat/turns/turns.service';
import { SourcesRepository } from 'src/modules/sources/sources.repository';
import { SyncScheduler } from 'src/modules/sources/sync-scheduler.service';
import { SyncService } from 'src/modules/sources/sync.service';
import { createApiKey, loginAdmin, registerOwner, type TestUser } from '../../factories/users';
import { startTestApp, type TestApp } from '../../setup/test-app';
import { suitePrefix, testUploadDir, waitForJob } from '../sources-helpers';

/**
 * A disabled (or deleted) org stops everywhere: not only its users' requests, but every entry
 * point that acts for the org without one: inbound chat webhooks, scheduled syncs, queued
 * ingest jobs, agent runs and turns. A local CSV server proves no sync reached out.
 */
describe('hostile tenant: a disabled or deleted org stops everywhere', () => {
  let t: TestApp;
  let admin: TestUser;
  let db: Client;
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,one\n');
  });
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({
      LLM_PROVIDER: 'offline',
      REDIS_PREFIX: suitePrefix('lifecycle'),
      UPLOAD_DIR: testUploadDir(),
    });
    admin = await loginAdmin(t);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  interface Tenant {
    owner: TestUser;
    apiKey: { auth: { Authorization: string } };
    endpoint: { id: string; secret: string };
    sourceId: string;
    csvPath: string;
  }

  /** An org with everything that can act for it: an API key, an inbound chat endpoint, a scheduled source. */
  const tenant = async (tag: string): Promise<Tenant> => {
    const owner = await registerOwner(t, tag);
    const apiKey = await createApiKey(t, owner, { role: 'admin' });
    const endpoint = (
      await t.http().post('/api/v1/chat/incoming-endpoints').set(owner.auth).send({ name: 'web' }).expect(201)
    ).body;
    const csvPath = `/${tag}-${owner.orgId}.csv`;
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({ name: 'sched', source_type: 'csv', schedule: '0 * * * *', config: { url: `${base}${csvPath}` } })
      .expect(201);
    return { owner, apiKey, endpoint, sourceId: src.body.id, csvPath };
  };

  const incoming = (x: Tenant, via: 'header' | 'query' = 'header') => {
    const req = t
      .http()
      .post(
        `/api/v1/chat/incoming/${x.endpoint.id}${via === 'query' ? `?secret=${encodeURIComponent(x.endpoint.secret)}` : ''}`,
      );
    return (via === 'header' ? req.set('X-Agentcy-Secret', x.endpoint.secret) : req).send({ text: 'hello' });
  };

  const expectOrgDisabled = (res: { status: number; body: { error?: { code?: string } } }) => {
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'org_disabled' });
  };

  it('disabled: logins, tokens, API keys, incoming endpoints and agent runs are refused; re-enabled they work again', async () => {
    const x = await tenant('life-disabled');
    // works while active (proves the refusals below are due to the org state)
    expect((await incoming(x)).status).toBe(200);
    await t.http().get('/api/v1/auth/me').set(x.apiKey.auth).expect(200);

    await t.http().post(`/api/v1/platform/orgs/${x.owner.orgId}/disable`).set(admin.auth).expect(200);

    expectOrgDisabled(
      await t.http().post('/api/v1/auth/login').send({ email: x.owner.email, password: 'password-123' }),
    );
    expectOrgDisabled(await t.http().get('/api/v1/auth/me').set(x.owner.auth));
    expectOrgDisabled(await t.http().get('/api/v1/sources').set(x.apiKey.auth));
    expectOrgDisabled(await incoming(x, 'header'));
    expectOrgDisabled(await incoming(x, 'query'));
    expectOrgDisabled(await t.http().post('/api/v1/agents/default/run').set(x.owner.auth).send({ input: 'hi' }));
    expectOrgDisabled(await t.http().post('/api/v1/agents/default/run').set(x.apiKey.auth).send({ input: 'hi' }));
    // the refusal of the webhook is audited in the org
    const audit = await db.query(
      `SELECT details FROM audit_log WHERE org_id = $1 AND action = 'policy.deny' AND details->>'auth_kind' = 'shared_secret'`,
      [x.owner.orgId],
    );
    expect(audit.rows[0]?.details).toMatchObject({ error_code: 'org_disabled', auth_kind: 'shared_secret' });

    // a turn started by any other path (no HTTP request) is refused too
    await expect(
      t.app.get(TurnsService).start({
        orgId: x.owner.orgId,
        conversation: { id: '00000000-0000-4000-8000-000000000000', agent: 'default' } as ConversationEntity,
        content: 'hi',
        actor: { userId: null, email: null, role: null },
        kind: 'agent_run',
        source: 'agent_run',
      } as unknown as Parameters<TurnsService['start']>[0]),
    ).rejects.toMatchObject({ status: 403, code: 'org_disabled' });

    await t.http().post(`/api/v1/platform/orgs/${x.owner.orgId}/enable`).set(admin.auth).expect(200);
    await t.http().get('/api/v1/auth/me').set(x.owner.auth).expect(200);
    expect((await incoming(x)).status).toBe(200);
  });

  it('disabled: scheduled syncs are not started, and a job queued before is not run', async () => {
    const x = await tenant('life-sched');
    const fetchedAtCreation = hits.get(x.csvPath) ?? 0; // creating a source validates it (one fetch)
    const scheduler = t.app.get(SyncScheduler);
    const jobsOf = async (ids: string[]) =>
      (await db.query(`SELECT id FROM sync_jobs WHERE id = ANY($1::uuid[]) AND source_id = $2`, [ids, x.sourceId]))
        .rows;
    expect(await jobsOf(await scheduler.tick(new Date('2031-03-01T10:30:00Z')))).toHaveLength(0); // records the slot

    await t.http().post(`/api/v1/platform/orgs/${x.owner.orgId}/disable`).set(admin.auth).expect(200);
    expect(await jobsOf(await scheduler.tick(new Date('2031-03-01T11:00:30Z')))).toHaveLength(0);
    expect(await jobsOf(await scheduler.tick(new Date('2031-03-01T12:00:30Z')))).toHaveLength(0);

    // a job that was already queued (or is queued by an older replica) is refused by the runner
    const source = (await t.app.get(SourcesRepository).findSourceById(x.sourceId))!;
    const job = await t.app.get(SyncService).start(source, null, { trigger: 'schedule' });
    const deadline = Date.now() + 20_000;
    let row: { status: string; error: { code?: string } | null } | undefined;
    while (Date.now() < deadline) {
      row = (await db.query(`SELECT status, error FROM sync_jobs WHERE id = $1`, [job.id])).rows[0];
      if (row && ['failed', 'succeeded', 'cancelled'].includes(row.status)) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row).toMatchObject({ status: 'failed', error: { code: 'org_disabled' } });
    expect(hits.get(x.csvPath) ?? 0).toBe(fetchedAtCreation);

    // re-enabled, the next slot fires and the source is fetched (the scheduler works for this source)
    await t.http().post(`/api/v1/platform/orgs/${x.owner.orgId}/enable`).set(admin.auth).expect(200);
    const fired = await jobsOf(await scheduler.tick(new Date('2031-03-01T13:00:30Z')));
    expect(fired).toHaveLength(1);
    expect((await waitForJob(t, x.owner.auth, x.sourceId, fired[0].id)).status).toBe('succeeded');
    expect(hits.get(x.csvPath)).toBeGreaterThan(fetchedAtCreation);
  });

  it('deleted: the same, immediately', async () => {
    const x = await tenant('life-deleted');
    const fetchedAtCreation = hits.get(x.csvPath) ?? 0;
    const scheduler = t.app.get(SyncScheduler);
    await scheduler.tick(new Date('2032-05-01T10:30:00Z'));
    await t.http().delete(`/api/v1/platform/orgs/${x.owner.orgId}`).set(admin.auth).expect(204);
    expectOrgDisabled(await t.http().get('/api/v1/auth/me').set(x.owner.auth));
    expectOrgDisabled(await t.http().get('/api/v1/auth/me').set(x.apiKey.auth));
    expectOrgDisabled(await incoming(x));
    const started = await scheduler.tick(new Date('2032-05-01T11:00:30Z'));
    const mine = await db.query(`SELECT id FROM sync_jobs WHERE id = ANY($1::uuid[]) AND source_id = $2`, [
      started,
      x.sourceId,
    ]);
    expect(mine.rows).toHaveLength(0);
    expect(hits.get(x.csvPath) ?? 0).toBe(fetchedAtCreation);
  });
});
