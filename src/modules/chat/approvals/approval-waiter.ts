import { AppConfig } from '@libs/config';
import { Injectable, Logger } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import type { ApprovalEntity } from 'src/modules/chat/chat.entity';
import type { ApprovalDecision } from 'src/modules/chat/tools/tool-call.types';
import { ApprovalSignals } from './approval-signals';

type ApprovalRef = Pick<ApprovalEntity, 'id' | 'expiresAt'>;

/**
 * One wait for one approval. `check()` reads the row and settles when it left `pending`; it also
 * expires a due approval itself and, when the turn was cancelled, expires it with note
 * `turn cancelled`. Checks never overlap (a check requested meanwhile runs right after).
 */
class ApprovalWait {
  private settled = false;
  private checking = false;
  private recheck = false;
  private readonly timers: NodeJS.Timeout[] = [];
  unsubscribe: (() => Promise<void>) | undefined;
  readonly result: Promise<ApprovalDecision>;
  private resolveFn!: (d: ApprovalDecision) => void;

  constructor(
    private readonly approval: ApprovalRef,
    private readonly approvals: ApprovalsRepository,
    private readonly signals: ApprovalSignals,
    private readonly logger: Logger,
    private readonly isCancelled?: () => Promise<boolean>,
  ) {
    this.result = new Promise<ApprovalDecision>((r) => (this.resolveFn = r));
  }

  get done(): boolean {
    return this.settled;
  }

  later(fn: () => void, ms: number): void {
    this.timers.push(setTimeout(fn, ms));
  }

  private finish(d: ApprovalDecision): void {
    if (this.settled) {
      return;
    }
    this.settled = true;
    this.timers.forEach((t) => clearTimeout(t));
    void this.unsubscribe?.();
    this.resolveFn(d);
  }

  async check(): Promise<void> {
    if (this.settled) {
      return;
    }
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      const d = await this.decisionNow();
      if (d) {
        this.finish(d);
      }
    } catch (err) {
      this.logger.warn(`approval check failed: ${(err as Error).message}`);
    } finally {
      this.checking = false;
      if (this.recheck && !this.settled) {
        this.recheck = false;
        void this.check();
      }
    }
  }

  /** The decision if there is one now (decided, expired, or the turn was cancelled); else null. */
  private async decisionNow(): Promise<ApprovalDecision | null> {
    const row = await this.approvals.findApprovalById(this.approval.id);
    if (!row) {
      return { status: 'expired', note: null };
    }
    if (row.status !== 'pending') {
      return { status: row.status, note: row.note };
    }
    if (row.expiresAt.getTime() <= Date.now()) {
      if (await this.approvals.expireIfDue(row.id)) {
        await this.signals.expired(row);
      }
      const again = await this.approvals.findApprovalById(row.id);
      if (again && again.status !== 'pending') {
        return { status: again.status, note: again.note };
      }
    }
    if (this.isCancelled && (await this.isCancelled())) {
      if (await this.approvals.expirePending(row.id)) {
        await this.signals.publish(row.id, 'expired', 'turn cancelled');
      }
      const again = await this.approvals.findApprovalById(row.id);
      if (again && again.status !== 'pending' && again.status !== 'expired') {
        return { status: again.status, note: again.note };
      }
      return { status: 'cancelled', note: 'turn cancelled' };
    }
    return null;
  }
}

/**
 * Blocks until an approval leaves `pending`: woken by pub/sub on `approval:<id>` (any replica
 * deciding publishes there), re-checking the row every CHAT_APPROVAL_POLL_MS in case a message
 * was lost, and expiring it itself at `expires_at`. `isCancelled` aborts the wait (the approval is expired).
 */
@Injectable()
export class ApprovalWaiter {
  private readonly logger = new Logger(ApprovalWaiter.name);

  constructor(
    private readonly approvals: ApprovalsRepository,
    private readonly signals: ApprovalSignals,
    private readonly config: AppConfig,
  ) {}

  async wait(approval: ApprovalRef, isCancelled?: () => Promise<boolean>): Promise<ApprovalDecision> {
    const w = new ApprovalWait(approval, this.approvals, this.signals, this.logger, isCancelled);
    try {
      w.unsubscribe = await this.signals.subscribe(approval.id, () => void w.check());
    } catch (err) {
      this.logger.warn(`approval subscribe failed (polling only): ${(err as Error).message}`);
    }
    const poll = () => {
      if (w.done) {
        return;
      }
      void w.check().finally(() => {
        if (!w.done) {
          w.later(poll, this.config.chat.approvalPollMs);
        }
      });
    };
    poll();
    const untilExpiry = approval.expiresAt.getTime() - Date.now();
    w.later(() => void w.check(), Math.max(0, untilExpiry) + 25);
    return w.result;
  }
}
