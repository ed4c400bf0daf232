import { Neo4jService } from '@libs/graph';
import { MemoryCompactionQueue } from '@libs/queue/memory-compaction-queue';
import { MemoryCompaction } from 'src/modules/memory/memory-compaction.service';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';

/**
 * The memory compaction job (docs/memory.md "Compaction") on the real stores: tombstones older than
 * MEMORY_TOMBSTONE_RETENTION_DAYS leave PostgreSQL and Neo4j, everything else stays. The test moves
 * `deleted_at` back in PostgreSQL instead of waiting 30 days. Only tombstones back-dated here are
 * old enough, so runs never touch what other suites on the same database wrote.
 */
describe('memory compaction: old tombstones are hard-deleted (rows and nodes), nothing else', () => {
  let t: TestApp;
  let neo4j: Neo4jService;
  let db: DataSource;
  const orgs: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    neo4j = t.app.get(Neo4jService);
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    for (const org of orgs) {
      await neo4j.write(`MATCH (m:Memory) WHERE m.org_id = $org DETACH DELETE m`, { org });
    }
    await t.close();
  });

  const owner = async (prefix: string) => {
    const u = await registerOwner(t, prefix);
    orgs.push(u.orgId);
    return u;
  };
  const remember = async (u: TestUser, text: string, kind = 'fact'): Promise<string> =>
    (await t.http().post('/api/v1/memory').set(u.auth).send({ kind, text }).expect(201)).body.id as string;
  const forget = (u: TestUser, id: string) => t.http().delete(`/api/v1/memory/${id}`).set(u.auth).expect(204);
  const deletedDaysAgo = (ids: string[], days: number) =>
    db.query(`UPDATE memories SET deleted_at = now() - make_interval(days => $2) WHERE id = ANY($1)`, [ids, days]);
  const rows = async (ids: string[]) =>
    ((await db.query(`SELECT id FROM memories WHERE id = ANY($1)`, [ids])) as { id: string }[]).map((r) => r.id).sort();
  const nodes = async (ids: string[]) =>
    (await neo4j.read<{ id: string }>(`MATCH (m:Memory) WHERE m.id IN $ids RETURN m.id AS id`, { ids })).records
      .map((r) => r.get('id'))
      .sort();
  const listed = async (u: TestUser) =>
    (
      (await t.http().get('/api/v1/memory?include_deleted=true&limit=100').set(u.auth).expect(200)).body.items as {
        id: string;
      }[]
    ).map((m) => m.id);
  const compactions = async (u: TestUser) =>
    (await t.http().get('/api/v1/activity/audit?action=memory.compact&category=memory').set(u.auth).expect(200)).body
      .items as { org_id: string; result: string; user_id: string | null; details: Record<string, unknown> }[];

  it('deletes tombstones past the retention in every org by its own rows, keeps recent tombstones and live entries', async () => {
    const a = await owner('memcompa');
    const b = await owner('memcompb');
    const aOld1 = await remember(a, 'Old decision one.');
    const aOld2 = await remember(a, 'Old decision two.', 'incident');
    const aRecent = await remember(a, 'Recently forgotten.');
    const aLive = await remember(a, 'Still true.');
    const bYoung = await remember(b, 'B forgot this ten days ago.');
    const bOld = await remember(b, 'B forgot this long ago.');
    const bLive = await remember(b, 'B still knows this.');
    for (const [u, id] of [
      [a, aOld1],
      [a, aOld2],
      [a, aRecent],
      [b, bYoung],
      [b, bOld],
    ] as const) {
      await forget(u, id);
    }
    await deletedDaysAgo([aOld1, aOld2], 31);
    await deletedDaysAgo([aRecent], 29);
    await deletedDaysAgo([bYoung], 10);
    await deletedDaysAgo([bOld], 400);
    const all = [aOld1, aOld2, aRecent, aLive, bYoung, bOld, bLive];
    expect(await nodes(all)).toEqual([...all].sort());

    const summary = await t.app.get(MemoryCompaction).run();
    expect(summary).toMatchObject({ failedOrgs: 0, maintenance: expect.stringMatching(/^(vacuum_analyze|analyze)$/) });
    expect(summary.deleted).toBeGreaterThanOrEqual(3);

    const kept = [aRecent, aLive, bYoung, bLive].sort();
    expect(await rows(all)).toEqual(kept);
    expect(await nodes(all)).toEqual(kept);
    // the API agrees: the old tombstones are gone, include_deleted or not
    expect((await listed(a)).sort()).toEqual([aRecent, aLive].sort());
    expect((await listed(b)).sort()).toEqual([bYoung, bLive].sort());
    await t.http().get(`/api/v1/memory/${aOld1}`).set(a.auth).expect(404);
    await t.http().get(`/api/v1/memory/${aRecent}`).set(a.auth).expect(200);

    // one audit entry per org, without a user
    const auditA = await compactions(a);
    expect(auditA).toHaveLength(1);
    expect(auditA[0]).toMatchObject({ org_id: a.orgId, result: 'success', user_id: null });
    expect(auditA[0].details).toMatchObject({ deleted: 2, retention_days: 30 });
    const auditB = await compactions(b);
    expect(auditB).toHaveLength(1);
    expect(auditB[0].details).toMatchObject({ deleted: 1 });

    // a second run has nothing of these orgs to do: no new audit entry
    await t.app.get(MemoryCompaction).run();
    expect(await rows(all)).toEqual(kept);
    expect(await compactions(a)).toHaveLength(1);
  });

  it('never deletes a live entry, however old, nor the live entry that replaced a compacted one', async () => {
    const a = await owner('memcompx');
    const ancient = await remember(a, 'An ancient live fact.');
    await db.query(
      `UPDATE memories SET created_at = now() - interval '3650 days', updated_at = now() - interval '3650 days'
        WHERE id = $1`,
      [ancient],
    );
    // the same text deleted long ago and remembered again: only the tombstone goes
    const first = await remember(a, 'We deploy on Tuesdays.');
    await forget(a, first);
    await deletedDaysAgo([first], 90);
    const again = await remember(a, 'We deploy on Tuesdays.');
    expect(again).not.toBe(first);

    await t.app.get(MemoryCompaction).run();
    expect(await rows([ancient, first, again])).toEqual([ancient, again].sort());
    expect(await nodes([ancient, first, again])).toEqual([ancient, again].sort());
    const live = (await t.http().get('/api/v1/memory').set(a.auth).expect(200)).body.items.map((m: any) => m.id);
    expect(live.sort()).toEqual([ancient, again].sort());
    const audit = await compactions(a);
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ deleted: 1 });
  });

  it('an org never sees the compaction of another org, and it cannot be triggered over HTTP', async () => {
    const a = await owner('memcompt');
    const b = await owner('memcompu');
    const bOld = await remember(b, 'B private tombstone.');
    await forget(b, bOld);
    await deletedDaysAgo([bOld], 45);
    await t.app.get(MemoryCompaction).run();
    expect(await compactions(a)).toEqual([]);
    expect(await compactions(b)).toHaveLength(1);
    // there is no route for it (a member cannot run it, nor pick the retention)
    await t.http().post('/api/v1/memory/compact').set(a.auth).send({ retention_days: 0 }).expect(404);
    await t.http().post('/api/v1/memory/sync').set(a.auth).send({ retention_days: 0 }).expect(400);
  });

  it('registers the one scheduler with MEMORY_COMPACTION_CRON (UTC)', async () => {
    const s = await t.app.get(MemoryCompactionQueue).schedule();
    expect(s?.pattern).toBe('0 3 * * *');
    const next = new Date(s!.next!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 0, 0]);
  });
});

/**
 * The schedule across processes: two apps on the same Redis prefix (two replicas), a seconds cron
 * (TASK_CRON_SECONDS, test only). Each tick runs once, in one of them.
 */
describe('memory compaction schedule: one run per tick across replicas', () => {
  const env = { TASK_CRON_SECONDS: 'true', MEMORY_COMPACTION_CRON: '*/2 * * * * *' };
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp(env);
    two = await startTestApp(env);
  });
  afterAll(async () => {
    // leave the prefix without a running scheduler
    await one.app.get(MemoryCompactionQueue).removeSchedule();
    await two.close();
    await one.close();
  });

  it('fires every tick exactly once, whichever replica takes it, and the tombstones go', async () => {
    const runs: number[] = [];
    for (const app of [one, two]) {
      const c = app.app.get(MemoryCompaction);
      const run = c.run.bind(c);
      jest.spyOn(c, 'run').mockImplementation((now?: Date) => {
        runs.push(now!.getTime());
        return run(now);
      });
    }
    const u = await registerOwner(one, 'memcomps');
    const id = (
      await one.http().post('/api/v1/memory').set(u.auth).send({ kind: 'fact', text: 'Tick me.' }).expect(201)
    ).body.id as string;
    await one.http().delete(`/api/v1/memory/${id}`).set(u.auth).expect(204);
    const db = one.app.get(DataSource);
    await db.query(`UPDATE memories SET deleted_at = now() - interval '31 days' WHERE id = $1`, [id]);

    await eventually(async () => runs.length >= 3, 15_000, 200);
    // every tick is a distinct due time on the 2-second grid; none ran twice
    expect(new Set(runs).size).toBe(runs.length);
    for (const due of runs) {
      expect(due % 2000).toBe(0);
    }
    await eventually(
      async () => ((await db.query(`SELECT 1 FROM memories WHERE id = $1`, [id])) as unknown[]).length === 0,
      10_000,
      200,
    );
    // the completed tick jobs carry the run's counts (what an operator sees in the queue)
    const done = await one.app.get(MemoryCompactionQueue).queue.getJobs(['completed'], 0, 50);
    expect(done.some((j) => (j.returnvalue as { deleted?: number })?.deleted === 1)).toBe(true);
    await one.app.get(MemoryCompactionQueue).removeSchedule();
    const neo4j = one.app.get(Neo4jService);
    expect((await neo4j.read(`MATCH (m:Memory {id: $id}) RETURN m`, { id })).records).toHaveLength(0);
  });
});
