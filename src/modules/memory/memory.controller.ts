import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  CreateMemoryDto,
  ListMemoryQuery,
  MemoryDto,
  RecallMemoryDto,
  RecallResultDto,
  SyncMemoryDto,
  SyncStartedDto,
  UpdateMemoryDto,
} from './dto/memory.dto';
import { MemoryService } from './memory.service';

/** `/memory`: org memory CRUD, recall and graph sync (docs/memory.md). */
@ApiTags('memory')
@Controller('memory')
export class MemoryController {
  constructor(private readonly memory: MemoryService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'memory_list',
    summary: 'Memory entries, newest first (kind, realm, tag, q, include_deleted)',
  })
  @ApiPageResponse(MemoryDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListMemoryQuery): Promise<Page<MemoryDto>> {
    return this.memory.list(p, q);
  }

  @Post()
  @Authenticated({ minRole: 'member' })
  @AuditAction('memory.create', 'memory', 'memory')
  @ApiOperation({
    operationId: 'memory_create',
    summary: 'Remember something (201); the same text in the same realm and kind answers 200 with the existing entry',
  })
  @ApiCreatedResponse({ type: MemoryDto })
  @ApiOkResponse({ type: MemoryDto, description: 'duplicate: the existing entry' })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateMemoryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MemoryDto> {
    const out = await this.memory.create(p, dto);
    if (!out.created) {
      res.status(200);
    }
    return out.memory;
  }

  @Post('recall')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('memory.recall', 'memory', 'memory')
  @ApiOperation({
    operationId: 'memory_recall',
    summary: 'The best entries for a query (the retrieval the chat loop uses)',
  })
  @ApiOkResponse({ type: RecallResultDto })
  recall(@CurrentPrincipal() p: Principal, @Body() dto: RecallMemoryDto): Promise<RecallResultDto> {
    return this.memory.recall(p, dto);
  }

  @Post('sync')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('memory.sync', 'memory', 'memory')
  @ApiOperation({
    operationId: 'memory_sync',
    summary: 'Push unsynced (or all) entries to the graph in the background',
  })
  @ApiAcceptedResponse({ type: SyncStartedDto })
  sync(@CurrentPrincipal() p: Principal, @Body() dto: SyncMemoryDto): Promise<SyncStartedDto> {
    return this.memory.startSync(p, dto.all ?? false);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'memory_get', summary: 'One entry (deleted ones too)' })
  @ApiOkResponse({ type: MemoryDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<MemoryDto> {
    return this.memory.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'member' })
  @AuditAction('memory.update', 'memory', 'memory')
  @ApiOperation({
    operationId: 'memory_update',
    summary: 'Change text, kind, realm, tags or subjects (re-embedded, re-synced)',
  })
  @ApiOkResponse({ type: MemoryDto })
  update(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: UpdateMemoryDto): Promise<MemoryDto> {
    return this.memory.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'member' })
  @AuditAction('memory.delete', 'memory', 'memory')
  @ApiOperation({ operationId: 'memory_delete', summary: 'Soft delete (tombstone + deleted_at)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.memory.remove(p, id);
  }
}
