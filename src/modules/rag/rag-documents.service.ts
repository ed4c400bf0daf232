import type { Principal } from '@libs/auth/principal';
import { isPrefixedId, prefixedId } from '@libs/database/ids';
import { NotFoundException, ValidationException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { RealmsContract } from '../realms/realms.contract';
import {
  type CreateRagDocumentDto,
  DEFAULT_RAG_REALM,
  type ListRagDocumentsQuery,
  type RagDocumentDetailDto,
  type RagDocumentDto,
  type UploadRagDocumentDto,
} from './dto/rag.dto';
import { RagEmbeddings } from './rag-embeddings';
import { RagRepository } from './rag.repository';
import type { RagDocumentRow } from './rag.types';
import { chunkText } from './text/chunker';
import { contentTypeOf, documentText, type RagContentType } from './text/document-text';

export const DOC_PREFIX = 'ragdoc';
const CHUNK_PREFIX = 'ragchunk';

export interface UploadedRagFile {
  buffer: Buffer;
  originalname?: string;
  mimetype?: string;
}

export function toDocumentDto(d: RagDocumentRow): RagDocumentDto {
  return {
    id: d.id,
    title: d.title,
    realm: d.realm,
    content_type: d.contentType,
    source_type: d.sourceType,
    filename: d.filename ?? null,
    size_bytes: Number(d.sizeBytes),
    chunk_count: Number(d.chunkCount),
    created_at: d.createdAt,
    created_by: d.createdBy ?? null,
  };
}

/** Ingest (parse → chunk with overlap → embed → store), list, read and delete `/rag` documents. */
@Injectable()
export class RagDocumentsService {
  constructor(
    private readonly repo: RagRepository,
    private readonly embeddings: RagEmbeddings,
    private readonly realms: RealmsContract,
  ) {}

  async create(p: Principal, dto: CreateRagDocumentDto): Promise<RagDocumentDto> {
    const type = dto.content_type ?? 'text';
    const { text } = await documentText(type, dto.content);
    return this.ingest(p, { title: dto.title.trim(), realm: dto.realm, type, text, sourceType: 'api', filename: null });
  }

  async upload(p: Principal, file: UploadedRagFile | undefined, fields: UploadRagDocumentDto): Promise<RagDocumentDto> {
    if (!file?.buffer?.length) {
      throw new ValidationException('A file is required', {
        fields: [{ field: 'file', errors: ['file is required'] }],
      });
    }
    const filename = (fields.filename ?? file.originalname ?? '').slice(0, 255) || null;
    const type = contentTypeOf(file.mimetype, filename ?? undefined) ?? sniff(file.buffer);
    if (!type) {
      throw new ValidationException('Unsupported file type', {
        fields: [{ field: 'file', errors: ['expected a PDF, text, markdown or HTML file'] }],
      });
    }
    const { text, title } = await documentText(type, type === 'pdf' ? file.buffer : file.buffer.toString('utf8'));
    return this.ingest(p, {
      title: (fields.title ?? title ?? filename ?? 'untitled').trim().slice(0, 300),
      realm: fields.realm,
      type,
      text,
      sourceType: 'upload',
      filename,
    });
  }

  private async ingest(
    p: Principal,
    doc: {
      title: string;
      realm?: string;
      type: RagContentType;
      text: string;
      sourceType: 'api' | 'upload';
      filename: string | null;
    },
  ): Promise<RagDocumentDto> {
    const realm = doc.realm ?? DEFAULT_RAG_REALM;
    await this.assertRealm(p.orgId, realm, 'realm');
    const pieces = chunkText(doc.text);
    if (!pieces.length) {
      throw new ValidationException('The document holds no text', {
        fields: [{ field: doc.sourceType === 'upload' ? 'file' : 'content', errors: ['no text to index'] }],
      });
    }
    await this.embeddings.ready();
    // the title goes with each chunk's text: it is often what a question names
    const vectors = await this.embeddings.embed(pieces.map((t) => `${doc.title}\n${t}`));
    const row: RagDocumentRow = {
      id: prefixedId(DOC_PREFIX),
      orgId: p.orgId,
      realm,
      title: doc.title,
      contentType: doc.type,
      sourceType: doc.sourceType,
      filename: doc.filename,
      sizeBytes: Buffer.byteLength(doc.text, 'utf8'),
      chunkCount: pieces.length,
      createdAt: new Date().toISOString(),
      createdBy: p.userId ?? null,
    };
    await this.repo.insertDocument(
      row,
      pieces.map((text, ord) => ({ id: prefixedId(CHUNK_PREFIX), ord, text, embedding: vectors[ord] })),
      this.embeddings.model,
    );
    return toDocumentDto(row);
  }

  async list(p: Principal, q: ListRagDocumentsQuery): Promise<Page<RagDocumentDto>> {
    const page = await this.repo.listDocuments(p.orgId, q.realm, q);
    return { ...page, items: page.items.map(toDocumentDto) };
  }

  async get(p: Principal, id: string): Promise<RagDocumentDetailDto> {
    const d = await this.findOrFail(p.orgId, id);
    const chunks = await this.repo.documentChunks(p.orgId, id);
    return { ...toDocumentDto(d), chunks: chunks.map((c) => ({ ord: Number(c.ord), text: c.text })) };
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (!isPrefixedId(DOC_PREFIX, id) || !(await this.repo.deleteDocument(p.orgId, id))) {
      throw new NotFoundException('Document');
    }
  }

  private async findOrFail(orgId: string, id: string): Promise<RagDocumentRow> {
    const d = isPrefixedId(DOC_PREFIX, id) ? await this.repo.findDocument(orgId, id) : undefined;
    if (!d) {
      throw new NotFoundException('Document');
    }
    return d;
  }

  async assertRealm(orgId: string, realm: string, field: string): Promise<void> {
    const all = await this.realms.listAvailable(orgId);
    if (!all.some((r) => r.name === realm)) {
      throw new ValidationException(`Unknown realm "${realm}"`, {
        fields: [{ field, errors: [`realm "${realm}" does not exist in this organization`] }],
      });
    }
  }
}

/** PDF by its magic bytes; anything that decodes as UTF-8 without NULs is text. */
function sniff(buf: Buffer): RagContentType | undefined {
  if (buf.subarray(0, 5).toString('latin1') === '%PDF-') {
    return 'pdf';
  }
  const head = buf.subarray(0, 4096).toString('utf8');
  return head.includes('\u0000') || head.includes('\ufffd') ? undefined : 'text';
}
