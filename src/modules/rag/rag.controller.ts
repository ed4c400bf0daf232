import { AuditAction, NoAudit } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { ValidationException } from '@libs/errors';
import { RequiresFeature } from '@libs/features';
import { Delete, Post, validateFields } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query, Req, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import {
  CreateRagDocumentDto,
  ListRagDocumentsQuery,
  MAX_UPLOAD_BYTES,
  RagAnswerDto,
  RagAnswerRequestDto,
  RagDocumentDetailDto,
  RagDocumentDto,
  RagHybridDto,
  RagReindexDto,
  RagReindexJobDto,
  RagSearchDto,
  RagSearchResponseDto,
  RagStatusDto,
  UploadRagDocumentDto,
} from './dto/rag.dto';
import { RagAnswerService } from './rag-answer.service';
import { RagDocumentsService, type UploadedRagFile } from './rag-documents.service';
import { RagIndexService } from './rag-index.service';
import { HYBRID_WEIGHTS, RagSearchService, SEARCH_WEIGHTS } from './rag-search.service';

@ApiTags('rag')
@RequiresFeature('rag')
@Controller('rag')
export class RagController {
  constructor(
    private readonly documents: RagDocumentsService,
    private readonly searches: RagSearchService,
    private readonly answers: RagAnswerService,
    private readonly index: RagIndexService,
  ) {}

  @Post('documents')
  @Authenticated({ minRole: 'member' })
  @AuditAction('rag.documents.create', 'api', 'rag_document')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }))
  @ApiConsumes('application/json', 'multipart/form-data', 'application/pdf', 'text/plain', 'text/markdown', 'text/html')
  @ApiBody({
    type: CreateRagDocumentDto,
    description:
      'JSON `{title, content, content_type?, realm?}`; or multipart `file` (PDF, text, markdown, HTML) with fields `title?`, `realm?`; or the file as the raw body with `title`, `realm`, `filename` as query parameters',
  })
  @ApiOperation({
    operationId: 'rag_documents_create',
    summary: 'Ingest a document: extract its text, chunk it with overlap, embed and index the chunks',
  })
  @ApiCreatedResponse({ type: RagDocumentDto })
  async create(
    @CurrentPrincipal() p: Principal,
    @UploadedFile() file: UploadedRagFile | undefined,
    @Req() req: Request,
    @Query() q: UploadRagDocumentDto,
  ): Promise<RagDocumentDto> {
    const type = req.headers['content-type'] ?? '';
    if (/multipart\/form-data/i.test(type)) {
      return this.documents.upload(
        p,
        file,
        await validateFields(UploadRagDocumentDto, { ...q, ...(req.body as object) }),
      );
    }
    if (Buffer.isBuffer(req.body)) {
      return this.documents.upload(p, { buffer: req.body, originalname: q.filename, mimetype: type }, q);
    }
    const stray = Object.keys(q).filter((k) => q[k as keyof UploadRagDocumentDto] !== undefined);
    if (stray.length) {
      throw new ValidationException('Query parameters are only for raw-body uploads', {
        fields: stray.map((field) => ({ field, errors: ['unknown field'] })),
      });
    }
    return this.documents.create(p, await validateFields(CreateRagDocumentDto, req.body));
  }

  @Get('documents')
  @Authenticated()
  @ApiOperation({ operationId: 'rag_documents_list', summary: 'Documents of the org, newest first' })
  @ApiPageResponse(RagDocumentDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListRagDocumentsQuery): Promise<Page<RagDocumentDto>> {
    return this.documents.list(p, q);
  }

  @Get('documents/:id')
  @Authenticated()
  @ApiOperation({ operationId: 'rag_documents_get', summary: 'One document with its chunks' })
  @ApiOkResponse({ type: RagDocumentDetailDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<RagDocumentDetailDto> {
    return this.documents.get(p, id);
  }

  @Delete('documents/:id')
  @HttpCode(204)
  @Authenticated({ minRole: 'member' })
  @AuditAction('rag.documents.delete', 'api', 'rag_document')
  @ApiOperation({ operationId: 'rag_documents_delete', summary: 'Delete a document and its chunks' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.documents.remove(p, id);
  }

  @Post('search')
  @HttpCode(200)
  @NoAudit()
  @Authenticated()
  @ApiOperation({
    operationId: 'rag_search',
    summary: 'Search the org’s chunks (vector first, fused with full-text by reciprocal rank fusion)',
  })
  @ApiOkResponse({ type: RagSearchResponseDto })
  search(@CurrentPrincipal() p: Principal, @Body() dto: RagSearchDto): Promise<RagSearchResponseDto> {
    return this.searches.search(p, {
      query: dto.query,
      topK: dto.top_k,
      realms: dto.realms,
      after: dto.filters?.after,
      vectorWeight: SEARCH_WEIGHTS.vector,
      textWeight: SEARCH_WEIGHTS.text,
    });
  }

  @Post('hybrid')
  @HttpCode(200)
  @NoAudit()
  @Authenticated()
  @ApiOperation({
    operationId: 'rag_hybrid',
    summary: 'Hybrid search with explicit weights of the full-text and vector rankings (for literal tokens)',
  })
  @ApiOkResponse({ type: RagSearchResponseDto })
  hybrid(@CurrentPrincipal() p: Principal, @Body() dto: RagHybridDto): Promise<RagSearchResponseDto> {
    return this.searches.search(p, {
      query: dto.query,
      topK: dto.top_k,
      realms: dto.realms,
      after: dto.filters?.after,
      vectorWeight: dto.vector_weight ?? HYBRID_WEIGHTS.vector,
      textWeight: dto.text_weight ?? HYBRID_WEIGHTS.text,
    });
  }

  @Post('answer')
  @HttpCode(200)
  @NoAudit()
  @Authenticated()
  @ApiOperation({
    operationId: 'rag_answer',
    summary: "Answer a question from the org's documents, with citations (the org's LLM provider)",
  })
  @ApiOkResponse({ type: RagAnswerDto })
  answer(@CurrentPrincipal() p: Principal, @Body() dto: RagAnswerRequestDto): Promise<RagAnswerDto> {
    return this.answers.answer(p, dto);
  }

  @Post('reindex')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('rag.reindex', 'api', 'rag')
  @ApiOperation({
    operationId: 'rag_reindex',
    summary: "Re-embed the org's chunks (of one realm) in the background; progress in GET /rag/status",
  })
  @ApiAcceptedResponse({ type: RagReindexJobDto })
  reindex(@CurrentPrincipal() p: Principal, @Body() dto: RagReindexDto): Promise<RagReindexJobDto> {
    return this.index.reindex(p, dto.realm);
  }

  @Get('status')
  @Authenticated()
  @ApiOperation({ operationId: 'rag_status', summary: 'Embedding model, counts and pending re-embedding' })
  @ApiOkResponse({ type: RagStatusDto })
  status(@CurrentPrincipal() p: Principal): Promise<RagStatusDto> {
    return this.index.status(p);
  }
}
