import type { AuditInput, AuditService } from '@libs/audit';
import type { AppConfig } from '@libs/config';
import type { MemoryCompactionQueue } from '@libs/queue/memory-compaction-queue';
import type { RedisService } from '@libs/redis/redis.service';
import { MemoryCompactionScheduler } from './memory-compaction.scheduler';
import { COMPACTION_BATCH, MemoryCompaction } from './memory-compaction.service';
import type { MemoryGraphRepository } from './memory-graph.repository';
import type { MemoryRepository } from './memory.repository';

const DAY = 86_400_000;
const NOW = new Date('2026-12-07T03:00:00Z');

interface Row {
  id: string;
  orgId: string;
  deletedAt: Date | null;
}

/** In-memory stand-ins of the two stores with the repositories' contracts. */
function setup(rows: Row[], opts: { graphFailsFor?: string; sqlFailsFor?: string; retentionDays?: number } = {}) {
  const table = new Map(rows.map((r) => [r.id, { ...r }]));
  const nodes = new Set(rows.map((r) => r.id));
  const order: string[] = [];
  const old = (r: Row, cutoff: Date) => r.deletedAt !== null && r.deletedAt < cutoff;
  const repo = {
    orgsWithTombstones: jest.fn(async (cutoff: Date, after: string | null, limit: number) =>
      [...new Set([...table.values()].filter((r) => old(r, cutoff)).map((r) => r.orgId))]
        .sort()
        .filter((o) => after === null || o > after)
        .slice(0, limit),
    ),
    tombstoneIds: jest.fn(async (orgId: string, cutoff: Date, limit: number) =>
      [...table.values()]
        .filter((r) => r.orgId === orgId && old(r, cutoff))
        .map((r) => r.id)
        .sort()
        .slice(0, limit),
    ),
    hardDeleteTombstones: jest.fn(async (orgId: string, ids: string[], cutoff: Date) => {
      if (orgId === opts.sqlFailsFor) {
        throw new Error('pg down');
      }
      const gone = ids.filter((id) => {
        const r = table.get(id);
        return r && r.orgId === orgId && old(r, cutoff);
      });
      gone.forEach((id) => table.delete(id));
      order.push(`sql:${gone.length}`);
      return gone;
    }),
    maintain: jest.fn(async () => 'vacuum_analyze' as const),
  };
  const graph = {
    deleteNodes: jest.fn(async (orgId: string, ids: string[]) => {
      if (orgId === opts.graphFailsFor) {
        throw new Error('neo4j down');
      }
      // the graph repository is org-scoped too: another org's node is never removed
      const mine = ids.filter((id) => nodes.has(id) && rows.find((r) => r.id === id)?.orgId === orgId);
      mine.forEach((id) => nodes.delete(id));
      order.push(`graph:${ids.length}`);
      return mine.length;
    }),
  };
  const audits: AuditInput[] = [];
  const audit = { record: jest.fn(async (e: AuditInput) => (audits.push(e), 'id')) };
  const config = {
    memoryCompaction: { cron: '0 3 * * *', retentionDays: opts.retentionDays ?? 30 },
    tasks: { runInApi: false, scheduleGraceSecs: 60 },
  } as unknown as AppConfig;
  const compaction = new MemoryCompaction(
    repo as unknown as MemoryRepository,
    graph as unknown as MemoryGraphRepository,
    audit as unknown as AuditService,
    config,
  );
  return { compaction, repo, graph, table, nodes, audits, order, config };
}

const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const ORG_A = '00000000-0000-0000-0000-00000000000a';
const ORG_B = '00000000-0000-0000-0000-00000000000b';

describe('MemoryCompaction.run', () => {
  it('deletes tombstones older than the retention (rows and nodes), keeps recent tombstones and live entries', async () => {
    const s = setup([
      { id: 'mem_old', orgId: ORG_A, deletedAt: daysAgo(31) },
      { id: 'mem_recent', orgId: ORG_A, deletedAt: daysAgo(29) },
      { id: 'mem_live', orgId: ORG_A, deletedAt: null },
      { id: 'mem_b_old', orgId: ORG_B, deletedAt: daysAgo(400) },
    ]);
    const summary = await s.compaction.run(NOW);
    expect(summary).toMatchObject({
      cutoff: daysAgo(30).toISOString(),
      orgs: 2,
      deleted: 2,
      failedOrgs: 0,
      maintenance: 'vacuum_analyze',
    });
    expect([...s.table.keys()].sort()).toEqual(['mem_live', 'mem_recent']);
    expect([...s.nodes].sort()).toEqual(['mem_live', 'mem_recent']);
    // nodes of a batch go before its rows
    expect(s.order.slice(0, 2)).toEqual(['graph:1', 'sql:1']);
    expect(s.audits).toEqual([
      expect.objectContaining({
        orgId: ORG_A,
        category: 'memory',
        action: 'memory.compact',
        result: 'success',
        actor: null,
        details: expect.objectContaining({ deleted: 1, retention_days: 30 }),
      }),
      expect.objectContaining({ orgId: ORG_B, details: expect.objectContaining({ deleted: 1 }) }),
    ]);
  });

  it('never deletes a live entry, whatever its age, and does nothing (no audit, no maintenance) when nothing is due', async () => {
    const s = setup([
      { id: 'mem_ancient_live', orgId: ORG_A, deletedAt: null },
      { id: 'mem_recent', orgId: ORG_A, deletedAt: daysAgo(1) },
    ]);
    const summary = await s.compaction.run(NOW);
    expect(summary).toMatchObject({ orgs: 0, deleted: 0, maintenance: 'skipped' });
    expect(s.table.size).toBe(2);
    expect(s.repo.hardDeleteTombstones).not.toHaveBeenCalled();
    expect(s.audits).toEqual([]);
    expect(s.repo.maintain).not.toHaveBeenCalled();
  });

  it('follows MEMORY_TOMBSTONE_RETENTION_DAYS', async () => {
    const s = setup(
      [
        { id: 'mem_3d', orgId: ORG_A, deletedAt: daysAgo(3) },
        { id: 'mem_1d', orgId: ORG_A, deletedAt: daysAgo(1) },
      ],
      { retentionDays: 2 },
    );
    expect((await s.compaction.run(NOW)).deleted).toBe(1);
    expect([...s.table.keys()]).toEqual(['mem_1d']);
  });

  it('works in batches (bounded memory) until the org has no due tombstone left', async () => {
    const rows: Row[] = Array.from({ length: COMPACTION_BATCH * 2 + 3 }, (_, i) => ({
      id: `mem_${String(i).padStart(5, '0')}`,
      orgId: ORG_A,
      deletedAt: daysAgo(40),
    }));
    const s = setup(rows);
    expect((await s.compaction.run(NOW)).deleted).toBe(rows.length);
    expect(s.table.size).toBe(0);
    expect(s.repo.tombstoneIds).toHaveBeenCalledTimes(3);
    for (const [, , limit] of s.repo.tombstoneIds.mock.calls) {
      expect(limit).toBe(COMPACTION_BATCH);
    }
    expect(s.audits).toHaveLength(1);
    expect(s.audits[0].details).toMatchObject({ deleted: rows.length });
  });

  it('a graph failure keeps the rows (a node never outlives its row) and does not stop the other orgs', async () => {
    const s = setup(
      [
        { id: 'mem_a', orgId: ORG_A, deletedAt: daysAgo(31) },
        { id: 'mem_b', orgId: ORG_B, deletedAt: daysAgo(31) },
      ],
      { graphFailsFor: ORG_A },
    );
    const summary = await s.compaction.run(NOW);
    expect(summary).toMatchObject({ orgs: 1, deleted: 1, failedOrgs: 1 });
    expect(s.table.has('mem_a')).toBe(true);
    expect(s.nodes.has('mem_a')).toBe(true);
    expect(s.table.has('mem_b')).toBe(false);
    expect(s.audits.map((a) => a.orgId)).toEqual([ORG_B]);
  });

  it('a PostgreSQL failure after the node delete leaves a row without node (never the reverse)', async () => {
    const s = setup([{ id: 'mem_a', orgId: ORG_A, deletedAt: daysAgo(31) }], { sqlFailsFor: ORG_A });
    const summary = await s.compaction.run(NOW);
    expect(summary).toMatchObject({ deleted: 0, failedOrgs: 1, maintenance: 'skipped' });
    expect(s.table.has('mem_a')).toBe(true);
    expect(s.nodes.has('mem_a')).toBe(false);
  });

  it('stops after the current batch on shutdown', async () => {
    const s = setup([
      { id: 'mem_a', orgId: ORG_A, deletedAt: daysAgo(31) },
      { id: 'mem_b', orgId: ORG_B, deletedAt: daysAgo(31) },
    ]);
    s.repo.hardDeleteTombstones.mockImplementationOnce(async (_o, ids) => {
      s.compaction.requestStop();
      ids.forEach((id) => s.table.delete(id));
      return ids;
    });
    const summary = await s.compaction.run(NOW);
    expect(summary.deleted).toBe(1);
    expect(s.table.has('mem_b')).toBe(true);
  });
});

describe('MemoryCompactionScheduler.tick', () => {
  function scheduler(cron: string | null) {
    const s = setup([{ id: 'mem_a', orgId: ORG_A, deletedAt: daysAgo(31) }]);
    (s.config as unknown as { memoryCompaction: { cron: string | null } }).memoryCompaction.cron = cron;
    const queue = { upsertSchedule: jest.fn(async () => undefined), removeSchedule: jest.fn(async () => undefined) };
    const sch = new MemoryCompactionScheduler(
      s.compaction,
      queue as unknown as MemoryCompactionQueue,
      {} as RedisService,
      s.config,
    );
    return { ...s, sch, queue };
  }

  it('runs a due tick with the due time as "now"', async () => {
    const s = scheduler('0 3 * * *');
    const due = Date.now() - 1000;
    const out = await s.sch.tick({ cron: '0 3 * * *' }, due);
    expect(out).toMatchObject({ deleted: 1, cutoff: new Date(due - 30 * DAY).toISOString() });
  });

  it('drops a tick later than the grace window (no back-fill)', async () => {
    const s = scheduler('0 3 * * *');
    expect(await s.sch.tick({ cron: '0 3 * * *' }, Date.now() - 61_000)).toBe('late');
    expect(s.repo.orgsWithTombstones).not.toHaveBeenCalled();
  });

  it('does not run when this process has the job turned off', async () => {
    const s = scheduler(null);
    expect(await s.sch.tick({ cron: '0 3 * * *' }, Date.now())).toBe('disabled');
    expect(s.repo.orgsWithTombstones).not.toHaveBeenCalled();
  });

  it('upserts the scheduler at boot, or removes it when disabled', async () => {
    const on = scheduler('0 3 * * *');
    await on.sch.syncSchedule();
    expect(on.queue.upsertSchedule).toHaveBeenCalledWith('0 3 * * *');
    const off = scheduler(null);
    await off.sch.syncSchedule();
    expect(off.queue.removeSchedule).toHaveBeenCalled();
    expect(off.queue.upsertSchedule).not.toHaveBeenCalled();
  });
});
