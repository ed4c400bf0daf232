import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PIPELINE_KINDS, TARGET_TABLES } from '../context-pipeline.entity';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/;
const REALM = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export class CreateContextPipelineDto {
  @ApiProperty({ example: 'web-events', description: 'unique per org (case-insensitive)' })
  @IsString()
  @Matches(NAME, { message: 'name must be 1-100 letters, digits, space, _ . -' })
  name: string;

  @ApiProperty({ enum: PIPELINE_KINDS, description: 'only `webhook` is implemented; the others answer 400' })
  @IsIn(PIPELINE_KINDS)
  kind: string;

  @ApiProperty({ enum: TARGET_TABLES })
  @IsIn(TARGET_TABLES)
  target_table: string;

  @ApiPropertyOptional({ default: 'default' })
  @IsOptional()
  @IsString()
  @Matches(REALM, { message: 'realm must be a realm name' })
  realm?: string;

  @ApiPropertyOptional({ default: false, description: 'every ingest request must carry X-Agentcy-Signature' })
  @IsOptional()
  @IsBoolean()
  require_signature?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateContextPipelineDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(NAME, { message: 'name must be 1-100 letters, digits, space, _ . -' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(REALM, { message: 'realm must be a realm name' })
  realm?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  require_signature?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ContextPipelineDto {
  @ApiProperty({ example: 'cpl_0f3c…' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: PIPELINE_KINDS }) kind: string;
  @ApiProperty({ enum: TARGET_TABLES }) target_table: string;
  @ApiProperty() realm: string;
  @ApiProperty() require_signature: boolean;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'where shippers POST NDJSON' }) ingest_url: string;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CreateContextTokenDto {
  @ApiPropertyOptional({ example: 'prod-shipper' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'HMAC-SHA256 key; when set every request with this token must be signed' })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  signing_secret?: string;
}

export class ContextTokenDto {
  @ApiProperty({ example: 'ctk_…' }) id: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ example: 'ctx_Ab12', description: 'first characters of the token' }) prefix: string;
  @ApiProperty() has_signing_secret: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty({ type: String, nullable: true }) last_used_at: string | null;
  @ApiProperty({ type: String, nullable: true }) revoked_at: string | null;
}

export class ContextTokenCreatedDto extends ContextTokenDto {
  @ApiProperty({ description: '`ctx_` + 32 alphanumerics; shown only in this response' }) token: string;
  @ApiProperty() url: string;
  @ApiProperty({ description: 'a sample request' }) curl: string;
}

export class IngestErrorDto {
  @ApiProperty({ description: '1-based line number in the body' }) line: number;
  @ApiProperty() message: string;
}

export class IngestResultDto {
  @ApiProperty() accepted: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [IngestErrorDto], description: 'the first 100 rejected lines' }) errors: IngestErrorDto[];
}

export class ContextPipelineRunDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'start of the 1-minute window' }) window_start: string;
  @ApiProperty() accepted: number;
  @ApiProperty() rejected: number;
  @ApiProperty() bytes: number;
  @ApiProperty({ description: 'ingest requests in the window' }) requests: number;
}
