import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Delete, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CreateVoiceSessionDto, VoiceSessionCreatedDto, VoiceSessionDetailDto, VoiceSessionDto } from './dto/voice.dto';
import { VoiceService } from './voice.service';

/** `/voice/sessions` (features.voice); the socket is served by VoiceGateway. */
@ApiTags('voice')
@RequiresFeature('voice')
@Controller('voice/sessions')
export class VoiceController {
  constructor(private readonly svc: VoiceService) {}

  @Post()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'voice_sessions_create',
    summary: 'Start a voice session: returns its WebSocket URL with a single-use token valid 60 s',
  })
  @ApiCreatedResponse({ type: VoiceSessionCreatedDto })
  @ApiServiceUnavailableResponse({ description: '`sidecar_unavailable`: no speech provider configured' })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateVoiceSessionDto): Promise<VoiceSessionCreatedDto> {
    return this.svc.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'voice_sessions_list', summary: 'Voice sessions (admins: the org; others: their own)' })
  @ApiPageResponse(VoiceSessionDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: PageQuery): Promise<Page<VoiceSessionDto>> {
    return this.svc.list(p, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'voice_sessions_get', summary: 'One voice session: status, conversation, transcript' })
  @ApiOkResponse({ type: VoiceSessionDetailDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<VoiceSessionDetailDto> {
    return this.svc.get(p, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    operationId: 'voice_sessions_delete',
    summary: 'End (its socket gets session.ended) and delete a voice session',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.svc.remove(p, id);
  }
}
