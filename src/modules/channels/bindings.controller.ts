import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExcludeController,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ChannelBindingsContract } from './channel-bindings.contract';
import { BindingDto, CreateBindingDto, ReorderBindingsDto, UpdateBindingDto } from './dto/channels.dto';

/** `/bindings`: which agent answers which channel messages; first enabled match by position wins. */
@ApiTags('channels')
@Controller('bindings')
export class BindingsController {
  constructor(private readonly bindings: ChannelBindingsContract) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'bindings_list', summary: 'Bindings in evaluation order (position)' })
  @ApiPageResponse(BindingDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery) {
    return this.bindings.list(p, q);
  }

  @Post()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'bindings_create', summary: 'Add a binding (appended last unless position is given)' })
  @ApiCreatedResponse({ type: BindingDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateBindingDto): Promise<BindingDto> {
    return this.bindings.create(p, dto);
  }

  @Post('reorder')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'bindings_reorder', summary: 'New evaluation order: every binding id once' })
  @ApiPageResponse(BindingDto)
  reorder(@CurrentPrincipal() p: Principal, @Body() dto: ReorderBindingsDto) {
    return this.bindings.reorder(p, dto.ids);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'bindings_get' })
  @ApiOkResponse({ type: BindingDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<BindingDto> {
    return this.bindings.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'bindings_update' })
  @ApiOkResponse({ type: BindingDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateBindingDto,
  ): Promise<BindingDto> {
    return this.bindings.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'bindings_delete' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.bindings.remove(p, id);
  }
}

/** `/channels/bindings`: the same routes (alias), left out of the OpenAPI document. */
@ApiExcludeController()
@Controller('channels/bindings')
export class ChannelBindingsAliasController extends BindingsController {}
