import { OrgEvents } from '@libs/events';
import { Injectable } from '@nestjs/common';
import { ClaimSignal } from './claim-signal';
import type { ReleasedJob } from './workers.repository';

/** What follows a job leaving a lease: requeued jobs wake waiting claims, dead jobs are announced. */
@Injectable()
export class JobOutcomes {
  constructor(
    private readonly signal: ClaimSignal,
    private readonly events: OrgEvents,
  ) {}

  async released(jobs: ReleasedJob[]): Promise<void> {
    const queues = new Set<string>();
    for (const { job, status } of jobs) {
      if (status === 'queued') {
        queues.add(job.queue);
      } else if (status === 'dead') {
        await this.events.publish(job.orgId, 'worker_job.dead', {
          job_id: job.id,
          kind: job.kind,
          queue: job.queue,
          ref: job.ref,
          payload: job.payload,
          attempts: job.attempts,
          error: job.error,
        });
      }
    }
    for (const q of queues) {
      await this.signal.notify(q);
    }
  }
}
