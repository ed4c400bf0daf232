/**
 * The worker daemon loop (docs/workers.md): register, heartbeat, claim, run through a handler
 * registry, complete/fail, deregister on SIGTERM. It only talks HTTP to the API; what a job does is
 * up to its handler. No Nest here, so it is unit-testable and reusable by other entry points.
 */

export interface DaemonJob {
  id: string;
  org_id: string;
  queue: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
}

/** Runs one job; resolves with its result. Throw an error with `retryable: false` to fail it for good. */
export type JobHandler = (job: DaemonJob, signal: AbortSignal) => Promise<Record<string, unknown> | void>;

export interface DaemonOptions {
  /** API base URL, e.g. http://127.0.0.1:3000 (the /api/v1 prefix is added) */
  apiUrl: string;
  token: string;
  name: string;
  hostname: string;
  version: string;
  queues: string[];
  concurrency: number;
  orgId?: string;
  capabilities?: Record<string, unknown>;
  handlers: Record<string, JobHandler>;
  /** how long SIGTERM waits for running jobs before deregistering (their jobs go back to the queue) */
  shutdownGraceMs: number;
  log: (level: 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>) => void;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether a handler's error may succeed on a later attempt (default yes). */
export function isRetryable(err: unknown): boolean {
  const e = err as { retryable?: unknown; name?: unknown };
  if (e?.retryable === false) {
    return false;
  }
  // BullMQ's marker the ingestion runner throws for errors a retry cannot fix
  return e?.name !== 'UnrecoverableError';
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export class WorkerDaemon {
  workerId?: string;
  private heartbeatSecs = 15;
  private drained = false;
  private stopping = false;
  private readonly stop = new AbortController();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private heartbeatTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private slotFreed?: () => void;

  constructor(private readonly o: DaemonOptions) {}

  get inFlight(): string[] {
    return [...this.running.keys()];
  }

  /** Registers (retrying while the API is unreachable), then heartbeats and claims in the background. */
  async start(): Promise<void> {
    for (;;) {
      try {
        await this.register();
        break;
      } catch (err) {
        if (this.stopping || (err instanceof ApiError && err.status < 500)) {
          throw err;
        }
        this.o.log('warn', `register failed, retrying: ${(err as Error).message}`);
        await sleep(2_000, this.stop.signal);
      }
    }
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.heartbeatSecs * 1000);
    this.loop = this.claimLoop();
  }

  /** Graceful stop: no new claims, running jobs get `shutdownGraceMs`, then deregister. */
  async shutdown(): Promise<void> {
    if (this.stopping) {
      return;
    }
    this.stopping = true;
    this.stop.abort();
    await this.loop?.catch(() => undefined);
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, sleep(this.o.shutdownGraceMs)]);
    for (const r of this.running.values()) {
      r.abort.abort();
    }
    clearInterval(this.heartbeatTimer);
    if (this.workerId) {
      await this.call('POST', `/workers/${this.workerId}/deregister`).catch((err) =>
        this.o.log('warn', `deregister failed: ${(err as Error).message}`),
      );
    }
    this.o.log('info', 'worker daemon stopped', { worker_id: this.workerId });
  }

  private async register(): Promise<void> {
    const r = (await this.call('POST', '/workers/register', {
      name: this.o.name,
      hostname: this.o.hostname,
      version: this.o.version,
      queues: this.o.queues,
      concurrency: this.o.concurrency,
      capabilities: { kinds: Object.keys(this.o.handlers), ...(this.o.capabilities ?? {}) },
      ...(this.o.orgId ? { org_id: this.o.orgId } : {}),
    })) as { worker_id: string; heartbeat_interval_secs: number; lease_secs: number };
    this.workerId = r.worker_id;
    this.heartbeatSecs = r.heartbeat_interval_secs;
    this.drained = false;
    this.o.log('info', 'worker registered', {
      worker_id: r.worker_id,
      queues: this.o.queues,
      heartbeat_interval_secs: r.heartbeat_interval_secs,
      lease_secs: r.lease_secs,
    });
  }

  private async heartbeat(): Promise<void> {
    if (!this.workerId) {
      return;
    }
    try {
      const r = (await this.call('POST', `/workers/${this.workerId}/heartbeat`, {
        in_flight: this.inFlight,
        load: { running: this.running.size, concurrency: this.o.concurrency },
      })) as { drain: boolean; lost: string[] };
      this.drained = r.drain;
      for (const id of r.lost ?? []) {
        // another worker owns it now: stop (the outcome would be refused with lease_lost anyway)
        this.o.log('warn', 'lease lost', { job_id: id });
        this.running.get(id)?.abort.abort();
      }
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.code === 'worker_offline')) {
        // marked offline (missed heartbeats) or forgotten: its jobs were released; start over
        this.o.log('warn', 're-registering', { reason: err.code });
        for (const r of this.running.values()) {
          r.abort.abort();
        }
        await this.register().catch((e) => this.o.log('warn', `re-register failed: ${(e as Error).message}`));
      } else {
        this.o.log('warn', `heartbeat failed: ${(err as Error).message}`);
      }
    }
  }

  private async claimLoop(): Promise<void> {
    while (!this.stopping) {
      const free = this.o.concurrency - this.running.size;
      if (free <= 0 || this.drained) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
          setTimeout(resolve, 1_000);
        });
        continue;
      }
      let jobs: DaemonJob[];
      try {
        const r = (await this.call(
          'POST',
          `/workers/${this.workerId}/claim`,
          { max: free, wait_secs: 20 },
          35_000,
        )) as {
          jobs: DaemonJob[];
        };
        jobs = r.jobs;
      } catch (err) {
        if (this.stopping) {
          break;
        }
        this.o.log('warn', `claim failed: ${(err as Error).message}`);
        if (err instanceof ApiError && (err.status === 404 || err.code === 'worker_offline')) {
          await this.heartbeat(); // re-registers
        }
        await sleep(1_000, this.stop.signal);
        continue;
      }
      for (const job of jobs) {
        this.execute(job);
      }
      if (jobs.length) {
        void this.heartbeat(); // claimed → running, at once
      }
    }
  }

  private execute(job: DaemonJob): void {
    const abort = new AbortController();
    const done = (async () => {
      const handler = this.o.handlers[job.kind];
      this.o.log('info', 'job started', { job_id: job.id, kind: job.kind, attempt: job.attempts + 1 });
      try {
        if (!handler) {
          throw Object.assign(new Error(`No handler for job kind "${job.kind}"`), {
            retryable: false,
            code: 'unknown_kind',
          });
        }
        const result = (await handler(job, abort.signal)) ?? {};
        await this.call('POST', `/workers/jobs/${job.id}/complete`, { worker_id: this.workerId, result });
        this.o.log('info', 'job succeeded', { job_id: job.id });
      } catch (err) {
        if (err instanceof ApiError) {
          this.o.log('warn', `reporting ${job.id} failed: ${err.message}`, { code: err.code });
          return;
        }
        const retryable = isRetryable(err);
        this.o.log('warn', 'job failed', { job_id: job.id, retryable, error: (err as Error).message });
        await this.call('POST', `/workers/jobs/${job.id}/fail`, {
          worker_id: this.workerId,
          error: String((err as Error).message ?? err).slice(0, 4000),
          code:
            typeof (err as { code?: unknown }).code === 'string'
              ? (err as { code: string }).code.slice(0, 100)
              : undefined,
          retryable,
        }).catch((e) => this.o.log('warn', `reporting ${job.id} failed: ${(e as Error).message}`));
      } finally {
        this.running.delete(job.id);
        this.slotFreed?.();
      }
    })();
    this.running.set(job.id, { abort, done });
  }

  private async call(method: string, path: string, body?: unknown, timeoutMs = 15_000): Promise<unknown> {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (path.endsWith('/claim')) {
      signals.push(this.stop.signal);
    }
    const res = await fetch(`${this.o.apiUrl.replace(/\/$/, '')}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.o.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.any(signals),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const e = (json.error ?? {}) as { code?: string; message?: string };
      throw new ApiError(res.status, e.code ?? 'http_error', `${method} ${path}: ${res.status} ${e.message ?? text}`);
    }
    return json;
  }
}
