import { ConflictException, NotFoundException, ServiceUnavailableException } from '@libs/errors';
import type { SourceEntity } from './source.entity';
import type { JobStatus, SyncJobEntity } from './sync-job.entity';
import { SyncService } from './sync.service';

/** Decisions of SyncService with fake collaborators (no database, queue or Redis). */

const ORG = '00000000-0000-4000-8000-000000000001';
const SRC = '00000000-0000-4000-8000-000000000002';

function source(patch: Partial<SourceEntity> = {}): SourceEntity {
  return {
    id: SRC,
    orgId: ORG,
    name: 'files',
    sourceType: 'csv',
    realm: 'default',
    enabled: true,
    syncMode: 'full',
    status: 'ready',
    ...patch,
  } as SourceEntity;
}

function job(patch: Partial<SyncJobEntity> = {}): SyncJobEntity {
  const now = new Date();
  return {
    id: 'job-1',
    orgId: ORG,
    sourceId: SRC,
    mode: 'full',
    status: 'queued',
    trigger: 'manual',
    requestedBy: null,
    stats: {},
    attempts: 0,
    queuedAt: now,
    createdAt: now,
    updatedAt: now,
    ...patch,
  } as SyncJobEntity;
}

class FakeRepo {
  jobs = new Map<string, SyncJobEntity>();
  statuses: { status: string; lastJobId?: string }[] = [];
  sources = new Map<string, SourceEntity>([[SRC, source()]]);

  insertJob(data: Partial<SyncJobEntity>) {
    const j = job({ ...data, id: `job-${this.jobs.size + 1}` });
    this.jobs.set(j.id, j);
    return Promise.resolve(j);
  }
  setSourceStatus(_org: string, _id: string, patch: { status: string; lastJobId?: string }) {
    this.statuses.push(patch);
    return Promise.resolve();
  }
  transitionJob(id: string, from: JobStatus[], patch: Partial<SyncJobEntity>) {
    const j = this.jobs.get(id);
    if (!j || !from.includes(j.status)) {
      return Promise.resolve(false);
    }
    Object.assign(j, patch);
    return Promise.resolve(true);
  }
  findJob(_org: string, id: string) {
    return Promise.resolve(this.jobs.get(id) ?? null);
  }
  findSource(_org: string, id: string) {
    return Promise.resolve(this.sources.get(id) ?? null);
  }
}

function setup(
  opts: { def?: object | undefined; enqueueFails?: boolean; waiting?: boolean; workers?: 'off' | 'on' | 'down' } = {},
) {
  const repo = new FakeRepo();
  const def = 'def' in opts ? opts.def : { ingest: () => undefined };
  const queue = {
    enqueue: jest.fn(() => (opts.enqueueFails ? Promise.reject(new Error('redis down')) : Promise.resolve())),
    removeIfWaiting: jest.fn(() => Promise.resolve(opts.waiting ?? true)),
  };
  const audit = { record: jest.fn(() => Promise.resolve()) };
  const events = { publish: jest.fn(() => Promise.resolve()) };
  const runtime = { definition: () => def };
  const redis = { key: (...p: string[]) => p.join(':'), client: { set: jest.fn(), del: jest.fn() } };
  const bus = { publish: jest.fn() };
  const workerJobs = {
    route: jest.fn(() =>
      opts.workers === 'down'
        ? Promise.reject(Object.assign(new Error('no worker'), { status: 503, code: 'worker_unavailable' }))
        : Promise.resolve(opts.workers === 'on'),
    ),
    enqueue: jest.fn(() => Promise.resolve('wjob_1')),
    cancelQueued: jest.fn(() => Promise.resolve(false)),
  };
  const svc = new SyncService(
    repo as never,
    queue as never,
    runtime as never,
    audit as never,
    redis as never,
    bus as never,
    events as never,
    workerJobs as never,
  );
  return { svc, repo, queue, audit, events, workerJobs };
}

const actor = { userId: 'u1', email: 'a@example.com' };

describe('SyncService.start', () => {
  it('refuses a disabled source', async () => {
    const { svc } = setup();
    await expect(svc.start(source({ enabled: false }), actor)).rejects.toMatchObject({ code: 'source_disabled' });
  });

  it('refuses a connector this server does not enable', async () => {
    const { svc } = setup({ def: undefined });
    await expect(svc.start(source(), actor)).rejects.toMatchObject({ code: 'connector_disabled' });
  });

  it('refuses a tools-only connector', async () => {
    const { svc } = setup({ def: {} });
    const err = await svc.start(source(), actor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictException);
    expect(err).toMatchObject({ code: 'ingest_not_supported' });
  });

  it('falls back to a full sync when the connector has no incremental mode', async () => {
    const { svc } = setup();
    const dto = await svc.start(source(), actor, { mode: 'incremental' });
    expect(dto.mode).toBe('full');
  });

  it('runs incremental when asked (or configured) and supported', async () => {
    const { svc } = setup({ def: { ingest: () => undefined, supportsIncremental: true } });
    expect((await svc.start(source(), actor, { mode: 'incremental' })).mode).toBe('incremental');
    expect((await svc.start(source({ syncMode: 'incremental' }), actor)).mode).toBe('incremental');
  });

  it('queues the job, marks the source syncing, audits and publishes job.queued', async () => {
    const { svc, repo, queue, audit, events } = setup();
    const dto = await svc.start(source(), actor, { trigger: 'schedule' });
    expect(dto.status).toBe('queued');
    expect(dto.trigger).toBe('schedule');
    expect(repo.statuses).toEqual([{ status: 'syncing', lastJobId: dto.id }]);
    expect(queue.enqueue).toHaveBeenCalledWith({ jobId: dto.id, orgId: ORG, sourceId: SRC });
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ action: 'sources.sync' }));
    expect(events.publish).toHaveBeenCalledWith(ORG, 'job.queued', expect.objectContaining({ source_id: SRC }));
  });

  it('fails the job and the source when the queue is unavailable (503)', async () => {
    const { svc, repo, events } = setup({ enqueueFails: true });
    const err = await svc.start(source(), actor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableException);
    const [stored] = [...repo.jobs.values()];
    expect(stored.status).toBe('failed');
    expect(stored.error).toMatchObject({ code: 'queue_unavailable' });
    expect(repo.statuses.at(-1)).toEqual({ status: 'error' });
    expect(events.publish).not.toHaveBeenCalled();
  });
});

describe('SyncService.start with features.workers', () => {
  it('queues the run as a worker job (queue ingest, kind source.sync), not on the in-process queue', async () => {
    const { svc, queue, workerJobs } = setup({ workers: 'on' });
    const job = await svc.start(source(), actor);
    expect(job.status).toBe('queued');
    expect(queue.enqueue).not.toHaveBeenCalled();
    expect(workerJobs.enqueue).toHaveBeenCalledWith(
      expect.objectContaining({
        queue: 'ingest',
        kind: 'source.sync',
        ref: job.id,
        payload: { source_id: SRC, sync_job_id: job.id },
      }),
    );
  });

  it('creates no job when no worker is alive (the 503 of route() reaches the caller)', async () => {
    const { svc, repo, queue, workerJobs } = setup({ workers: 'down' });
    await expect(svc.start(source(), actor)).rejects.toMatchObject({ code: 'worker_unavailable' });
    expect(repo.jobs.size).toBe(0);
    expect(queue.enqueue).not.toHaveBeenCalled();
    expect(workerJobs.enqueue).not.toHaveBeenCalled();
  });

  it('cancels a sync still queued for a worker', async () => {
    const { svc, repo, workerJobs, queue } = setup({ workers: 'on', waiting: false });
    const job = await svc.start(source(), actor);
    workerJobs.cancelQueued.mockResolvedValueOnce(true);
    const out = await svc.cancel(ORG, undefined, job.id, actor);
    expect(queue.removeIfWaiting).toHaveBeenCalled();
    expect(workerJobs.cancelQueued).toHaveBeenCalledWith(ORG, job.id);
    expect(out.status).toBe('cancelled');
    expect(repo.jobs.get(job.id)!.status).toBe('cancelled');
  });
});

describe('SyncService.cancel', () => {
  it('is a 404 for an unknown job', async () => {
    const { svc } = setup();
    await expect(svc.cancel(ORG, undefined, 'nope', actor)).rejects.toBeInstanceOf(NotFoundException);
  });

  it('is a 409 for a finished job', async () => {
    const { svc, repo } = setup();
    repo.jobs.set('done', job({ id: 'done', status: 'succeeded' }));
    await expect(svc.cancel(ORG, undefined, 'done', actor)).rejects.toMatchObject({ code: 'job_not_active' });
  });

  it('cancels a job still waiting in the queue and resets the source status', async () => {
    const { svc, repo, events } = setup({ waiting: true });
    repo.sources.set(SRC, source({ status: 'syncing' }));
    repo.jobs.set('q', job({ id: 'q', status: 'queued' }));
    const dto = await svc.cancel(ORG, undefined, 'q', actor);
    expect(dto.status).toBe('cancelled');
    expect(repo.statuses).toEqual([{ status: 'ready' }]);
    expect(events.publish).toHaveBeenCalledWith(ORG, 'job.cancelled', expect.objectContaining({ source_id: SRC }));
  });
});
