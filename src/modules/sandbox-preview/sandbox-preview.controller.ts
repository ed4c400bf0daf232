import { CurrentCaller, Signed } from '@libs/auth/auth.decorators';
import type { ServiceCaller } from '@libs/auth/principal';
import { All, Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SandboxPreviewService } from './sandbox-preview.service';

/**
 * `/sandbox/preview/:session_id/:port/*` (and the `/api/v1` alias; both are excluded from the
 * global prefix in bootstrap.ts): any method, forwarded to the session's port. Authentication:
 * the preview token in `?token=` or the path-scoped cookie set on the first answer.
 * OpenAPI describes the GET of the prefixed mount; every other method and the bare mount go
 * through the same handler.
 */
@ApiTags('sandboxes')
@Controller()
export class SandboxPreviewController {
  constructor(private readonly preview: SandboxPreviewService) {}

  @Get('api/v1/sandbox/preview/:session_id/:port/*path')
  @Signed('preview')
  @ApiOperation({
    operationId: 'sandbox_preview_get',
    summary: 'Live preview of an HTTP server inside a coding session',
    description:
      'Any method is forwarded, WebSocket upgrades too. Also served without the /api/v1 prefix (the links ' +
      '`GET /ciab-native/sessions/:sid/ports` hands out). The token may be omitted once the path-scoped ' +
      '`agentcy_preview` cookie is set. 404 unknown session, 410 `session_ended`, 502 `port_not_bound`.',
  })
  @ApiParam({ name: 'session_id' })
  @ApiParam({ name: 'port', schema: { type: 'integer', minimum: 1, maximum: 65535 } })
  @ApiParam({ name: 'path', description: 'path inside the sandboxed app' })
  @ApiOkResponse({ description: 'whatever the sandboxed app answers' })
  get(@CurrentCaller() caller: ServiceCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.preview.forward(caller, req, res);
  }

  @All(['api/v1/sandbox/preview/:session_id/:port{/*path}', 'sandbox/preview/:session_id/:port{/*path}'])
  @Signed('preview')
  @ApiExcludeEndpoint()
  proxy(@CurrentCaller() caller: ServiceCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.preview.forward(caller, req, res);
  }
}
