import { AuditAction, NoAudit } from '@libs/audit';
import { Authenticated, CurrentPrincipal, type Principal } from '@libs/auth';
import { Post } from '@libs/http';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CypherRequestDto,
  CypherResultDto,
  ExpandBody,
  ExpandQuery,
  GraphNodeDetailDto,
  GraphSchemaDto,
  GraphStatsDto,
  IncludeArchivedQuery,
  NodeSearchPageDto,
  NodeSearchQuery,
  NodeSearchRequiredQuery,
  RealmSchemaDto,
  StatsQuery,
  SubgraphDto,
} from './dto/graph.dto';
import { GraphService } from './graph.service';

@ApiTags('graph')
@ApiExtraModels(RealmSchemaDto)
@Controller('graph')
export class GraphController {
  constructor(private readonly graph: GraphService) {}

  @Get('nodes')
  @Authenticated()
  @ApiOperation({
    operationId: 'graph_list_nodes',
    summary: 'List / full-text search nodes of the org (page envelope + facets)',
  })
  @ApiOkResponse({ type: NodeSearchPageDto })
  listNodes(@CurrentPrincipal() p: Principal, @Query() q: NodeSearchQuery): Promise<NodeSearchPageDto> {
    return this.graph.searchNodes(p, q);
  }

  @Get('nodes/search')
  @Authenticated()
  @ApiOperation({ operationId: 'graph_search_nodes', summary: 'Full-text node search (q ≥ 2 characters)' })
  @ApiOkResponse({ type: NodeSearchPageDto })
  searchNodes(@CurrentPrincipal() p: Principal, @Query() q: NodeSearchRequiredQuery): Promise<NodeSearchPageDto> {
    return this.graph.searchNodes(p, q, { requireQuery: true });
  }

  @Get('nodes/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'graph_get_node', summary: 'One node with all properties and its degree' })
  @ApiOkResponse({ type: GraphNodeDetailDto })
  getNode(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: IncludeArchivedQuery,
  ): Promise<GraphNodeDetailDto> {
    return this.graph.getNode(p, id, q.include_archived ?? false);
  }

  @Get('nodes/:id/expand')
  @Authenticated()
  @ApiOperation({ operationId: 'graph_expand_node', summary: 'Subgraph around one node (depth 1..3)' })
  @ApiOkResponse({ type: SubgraphDto })
  expandNode(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: ExpandQuery): Promise<SubgraphDto> {
    return this.graph.expandOne(p, id, q);
  }

  @Post('expand')
  @HttpCode(200)
  @Authenticated()
  @NoAudit()
  @ApiOperation({ operationId: 'graph_expand', summary: 'Subgraph around several nodes (depth 1..3)' })
  @ApiOkResponse({ type: SubgraphDto })
  expand(@CurrentPrincipal() p: Principal, @Body() body: ExpandBody): Promise<SubgraphDto> {
    return this.graph.expand(p, body);
  }

  @Get('stats')
  @Authenticated()
  @ApiOperation({
    operationId: 'graph_stats',
    summary: 'Node/edge counts of the org by label, realm, source and edge type',
  })
  @ApiOkResponse({ type: GraphStatsDto })
  stats(@CurrentPrincipal() p: Principal, @Query() q: StatsQuery): Promise<GraphStatsDto> {
    return this.graph.stats(p, q);
  }

  @Get('schema')
  @Authenticated()
  @ApiOperation({
    operationId: 'graph_schema',
    summary: 'Labels, edge types and property keys seen in the org (overall and per realm)',
  })
  @ApiOkResponse({ type: GraphSchemaDto })
  schema(@CurrentPrincipal() p: Principal): Promise<GraphSchemaDto> {
    return this.graph.schema(p);
  }

  @Post('cypher')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('graph.cypher', 'api', 'graph')
  @ApiOperation({
    operationId: 'graph_cypher',
    summary:
      "Read-only Cypher, scoped to the caller's org (see docs/graph-tenancy.md). Rejected queries: 400 cypher_rejected.",
  })
  @ApiOkResponse({ type: CypherResultDto })
  cypher(@CurrentPrincipal() p: Principal, @Body() body: CypherRequestDto): Promise<CypherResultDto> {
    return this.graph.cypher(p, body);
  }
}
