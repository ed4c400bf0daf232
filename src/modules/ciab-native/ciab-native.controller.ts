import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Delete, openSseResponse, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, Headers, HttpCode, Param, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CiabSessionsService } from './ciab-sessions.service';
import { CiabWorkspaceService } from './ciab-workspace.service';
import {
  CreateSessionDto,
  CreateSnapshotDto,
  ExecDto,
  ExecResultDto,
  FileContentDto,
  FileListDto,
  FilesQuery,
  InputAcceptedDto,
  SessionDto,
  SessionInputDto,
  SessionPortsDto,
  SnapshotDto,
} from './dto/ciab-session.dto';
import type { SessionEvent } from './output-log';

/** `/ciab-native`: local coding sessions (docs/ciab.md). Host access: CIAB_HOST_ACCESS. */
@ApiTags('ciab-native')
@RequiresFeature('ciab')
@Controller('ciab-native/sessions')
export class CiabNativeController {
  constructor(
    private readonly svc: CiabSessionsService,
    private readonly workspace: CiabWorkspaceService,
  ) {}

  @Post()
  @Authenticated()
  @AuditAction('ciab.sessions.create_request', 'api', 'ciab_session')
  @ApiOperation({ operationId: 'ciab_sessions_create', summary: 'Start a coding session in a jail on the API host' })
  @ApiCreatedResponse({ type: SessionDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateSessionDto): Promise<SessionDto> {
    return this.svc.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_sessions_list', summary: "The org's coding sessions (newest first)" })
  @ApiPageResponse(SessionDto)
  list(@CurrentPrincipal() p: Principal, @Query() query: PageQuery): Promise<Page<SessionDto>> {
    return this.svc.list(p, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_sessions_get', summary: 'One coding session' })
  @ApiOkResponse({ type: SessionDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SessionDto> {
    return this.svc.get(p, id);
  }

  @Get(':id/output')
  @Authenticated()
  @ApiOperation({
    operationId: 'ciab_sessions_output',
    summary: 'SSE tail of the session output (events stdout|stderr|status; resumes after Last-Event-ID)',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: 'Server-Sent Events',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  async output(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const { log, ended } = await this.svc.attach(p, id);
    const after = Number.isInteger(Number(lastEventId)) && Number(lastEventId) > 0 ? Number(lastEventId) : 0;
    openSseResponse(res);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        clearInterval(ping);
        off();
        res.end();
      }
    };
    const send = (e: SessionEvent) => {
      if (done) {
        return;
      }
      res.write(`id: ${e.id}\nevent: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      if (e.event === 'status' && (e.data.status === 'terminated' || e.data.status === 'failed')) {
        finish();
      }
    };
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    let off: () => void = () => undefined;
    for (const e of log.since(after)) {
      send(e);
    }
    if (ended) {
      finish();
      return;
    }
    off = log.subscribe(send);
    res.on('close', finish);
  }

  @Post(':id/input')
  @HttpCode(202)
  @Authenticated()
  @AuditAction('ciab.sessions.input', 'api', 'ciab_session')
  @ApiOperation({ operationId: 'ciab_sessions_input', summary: "Write text to the session process's stdin" })
  @ApiOkResponse({ type: InputAcceptedDto })
  input(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: SessionInputDto,
  ): Promise<InputAcceptedDto> {
    return this.svc.input(p, id, dto.text);
  }

  @Post(':id/exec')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('ciab.sessions.exec_request', 'api', 'ciab_session')
  @ApiOperation({
    operationId: 'ciab_sessions_exec',
    summary: 'Run one command in the session jail (time limit, output cap, memory cap)',
  })
  @ApiOkResponse({ type: ExecResultDto })
  exec(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: ExecDto): Promise<ExecResultDto> {
    return this.workspace.exec(p, id, dto);
  }

  @Get(':id/files')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_sessions_files', summary: 'List a directory of /workspace' })
  @ApiOkResponse({ type: FileListDto })
  files(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: FilesQuery): Promise<FileListDto> {
    return this.workspace.listFiles(p, id, q.path);
  }

  @Get(':id/files/content')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_sessions_file_content', summary: 'A file of /workspace (base64 for binaries)' })
  @ApiOkResponse({ type: FileContentDto })
  fileContent(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: FilesQuery,
  ): Promise<FileContentDto> {
    return this.workspace.readFile(p, id, q.path);
  }

  @Get(':id/ports')
  @Authenticated()
  @ApiOperation({ operationId: 'ciab_sessions_ports', summary: 'Bound ports with freshly signed preview URLs' })
  @ApiOkResponse({ type: SessionPortsDto })
  ports(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SessionPortsDto> {
    return this.workspace.ports(p, id);
  }

  @Post(':id/snapshot')
  @HttpCode(201)
  @Authenticated()
  @AuditAction('ciab.sessions.snapshot_request', 'api', 'ciab_session')
  @ApiOperation({ operationId: 'ciab_sessions_snapshot', summary: 'Store a tarball of /workspace as an artifact' })
  @ApiCreatedResponse({ type: SnapshotDto })
  snapshot(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: CreateSnapshotDto,
  ): Promise<SnapshotDto> {
    return this.workspace.snapshot(p, id, dto.label);
  }

  @Delete(':id')
  @Authenticated()
  @AuditAction('ciab.sessions.terminate_request', 'api', 'ciab_session')
  @ApiOperation({
    operationId: 'ciab_sessions_terminate',
    summary: 'Terminate: kill the process tree, wipe the work dir',
  })
  @ApiOkResponse({ type: SessionDto })
  terminate(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SessionDto> {
    return this.svc.terminate(p, id);
  }
}
