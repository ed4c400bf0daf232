import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { SecretBox } from '@libs/crypto';
import { Injectable } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import type { ToolCallStatus } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import type { ApprovalDecision, ToolError, ToolOutcome } from 'src/modules/chat/tools/tool-call.types';
import { ToolExecutor } from 'src/modules/chat/tools/tool-executor';

/** The tool-call status and error a refused / expired / cancelled approval leaves on its call. */
export function refusal(d: ApprovalDecision): { status: ToolCallStatus; error: ToolError } {
  const error: ToolError =
    d.status === 'denied'
      ? { code: 'policy_denied', message: d.note ? `Denied by approver: ${d.note}` : 'Denied by approver' }
      : d.status === 'cancelled'
        ? { code: 'cancelled', message: 'The turn was cancelled while waiting for approval' }
        : { code: 'approval_expired', message: 'No decision before the approval expired' };
  const status: ToolCallStatus = d.status === 'denied' ? 'denied' : d.status === 'cancelled' ? 'failed' : 'expired';
  return { status, error };
}

/** Turns an approval decision into its tool call's outcome (shared by the loop, manual calls and recovery). */
@Injectable()
export class ApprovalOutcomes {
  constructor(
    private readonly repo: ChatRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly executor: ToolExecutor,
    private readonly box: SecretBox,
  ) {}

  /** The full (unredacted) arguments an approval was raised for. */
  async approvedArgs(approvalId: string): Promise<Record<string, unknown>> {
    const sealed = await this.approvals.sealedArgs(approvalId);
    return sealed ? this.box.openJson<Record<string, unknown>>(sealed) : {};
  }

  /** An approved call runs once (pending_approval → running is conditional); any other decision is recorded. */
  async apply(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool | undefined,
    args: Record<string, unknown>,
    d: ApprovalDecision,
  ): Promise<ToolOutcome> {
    if (d.status === 'approved') {
      return this.runApproved(orgId, toolCallId, tool, args);
    }
    const { status, error } = refusal(d);
    await this.repo.transitionToolCall(toolCallId, ['pending_approval', 'running'], {
      status,
      error,
      completedAt: new Date(),
      usageMs: 0,
    });
    return this.executor.storedOutcome(orgId, toolCallId);
  }

  private async runApproved(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool | undefined,
    args: Record<string, unknown>,
  ): Promise<ToolOutcome> {
    if (!tool) {
      const o: ToolOutcome = {
        status: 'failed',
        error: { code: 'tool_not_found', message: 'The approved tool is no longer in the catalog' },
        usageMs: 0,
      };
      await this.repo.transitionToolCall(toolCallId, ['pending_approval'], {
        status: 'failed',
        error: o.error,
        completedAt: new Date(),
      });
      return o;
    }
    if (!(await this.repo.transitionToolCall(toolCallId, ['pending_approval'], { status: 'running' }))) {
      return this.executor.storedOutcome(orgId, toolCallId);
    }
    return this.executor.executeAndStore(orgId, toolCallId, tool, args, true);
  }
}
