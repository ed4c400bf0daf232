import { NoAudit } from '@libs/audit';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Delete, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  RemoteCiabCreateDto,
  RemoteCiabInputDto,
  RemoteCiabSessionDto,
  RemoteCiabSessionListDto,
  RemoteCiabSnapshotRequestDto,
} from './dto/ciab-remote.dto';
import { SidecarGateway, type SidecarCall } from './sidecar-gateway.service';

const session = (sid: string) => `/sessions/${encodeURIComponent(sid)}`;

/** A call below one session: forwarded only once the session proved to be the caller's org's. */
const underSession = (sid: string, sub: string, audit?: string): SidecarCall => ({
  path: `${session(sid)}${sub}`,
  mode: 'stream',
  what: 'Session',
  owned: [session(sid)],
  ...(audit ? { audit } : {}),
});

/**
 * `/ciab/*` → `${CIAB_URL}/*`: a remote CIAB control plane with the resource shapes of
 * /ciab-native (docs/orchestrator.md). Viewers read; members create, drive, snapshot and end sessions.
 */
@ApiTags('ciab')
@RequiresFeature('ciab')
@Controller('ciab/sessions')
export class CiabRemoteController {
  constructor(private readonly gw: SidecarGateway) {}

  @Post()
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'ciab_remote_sessions_create', summary: 'Start a session on the remote CIAB' })
  @ApiBody({ type: RemoteCiabCreateDto })
  @ApiCreatedResponse({ type: RemoteCiabSessionDto })
  create(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', {
      path: '/sessions',
      mode: 'object',
      what: 'Session',
      scopeBody: true,
      audit: 'ciab.session.create',
    });
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_remote_sessions_list', summary: "The org's remote CIAB sessions" })
  @ApiOkResponse({ type: RemoteCiabSessionListDto })
  list(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', { path: '/sessions', mode: 'list', what: 'Session' });
  }

  @Get(':sid')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_remote_sessions_get', summary: 'One remote CIAB session' })
  @ApiOkResponse({ type: RemoteCiabSessionDto })
  get(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', { path: session(sid), mode: 'object', what: 'Session' });
  }

  @Get(':sid/output')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_remote_sessions_output', summary: 'SSE tail of the session output (passthrough)' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'event: stdout|stderr|status',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  output(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/output'));
  }

  @Post(':sid/input')
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'ciab_remote_sessions_input', summary: 'Send text to the coding agent' })
  @ApiBody({ type: RemoteCiabInputDto })
  @ApiOkResponse({ description: 'the remote answer, passed through' })
  input(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/input', 'ciab.session.input'));
  }

  @Get(':sid/files')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_remote_sessions_files', summary: 'List files of the session work dir' })
  @ApiQuery({ name: 'path', required: false })
  @ApiOkResponse({ description: '[{ name, size, mode, modified }]' })
  files(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/files'));
  }

  @Get(':sid/files/content')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_remote_sessions_file_content', summary: 'Content of one file of the session' })
  @ApiQuery({ name: 'path', required: true })
  @ApiOkResponse({ description: 'the file content, passed through' })
  fileContent(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/files/content'));
  }

  @Get(':sid/ports')
  @Authenticated()
  @ApiOperation({
    operationId: 'ciab_remote_sessions_ports',
    summary: 'Bound ports with preview URLs of the remote CIAB',
  })
  @ApiOkResponse({ description: '[{ port, preview_url }]' })
  ports(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/ports'));
  }

  @Post(':sid/snapshot')
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @NoIdempotency()
  @ApiOperation({ operationId: 'ciab_remote_sessions_snapshot', summary: 'Snapshot the session work dir' })
  @ApiBody({ type: RemoteCiabSnapshotRequestDto, required: false })
  @ApiCreatedResponse({ description: '{ snapshot_id, artifact_id }' })
  snapshot(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '/snapshot', 'ciab.session.snapshot'));
  }

  @Delete(':sid')
  @Authenticated({ minRole: 'member' })
  @NoAudit()
  @ApiOperation({ operationId: 'ciab_remote_sessions_delete', summary: 'Terminate a remote CIAB session' })
  @ApiOkResponse({ description: 'the remote answer, passed through' })
  remove(
    @CurrentPrincipal() p: Principal,
    @Param('sid') sid: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.gw.forward(p, req, res, 'ciab', underSession(sid, '', 'ciab.session.delete'));
  }
}
