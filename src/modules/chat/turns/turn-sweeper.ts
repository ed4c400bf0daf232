import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ApprovalOutcomes } from 'src/modules/chat/approvals/approval-outcomes';
import { ApprovalSignals } from 'src/modules/chat/approvals/approval-signals';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { TurnEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { OrphanTurnRecovery } from './orphan-turn-recovery';
import { TurnsService } from './turns.service';

/**
 * The sweeper (run at boot and every CHAT_SWEEP_INTERVAL_MS): expires due approvals (waking their
 * waiters; a manual call's approval is recorded on its call here) and adopts `running` turns whose
 * replica is gone (OrphanTurnRecovery). See docs/chat.md "Restarts".
 */
@Injectable()
export class TurnSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TurnSweeper.name);
  private readonly adopting = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly repo: ChatRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly turns: TurnsService,
    private readonly signals: ApprovalSignals,
    private readonly outcomes: ApprovalOutcomes,
    private readonly recovery: OrphanTurnRecovery,
    private readonly runtime: ChatRuntime,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.chat.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy() {
    this.stopped = true;
    if (this.sweepTimer) {
      clearInterval(this.sweepTimer);
    }
  }

  /** Expires due approvals (waking their waiters) and adopts turns whose replica is gone. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) {
      return;
    }
    this.sweeping = true;
    try {
      await this.expireDueApprovals();
      for (const turn of await this.repo.runningTurns()) {
        if (await this.mayAdopt(turn)) {
          this.adopt(turn);
        }
      }
    } catch (err) {
      if (!this.stopped) {
        this.logger.warn(`chat sweep failed: ${(err as Error).message}`);
      }
    } finally {
      this.sweeping = false;
    }
  }

  private async expireDueApprovals(): Promise<void> {
    for (const a of await this.approvals.expireDue()) {
      await this.signals.expired(a);
      await this.audit.record({
        orgId: a.orgId,
        category: 'approval',
        action: 'approval.expired',
        result: 'success',
        target: { type: 'approval', id: a.id, tool: a.tool, conversation_id: a.conversationId },
      });
      if (a.source === 'manual') {
        await this.outcomes.apply(a.orgId, a.toolCallId, undefined, {}, { status: 'expired', note: null });
      }
    }
  }

  /** Not run here, same deployment, owner dead (or this replica after a restart), and the conditional adopt won. */
  private async mayAdopt(turn: TurnEntity): Promise<boolean> {
    if (
      this.turns.isRunningHere(turn) ||
      this.adopting.has(turn.id) ||
      !this.runtime.sameDeployment(turn.ownerInstance)
    ) {
      return false;
    }
    if (turn.ownerInstance !== this.runtime.instanceId && (await this.runtime.isAlive(turn.ownerInstance))) {
      return false;
    }
    return this.repo.adoptTurn(turn.id, turn.ownerInstance, this.runtime.instanceId);
  }

  private adopt(turn: TurnEntity): void {
    this.adopting.add(turn.id);
    void this.recovery
      .close(turn)
      .catch((err) => this.logger.error(`recovering turn ${turn.id} failed: ${(err as Error).message}`))
      .finally(() => this.adopting.delete(turn.id));
  }
}
