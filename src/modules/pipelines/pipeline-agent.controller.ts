import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentCaller, CurrentPrincipal, Signed } from '@libs/auth/auth.decorators';
import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { Body, Controller, Get, HttpCode, Param } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AgentCompleteDto,
  AgentContextDto,
  AgentRecordsDto,
  AgentRecordsResultDto,
  AgentTokenDto,
  AgentToolCallDto,
  AgentToolResultDto,
} from './dto/pipeline-agent.dto';
import { PipelineRunDto } from './dto/pipeline.dto';
import { PipelineAgentService } from './pipeline-agent.service';

/** Minting a run's pipeline JWT (admins). */
@ApiTags('pipelines')
@Controller('pipelines')
export class PipelineAgentTokenController {
  constructor(private readonly agent: PipelineAgentService) {}

  @Post(':id/runs/:run_id/agent-token')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.agent_token', 'api', 'pipeline')
  @ApiOperation({ operationId: 'pipelines_agent_token', summary: "Mint an active run's pipeline JWT (1 h)" })
  @ApiCreatedResponse({ type: AgentTokenDto })
  mint(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('run_id') runId: string,
  ): Promise<AgentTokenDto> {
    return this.agent.mint(p.orgId, id, runId);
  }
}

/** `/pipeline-agent/*`: pipeline-JWT routes of an agent working inside one run. */
@ApiTags('pipeline-agent')
@Controller('pipeline-agent')
export class PipelineAgentController {
  constructor(private readonly agent: PipelineAgentService) {}

  @Get('context')
  @Signed('pipeline')
  @ApiOperation({ operationId: 'pipeline_agent_context', summary: 'The run and pipeline the token is scoped to' })
  @ApiOkResponse({ type: AgentContextDto })
  context(@CurrentCaller() c: ServiceCaller): Promise<AgentContextDto> {
    return this.agent.context(c);
  }

  @Post('records')
  @HttpCode(200)
  @Signed('pipeline')
  @AuditAction('pipeline_agent.records', 'api', 'pipeline_run')
  @ApiOperation({
    operationId: 'pipeline_agent_records',
    summary: "Upsert nodes/edges into the pipeline's graph space",
  })
  @ApiOkResponse({ type: AgentRecordsResultDto })
  records(@CurrentCaller() c: ServiceCaller, @Body() dto: AgentRecordsDto): Promise<AgentRecordsResultDto> {
    return this.agent.records(c, dto);
  }

  @Post('tool-calls')
  @HttpCode(200)
  @Signed('pipeline')
  @ApiOperation({
    operationId: 'pipeline_agent_tool_call',
    summary: 'Run a connector tool through the tool gate (403 approval_not_available when it needs approval)',
  })
  @ApiOkResponse({ type: AgentToolResultDto })
  toolCall(@CurrentCaller() c: ServiceCaller, @Body() dto: AgentToolCallDto): Promise<AgentToolResultDto> {
    return this.agent.toolCall(c, dto);
  }

  @Post('complete')
  @HttpCode(200)
  @Signed('pipeline')
  @AuditAction('pipeline_agent.complete', 'api', 'pipeline_run')
  @ApiOperation({
    operationId: 'pipeline_agent_complete',
    summary: "End the agent's part; the token is refused afterwards",
  })
  @ApiOkResponse({ type: PipelineRunDto })
  complete(@CurrentCaller() c: ServiceCaller, @Body() dto: AgentCompleteDto): Promise<PipelineRunDto> {
    return this.agent.complete(c, dto);
  }
}
