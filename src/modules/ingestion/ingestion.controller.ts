import { NoAudit } from '@libs/audit/audit.decorators';
import { ReqMeta, type RequestMeta } from '@libs/audit/request-meta';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { MAX_FILE_BYTES } from '@libs/connectors/file-source';
import { Post, validateFields } from '@libs/http';
import { ApiPageResponse, type Page, PageQuery } from '@libs/pagination';
import { Controller, Get, HttpCode, Param, Query, Req, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { JobDto } from '../sources/dto/source-response.dto';
import {
  ListIngestionJobsQuery,
  SourceStatusDto,
  StartIngestionDto,
  UploadIngestDto,
  UploadResultDto,
} from './dto/ingestion.dto';
import { IngestionService } from './ingestion.service';

const meta = (m: RequestMeta) => ({ requestId: m.requestId ?? undefined, ip: m.ip ?? undefined });

const validateFormFields = (raw: Record<string, unknown>) => validateFields(UploadIngestDto, raw);

@ApiTags('ingestion')
@Controller('ingestion')
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  @Post('jobs')
  @HttpCode(202)
  @NoAudit()
  @Authenticated({ minRole: 'member' })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_FILE_BYTES, files: 1 } }))
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    type: StartIngestionDto,
    description:
      'JSON `{source_id, mode?}`; or multipart `file` + the fields of POST /ingestion/upload (then `file_id` and `source` are added to the job)',
  })
  @ApiOperation({
    operationId: 'ingestion_start',
    summary:
      'Start an ingestion job for a source (same as POST /sources/:id/sync), or upload a csv/json file (multipart)',
  })
  @ApiAcceptedResponse({ type: JobDto })
  async start(
    @CurrentPrincipal() p: Principal,
    @UploadedFile() file: { buffer: Buffer; originalname: string; mimetype: string } | undefined,
    @Req() req: Request,
    @ReqMeta() m: RequestMeta,
  ): Promise<JobDto> {
    if (/multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      const fields = await validateFormFields(req.body as Record<string, unknown>);
      const res = await this.ingestion.upload(p, file, fields, meta(m));
      return { ...res.job, source_name: res.source.name, file_id: res.file_id } as JobDto;
    }
    const dto = await validateFields(StartIngestionDto, req.body as Record<string, unknown>);
    return this.ingestion.start(p, dto.source_id, dto.mode, meta(m));
  }

  @Post('upload')
  @HttpCode(202)
  @NoAudit()
  @Authenticated({ minRole: 'member' })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_FILE_BYTES, files: 1 } }))
  @ApiConsumes(
    'multipart/form-data',
    'text/csv',
    'application/json',
    'application/x-ndjson',
    'application/octet-stream',
  )
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        file: { type: 'string', format: 'binary' },
        source_id: { type: 'string' },
        source_type: { type: 'string', enum: ['csv', 'json'] },
        name: { type: 'string' },
        realm: { type: 'string' },
        label: { type: 'string' },
        key: { type: 'string' },
        name_field: { type: 'string' },
        records_path: { type: 'string' },
      },
    },
  })
  @ApiOperation({
    operationId: 'ingestion_upload',
    summary: 'Upload a csv/json file (multipart `file`, or a raw body with options as query parameters) and ingest it',
  })
  @ApiAcceptedResponse({ type: UploadResultDto })
  async upload(
    @CurrentPrincipal() p: Principal,
    @UploadedFile() file: { buffer: Buffer; originalname: string; mimetype: string } | undefined,
    @Req() req: Request,
    @Query() q: UploadIngestDto,
    @ReqMeta() m: RequestMeta,
  ): Promise<UploadResultDto> {
    const isMultipart = /multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    let f = file;
    let fields: UploadIngestDto = q;
    if (isMultipart) {
      fields = await validateFormFields({ ...q, ...(req.body as UploadIngestDto) });
    } else if (Buffer.isBuffer(req.body)) {
      f = { buffer: req.body, originalname: q.filename ?? '', mimetype: req.headers['content-type'] ?? '' };
    } else if (req.body && typeof req.body === 'object' && Object.keys(req.body).length) {
      // application/json bodies are parsed by the global parser: take the bytes it kept
      const raw = (req as Request & { rawBody?: Buffer }).rawBody;
      f = {
        buffer: raw ?? Buffer.from(JSON.stringify(req.body)),
        originalname: q.filename ?? 'upload.json',
        mimetype: 'application/json',
      };
    }
    return this.ingestion.upload(p, f, fields, meta(m));
  }

  @Get('jobs')
  @Authenticated()
  @ApiOperation({
    operationId: 'ingestion_jobs',
    summary: 'Sync/ingest jobs across sources (filters status, source_id, since)',
  })
  @ApiPageResponse(JobDto)
  jobs(@CurrentPrincipal() p: Principal, @Query() q: ListIngestionJobsQuery): Promise<Page<JobDto>> {
    return this.ingestion.listJobs(p, q);
  }

  @Get('jobs/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'ingestion_job', summary: 'One job' })
  @ApiOkResponse({ type: JobDto })
  job(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<JobDto> {
    return this.ingestion.getJob(p, id);
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @NoAudit()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'ingestion_job_cancel', summary: 'Cancel a queued or running job' })
  @ApiOkResponse({ type: JobDto })
  cancel(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<JobDto> {
    return this.ingestion.cancel(p, id);
  }

  @Get('status')
  @Authenticated()
  @ApiOperation({
    operationId: 'ingestion_status',
    summary: 'Per source: status, last job, next scheduled run, live node count',
  })
  @ApiPageResponse(SourceStatusDto)
  status(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<Page<SourceStatusDto>> {
    return this.ingestion.status(p, q);
  }
}
