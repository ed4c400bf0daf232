import { NoAudit } from '@libs/audit';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Delete, Patch, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  AgentListDto,
  AgentWriteDto,
  ModelRouteDto,
  ModelRouteListDto,
  ModelRouteWriteDto,
  OrchestratorAgentDto,
  OrchestratorRunDto,
  OrchestratorStatusDto,
  OrchestratorWorkflowDto,
  RunListDto,
  TriggerDto,
  TriggerListDto,
  TriggerWriteDto,
  WorkflowListDto,
  WorkflowRunRequestDto,
  WorkflowWriteDto,
} from './dto/orchestrator.dto';
import { OrchestratorStatusService } from './orchestrator-status.service';
import { SidecarGateway } from './sidecar-gateway.service';

const enc = encodeURIComponent;

/** `GET /orchestrator/status`: answers whether or not the feature is on or OpenFang is up. */
@ApiTags('orchestrator')
@Controller('orchestrator')
export class OrchestratorStatusController {
  constructor(private readonly status: OrchestratorStatusService) {}

  @Get('status')
  @Authenticated()
  @ApiOperation({
    operationId: 'orchestrator_status',
    summary: 'Whether the orchestrator is enabled and OpenFang reachable',
  })
  @ApiOkResponse({ type: OrchestratorStatusDto })
  get(@CurrentPrincipal() p: Principal): Promise<OrchestratorStatusDto> {
    return this.status.status(p);
  }
}

/**
 * `/orchestrator/*` → `${OPENFANG_URL}/api/*` (docs/orchestrator.md). Viewers read, members run
 * workflows and cancel runs, admins change agents, workflows, model routes and triggers.
 */
@ApiTags('orchestrator')
@RequiresFeature('orchestrator')
@Controller('orchestrator')
export class OrchestratorController {
  constructor(private readonly gw: SidecarGateway) {}

  @Get('agents')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_agents_list', summary: "List the org's OpenFang agents" })
  @ApiOkResponse({ type: AgentListDto })
  listAgents(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: '/agents', mode: 'list', what: 'Agent' });
  }

  @Post('agents')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_agents_create', summary: 'Create an OpenFang agent in the org' })
  @ApiBody({ type: AgentWriteDto })
  @ApiCreatedResponse({ type: OrchestratorAgentDto })
  createAgent(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: '/agents',
      mode: 'object',
      what: 'Agent',
      scopeBody: true,
      audit: 'orchestrator.agent.create',
    });
  }

  @Get('agents/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_agents_get', summary: 'One OpenFang agent' })
  @ApiOkResponse({ type: OrchestratorAgentDto })
  getAgent(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: `/agents/${enc(id)}`, mode: 'object', what: 'Agent' });
  }

  @Patch('agents/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_agents_update', summary: 'Update an OpenFang agent' })
  @ApiBody({ type: AgentWriteDto })
  @ApiOkResponse({ type: OrchestratorAgentDto })
  updateAgent(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/agents/${enc(id)}`,
      mode: 'object',
      what: 'Agent',
      owned: [`/agents/${enc(id)}`],
      scopeBody: true,
      audit: 'orchestrator.agent.update',
    });
  }

  @Delete('agents/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @ApiOperation({ operationId: 'orchestrator_agents_delete', summary: 'Delete an OpenFang agent' })
  @ApiNoContentResponse({ description: 'deleted (OpenFang’s answer is passed through)' })
  deleteAgent(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/agents/${enc(id)}`,
      mode: 'stream',
      what: 'Agent',
      owned: [`/agents/${enc(id)}`],
      audit: 'orchestrator.agent.delete',
    });
  }

  @Get('workflows')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_workflows_list', summary: "List the org's OpenFang workflows" })
  @ApiOkResponse({ type: WorkflowListDto })
  listWorkflows(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: '/workflows', mode: 'list', what: 'Workflow' });
  }

  @Post('workflows')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_workflows_create', summary: 'Create an OpenFang workflow in the org' })
  @ApiBody({ type: WorkflowWriteDto })
  @ApiCreatedResponse({ type: OrchestratorWorkflowDto })
  createWorkflow(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: '/workflows',
      mode: 'object',
      what: 'Workflow',
      scopeBody: true,
      audit: 'orchestrator.workflow.create',
    });
  }

  @Get('workflows/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_workflows_get', summary: 'One OpenFang workflow' })
  @ApiOkResponse({ type: OrchestratorWorkflowDto })
  getWorkflow(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/workflows/${enc(id)}`,
      mode: 'object',
      what: 'Workflow',
    });
  }

  @Patch('workflows/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_workflows_update', summary: 'Update an OpenFang workflow' })
  @ApiBody({ type: WorkflowWriteDto })
  @ApiOkResponse({ type: OrchestratorWorkflowDto })
  updateWorkflow(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/workflows/${enc(id)}`,
      mode: 'object',
      what: 'Workflow',
      owned: [`/workflows/${enc(id)}`],
      scopeBody: true,
      audit: 'orchestrator.workflow.update',
    });
  }

  @Delete('workflows/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @ApiOperation({ operationId: 'orchestrator_workflows_delete', summary: 'Delete an OpenFang workflow' })
  @ApiNoContentResponse({ description: 'deleted (OpenFang’s answer is passed through)' })
  deleteWorkflow(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/workflows/${enc(id)}`,
      mode: 'stream',
      what: 'Workflow',
      owned: [`/workflows/${enc(id)}`],
      audit: 'orchestrator.workflow.delete',
    });
  }

  @Get('models')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_models_list', summary: "List the org's OpenFang models" })
  @ApiOkResponse({ type: ModelRouteListDto })
  listModels(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: '/models', mode: 'list', what: 'Model route' });
  }

  @Post('models')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_models_create', summary: 'Create an OpenFang model in the org' })
  @ApiBody({ type: ModelRouteWriteDto })
  @ApiCreatedResponse({ type: ModelRouteDto })
  createModel(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: '/models',
      mode: 'object',
      what: 'Model route',
      scopeBody: true,
      audit: 'orchestrator.model.create',
    });
  }

  @Get('models/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_models_get', summary: 'One OpenFang model' })
  @ApiOkResponse({ type: ModelRouteDto })
  getModel(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/models/${enc(id)}`,
      mode: 'object',
      what: 'Model route',
    });
  }

  @Patch('models/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_models_update', summary: 'Update an OpenFang model' })
  @ApiBody({ type: ModelRouteWriteDto })
  @ApiOkResponse({ type: ModelRouteDto })
  updateModel(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/models/${enc(id)}`,
      mode: 'object',
      what: 'Model route',
      owned: [`/models/${enc(id)}`],
      scopeBody: true,
      audit: 'orchestrator.model.update',
    });
  }

  @Delete('models/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @ApiOperation({ operationId: 'orchestrator_models_delete', summary: 'Delete an OpenFang model' })
  @ApiNoContentResponse({ description: 'deleted (OpenFang’s answer is passed through)' })
  deleteModel(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/models/${enc(id)}`,
      mode: 'stream',
      what: 'Model route',
      owned: [`/models/${enc(id)}`],
      audit: 'orchestrator.model.delete',
    });
  }

  @Get('triggers')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_triggers_list', summary: "List the org's OpenFang triggers" })
  @ApiOkResponse({ type: TriggerListDto })
  listTriggers(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: '/triggers', mode: 'list', what: 'Trigger' });
  }

  @Post('triggers')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_triggers_create', summary: 'Create an OpenFang trigger in the org' })
  @ApiBody({ type: TriggerWriteDto })
  @ApiCreatedResponse({ type: TriggerDto })
  createTrigger(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: '/triggers',
      mode: 'object',
      what: 'Trigger',
      scopeBody: true,
      audit: 'orchestrator.trigger.create',
    });
  }

  @Get('triggers/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_triggers_get', summary: 'One OpenFang trigger' })
  @ApiOkResponse({ type: TriggerDto })
  getTrigger(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: `/triggers/${enc(id)}`, mode: 'object', what: 'Trigger' });
  }

  @Patch('triggers/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_triggers_update', summary: 'Update an OpenFang trigger' })
  @ApiBody({ type: TriggerWriteDto })
  @ApiOkResponse({ type: TriggerDto })
  updateTrigger(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/triggers/${enc(id)}`,
      mode: 'object',
      what: 'Trigger',
      owned: [`/triggers/${enc(id)}`],
      scopeBody: true,
      audit: 'orchestrator.trigger.update',
    });
  }

  @Delete('triggers/:id')
  @Authenticated({ minRole: 'admin' })
  @NoAudit()
  @ApiOperation({ operationId: 'orchestrator_triggers_delete', summary: 'Delete an OpenFang trigger' })
  @ApiNoContentResponse({ description: 'deleted (OpenFang’s answer is passed through)' })
  deleteTrigger(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/triggers/${enc(id)}`,
      mode: 'stream',
      what: 'Trigger',
      owned: [`/triggers/${enc(id)}`],
      audit: 'orchestrator.trigger.delete',
    });
  }

  @Post('workflows/:id/run')
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_workflows_run', summary: 'Start a run of a workflow' })
  @ApiBody({ type: WorkflowRunRequestDto, required: false })
  @ApiCreatedResponse({ type: OrchestratorRunDto })
  runWorkflow(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/workflows/${enc(id)}/run`,
      mode: 'object',
      what: 'Workflow',
      owned: [`/workflows/${enc(id)}`],
      scopeBody: true,
      audit: 'orchestrator.workflow.run',
    });
  }

  @Get('runs')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_runs_list', summary: "List the org's workflow runs" })
  @ApiOkResponse({ type: RunListDto })
  listRuns(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: '/runs', mode: 'list', what: 'Run' });
  }

  @Get('runs/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_runs_get', summary: 'One workflow run' })
  @ApiOkResponse({ type: OrchestratorRunDto })
  getRun(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', { path: `/runs/${enc(id)}`, mode: 'object', what: 'Run' });
  }

  @Get('runs/:id/logs')
  @Authenticated()
  @ApiOperation({ operationId: 'orchestrator_runs_logs', summary: 'Run log (SSE passthrough from OpenFang)' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'text/event-stream of the run log',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  runLogs(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/runs/${enc(id)}/logs`,
      mode: 'stream',
      what: 'Run',
      owned: [`/runs/${enc(id)}`],
    });
  }

  @Post('runs/:id/cancel')
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'orchestrator_runs_cancel', summary: 'Cancel a workflow run' })
  @ApiOkResponse({ type: OrchestratorRunDto })
  cancelRun(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'openfang', {
      path: `/runs/${enc(id)}/cancel`,
      mode: 'object',
      what: 'Run',
      owned: [`/runs/${enc(id)}`],
      audit: 'orchestrator.run.cancel',
    });
  }
}
