import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CiabWorkspaceService } from './ciab-workspace.service';
import { SandboxDto, SessionPortsDto } from './dto/ciab-session.dto';

/** `/sandboxes`: the org's live sandbox sessions and their port mappings (misc-routes.md 6.2). */
@ApiTags('sandboxes')
@RequiresFeature('ciab')
@Controller('sandboxes')
export class SandboxesController {
  constructor(private readonly workspace: CiabWorkspaceService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'sandboxes_list', summary: 'Live sandbox sessions of the org with their preview URLs' })
  @ApiPageResponse(SandboxDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: PageQuery): Promise<Page<SandboxDto>> {
    return this.workspace.sandboxes(p, query);
  }

  @Get(':id/ports')
  @Authenticated()
  @ApiOperation({
    operationId: 'sandboxes_ports',
    summary: 'Bound ports of a session with freshly signed preview URLs',
  })
  @ApiOkResponse({ type: SessionPortsDto })
  ports(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SessionPortsDto> {
    return this.workspace.ports(p, id);
  }
}
