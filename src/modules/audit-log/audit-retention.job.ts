import { AuditChainStore, type CutResult } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { RedisService } from '@libs/redis';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditCheckpointSigner } from './audit-checkpoint.signer';

const RUN_EVERY_MS = 3600_000;

/**
 * Retention of the audit log (AUDIT_RETENTION_DAYS; 0 keeps everything): hourly, in whichever API
 * process takes the Redis lock for that hour, cuts every org's chain before the window and leaves a
 * signed checkpoint where it cut, so `GET /policies/audit/verify` still walks from there.
 */
@Injectable()
export class AuditRetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditRetentionJob.name);
  private readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: AuditChainStore,
    private readonly signer: AuditCheckpointSigner,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.auditRetentionDays <= 0) {
      return;
    }
    this.timer = setInterval(() => {
      this.tick().catch((err: Error) => this.logger.warn(`audit retention failed: ${err.message}`));
    }, RUN_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    const lock = this.redis.key('audit-retention', 'lock');
    if ((await this.redis.client.set(lock, this.id, 'PX', RUN_EVERY_MS - 60_000, 'NX')) !== 'OK') {
      return;
    }
    await this.cutBefore(new Date(Date.now() - this.config.auditRetentionDays * 86_400_000));
  }

  /** Cuts every org's entries older than `cutoff`; returns one result per org that had any. */
  async cutBefore(cutoff: Date): Promise<CutResult[]> {
    const done: CutResult[] = [];
    for (const key of await this.store.keys()) {
      const cut = await this.store.cut(key, cutoff, (seq, hash) => this.signer.sign(key, seq, hash));
      if (cut) {
        done.push(cut);
        this.logger.log(`audit retention: org ${key} cut at seq ${cut.seq} (${cut.deleted} entries)`);
      }
    }
    return done;
  }
}
