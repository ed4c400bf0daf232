import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency/idempotency.interceptor';
import { Body, Controller, Get, Param, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AgentRunsService } from 'src/modules/chat/agent-runs/agent-runs.service';
import { pipeLocalTurn } from 'src/modules/chat/conversations/sse';
import { AgentRunAcceptedDto, AgentRunDto, RunAgentDto } from 'src/modules/chat/dto/agent-run.dto';
import { TurnEventsService } from 'src/modules/chat/turns/turn-events.service';

/** Agent execution; lives beside the agents module's CRUD controller on the same `/agents` prefix. */
@ApiTags('agents')
@Controller('agents')
export class AgentRunsController {
  constructor(
    private readonly runs: AgentRunsService,
    private readonly events: TurnEventsService,
  ) {}

  private async runAgent(p: Principal, id: string, dto: RunAgentDto, res: Response): Promise<void> {
    const started = await this.runs.start(p, id, dto);
    if (dto.stream) {
      pipeLocalTurn(res, (listener) => this.events.subscribeLocal(started.turn.id, 0, listener));
      return;
    }
    res.status(202).json({
      run_id: started.turn.id,
      status: 'running',
      conversation_id: started.turn.conversationId,
      agent_id: started.turn.agentId,
    } satisfies AgentRunAcceptedDto);
  }

  @Post(':id/run')
  @NoIdempotency()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'agents_run',
    summary: 'Run an agent on an input: SSE when stream=true (same events as chat), else 202 with a run to poll',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiAcceptedResponse({ type: AgentRunAcceptedDto })
  @ApiOkResponse({
    description: 'stream=true: text/event-stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  run(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: RunAgentDto,
    @Res() res: Response,
  ): Promise<void> {
    return this.runAgent(p, id, dto, res);
  }

  @Post(':id/execute')
  @NoIdempotency()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'agents_execute', summary: 'Alias of POST /agents/:id/run' })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiAcceptedResponse({ type: AgentRunAcceptedDto })
  @ApiOkResponse({
    description: 'stream=true: text/event-stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  execute(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: RunAgentDto,
    @Res() res: Response,
  ): Promise<void> {
    return this.runAgent(p, id, dto, res);
  }

  @Get(':id/runs/:run_id')
  @Authenticated()
  @ApiOperation({ operationId: 'agents_get_run', summary: 'A run: status, output, tool calls' })
  @ApiOkResponse({ type: AgentRunDto })
  getRun(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('run_id') runId: string,
  ): Promise<AgentRunDto> {
    return this.runs.get(p, id, runId);
  }
}
