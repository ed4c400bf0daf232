import type { ServiceCaller } from '@libs/auth/principal';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { ToolExecutionError } from '@libs/connectors/connector';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { AppException, ForbiddenException, NotFoundException, UnauthorizedException } from '@libs/errors';
import { GraphWriter } from '@libs/graph/graph-writer';
import { ToolGate } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SettingsService } from '../settings/settings.service';
import type {
  AgentCompleteDto,
  AgentContextDto,
  AgentRecordsDto,
  AgentRecordsResultDto,
  AgentTokenDto,
  AgentToolCallDto,
  AgentToolResultDto,
} from './dto/pipeline-agent.dto';
import type { PipelineRunDto } from './dto/pipeline.dto';
import { ACTIVE_RUN_STATUSES, type PipelineEntity, type PipelineRunEntity } from './pipeline.entity';
import { toRunDto } from './pipelines.mappers';
import { PipelinesRepository } from './pipelines.repository';

const TOKEN_TTL_SECS = 3600;

/**
 * `/pipeline-agent/*`: what an agent process holding a run's pipeline JWT may do. The token names
 * one run; it is refused (401) once that run is finished or the agent called `complete`.
 */
@Injectable()
export class PipelineAgentService {
  constructor(
    private readonly repo: PipelinesRepository,
    private readonly tokens: ServiceTokenService,
    private readonly writer: GraphWriter,
    private readonly catalog: ToolCatalogPort,
    private readonly gate: ToolGate,
    private readonly settings: SettingsService,
  ) {}

  /** Mints the run's pipeline JWT (admins, active runs only). */
  async mint(orgId: string, pipelineId: string, runId: string): Promise<AgentTokenDto> {
    const run = await this.repo.findRun(orgId, pipelineId, runId);
    if (!run) {
      throw new NotFoundException('Pipeline run');
    }
    if (!ACTIVE_RUN_STATUSES.includes(run.status)) {
      throw new AppException(409, 'run_not_active', 'The run is finished');
    }
    return {
      token: await this.tokens.mintPipelineToken(orgId, run.id, TOKEN_TTL_SECS),
      expires_at: new Date(Date.now() + TOKEN_TTL_SECS * 1000).toISOString(),
    };
  }

  async context(c: ServiceCaller): Promise<AgentContextDto> {
    const { run, pipeline } = await this.scope(c);
    return { pipeline_id: pipeline.id, pipeline_name: pipeline.name, realm: pipeline.realm, run: toRunDto(run) };
  }

  async records(c: ServiceCaller, dto: AgentRecordsDto): Promise<AgentRecordsResultDto> {
    const { run, pipeline } = await this.scope(c);
    const ws = {
      orgId: run.orgId,
      sourceId: `pipeline:${pipeline.id}`,
      realm: pipeline.realm,
      jobId: `pagt_${randomUUID()}`,
    };
    const nodes = dto.nodes ?? [];
    const edges = (dto.edges ?? []).map((e) => ({
      type: e.type,
      fromKey: e.from_key,
      toKey: e.to_key,
      properties: e.properties,
    }));
    try {
      await this.writer.stage(ws, nodes, edges);
      const r = await this.writer.commit(ws, { archive: false });
      return { nodes_written: r.nodesWritten, edges_written: r.edgesWritten, edges_skipped: r.edgesSkipped };
    } catch (err) {
      await this.writer.discard(ws.jobId).catch(() => undefined);
      throw err;
    }
  }

  async toolCall(c: ServiceCaller, dto: AgentToolCallDto): Promise<AgentToolResultDto> {
    const { run } = await this.scope(c);
    const tool = await this.catalog.findTool(run.orgId, dto.tool);
    if (!tool) {
      throw new NotFoundException('Tool');
    }
    const verdict = await this.gate.decide({
      orgId: run.orgId,
      caller: { userId: null, email: null, role: null },
      tool,
      approvalDefaults: (await this.settings.getSecurity(run.orgId)).approvalDefaults,
      agent: null,
      entry: 'pipeline',
      context: { pipeline_id: run.pipelineId, run_id: run.id },
    });
    const details = { effect: tool.effect, policy: verdict.policy, audit_id: verdict.auditId };
    if (verdict.decision === 'deny') {
      throw new ForbiddenException(verdict.reason, details, 'policy_denied');
    }
    if (verdict.decision === 'approve') {
      throw new ForbiddenException(
        `${tool.qualifiedName} needs a human approval, which a pipeline run cannot wait for`,
        details,
        'approval_not_available',
      );
    }
    try {
      return { tool: tool.qualifiedName, result: await this.catalog.execute(run.orgId, tool, dto.args ?? {}) };
    } catch (err) {
      if (err instanceof ToolExecutionError) {
        throw new AppException(422, err.code, err.message, err.details);
      }
      throw err;
    }
  }

  async complete(c: ServiceCaller, dto: AgentCompleteDto): Promise<PipelineRunDto> {
    const { run } = await this.scope(c);
    const summary = dto.status === 'failed' ? `failed: ${dto.error ?? dto.summary ?? ''}` : (dto.summary ?? '');
    await this.repo.updateRun(run.id, { agentCompletedAt: new Date(), agentSummary: summary });
    return toRunDto({ ...run, agentCompletedAt: new Date(), agentSummary: summary });
  }

  /** The run the token names; 401 unless it is still active and not completed by its agent. */
  private async scope(c: ServiceCaller): Promise<{ run: PipelineRunEntity; pipeline: PipelineEntity }> {
    const runId = String(c.claims?.run_id ?? '');
    const orgId = c.orgId ?? '';
    const run = runId && orgId ? await this.repo.findRunById(orgId, runId) : null;
    if (!run || !ACTIVE_RUN_STATUSES.includes(run.status) || run.agentCompletedAt) {
      throw new UnauthorizedException('The pipeline run is finished', { reason: 'run_finished' });
    }
    const pipeline = await this.repo.findPipeline(orgId, run.pipelineId);
    if (!pipeline) {
      throw new UnauthorizedException('The pipeline run is finished', { reason: 'run_finished' });
    }
    return { run, pipeline };
  }
}
