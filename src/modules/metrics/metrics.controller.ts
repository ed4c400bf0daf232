import { MetricsToken } from '@libs/auth/auth.decorators';
import { MetricsRegistry } from '@libs/metrics';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

/** `GET /metrics` (outside /api/v1): Prometheus text format, behind METRICS_TOKEN (docs/metrics.md). */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @MetricsToken()
  @ApiOperation({
    operationId: 'metrics_get',
    summary: 'Operator metrics in Prometheus text format (404 unless METRICS_TOKEN is set)',
  })
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  async get(@Res({ passthrough: true }) res: Response): Promise<string> {
    const body = await this.metrics.render();
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return body;
  }
}
