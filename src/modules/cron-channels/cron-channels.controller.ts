import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CronChannelsService } from './cron-channels.service';
import {
  CreateCronChannelDto,
  CronChannelDto,
  CronChannelRunAcceptedDto,
  CronChannelRunDto,
  UpdateCronChannelDto,
} from './dto/cron-channel.dto';

@ApiTags('cron-channels')
@Controller('cron-channels')
export class CronChannelsController {
  constructor(private readonly svc: CronChannelsService) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'cron_channels_create', summary: 'Create a cron channel (and its schedule task)' })
  @ApiCreatedResponse({ type: CronChannelDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateCronChannelDto): Promise<CronChannelDto> {
    return this.svc.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'cron_channels_list', summary: "List the org's cron channels" })
  @ApiPageResponse(CronChannelDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: PageQuery): Promise<Page<CronChannelDto>> {
    return this.svc.list(p, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'cron_channels_get', summary: 'One cron channel' })
  @ApiOkResponse({ type: CronChannelDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<CronChannelDto> {
    return this.svc.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'cron_channels_update', summary: 'Update a cron channel (kept in sync with its task)' })
  @ApiOkResponse({ type: CronChannelDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateCronChannelDto,
  ): Promise<CronChannelDto> {
    return this.svc.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'cron_channels_delete', summary: 'Delete a cron channel and its task' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.svc.remove(p, id);
  }

  @Get(':id/runs')
  @Authenticated()
  @ApiOperation({ operationId: 'cron_channels_runs', summary: "The cron channel's runs (newest first)" })
  @ApiPageResponse(CronChannelRunDto)
  runs(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<Page<CronChannelRunDto>> {
    return this.svc.runs(p, id, query);
  }

  @Post(':id/run')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'cron_channels_run', summary: 'Fire now; the answer is posted to the channel' })
  @ApiAcceptedResponse({ type: CronChannelRunAcceptedDto })
  run(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<CronChannelRunAcceptedDto> {
    return this.svc.runNow(p, id);
  }
}
