import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { parseExpression } from 'cron-parser';
import { randomUUID } from 'node:crypto';
import { SourcesRepository } from './sources.repository';
import { SyncService } from './sync.service';

const TICK_MS = 30_000;

/**
 * Scheduled syncs: every 30 s one process (Redis lock) checks the enabled sources with a 5-field
 * UTC cron `schedule`; when a fire time passed since the last one recorded for the source
 * (`<prefix>:ingest:sched:<source>`), it starts a `schedule` job. A tick while a job is active is
 * skipped (409 sync_in_progress). A newly seen source only records its last fire time.
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncScheduler.name);
  private timer?: NodeJS.Timeout;
  private readonly id = randomUUID();

  constructor(
    private readonly repo: SourcesRepository,
    private readonly sync: SyncService,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.ingestRunInApi) {
      return;
    }
    this.timer = setInterval(
      () => void this.tick().catch((err) => this.logger.warn(`schedule tick failed: ${(err as Error).message}`)),
      TICK_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy() {
    if (this.timer) {
      clearInterval(this.timer);
    }
  }

  /** One scheduling pass at `now`; returns the ids of the jobs it started. */
  async tick(now = new Date()): Promise<string[]> {
    const lock = this.redis.key('lock', 'ingest-scheduler');
    if ((await this.redis.client.set(lock, this.id, 'PX', TICK_MS - 5000, 'NX')) !== 'OK') {
      return [];
    }
    const started: string[] = [];
    try {
      for (const s of await this.repo.listScheduledSources()) {
        let prev: Date;
        try {
          prev = parseExpression(s.schedule!, { utc: true, currentDate: now }).prev().toDate();
        } catch {
          continue;
        }
        const key = this.redis.key('ingest', 'sched', s.id);
        const last = Number(await this.redis.client.get(key));
        if (!last) {
          await this.redis.client.set(key, String(prev.getTime()), 'EX', 90 * 86400);
          continue;
        }
        if (prev.getTime() <= last) {
          continue;
        }
        await this.redis.client.set(key, String(prev.getTime()), 'EX', 90 * 86400);
        try {
          const job = await this.sync.start(s, null, { trigger: 'schedule' });
          started.push(job.id);
        } catch (err) {
          if (err instanceof AppException && err.status === 409) {
            continue;
          } // active job, disabled connector…
          this.logger.warn(`scheduled sync of ${s.id} failed to start: ${(err as Error).message}`);
        }
      }
    } finally {
      if ((await this.redis.client.get(lock)) === this.id) {
        await this.redis.client.del(lock);
      }
    }
    return started;
  }
}
