import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { ConflictException, ForbiddenException, NotFoundException } from '@libs/errors';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ClaimSignal } from './claim-signal';
import type { ListWorkerJobsQuery, QueueStatsDto, WorkerDto, WorkerJobDto } from './dto/worker-job.dto';
import type { WorkerDaemonEntity } from './worker-daemon.entity';
import { WORKER_QUEUES } from './worker-job.entity';
import { workerStatus } from './worker-lease';
import { toJobDto, toWorkerDto } from './workers.mappers';
import { WorkersRepository } from './workers.repository';

/**
 * The user routes (admin+, features.workers; spec A.4). An org sees install-wide workers and its own
 * dedicated ones (another org's are 404) with in-flight counts of its own jobs only; jobs and queues
 * are strictly the caller's org.
 */
@Injectable()
export class WorkersAdminService {
  constructor(
    private readonly repo: WorkersRepository,
    private readonly audit: AuditService,
    private readonly signal: ClaimSignal,
  ) {}

  async listWorkers(p: Principal, q: PageQuery): Promise<Page<WorkerDto>> {
    const page = await this.repo.listWorkersForOrg(p.orgId, q);
    const inFlight = await this.repo.inFlightByWorker(
      p.orgId,
      page.items.map((w) => w.id),
    );
    return { ...page, items: page.items.map((w) => this.toDto(w, inFlight.get(w.id) ?? 0)) };
  }

  async getWorker(p: Principal, id: string): Promise<WorkerDto> {
    const w = await this.visibleWorker(p, id);
    const inFlight = await this.repo.inFlightByWorker(p.orgId, [w.id]);
    return this.toDto(w, inFlight.get(w.id) ?? 0);
  }

  async queues(p: Principal, q: PageQuery): Promise<Page<QueueStatsDto>> {
    const rows = new Map((await this.repo.queueStats(p.orgId)).map((r) => [r.queue, r]));
    const all: QueueStatsDto[] = WORKER_QUEUES.map((queue) => {
      const r = rows.get(queue);
      return {
        queue,
        depth: r?.depth ?? 0,
        in_flight: r?.in_flight ?? 0,
        dead: r?.dead ?? 0,
        oldest_queued_at: r?.oldest_queued_at ? new Date(r.oldest_queued_at).toISOString() : null,
      };
    });
    return paginateArray(all, q, {
      scope: 'worker-queues',
      key: (s) => s.queue,
      id: (s) => s.queue,
      map: (s) => s,
      direction: 'ASC',
    });
  }

  async listJobs(p: Principal, q: ListWorkerJobsQuery): Promise<Page<WorkerJobDto>> {
    const page = await this.repo.listJobs(p.orgId, { status: q.status, queue: q.queue }, q);
    return { ...page, items: page.items.map(toJobDto) };
  }

  async getJob(p: Principal, id: string): Promise<WorkerJobDto> {
    const job = await this.repo.findOrgJob(p.orgId, id);
    if (!job) {
      throw new NotFoundException('Job');
    }
    return toJobDto(job);
  }

  async retry(p: Principal, id: string): Promise<WorkerJobDto> {
    const job = await this.repo.findOrgJob(p.orgId, id);
    if (!job) {
      throw new NotFoundException('Job');
    }
    const requeued = await this.repo.requeue(p.orgId, id);
    if (!requeued) {
      throw new ConflictException(
        `Only failed or dead jobs can be retried (this one is ${job.status})`,
        { status: job.status },
        'job_not_retryable',
      );
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'workers.job.retry',
      result: 'success',
      actor: p,
      target: { type: 'worker_job', id, kind: job.kind, queue: job.queue },
      details: { previous_status: job.status, attempts: job.attempts },
    });
    await this.signal.notify(requeued.queue);
    return toJobDto(requeued);
  }

  /** Drain (or undrain) a worker; an install-wide worker serves every org, so only a platform admin may. */
  async drain(p: Principal, id: string, drain: boolean): Promise<WorkerDto> {
    const w = await this.visibleWorker(p, id);
    if (w.orgId === null && !p.platformAdmin) {
      throw new ForbiddenException('Draining an install-wide worker needs a platform admin', {
        required: 'platform_admin',
      });
    }
    await this.repo.setDrain(w.id, drain);
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: drain ? 'workers.drain' : 'workers.undrain',
      result: 'success',
      actor: p,
      target: { type: 'worker', id: w.id, name: w.name, install_wide: w.orgId === null },
    });
    return this.getWorker(p, id);
  }

  private async visibleWorker(p: Principal, id: string): Promise<WorkerDaemonEntity> {
    const w = await this.repo.findWorker(id);
    if (!w || (w.orgId !== null && w.orgId !== p.orgId)) {
      throw new NotFoundException('Worker');
    }
    return w;
  }

  private toDto(w: WorkerDaemonEntity, inFlight: number): WorkerDto {
    return toWorkerDto(w, workerStatus(w, w.heartbeatSecs, new Date()), inFlight);
  }
}
