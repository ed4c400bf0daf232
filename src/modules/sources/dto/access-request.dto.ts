import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ACCESS_REQUEST_STATUSES, type AccessRequestEntity } from '../access-request.entity';

export class ListAccessRequestsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ACCESS_REQUEST_STATUSES })
  @IsOptional()
  @IsIn(ACCESS_REQUEST_STATUSES)
  status?: (typeof ACCESS_REQUEST_STATUSES)[number];
}

export class DecideAccessRequestDto {
  @ApiPropertyOptional({ example: 'enabled the prod cluster source', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class AccessRequestDto {
  @ApiProperty({ example: 'acr_4f0c…' }) id: string;
  @ApiProperty() org_id: string;
  @ApiProperty({ type: String, nullable: true, description: 'who asked (the chat user)' }) user_id: string | null;
  @ApiProperty({ example: 'kubernetes' }) connector: string;
  @ApiProperty() reason: string;
  @ApiProperty({ type: String, nullable: true }) conversation_id: string | null;
  @ApiProperty({ enum: ACCESS_REQUEST_STATUSES }) status: string;
  @ApiProperty({ type: String, nullable: true }) decided_by: string | null;
  @ApiProperty({ type: String, nullable: true }) decided_at: string | null;
  @ApiProperty({ type: String, nullable: true }) note: string | null;
  @ApiProperty() created_at: string;
}

export function toAccessRequestDto(e: AccessRequestEntity): AccessRequestDto {
  return {
    id: e.id,
    org_id: e.orgId,
    user_id: e.userId,
    connector: e.connector,
    reason: e.reason,
    conversation_id: e.conversationId,
    status: e.status,
    decided_by: e.decidedBy,
    decided_at: e.decidedAt?.toISOString() ?? null,
    note: e.note,
    created_at: e.createdAt.toISOString(),
  };
}
