import { AuditAction } from '@libs/audit';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AgentsService } from './agents.service';
import { AgentDto, CreateAgentDto, ListAgentsQuery, UpdateAgentDto } from './dto/agent.dto';

const ID_OR_NAME = { name: 'idOrName', description: 'Agent id or name (e.g. `default`)' };

/**
 * Registered agents. Reads: any org member; writes: admins. Agent execution
 * (`POST /agents/:idOrName/execute`) belongs to the chat module, which runs the agent loop;
 * it resolves agents with `AgentsService.resolve`.
 */
@ApiTags('agents')
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'agents_list', summary: "List the org's agents (the `default` agent always exists)" })
  @ApiPageResponse(AgentDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListAgentsQuery): Promise<Page<AgentDto>> {
    return this.agents.list(p, query);
  }

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('agents.create', 'api', 'agent')
  @ApiOperation({ operationId: 'agents_create', summary: 'Register an agent (name unique per org)' })
  @ApiCreatedResponse({ type: AgentDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateAgentDto): Promise<AgentDto> {
    return this.agents.create(p, dto);
  }

  @Get(':idOrName')
  @Authenticated()
  @ApiParam(ID_OR_NAME)
  @ApiOperation({ operationId: 'agents_get', summary: 'One agent by id or name' })
  @ApiOkResponse({ type: AgentDto })
  get(@CurrentPrincipal() p: Principal, @Param('idOrName') idOrName: string): Promise<AgentDto> {
    return this.agents.get(p, idOrName);
  }

  @Patch(':idOrName')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('agents.update', 'api', 'agent')
  @ApiParam(ID_OR_NAME)
  @ApiOperation({ operationId: 'agents_update', summary: 'Update an agent (the default agent cannot be renamed)' })
  @ApiOkResponse({ type: AgentDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('idOrName') idOrName: string,
    @Body() dto: UpdateAgentDto,
  ): Promise<AgentDto> {
    return this.agents.update(p, idOrName, dto);
  }

  @Delete(':idOrName')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('agents.delete', 'api', 'agent')
  @ApiParam(ID_OR_NAME)
  @ApiOperation({
    operationId: 'agents_delete',
    summary: 'Delete an agent (409 builtin_agent for `default`, 409 in_use when referenced)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('idOrName') idOrName: string): Promise<void> {
    await this.agents.remove(p, idOrName);
  }
}
