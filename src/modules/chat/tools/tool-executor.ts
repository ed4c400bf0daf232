import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { ToolExecutionError } from '@libs/connectors/connector';
import { ToolCatalogPort, type CatalogTool } from '@libs/connectors/tool-catalog.port';
import { Injectable } from '@nestjs/common';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ToolArtifacts } from './tool-artifacts';
import type { ToolOutcome } from './tool-call.types';

/** Runs a tool on its backend (with the tool timeout) and stores the outcome on its tool-call row. */
@Injectable()
export class ToolExecutor {
  constructor(
    private readonly repo: ChatRepository,
    private readonly catalog: ToolCatalogPort,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly files: ToolArtifacts,
  ) {}

  /**
   * Runs the backend with a timeout and stores the outcome on the tool call row (already `running`);
   * files the tool returned become artifacts and the result keeps references to them.
   */
  async executeAndStore(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    approved = false,
  ): Promise<ToolOutcome> {
    const started = Date.now();
    const outcome = await this.execute(orgId, tool, args);
    if (outcome.status === 'completed') {
      outcome.result = await this.files.storeFiles(orgId, toolCallId, tool, outcome.result);
    }
    outcome.usageMs = Date.now() - started;
    await this.repo.updateToolCall(toolCallId, {
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      usageMs: outcome.usageMs,
      completedAt: new Date(),
    });
    await this.audit.record({
      orgId,
      category: 'tool',
      action: 'chat.tool.execute',
      result: outcome.status === 'completed' ? 'success' : 'failure',
      target: { type: 'tool', id: tool.qualifiedName, tool_call_id: toolCallId },
      details: { effect: tool.effect, approved, usage_ms: outcome.usageMs, error_code: outcome.error?.code },
    });
    return outcome;
  }

  /** The outcome stored on a tool-call row (after another path ran or refused it). */
  async storedOutcome(orgId: string, toolCallId: string): Promise<ToolOutcome> {
    const row = await this.repo.findToolCall(orgId, toolCallId);
    if (!row) {
      return { status: 'failed', error: { code: 'tool_failed', message: 'tool call vanished' } };
    }
    return {
      status: row.status,
      result: row.result ?? undefined,
      error: row.error ?? undefined,
      usageMs: row.usageMs ?? 0,
    };
  }

  private async execute(orgId: string, tool: CatalogTool, args: Record<string, unknown>): Promise<ToolOutcome> {
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort();
          reject(
            new ToolExecutionError(
              'tool_timeout',
              `${tool.qualifiedName} did not answer within ${this.config.chat.toolTimeoutMs} ms`,
            ),
          );
        }, this.config.chat.toolTimeoutMs);
      });
      const result = await Promise.race([this.catalog.execute(orgId, tool, args, ctrl.signal), timeout]);
      return { status: 'completed', result: result ?? null };
    } catch (err) {
      const e = err as { code?: unknown; message?: string; details?: Record<string, unknown> };
      const code = err instanceof ToolExecutionError || typeof e.code === 'string' ? String(e.code) : 'tool_failed';
      return {
        status: 'failed',
        error: {
          code,
          message: e.message ?? 'tool failed',
          ...(e.details && Object.keys(e.details).length ? { details: e.details } : {}),
        },
      };
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
    }
  }
}
