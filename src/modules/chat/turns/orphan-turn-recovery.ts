import { AuditService } from '@libs/audit';
import { Injectable, Logger } from '@nestjs/common';
import { ApprovalOutcomes } from 'src/modules/chat/approvals/approval-outcomes';
import { ApprovalWaiter } from 'src/modules/chat/approvals/approval-waiter';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { StoredToolCallSummary, ToolCallEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ToolResolver } from 'src/modules/chat/tools/tool-resolver';
import { errorResult } from 'src/modules/chat/tools/tool-results';
import { TurnEventsService } from './turn-events.service';

const INTERRUPTED_CALL = {
  code: 'interrupted',
  message: 'The API process running this tool call stopped before it finished',
};

/**
 * A turn left `running` by a dead replica: tool calls waiting for an approval keep waiting (the
 * approval stays decidable) and are then executed (approved) or recorded as denied/expired; calls
 * caught mid-execution are recorded as failed (`interrupted`). Then the assistant message is stored
 * with the text streamed so far and finish_reason `interrupted`, and the turn ends `interrupted`.
 * Events are appended to the turn's Redis stream so re-attached clients see the end.
 */
@Injectable()
export class OrphanTurnRecovery {
  private readonly logger = new Logger(OrphanTurnRecovery.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly events: TurnEventsService,
    private readonly waiter: ApprovalWaiter,
    private readonly outcomes: ApprovalOutcomes,
    private readonly resolver: ToolResolver,
    private readonly runtime: ChatRuntime,
    private readonly audit: AuditService,
  ) {}

  async close(turn: TurnEntity): Promise<void> {
    this.logger.log(`adopting turn ${turn.id} of dead replica ${turn.ownerInstance}`);
    for (const call of await this.repo.toolCallsOfTurn(turn.id)) {
      if (call.status === 'pending_approval' && call.approvalId) {
        await this.settlePending(turn, call, call.approvalId);
      } else if (call.status === 'running') {
        await this.failRunning(turn, call);
      }
    }
    await this.finishInterrupted(turn);
  }

  private append(turnId: string, event: string, data: Record<string, unknown>): Promise<unknown> {
    return this.events.appendRemote(turnId, event, data).catch(() => undefined);
  }

  private async settlePending(turn: TurnEntity, call: ToolCallEntity, approvalId: string): Promise<void> {
    const approval = await this.approvals.findApprovalById(approvalId);
    if (!approval) {
      return;
    }
    const decision = await this.waiter.wait(approval);
    await this.append(turn.id, 'approval_resolved', {
      approval_id: approval.id,
      decision: decision.status,
      note: decision.note,
    });
    const args = await this.outcomes.approvedArgs(approval.id);
    const tool = await this.resolver.resolveRecorded(turn.orgId, call);
    const o = await this.outcomes.apply(turn.orgId, call.id, tool, args, decision);
    await this.append(turn.id, 'tool_result', {
      tool_call_id: call.id,
      status: o.status,
      result: o.error ? errorResult(o.error) : (o.result ?? null),
      ...(o.error ? { error: o.error } : {}),
      usage_ms: o.usageMs ?? 0,
    });
  }

  private async failRunning(turn: TurnEntity, call: ToolCallEntity): Promise<void> {
    const error = { ...INTERRUPTED_CALL };
    await this.repo.transitionToolCall(call.id, ['running'], { status: 'failed', error, completedAt: new Date() });
    await this.append(turn.id, 'tool_result', {
      tool_call_id: call.id,
      status: 'failed',
      result: errorResult(error),
      error,
    });
  }

  /** The text streamed so far (from the turn's event stream), or '' when the stream is gone. */
  private async streamedText(turnId: string): Promise<string> {
    let content = '';
    try {
      for (const e of await this.events.backlog(turnId, 0)) {
        if (e.event === 'content_delta' && typeof e.data.delta === 'string') {
          content += e.data.delta;
        }
      }
    } catch {
      /* stream gone: store without text */
    }
    return content;
  }

  private async finishInterrupted(turn: TurnEntity): Promise<void> {
    const summaries: StoredToolCallSummary[] = (await this.repo.toolCallsOfTurn(turn.id)).map((c) => ({
      tool_call_id: c.id,
      name: c.name,
      connector: c.connector,
      tool: c.tool,
      args: c.args,
      status: c.status,
    }));
    const content = await this.streamedText(turn.id);
    const usage = {
      input_tokens: 0,
      output_tokens: 0,
      tool_calls: summaries.length,
      duration_ms: Date.now() - turn.createdAt.getTime(),
    };
    if (!(await this.repo.findMessage(turn.assistantMessageId))) {
      await this.repo.insertMessage({
        id: turn.assistantMessageId,
        orgId: turn.orgId,
        conversationId: turn.conversationId,
        turnId: turn.id,
        role: 'assistant',
        content,
        toolCalls: summaries,
        finishReason: 'interrupted',
        usage,
      });
    }
    await this.repo.touchConversation(turn.conversationId);
    await this.repo.finishTurn(turn.id, this.runtime.instanceId, {
      status: 'interrupted',
      finishReason: 'interrupted',
      output: content,
      usage,
      error: { code: 'interrupted', message: 'The API process running this turn stopped' },
    });
    await this.append(turn.id, 'message_end', {
      finish_reason: 'interrupted',
      usage,
      message_id: turn.assistantMessageId,
    });
    await this.audit.record({
      orgId: turn.orgId,
      category: 'chat',
      action: 'chat.turn.recovered',
      result: 'success',
      target: { type: 'turn', id: turn.id, conversation_id: turn.conversationId },
      details: { previous_owner: turn.ownerInstance, tool_calls: summaries.length },
    });
  }
}
