import type { AuditInput, AuditService } from '@libs/audit';
import type { AppConfig } from '@libs/config';
import type { OrgEvents } from '@libs/events';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import type { SourcesService } from '../sources/sources.service';
import type { SyncService } from '../sources/sync.service';
import type { PipelineGraphRepository } from './pipeline-graph.repository';
import { PipelineRunSweeper } from './pipeline-run-sweeper';
import { PipelineRunner } from './pipeline-runner.service';
import type { PipelineRunEntity, RunStep } from './pipeline.entity';
import type { PipelinesRepository } from './pipelines.repository';

const ME = 'p|host:1:me';
const DEAD = 'p|host:2:dead';
const LIVE = 'p|host:3:live';
const OTHER = 'q|host:4:other-deployment';

const presence = (alive: string[], reads: string[] = []) =>
  ({
    instanceId: ME,
    sameDeployment: (id: string) => id.startsWith('p|'),
    isAlive: (id: string) => (reads.push(id), Promise.resolve(id === ME || alive.includes(id))),
    orphanCheck: ReplicaPresence.prototype.orphanCheck,
  }) as unknown as ReplicaPresence;

const run = (id: string, ownerInstance: string | null, steps: Partial<RunStep>[] = []): PipelineRunEntity =>
  ({
    id,
    orgId: 'org-1',
    pipelineId: 'pip_1',
    status: 'running',
    ownerInstance,
    steps: steps.map((s) => ({ source_id: 'src', status: 'pending', job_id: null, stats: null, error: null, ...s })),
    startedAt: new Date(Date.now() - 60_000),
    createdAt: new Date(Date.now() - 61_000),
  }) as PipelineRunEntity;

describe('PipelineRunSweeper (which runs it ends)', () => {
  function setup(opts: { runs: PipelineRunEntity[]; alive?: string[]; local?: string[]; lostClaims?: string[] }) {
    const owners = new Map(opts.runs.map((r) => [r.id, r.ownerInstance]));
    const claims: string[] = [];
    const ended: { id: string; owner: string | null }[] = [];
    const audit: AuditInput[] = [];
    const reads: string[] = [];
    let release: () => void = () => undefined;
    const blocker = new Promise<void>((r) => (release = r));
    const sweeper = new PipelineRunSweeper(
      {
        activeOwnedRuns: () => Promise.resolve(opts.runs.filter((r) => r.ownerInstance)),
        claimRun: (id: string, from: string, to: string) => {
          claims.push(`${id}:${from}->${to}`);
          if ((opts.lostClaims ?? []).includes(id) || owners.get(id) !== from) {
            return Promise.resolve(false);
          }
          owners.set(id, to);
          return Promise.resolve(true);
        },
      } as unknown as PipelinesRepository,
      {
        isRunningHere: (id: string) => (opts.local ?? []).includes(id),
        endInterrupted: async (r: PipelineRunEntity) => {
          ended.push({ id: r.id, owner: r.ownerInstance });
          await blocker;
        },
      } as unknown as PipelineRunner,
      presence(opts.alive ?? [], reads),
      { record: (e: AuditInput) => (audit.push(e), Promise.resolve('aud')) } as unknown as AuditService,
      { pipelineSweepIntervalMs: 1000 } as AppConfig,
    );
    return { sweeper, claims, ended, audit, reads, release };
  }

  it('ends only active runs of dead replicas of this deployment, after winning the conditional claim', async () => {
    const s = setup({
      runs: [
        run('dead-1', DEAD),
        run('dead-2', DEAD),
        run('live', LIVE),
        run('other', OTHER),
        run('legacy', null),
        run('lost', 'p|host:5:gone'),
      ],
      alive: [LIVE],
      lostClaims: ['lost'],
    });
    expect(await s.sweeper.sweep()).toEqual(['dead-1', 'dead-2']);
    expect(s.claims).toEqual([`dead-1:${DEAD}->${ME}`, `dead-2:${DEAD}->${ME}`, `lost:p|host:5:gone->${ME}`]);
    // the run is handed to the runner as this replica's (its later updates are conditional on it)
    expect(s.ended).toEqual([
      { id: 'dead-1', owner: ME },
      { id: 'dead-2', owner: ME },
    ]);
    // one liveness read per owner and pass; another deployment's replica is never judged
    expect(s.reads.sort()).toEqual([DEAD, LIVE, 'p|host:5:gone'].sort());
    s.release();
    await s.sweeper.idle();
    expect(s.audit.map((a) => [a.action, a.target?.run_id, a.details?.owner_instance])).toEqual([
      ['pipelines.run_interrupted', 'dead-1', DEAD],
      ['pipelines.run_interrupted', 'dead-2', DEAD],
    ]);
  });

  it("this replica's own runs: left alone while executing here, taken up again when not (no claim)", async () => {
    const s = setup({ runs: [run('mine-running', ME), run('mine-orphan', ME)], local: ['mine-running'] });
    expect(await s.sweeper.sweep()).toEqual(['mine-orphan']);
    expect(s.claims).toEqual([]);
    expect(s.reads).toEqual([]);
    s.release();
    await s.sweeper.idle();
  });

  it('a run being ended is not picked again by the next pass; a stopped sweeper does nothing', async () => {
    const s = setup({ runs: [run('dead-1', DEAD)] });
    expect(await s.sweeper.sweep()).toEqual(['dead-1']);
    // still recovering (the runner has not returned): the row is ours now and not running here
    expect(await s.sweeper.sweep()).toEqual([]);
    s.release();
    await s.sweeper.idle();
    await s.sweeper.onModuleDestroy();
    expect(await s.sweeper.sweep()).toEqual([]);
    expect(s.ended).toHaveLength(1);
  });

  it('a failed read of the active runs is logged, not thrown', async () => {
    const sweeper = new PipelineRunSweeper(
      { activeOwnedRuns: () => Promise.reject(new Error('db down')) } as unknown as PipelinesRepository,
      {} as PipelineRunner,
      presence([]),
      {} as AuditService,
      { pipelineSweepIntervalMs: 1000 } as AppConfig,
    );
    await expect(sweeper.sweep()).resolves.toEqual([]);
  });
});

describe('PipelineRunner.endInterrupted', () => {
  function setup(jobStatus: string, cancelled: string) {
    const updates: Partial<PipelineRunEntity>[] = [];
    const owners: (string | undefined)[] = [];
    const reverted: string[] = [];
    const cancels: string[] = [];
    const published: { type: string; data: Record<string, unknown> }[] = [];
    const runner = new PipelineRunner(
      {
        findPipeline: () => Promise.resolve({ realm: 'staging' }),
        updateActiveRun: (_id: string, patch: Partial<PipelineRunEntity>, owner?: string) => {
          updates.push(patch);
          owners.push(owner);
          return Promise.resolve(true);
        },
        pruneRuns: () => Promise.resolve(0),
      } as unknown as PipelinesRepository,
      {} as SourcesService,
      {
        getJob: (_o: string, id: string) => Promise.resolve({ id, status: jobStatus, stats: { nodes_staged: 2 } }),
        cancel: (_o: string, _s: string, id: string) => {
          cancels.push(id);
          return Promise.resolve({ id, status: cancelled, stats: { nodes_staged: 2 } });
        },
      } as unknown as SyncService,
      {
        publish: (_org: string, type: string, data: Record<string, unknown>) => (
          published.push({ type, data }),
          Promise.resolve()
        ),
      } as unknown as OrgEvents,
      {
        revertSource: (_o: string, src: string, realm: string) => (
          reverted.push(`${src}@${realm}`),
          Promise.resolve({ restored: 1, archived: 2 })
        ),
      } as unknown as PipelineGraphRepository,
      { pipelineRunRetention: { max: 10, days: 30 } } as AppConfig,
      presence([]),
    );
    const r = run('prun_1', ME, [
      { source_id: 'a', status: 'succeeded', job_id: 'job-a', stats: { nodes_written: 3 } },
      { source_id: 'b', status: 'running', job_id: 'job-b' },
      { source_id: 'c', status: 'pending' },
    ]);
    return { runner, r, updates, owners, reverted, cancels, published };
  }

  it('cancels the running step\'s job, rolls back every source the run may have published, fails it "interrupted"', async () => {
    const s = setup('running', 'running');
    await s.runner.endInterrupted(s.r);
    expect(s.cancels).toEqual(['job-b']);
    // the succeeded step and the interrupted one (its job may still publish until the cancel lands)
    expect(s.reverted).toEqual(['a@staging', 'b@staging']);
    expect(s.r.steps.map((x) => x.status)).toEqual(['succeeded', 'failed', 'skipped']);
    expect(s.r.steps[1].error).toMatchObject({ code: 'interrupted' });
    const last = s.updates[s.updates.length - 1];
    expect(last).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(last.stats).toMatchObject({ rolled_back_restored: 2, rolled_back_archived: 4 });
    // conditional on this replica still owning the run
    expect(s.owners).toEqual([ME]);
    expect(s.published).toEqual([
      expect.objectContaining({
        type: 'pipeline_run.updated',
        data: expect.objectContaining({ run_id: 'prun_1', status: 'failed' }),
      }),
    ]);
  });

  it('a step whose job already failed is not rolled back; one whose job succeeded is, as a succeeded step', async () => {
    const failed = setup('failed', 'failed');
    await failed.runner.endInterrupted(failed.r);
    expect(failed.cancels).toEqual([]);
    expect(failed.reverted).toEqual(['a@staging']);
    const done = setup('succeeded', 'succeeded');
    await done.runner.endInterrupted(done.r);
    expect(done.reverted).toEqual(['a@staging', 'b@staging']);
    expect(done.r.steps[1].status).toBe('succeeded');
    expect(done.r.status).toBe('failed');
  });
});
