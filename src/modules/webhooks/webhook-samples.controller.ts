import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Post } from '@libs/http';
import { ApiPageResponse } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CreateSampleDto, RunSampleDto, SampleDto, SampleListQuery } from './dto/sample.dto';
import { HookAcceptedDto } from './dto/webhook.dto';
import { WebhookSamplesService } from './webhook-samples.service';

/** `/webhook-samples`: canned payloads to test a webhook-triggered task without a real sender. */
@ApiTags('webhooks')
@Controller('webhook-samples')
export class WebhookSamplesController {
  constructor(private readonly samples: WebhookSamplesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'webhook_samples_list', summary: 'Built-in samples, then the org’s saved ones' })
  @ApiPageResponse(SampleDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: SampleListQuery) {
    return this.samples.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'webhook_samples_get' })
  @ApiOkResponse({ type: SampleDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SampleDto> {
    return this.samples.get(p, id);
  }

  @Post()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhook_samples_create', summary: 'Save a custom sample (name unique per org)' })
  @ApiCreatedResponse({ type: SampleDto })
  save(@CurrentPrincipal() p: Principal, @Body() dto: CreateSampleDto): Promise<SampleDto> {
    return this.samples.save(p, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhook_samples_delete', summary: 'Delete a custom sample (built-ins → 409)' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.samples.remove(p, id);
  }

  @Post(':id/run')
  @HttpCode(202)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'webhook_samples_run',
    summary: 'Fire the sample into a task, as a signed delivery would (delivery source `sample`)',
  })
  @ApiAcceptedResponse({ type: HookAcceptedDto })
  run(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: RunSampleDto): Promise<HookAcceptedDto> {
    return this.samples.run(p, id, dto);
  }
}
