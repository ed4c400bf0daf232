import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { REALM_NAME_PATTERN } from '../../realms/realms.constants';

/** Text of one document (JSON ingest); larger documents are uploaded as files. */
export const MAX_DOCUMENT_CHARS = 1_000_000;
/** Uploaded file (PDF, text, markdown, HTML). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const JSON_CONTENT_TYPES = ['text', 'markdown', 'html'] as const;
export const DEFAULT_RAG_REALM = 'default';

export class CreateRagDocumentDto {
  @ApiProperty({ example: 'Checkout runbook', maxLength: 300 })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(/\S/, { message: 'title must not be blank' })
  title: string;

  @ApiProperty({ description: `Document text (at most ${MAX_DOCUMENT_CHARS} characters)` })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_DOCUMENT_CHARS)
  content: string;

  @ApiPropertyOptional({ enum: JSON_CONTENT_TYPES, default: 'text' })
  @IsOptional()
  @IsIn(JSON_CONTENT_TYPES)
  content_type?: (typeof JSON_CONTENT_TYPES)[number];

  @ApiPropertyOptional({ default: DEFAULT_RAG_REALM, description: 'A realm of the org' })
  @IsOptional()
  @IsString()
  @Matches(REALM_NAME_PATTERN)
  realm?: string;
}

/** Fields of a file upload (multipart form fields, or query parameters of a raw-body upload). */
export class UploadRagDocumentDto {
  @ApiPropertyOptional({ description: 'default: the PDF title, else the file name' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @Matches(/\S/, { message: 'title must not be blank' })
  title?: string;

  @ApiPropertyOptional({ default: DEFAULT_RAG_REALM })
  @IsOptional()
  @IsString()
  @Matches(REALM_NAME_PATTERN)
  realm?: string;

  @ApiPropertyOptional({ description: 'file name of a raw-body upload' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  filename?: string;
}

export class ListRagDocumentsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(REALM_NAME_PATTERN)
  realm?: string;
}

export class RagSearchFilters {
  @ApiPropertyOptional({ format: 'date-time', description: 'only documents ingested at or after' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  after?: Date;
}

export class RagSearchDto {
  @ApiProperty({ example: 'why does checkout keep timing out', maxLength: 2000 })
  @IsString()
  @MaxLength(2000)
  @Matches(/\S/, { message: 'query must not be empty' })
  query: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  top_k?: number;

  @ApiPropertyOptional({ type: [String], description: "default: all the org's realms" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(REALM_NAME_PATTERN, { each: true })
  realms?: string[];

  @ApiPropertyOptional({ type: RagSearchFilters })
  @IsOptional()
  @ValidateNested()
  @Type(() => RagSearchFilters)
  filters?: RagSearchFilters;
}

export class RagHybridDto extends RagSearchDto {
  @ApiPropertyOptional({
    minimum: 0,
    default: 0.4,
    description: 'weight of the full-text ranking (normalised with vector_weight)',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1000)
  text_weight?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0.6 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1000)
  vector_weight?: number;
}

export class RagAnswerRequestDto {
  @ApiProperty({ example: 'How do I restart the checkout service?', maxLength: 2000 })
  @IsString()
  @MaxLength(2000)
  @Matches(/\S/, { message: 'question must not be empty' })
  question: string;

  @ApiPropertyOptional({ description: 'one realm to search (or `realms`)' })
  @IsOptional()
  @IsString()
  @Matches(REALM_NAME_PATTERN)
  realm?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(REALM_NAME_PATTERN, { each: true })
  realms?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 20, default: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  top_k?: number;
}

export class RagReindexDto {
  @ApiPropertyOptional({ description: 'only this realm (default: all)' })
  @IsOptional()
  @IsString()
  @Matches(REALM_NAME_PATTERN)
  realm?: string;
}

// ---------------------------------------------------------------- responses

export class RagDocumentDto {
  @ApiProperty({ example: 'ragdoc_6f1c…' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() realm: string;
  @ApiProperty({ enum: ['text', 'markdown', 'html', 'pdf'] }) content_type: string;
  @ApiProperty({ enum: ['api', 'upload'] }) source_type: string;
  @ApiProperty({ nullable: true, type: String }) filename: string | null;
  @ApiProperty({ description: 'bytes of the extracted text' }) size_bytes: number;
  @ApiProperty() chunk_count: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ nullable: true, type: String }) created_by: string | null;
}

export class RagChunkDto {
  @ApiProperty() ord: number;
  @ApiProperty() text: string;
}

export class RagDocumentDetailDto extends RagDocumentDto {
  @ApiProperty({ type: [RagChunkDto] }) chunks: RagChunkDto[];
}

export class RagCitationDto {
  @ApiProperty() document_id: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'chunk number in the document (from 0)' }) chunk: number;
  @ApiProperty() snippet: string;
}

export class RagHitSourceDto {
  @ApiProperty({ example: 'rag_document' }) type: string;
  @ApiProperty() document_id: string;
}

export class RagHitDto extends RagCitationDto {
  @ApiProperty({ description: 'the chunk id' }) node_id: string;
  @ApiProperty({ type: [String], example: ['RagChunk'] }) labels: string[];
  @ApiProperty({ description: 'fused rank score (weighted reciprocal rank fusion)' }) score: number;
  @ApiProperty({ nullable: true, type: Number, description: '(1 + cosine) / 2, when found by the vector side' })
  vector_score: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'BM25 score, when found by the full-text side' })
  text_score: number | null;
  @ApiProperty() realm: string;
  @ApiProperty({ description: 'title and chunk number', type: Object }) properties: Record<string, unknown>;
  @ApiProperty({ type: RagHitSourceDto }) source: RagHitSourceDto;
  @ApiProperty({ description: 'the full chunk text' }) text: string;
}

export class RagSearchResponseDto {
  @ApiProperty({ type: [RagHitDto] }) hits: RagHitDto[];
  @ApiProperty() took_ms: number;
}

export class RagAnswerDto {
  @ApiProperty() answer: string;
  @ApiProperty({ type: [RagCitationDto] }) citations: RagCitationDto[];
  @ApiProperty({ example: 'offline' }) provider: string;
  @ApiProperty() model: string;
}

export class RagReindexJobDto {
  @ApiProperty({ example: 'ragjob_6f1c…' }) job_id: string;
  @ApiProperty({ enum: ['running'] }) status: string;
  @ApiProperty({ description: 'chunks marked for embedding' }) pending: number;
}

export class RagStatusDto {
  @ApiProperty({ example: 'builtin:all-minilm-l6-v2-q' }) model: string;
  @ApiProperty({ example: 384 }) dims: number;
  @ApiProperty() documents: number;
  @ApiProperty() chunks: number;
  @ApiProperty({ description: 'chunks with a current embedding' }) indexed_chunks: number;
  @ApiProperty({ description: 'chunks waiting to be (re-)embedded' }) pending: number;
  @ApiProperty({ description: 'a reindex runs for this org in this process' }) reindexing: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) last_indexed_at: string | null;
}
