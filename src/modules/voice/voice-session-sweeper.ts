import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { VoiceSessionEntity } from './voice-session.entity';
import { VoiceRepository } from './voice.repository';

/**
 * Ends `/voice` sessions whose replica is gone (docs/voice.md "Recovery"). A session's socket lives
 * in the API process that accepted the upgrade, which records itself on activation
 * (`owner_instance`, its `ReplicaPresence` id). At boot and every VOICE_SWEEP_INTERVAL_MS this
 * sweeper looks at the `active` sessions: one of this deployment (same Redis prefix) whose owner's
 * liveness key has lapsed is ended `ended`/`interrupted` with one conditional UPDATE (still active
 * and still owned by the dead replica; of two sweepers exactly one wins) and audited. Sessions of
 * this replica and of live replicas are never touched: their socket ends them.
 */
@Injectable()
export class VoiceSessionSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(VoiceSessionSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly repo: VoiceRepository,
    private readonly presence: ReplicaPresence,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.config.voice.sweepIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy() {
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
    }
  }

  /** One pass; returns the ids of the sessions it ended (for tests). */
  async sweep(): Promise<string[]> {
    if (this.sweeping || this.stopped) {
      return [];
    }
    this.sweeping = true;
    const ended: string[] = [];
    try {
      const orphaned = this.presence.orphanCheck();
      for (const s of await this.repo.activeOwnedSessions()) {
        if (this.stopped) {
          break;
        }
        if (await this.endIfOrphaned(s, orphaned)) {
          ended.push(s.id);
        }
      }
    } catch (err) {
      if (!this.stopped) {
        this.logger.warn(`voice session sweep failed: ${(err as Error).message}`);
      }
    } finally {
      this.sweeping = false;
    }
    return ended;
  }

  /**
   * Ends `s` when it is of this deployment, not this replica's, its owner dead (one liveness read
   * per owner and pass), and the conditional UPDATE won; then audits it.
   */
  private async endIfOrphaned(
    s: VoiceSessionEntity,
    orphaned: (owner: string | null) => Promise<boolean>,
  ): Promise<boolean> {
    const owner = s.ownerInstance;
    if (!owner || !(await orphaned(owner)) || !(await this.repo.endInterrupted(s.id, owner))) {
      return false;
    }
    this.logger.warn(`voice session ${s.id}: its replica ${owner} is gone; ended interrupted`);
    await this.audit
      .record({
        orgId: s.orgId,
        category: 'api',
        action: 'voice.session_interrupted',
        result: 'failure',
        actor: null,
        target: { type: 'voice_session', id: s.id },
        details: { owner_instance: owner, ended_by: this.presence.instanceId, end_reason: 'interrupted' },
      })
      .catch((err: Error) => this.logger.error(`auditing interrupted voice session ${s.id} failed: ${err.message}`));
    return true;
  }
}
