import { prefixedId } from '@libs/database/ids';
import { ServiceUnavailableException } from '@libs/errors';
import { FeatureFlagService } from '@libs/features';
import { Injectable } from '@nestjs/common';
import { ClaimSignal } from './claim-signal';
import type { WorkerQueue } from './worker-job.entity';
import { WorkerJobsContract, type EnqueueWorkerJob } from './worker-jobs.contract';
import { OFFLINE_AFTER_INTERVALS } from './worker-lease';
import { WorkersRepository } from './workers.repository';

export const DEFAULT_MAX_ATTEMPTS = 3;

/** The producer side other modules use (`WorkerJobsContract`). */
@Injectable()
export class WorkerJobsService extends WorkerJobsContract {
  constructor(
    private readonly repo: WorkersRepository,
    private readonly flags: FeatureFlagService,
    private readonly signal: ClaimSignal,
  ) {
    super();
  }

  async route(orgId: string, queue: WorkerQueue): Promise<boolean> {
    if (!(await this.flags.isEnabled('workers', orgId))) {
      return false;
    }
    // alive = not offline yet (online or stale): a stale worker may only be slow
    if (!(await this.repo.hasLiveWorker(orgId, queue, OFFLINE_AFTER_INTERVALS))) {
      throw new ServiceUnavailableException(
        `No worker daemon is online for the "${queue}" queue`,
        { queue },
        'worker_unavailable',
      );
    }
    return true;
  }

  async enqueue(job: EnqueueWorkerJob): Promise<string> {
    const id = prefixedId('wjob');
    await this.repo.insertJob({
      id,
      orgId: job.orgId,
      queue: job.queue,
      kind: job.kind,
      payload: job.payload,
      ref: job.ref ?? null,
      maxAttempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    });
    await this.signal.notify(job.queue);
    return id;
  }

  cancelQueued(orgId: string, ref: string): Promise<boolean> {
    return this.repo.cancelQueued(orgId, ref, { code: 'cancelled', message: 'Cancelled before a worker claimed it' });
  }
}
