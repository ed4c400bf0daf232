import { AuditAction } from '@libs/audit';
import { Authenticated, CurrentPrincipal, type Principal } from '@libs/auth';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AvailableRealmDto,
  CreateRealmDto,
  DeleteRealmQuery,
  RealmDto,
  RealmListQuery,
  UpdateRealmDto,
} from './dto/realm.dto';
import { RealmsService } from './realms.service';

@ApiTags('realms')
@Controller('realms')
export class RealmsController {
  constructor(private readonly realms: RealmsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'realms_list',
    summary: 'Built-in and custom realms of the org with node, edge and source counts',
  })
  @ApiPageResponse(RealmDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: RealmListQuery): Promise<Page<RealmDto>> {
    return this.realms.list(p, q);
  }

  @Get('available')
  @Authenticated()
  @ApiOperation({ operationId: 'realms_available', summary: 'Realms the caller may use (pickers)' })
  @ApiPageResponse(AvailableRealmDto)
  available(@CurrentPrincipal() p: Principal, @Query() q: RealmListQuery): Promise<Page<AvailableRealmDto>> {
    return this.realms.available(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'realms_get', summary: 'One realm (by id or name) with counts' })
  @ApiOkResponse({ type: RealmDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<RealmDto> {
    return this.realms.get(p, id);
  }

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('realms.create', 'api', 'realm')
  @ApiOperation({ operationId: 'realms_create', summary: 'Create a custom realm (admin+)' })
  @ApiCreatedResponse({ type: RealmDto })
  create(@CurrentPrincipal() p: Principal, @Body() body: CreateRealmDto): Promise<RealmDto> {
    return this.realms.create(p, body);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('realms.update', 'api', 'realm')
  @ApiOperation({ operationId: 'realms_update', summary: "Update a custom realm's description (names are immutable)" })
  @ApiOkResponse({ type: RealmDto })
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() body: UpdateRealmDto): Promise<RealmDto> {
    return this.realms.update(p, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('realms.delete', 'api', 'realm')
  @ApiOperation({ operationId: 'realms_delete', summary: 'Delete a custom realm (409 in_use unless ?force=true)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: DeleteRealmQuery): Promise<void> {
    await this.realms.remove(p, id, q.force ?? false);
  }
}
