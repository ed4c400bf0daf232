import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { ApiPageResponse } from '@libs/pagination';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CatalogQuery,
  CatalogSearchQuery,
  CatalogSearchResponseDto,
  CatalogToolDto,
} from 'src/modules/chat/dto/chat.dto';
import { CatalogService } from './catalog.service';

@ApiTags('chat')
@Controller('chat/catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'chat_list_catalog', summary: "The org's connector tools (sorted by qualified name)" })
  @ApiPageResponse(CatalogToolDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: CatalogQuery) {
    return this.catalog.list(p, q);
  }

  @Get('search')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_search_catalog',
    summary: 'Tools ranked by relevance to ?q= (BM25 over name, connector, source, description)',
  })
  @ApiOkResponse({ type: CatalogSearchResponseDto })
  search(@CurrentPrincipal() p: Principal, @Query() q: CatalogSearchQuery): Promise<CatalogSearchResponseDto> {
    return this.catalog.search(p, q);
  }

  @Get(':connector/tools/:tool')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_get_catalog_tool',
    summary: 'One tool with its input schema (connector = source name or connector type)',
  })
  @ApiOkResponse({ type: CatalogToolDto })
  getTool(
    @CurrentPrincipal() p: Principal,
    @Param('connector') connector: string,
    @Param('tool') tool: string,
  ): Promise<CatalogToolDto> {
    return this.catalog.getTool(p, connector, tool);
  }
}
