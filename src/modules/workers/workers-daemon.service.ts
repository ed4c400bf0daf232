import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { ConflictException, NotFoundException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import { OrgsRepository } from '../orgs/orgs.repository';
import { ClaimSignal } from './claim-signal';
import type {
  ClaimDto,
  ClaimResponseDto,
  CompleteJobDto,
  FailJobDto,
  HeartbeatDto,
  HeartbeatResponseDto,
  RegisterWorkerDto,
  RegisterWorkerResponseDto,
} from './dto/worker-daemon.dto';
import { JobOutcomes } from './job-outcomes';
import type { WorkerDaemonEntity } from './worker-daemon.entity';
import { claimQueues, MAX_CLAIM_WAIT_SECS, workerStatus } from './worker-lease';
import { WorkerLeases } from './worker-leases.service';
import { toJobDto } from './workers.mappers';
import { WorkersRepository } from './workers.repository';

/** A claim re-checks the queue at least this often while it long-polls (wake-ups come sooner). */
const CLAIM_RECHECK_MS = 2_000;

/** The daemon protocol (spec A.3): register, heartbeat, claim, complete, fail, deregister. */
@Injectable()
export class WorkersDaemonService {
  private readonly logger = new Logger(WorkersDaemonService.name);

  constructor(
    private readonly repo: WorkersRepository,
    private readonly config: AppConfig,
    private readonly signal: ClaimSignal,
    private readonly outcomes: JobOutcomes,
    private readonly orgs: OrgsRepository,
    private readonly leases: WorkerLeases,
  ) {}

  async register(dto: RegisterWorkerDto): Promise<RegisterWorkerResponseDto> {
    if (dto.org_id && !(await this.orgs.findById(dto.org_id))) {
      throw new NotFoundException('Organization', { org_id: dto.org_id });
    }
    const id = prefixedId('wkr');
    const w = await this.repo.insertWorker({
      id,
      orgId: dto.org_id ?? null,
      name: dto.name,
      hostname: dto.hostname,
      version: dto.version,
      queues: [...new Set(dto.queues)],
      concurrency: dto.concurrency ?? 1,
      capabilities: dto.capabilities ?? {},
      heartbeatSecs: this.config.workerHeartbeatSecs,
    });
    if (!w) {
      throw new Error(`worker ${id} was not stored`);
    }
    this.logger.log(`worker ${id} (${dto.name}@${dto.hostname}) registered for ${w.queues.join(',')}`);
    return {
      worker_id: id,
      heartbeat_interval_secs: this.config.workerHeartbeatSecs,
      lease_secs: this.config.workerLeaseSecs,
    };
  }

  async heartbeat(workerId: string, dto: HeartbeatDto): Promise<HeartbeatResponseDto> {
    if (!(await this.repo.touchWorker(workerId, dto.load ?? {}))) {
      await this.liveWorker(workerId); // throws 404 / 409
    }
    const listed = [...new Set(dto.in_flight ?? [])];
    const renewed = new Set(await this.repo.renewLeases(workerId, listed, this.config.workerLeaseSecs));
    const w = await this.liveWorker(workerId);
    return { ok: true, drain: w.drain, lost: listed.filter((id) => !renewed.has(id)) };
  }

  async claim(workerId: string, dto: ClaimDto, abort?: AbortSignal): Promise<ClaimResponseDto> {
    const worker = await this.liveWorker(workerId);
    const queues = claimQueues(worker.queues, dto.queues);
    const waitMs = (dto.wait_secs ?? MAX_CLAIM_WAIT_SECS) * 1000;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const jobs = await this.leases.claimOnce(workerId, queues, dto.max ?? 1, this.config.workerLeaseSecs);
      const remaining = deadline - Date.now();
      if (jobs.length || remaining <= 0 || abort?.aborted || this.signal.isClosing || !queues.length) {
        if (jobs.length && abort?.aborted) {
          // the daemon hung up before it got them: give them back at once
          await this.outcomes.released(
            await this.leases.releaseClaimed(
              workerId,
              jobs.map((j) => j.id),
            ),
          );
          return { jobs: [] };
        }
        return { jobs: jobs.map(toJobDto) };
      }
      await this.signal.wait(queues, Math.min(remaining, CLAIM_RECHECK_MS), abort);
    }
  }

  async complete(jobId: string, dto: CompleteJobDto): Promise<void> {
    if (!(await this.repo.complete(jobId, dto.worker_id, dto.result ?? null))) {
      await this.leaseLost(jobId, dto.worker_id);
    }
  }

  async fail(jobId: string, dto: FailJobDto): Promise<void> {
    const released = await this.leases.fail(
      jobId,
      dto.worker_id,
      { code: dto.code ?? 'job_failed', message: dto.error },
      dto.retryable ?? true,
    );
    if (!released) {
      await this.leaseLost(jobId, dto.worker_id);
      return;
    }
    await this.outcomes.released([released]);
  }

  async deregister(workerId: string): Promise<void> {
    const released = await this.leases.deregister(workerId);
    if (!released) {
      throw new NotFoundException('Worker');
    }
    this.logger.log(`worker ${workerId} deregistered (${released.length} job(s) back to the queue)`);
    await this.outcomes.released(released);
  }

  private async liveWorker(workerId: string): Promise<WorkerDaemonEntity> {
    const w = await this.repo.findWorker(workerId);
    if (!w) {
      throw new NotFoundException('Worker');
    }
    // the same rule the user routes show: past 5 missed heartbeats it is offline, swept or not yet
    if (workerStatus(w, w.heartbeatSecs, new Date()) === 'offline') {
      throw new ConflictException(
        'The worker is offline (deregistered or missed its heartbeats); register again',
        { worker_id: workerId },
        'worker_offline',
      );
    }
    return w;
  }

  private async leaseLost(jobId: string, workerId: string): Promise<never> {
    const job = await this.repo.findJob(jobId);
    if (!job) {
      throw new NotFoundException('Job');
    }
    throw new ConflictException(
      'This worker does not hold the lease of the job (expired or claimed by another worker)',
      { job_id: jobId, worker_id: workerId, status: job.status },
      'lease_lost',
    );
  }
}
