import { PageQuery } from '@libs/pagination';
import { SNIFFED_TYPES } from '@libs/storage';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ARTIFACT_SOURCE_TYPES, type ArtifactEntity } from '../artifact.entity';

const LINK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const LINK_ID_MESSAGE = 'must be an id (letters, digits, _ and -, at most 64)';

/** Form fields of `POST /artifacts` besides `file` (multipart, any order). */
export class UploadArtifactFields {
  @ApiPropertyOptional({ description: 'display name (default: the file name); sanitised, never a path' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, { message: 'realm must be a realm name' })
  realm?: string;

  @ApiPropertyOptional({ description: 'conversation it belongs to (a label within the org)' })
  @IsOptional()
  @Matches(LINK_ID, { message: `conversation_id ${LINK_ID_MESSAGE}` })
  conversation_id?: string;

  @ApiPropertyOptional({ description: 'task run it belongs to (a label within the org)' })
  @IsOptional()
  @Matches(LINK_ID, { message: `task_run_id ${LINK_ID_MESSAGE}` })
  task_run_id?: string;
}

export class ListArtifactsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ARTIFACT_SOURCE_TYPES })
  @IsOptional()
  @IsIn(ARTIFACT_SOURCE_TYPES)
  source_type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(LINK_ID, { message: `conversation_id ${LINK_ID_MESSAGE}` })
  conversation_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(LINK_ID, { message: `task_run_id ${LINK_ID_MESSAGE}` })
  task_run_id?: string;

  @ApiPropertyOptional({ enum: SNIFFED_TYPES, description: 'sniffed content type' })
  @IsOptional()
  @IsIn(SNIFFED_TYPES)
  mime?: string;
}

export class ContentLinkQuery {
  @ApiProperty({ description: 'expiry, epoch seconds' })
  @IsString()
  @MaxLength(12)
  expires: string;

  @ApiProperty({ description: 'signature' })
  @IsString()
  @MaxLength(100)
  sig: string;
}

export class ArtifactSourceDto {
  @ApiProperty({ enum: ARTIFACT_SOURCE_TYPES }) type: string;
  @ApiProperty({ type: String, nullable: true }) conversation_id: string | null;
  @ApiProperty({ type: String, nullable: true }) task_run_id: string | null;
  @ApiProperty({ type: String, nullable: true }) tool_call_id: string | null;
}

export class ArtifactDto {
  @ApiProperty({ example: 'art_6f1c…' }) id: string;
  @ApiProperty({ description: 'sanitised file name' }) name: string;
  @ApiProperty({ enum: SNIFFED_TYPES, description: 'sniffed from the content; what downloads are served as' })
  mime: string;
  @ApiProperty({ type: String, nullable: true, description: 'the Content-Type the uploader sent (not trusted)' })
  declared_content_type: string | null;
  @ApiProperty() size_bytes: number;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ description: 'hex SHA-256 of the content' }) sha256: string;
  @ApiProperty({ enum: ['local', 's3'] }) storage: string;
  @ApiProperty({ type: ArtifactSourceDto }) source: ArtifactSourceDto;
  @ApiProperty({ type: String, nullable: true }) realm: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'user id' }) created_by: string | null;
  @ApiProperty() created_at: string;
}

export class DownloadLinkDto {
  @ApiProperty({ description: 'signed link; works without credentials until expires_at' }) url: string;
  @ApiProperty() expires_at: string;
}

export class ArtifactDetailDto extends ArtifactDto {
  @ApiProperty({ description: 'signed download link (see GET /artifacts/:id/download-url)' }) download_url: string;
  @ApiProperty() download_url_expires_at: string;
}

export function toArtifactDto(e: ArtifactEntity): ArtifactDto {
  return {
    id: e.id,
    name: e.name,
    mime: e.contentType,
    declared_content_type: e.declaredContentType,
    size_bytes: e.sizeBytes,
    description: e.description,
    sha256: e.sha256,
    storage: e.storage,
    source: {
      type: e.sourceType,
      conversation_id: e.conversationId,
      task_run_id: e.taskRunId,
      tool_call_id: e.toolCallId,
    },
    realm: e.realm,
    created_by: e.createdBy,
    created_at: e.createdAt.toISOString(),
  };
}
