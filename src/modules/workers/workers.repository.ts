import { TransactionHost } from '@libs/database/transaction';
import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { WorkerDaemonEntity } from './worker-daemon.entity';
import { WorkerJobEntity, type WorkerJobError, type WorkerJobStatus, type WorkerQueue } from './worker-job.entity';

export interface QueueStatsRow {
  queue: string;
  depth: number;
  in_flight: number;
  dead: number;
  oldest_queued_at: Date | null;
}

export interface ReleasedJob {
  job: WorkerJobEntity;
  /** the status it was released to */
  status: WorkerJobStatus;
}

const secs = (n: number) => `${n} seconds`;

/** The only code touching worker_daemons and worker_jobs. */
@Injectable()
export class WorkersRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get workers(): Repository<WorkerDaemonEntity> {
    return this.txHost.tx.getRepository(WorkerDaemonEntity);
  }

  private get jobs(): Repository<WorkerJobEntity> {
    return this.txHost.tx.getRepository(WorkerJobEntity);
  }

  // ---- workers ----

  async insertWorker(row: Partial<WorkerDaemonEntity>): Promise<WorkerDaemonEntity | null> {
    await this.txHost.tx.query(
      `INSERT INTO worker_daemons (id, org_id, name, hostname, version, queues, concurrency, capabilities,
                                   heartbeat_secs, last_heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())`,
      [
        row.id,
        row.orgId ?? null,
        row.name,
        row.hostname,
        row.version,
        row.queues ?? [],
        row.concurrency ?? 1,
        row.capabilities ?? {},
        row.heartbeatSecs ?? 15,
      ],
    );
    return this.findWorker(row.id!);
  }

  findWorker(id: string): Promise<WorkerDaemonEntity | null> {
    return this.workers.findOne({ where: { id } });
  }

  /** Records a heartbeat of a worker that is not offline; false if it is gone or offline. */
  async touchWorker(id: string, load: Record<string, unknown>): Promise<boolean> {
    const [, affected] = (await this.txHost.tx.query(
      `UPDATE worker_daemons SET last_heartbeat_at = now(), load = $2, updated_at = now()
        WHERE id = $1 AND offline_at IS NULL`,
      [id, load],
    )) as [unknown, number];
    return affected > 0;
  }

  async setDrain(id: string, drain: boolean): Promise<void> {
    await this.workers.update({ id }, { drain });
  }

  /** Workers an org's admins see: install-wide ones and the org's dedicated ones, newest first. */
  listWorkersForOrg(orgId: string, q: PageQuery): Promise<Page<WorkerDaemonEntity>> {
    const qb = this.workers.createQueryBuilder('w').where('(w.org_id IS NULL OR w.org_id = :orgId)', { orgId });
    return paginate(qb, q, { scope: `workers:${orgId}`, map: (w) => w });
  }

  /**
   * Whether a live (last heartbeat younger than `intervals` of its own heartbeat interval),
   * undrained worker serving `queue` may take the org's jobs.
   */
  async hasLiveWorker(orgId: string, queue: WorkerQueue, intervals: number): Promise<boolean> {
    const rows = (await this.txHost.tx.query(
      `SELECT 1 FROM worker_daemons
        WHERE offline_at IS NULL AND NOT drain AND $2 = ANY(queues)
          AND (org_id IS NULL OR org_id = $1)
          AND last_heartbeat_at > now() - make_interval(secs => heartbeat_secs * $3::int)
        LIMIT 1`,
      [orgId, queue, intervals],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Jobs of the org each of `workerIds` holds (claimed or running). */
  async inFlightByWorker(orgId: string, workerIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!workerIds.length) {
      return out;
    }
    const rows = (await this.txHost.tx.query(
      `SELECT worker_id, count(*)::int AS n FROM worker_jobs
        WHERE org_id = $1 AND worker_id = ANY($2) AND status IN ('claimed', 'running')
        GROUP BY worker_id`,
      [orgId, workerIds],
    )) as { worker_id: string; n: number }[];
    for (const r of rows) {
      out.set(r.worker_id, r.n);
    }
    return out;
  }

  // ---- jobs: producer and user side ----

  async insertJob(row: {
    id: string;
    orgId: string;
    queue: WorkerQueue;
    kind: string;
    payload: Record<string, unknown>;
    ref: string | null;
    maxAttempts: number;
  }): Promise<WorkerJobEntity> {
    await this.jobs.insert({ ...row, status: 'queued', attempts: 0 } as QueryDeepPartialEntity<WorkerJobEntity>);
    return (await this.jobs.findOne({ where: { id: row.id } }))!;
  }

  findJob(id: string): Promise<WorkerJobEntity | null> {
    return this.jobs.findOne({ where: { id } });
  }

  findOrgJob(orgId: string, id: string): Promise<WorkerJobEntity | null> {
    return this.jobs.findOne({ where: { id, orgId } });
  }

  listJobs(
    orgId: string,
    filter: { status?: WorkerJobStatus; queue?: WorkerQueue },
    q: PageQuery,
  ): Promise<Page<WorkerJobEntity>> {
    const qb = this.jobs.createQueryBuilder('j').where('j.org_id = :orgId', { orgId });
    if (filter.status) {
      qb.andWhere('j.status = :status', { status: filter.status });
    }
    if (filter.queue) {
      qb.andWhere('j.queue = :queue', { queue: filter.queue });
    }
    return paginate(qb, q, {
      scope: `worker-jobs:${orgId}:${filter.status ?? ''}:${filter.queue ?? ''}`,
      map: (j) => j,
    });
  }

  async queueStats(orgId: string): Promise<QueueStatsRow[]> {
    return (await this.txHost.tx.query(
      `SELECT queue,
              count(*) FILTER (WHERE status = 'queued')::int AS depth,
              count(*) FILTER (WHERE status IN ('claimed', 'running'))::int AS in_flight,
              count(*) FILTER (WHERE status = 'dead')::int AS dead,
              min(created_at) FILTER (WHERE status = 'queued') AS oldest_queued_at
         FROM worker_jobs WHERE org_id = $1 GROUP BY queue`,
      [orgId],
    )) as QueueStatsRow[];
  }

  /** failed/dead → queued with fresh attempts; null if the job is not in one of those states. */
  async requeue(orgId: string, id: string): Promise<WorkerJobEntity | null> {
    const [rows] = (await this.txHost.tx.query(
      `UPDATE worker_jobs SET status = 'queued', attempts = 0, worker_id = NULL, lease_expires_at = NULL,
              finished_at = NULL, updated_at = now()
        WHERE org_id = $1 AND id = $2 AND status IN ('failed', 'dead')
        RETURNING id`,
      [orgId, id],
    )) as [{ id: string }[], number];
    return rows.length ? this.findJob(id) : null;
  }

  /** Ends a job that is still queued (its work was cancelled); true if one was. */
  async cancelQueued(orgId: string, ref: string, error: WorkerJobError): Promise<boolean> {
    const [, affected] = (await this.txHost.tx.query(
      `UPDATE worker_jobs SET status = 'failed', error = $3, finished_at = now(), updated_at = now()
        WHERE org_id = $1 AND ref = $2 AND status = 'queued'`,
      [orgId, ref, error],
    )) as [unknown, number];
    return affected > 0;
  }

  // ---- jobs: worker side (the transactions are WorkerLeases' use cases) ----

  /** The worker row, locked until the transaction ends (a concurrent drain/deregister waits). */
  lockWorker(id: string): Promise<WorkerDaemonEntity | null> {
    return this.txHost.tx
      .getRepository(WorkerDaemonEntity)
      .createQueryBuilder('w')
      .setLock('pessimistic_write')
      .where('w.id = :id', { id })
      .getOne();
  }

  async countHeld(workerId: string): Promise<number> {
    const [{ n }] = (await this.txHost.tx.query(
      `SELECT count(*)::int AS n FROM worker_jobs WHERE worker_id = $1 AND status IN ('claimed', 'running')`,
      [workerId],
    )) as { n: number }[];
    return n;
  }

  /**
   * Leases up to `limit` queued jobs of `queues` (of `orgId` only, if set) to the worker, oldest
   * first. FOR UPDATE SKIP LOCKED: two concurrent claims never pick the same row.
   */
  async claimQueued(
    workerId: string,
    queues: string[],
    orgId: string | null,
    limit: number,
    leaseSecs: number,
  ): Promise<WorkerJobEntity[]> {
    const [rows] = (await this.txHost.tx.query(
      `UPDATE worker_jobs j
          SET status = 'claimed', worker_id = $1, lease_expires_at = now() + $5::interval,
              started_at = now(), finished_at = NULL, updated_at = now()
        WHERE j.id IN (
          SELECT id FROM worker_jobs
           WHERE status = 'queued' AND queue = ANY($2) AND ($3::uuid IS NULL OR org_id = $3)
           ORDER BY created_at, id
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING j.id`,
      [workerId, queues, orgId, limit, secs(leaseSecs)],
    )) as [{ id: string }[], number];
    if (!rows.length) {
      return [];
    }
    return this.txHost.tx
      .getRepository(WorkerJobEntity)
      .createQueryBuilder('j')
      .where('j.id IN (:...ids)', { ids: rows.map((r) => r.id) })
      .orderBy('j.created_at', 'ASC')
      .addOrderBy('j.id', 'ASC')
      .getMany();
  }

  /** Renews the leases of the listed jobs the worker still holds (claimed → running); returns their ids. */
  async renewLeases(workerId: string, jobIds: string[], leaseSecs: number): Promise<string[]> {
    if (!jobIds.length) {
      return [];
    }
    const [rows] = (await this.txHost.tx.query(
      `UPDATE worker_jobs SET lease_expires_at = now() + $3::interval, status = 'running', updated_at = now()
        WHERE worker_id = $1 AND id = ANY($2) AND status IN ('claimed', 'running')
        RETURNING id`,
      [workerId, jobIds, secs(leaseSecs)],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  /** Marks a job the worker holds succeeded; false if it does not hold it (lease lost). */
  async complete(jobId: string, workerId: string, result: Record<string, unknown> | null): Promise<boolean> {
    const [, affected] = (await this.txHost.tx.query(
      `UPDATE worker_jobs SET status = 'succeeded', result = $3, error = NULL, lease_expires_at = NULL,
              finished_at = now(), updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND status IN ('claimed', 'running')`,
      [jobId, workerId, result],
    )) as [unknown, number];
    return affected > 0;
  }

  /** The job row, locked until the transaction ends. */
  lockJob(id: string): Promise<WorkerJobEntity | null> {
    return this.txHost.tx
      .getRepository(WorkerJobEntity)
      .createQueryBuilder('j')
      .setLock('pessimistic_write')
      .where('j.id = :id', { id })
      .getOne();
  }

  /** Up to `limit` leased jobs whose lease ran out, locked; rows another replica holds are skipped. */
  lockExpired(limit: number): Promise<WorkerJobEntity[]> {
    return this.txHost.tx
      .getRepository(WorkerJobEntity)
      .createQueryBuilder('j')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`j.status IN ('claimed', 'running') AND j.lease_expires_at < now()`)
      .orderBy('j.lease_expires_at', 'ASC')
      .take(limit)
      .getMany();
  }

  /** Workers not yet offline that missed `intervals` of their heartbeats, locked (others' skipped). */
  lockSilentWorkers(intervals: number, limit: number): Promise<WorkerDaemonEntity[]> {
    return this.txHost.tx
      .getRepository(WorkerDaemonEntity)
      .createQueryBuilder('w')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`w.offline_at IS NULL AND w.last_heartbeat_at < now() - make_interval(secs => w.heartbeat_secs * :n)`, {
        n: intervals,
      })
      .take(limit)
      .getMany();
  }

  async markOffline(workerId: string): Promise<void> {
    await this.txHost.tx.query(
      `UPDATE worker_daemons SET offline_at = coalesce(offline_at, now()), updated_at = now() WHERE id = $1`,
      [workerId],
    );
  }

  /** The jobs the worker holds, locked. */
  lockJobsOf(workerId: string): Promise<WorkerJobEntity[]> {
    return this.txHost.tx
      .getRepository(WorkerJobEntity)
      .createQueryBuilder('j')
      .setLock('pessimistic_write')
      .where(`j.worker_id = :w AND j.status IN ('claimed', 'running')`, { w: workerId })
      .getMany();
  }

  /** Ends a lease: `queued` (back to the queue), or final `failed`/`dead` (keeps the worker for the record). */
  async release(
    job: WorkerJobEntity,
    status: WorkerJobStatus,
    attempts: number,
    error: WorkerJobError | null,
  ): Promise<ReleasedJob> {
    const final = status === 'dead' || status === 'failed';
    await this.txHost.tx.query(
      `UPDATE worker_jobs SET status = $2, attempts = $3, error = coalesce($4, error), lease_expires_at = NULL,
              worker_id = CASE WHEN $5 THEN worker_id ELSE NULL END,
              finished_at = CASE WHEN $5 THEN now() ELSE NULL END, updated_at = now()
        WHERE id = $1`,
      [job.id, status, attempts, error, final],
    );
    return {
      job: { ...job, status, attempts, error: error ?? job.error, workerId: final ? job.workerId : null },
      status,
    };
  }

  /** Deletes workers offline for longer than `olderThanMs` (they hold no jobs). */
  async purgeOffline(olderThanMs: number): Promise<number> {
    const [, affected] = (await this.txHost.tx.query(
      `DELETE FROM worker_daemons WHERE offline_at < now() - ($1 || ' milliseconds')::interval`,
      [String(olderThanMs)],
    )) as [unknown, number];
    return affected;
  }
}
