import { Public } from '@libs/auth/auth.decorators';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthResponseDto, LivenessDto } from './dto/health-response.dto';
import { HealthService } from './health.service';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @ApiOperation({ operationId: 'health_get', summary: 'Readiness, feature flags and dependency reachability' })
  @ApiOkResponse({ type: HealthResponseDto, description: '`ok`, or `degraded` when only the LLM is unavailable' })
  @ApiServiceUnavailableResponse({ type: HealthResponseDto, description: 'A required dependency is down (same body)' })
  async get(@Res({ passthrough: true }) res: Response): Promise<HealthResponseDto> {
    const body = await this.health.check();
    res.status(body.status === 'down' ? 503 : 200);
    return body;
  }

  @Get('live')
  @Public()
  @ApiOperation({ operationId: 'health_live', summary: 'Liveness: the process answers (no dependency checks)' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }
}
