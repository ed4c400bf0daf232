import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Delete, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyCreatedDto, ApiKeyDto, CreateApiKeyDto, ListApiKeysQuery, RotateApiKeyDto } from './dto/api-key.dto';

const uuid = new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('API key') });

@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('api_keys.create', 'auth', 'api_key')
  @NoIdempotency()
  @ApiOperation({
    operationId: 'api_keys_create',
    summary: 'Create an API key (the secret is returned only here)',
    description:
      'Idempotency-Key is handled here rather than by the generic interceptor, so the secret is never stored: a replay within 24 h returns the original key without `key`, with `Idempotent-Replayed: true`.',
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedDto })
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateApiKeyDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ApiKeyCreatedDto | ApiKeyDto> {
    const out = await this.keys.create(p, dto, idempotencyKey);
    if (out.replayed) {
      res.setHeader('Idempotent-Replayed', 'true');
    }
    return out.key;
  }

  @Get()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'api_keys_list', summary: "List the org's API keys (metadata only)" })
  @ApiPageResponse(ApiKeyDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: ListApiKeysQuery): Promise<Page<ApiKeyDto>> {
    return this.keys.list(p, query);
  }

  @Get(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'api_keys_get', summary: 'One API key (metadata only)' })
  @ApiOkResponse({ type: ApiKeyDto })
  get(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<ApiKeyDto> {
    return this.keys.get(p, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('api_keys.delete', 'auth', 'api_key')
  @ApiOperation({ operationId: 'api_keys_delete', summary: 'Revoke an API key (effective immediately)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id', uuid) id: string): Promise<void> {
    await this.keys.revoke(p, id);
  }

  @Post(':id/rotate')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('api_keys.rotate', 'auth', 'api_key')
  @NoIdempotency()
  @ApiOperation({
    operationId: 'api_keys_rotate',
    summary: 'Create a replacement key; the old one is revoked now or after a grace period',
    description:
      'Not replayable with Idempotency-Key (the secret is never stored); a retry answers 409 because the key was already rotated.',
  })
  @ApiCreatedResponse({ type: ApiKeyCreatedDto })
  rotate(
    @CurrentPrincipal() p: Principal,
    @Param('id', uuid) id: string,
    @Body() dto: RotateApiKeyDto,
  ): Promise<ApiKeyCreatedDto> {
    return this.keys.rotate(p, id, dto);
  }
}
