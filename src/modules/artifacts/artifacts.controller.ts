import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Query,
  StreamableFile,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { ArtifactsService, type ArtifactContent } from './artifacts.service';
import type { UploadedBlob } from './blob-storage.engine';
import {
  ArtifactDetailDto,
  ArtifactDto,
  ContentLinkQuery,
  DownloadLinkDto,
  ListArtifactsQuery,
} from './dto/artifact.dto';
import { attachmentDisposition } from './file-names';

const asAttachment = (c: ArtifactContent) =>
  new StreamableFile(c.stream, {
    type: c.contentType,
    disposition: attachmentDisposition(c.name),
    length: c.sizeBytes,
  });

/** Downloads never render in the browser: attachment, sniffed type, no sniffing, no active content. */
const DownloadHeaders = () =>
  applyDecorators(
    Header('X-Content-Type-Options', 'nosniff'),
    Header('Content-Security-Policy', "default-src 'none'; sandbox"),
    Header('Cache-Control', 'private, no-store'),
  );

@ApiTags('artifacts')
@Controller('artifacts')
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Post()
  @HttpCode(201)
  @Authenticated({ minRole: 'member' })
  @AuditAction('artifacts.upload', 'api', 'artifact')
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary' },
        name: { type: 'string', maxLength: 255 },
        description: { type: 'string', maxLength: 1000 },
        realm: { type: 'string' },
        conversation_id: { type: 'string' },
        task_run_id: { type: 'string' },
      },
    },
  })
  @ApiOperation({
    operationId: 'artifacts_upload',
    summary: 'Upload a file (multipart `file`; ARTIFACT_MAX_BYTES, larger → 413); its type is sniffed from the bytes',
  })
  @ApiCreatedResponse({ type: ArtifactDetailDto })
  upload(
    @CurrentPrincipal() p: Principal,
    @UploadedFile() file: UploadedBlob | undefined,
    @Body() fields: Record<string, unknown>,
  ): Promise<ArtifactDetailDto> {
    return this.artifacts.upload(p, file, fields);
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'artifacts_list',
    summary: 'Artifacts of the org, newest first (filters source_type, conversation_id, task_run_id, mime)',
  })
  @ApiPageResponse(ArtifactDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListArtifactsQuery): Promise<Page<ArtifactDto>> {
    return this.artifacts.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'artifacts_get', summary: 'One artifact with a fresh signed download link' })
  @ApiOkResponse({ type: ArtifactDetailDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ArtifactDetailDto> {
    return this.artifacts.get(p, id);
  }

  @Get(':id/download-url')
  @Authenticated()
  @ApiOperation({
    operationId: 'artifacts_download_url',
    summary: 'A signed download link valid for ARTIFACT_LINK_TTL_SECS (opens without credentials)',
  })
  @ApiOkResponse({ type: DownloadLinkDto })
  downloadUrl(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<DownloadLinkDto> {
    return this.artifacts.downloadLink(p, id);
  }

  @Get(':id/download')
  @Authenticated()
  @DownloadHeaders()
  @ApiOperation({ operationId: 'artifacts_download', summary: 'The content, as an attachment of its sniffed type' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async download(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<StreamableFile> {
    return asAttachment(await this.artifacts.open(p, id));
  }

  @Get(':id/content')
  @Public()
  @DownloadHeaders()
  @ApiOperation({
    operationId: 'artifacts_content',
    summary: 'The content through a signed link (expired → 403 link_expired, forged → 403 link_invalid)',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async content(@Param('id') id: string, @Query() q: ContentLinkQuery): Promise<StreamableFile> {
    return asAttachment(await this.artifacts.openSigned(id, q.expires, q.sig));
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'member' })
  @AuditAction('artifacts.delete', 'api', 'artifact')
  @ApiOperation({ operationId: 'artifacts_delete', summary: 'Delete an artifact and its content (creator or admin)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.artifacts.remove(p, id);
  }
}
