import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MEMORY_KIND_RE, type MemoryEntity } from '../memory.entity';

const KIND_DOC = 'fact | preference | incident | contact | relationship, or any lowercase slug';

export class CreateMemoryDto {
  @ApiProperty({ example: 'fact', description: KIND_DOC })
  @IsString()
  @Matches(MEMORY_KIND_RE, { message: 'kind must be a lowercase slug (a-z, 0-9, _ or -; at most 40)' })
  kind: string;

  @ApiProperty({ example: 'We never deploy on Fridays.', minLength: 1, maxLength: 4000 })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'omitted/null = realm-less (recalled everywhere)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: 'graph node ids (`n_…`) the memory is about' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  subject_node_ids?: string[];
}

export class UpdateMemoryDto {
  @ApiPropertyOptional({ description: KIND_DOC })
  @IsOptional()
  @IsString()
  @Matches(MEMORY_KIND_RE, { message: 'kind must be a lowercase slug (a-z, 0-9, _ or -; at most 40)' })
  kind?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 4000 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text?: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null = realm-less' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  subject_node_ids?: string[];
}

export class ListMemoryQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  kind?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(50)
  tag?: string;

  @ApiPropertyOptional({ description: 'text contains (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ description: 'also list deleted entries' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  include_deleted?: boolean;
}

export class RecallMemoryDto {
  @ApiProperty({ example: 'can I deploy today?' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  query: string;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  top_k?: number;

  @ApiPropertyOptional({ description: 'that realm plus the realm-less entries; omitted = every realm' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  kinds?: string[];
}

export class SyncMemoryDto {
  @ApiPropertyOptional({ description: 'push every entry, not only the unsynced ones', default: false })
  @IsOptional()
  @IsBoolean()
  all?: boolean;
}

export class MemorySourceDto {
  @ApiProperty({ enum: ['chat', 'api', 'task', 'channel'] }) type: string;
  @ApiPropertyOptional() conversation_id?: string;
}

export class MemoryDto {
  @ApiProperty({ example: 'mem_6f1c…' }) id: string;
  @ApiProperty() kind: string;
  @ApiProperty() text: string;
  @ApiProperty({ type: String, nullable: true }) realm: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: [String] }) subject_node_ids: string[];
  @ApiProperty({ type: MemorySourceDto }) source: MemorySourceDto;
  @ApiProperty({ type: String, nullable: true }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiProperty({ type: String, nullable: true }) deleted_at: string | null;
  @ApiProperty({ description: 'the :Memory graph node reflects this version' }) graph_synced: boolean;
}

export class RecallItemDto {
  @ApiProperty({ type: MemoryDto }) memory: MemoryDto;
  @ApiProperty({ description: '0.7·cosine + 0.2·recency + 0.1·kind weight' }) score: number;
}

export class RecallResultDto {
  @ApiProperty({ type: [RecallItemDto] }) items: RecallItemDto[];
}

export class SyncStartedDto {
  @ApiProperty({ enum: ['started', 'running'] }) status: string;
  @ApiProperty({ description: 'entries to push' }) pending: number;
}

export function toMemoryDto(m: MemoryEntity): MemoryDto {
  return {
    id: m.id,
    kind: m.kind,
    text: m.text,
    realm: m.realm,
    tags: m.tags ?? [],
    subject_node_ids: m.subjectNodeIds ?? [],
    source: (m.source ?? { type: 'api' }) as MemorySourceDto,
    created_by: m.createdBy,
    created_at: m.createdAt.toISOString(),
    updated_at: m.updatedAt.toISOString(),
    deleted_at: m.deletedAt?.toISOString() ?? null,
    graph_synced: m.graphSynced,
  };
}
