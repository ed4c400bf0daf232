import { AUDIT_CATEGORIES, type AuditCategory } from '@libs/audit';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

/** Filters of `GET /policies/audit`, its CSV export and its stream (policies.md §7). */
export class AuditFilterQuery {
  @ApiPropertyOptional({ enum: ['allow', 'deny'], description: 'allow = result success, deny = result denied' })
  @IsOptional()
  @IsIn(['allow', 'deny'])
  decision?: 'allow' | 'deny';

  @ApiPropertyOptional({ description: 'Exact action, e.g. chat.tool.execute' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_CATEGORIES })
  @IsOptional()
  @IsIn(AUDIT_CATEGORIES)
  category?: AuditCategory;

  @ApiPropertyOptional({ description: 'resource.connector of the entry' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  connector?: string;

  @ApiPropertyOptional({ name: 'resource.tool', description: 'resource.tool of the entry' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  'resource.tool'?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  user_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  api_key_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time (RFC 3339)' })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this time (RFC 3339)' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class PolicyAuditQuery extends IntersectionType(PageQuery, AuditFilterQuery) {}

export class BrokenLinkDto {
  @ApiProperty()
  seq: number;

  @ApiProperty({ type: String, nullable: true, description: 'null when the missing entries are at the end' })
  id: string | null;

  @ApiProperty({ enum: ['hash_mismatch', 'prev_mismatch', 'seq_gap', 'checkpoint_invalid'] })
  reason: 'hash_mismatch' | 'prev_mismatch' | 'seq_gap' | 'checkpoint_invalid';
}

export class CheckpointRefDto {
  @ApiProperty({ description: 'last seq removed by retention' })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  cut_at: string;
}

export class ChainReportDto {
  @ApiProperty()
  ok: boolean;

  @ApiProperty({ description: 'entries walked' })
  checked: number;

  @ApiProperty({ description: 'entries written before the chain existed (not vouched for)' })
  unchained: number;

  @ApiProperty({ type: BrokenLinkDto, nullable: true })
  first_broken: BrokenLinkDto | null;

  @ApiProperty({ type: CheckpointRefDto, nullable: true, description: 'where the walk started (signed retention cut)' })
  from_checkpoint: CheckpointRefDto | null;
}
