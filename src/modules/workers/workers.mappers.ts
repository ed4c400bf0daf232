import type { WorkerDto, WorkerJobDto } from './dto/worker-job.dto';
import type { WorkerDaemonEntity } from './worker-daemon.entity';
import type { WorkerJobEntity } from './worker-job.entity';
import type { WorkerStatus } from './worker-lease';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toJobDto(j: WorkerJobEntity): WorkerJobDto {
  return {
    id: j.id,
    org_id: j.orgId,
    queue: j.queue,
    kind: j.kind,
    payload: j.payload ?? {},
    status: j.status,
    attempts: j.attempts,
    max_attempts: j.maxAttempts,
    lease_expires_at: iso(j.leaseExpiresAt),
    worker_id: j.workerId,
    error: j.error ?? null,
    result: j.result ?? null,
    created_at: new Date(j.createdAt).toISOString(),
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
  };
}

export function toWorkerDto(w: WorkerDaemonEntity, status: WorkerStatus, inFlight: number): WorkerDto {
  return {
    id: w.id,
    name: w.name,
    hostname: w.hostname,
    version: w.version,
    queues: w.queues,
    concurrency: w.concurrency,
    status,
    drain: w.drain,
    org_id: w.orgId,
    last_heartbeat_at: new Date(w.lastHeartbeatAt).toISOString(),
    in_flight: inFlight,
    created_at: new Date(w.createdAt).toISOString(),
  };
}
