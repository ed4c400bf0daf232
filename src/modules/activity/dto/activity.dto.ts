import { AUDIT_CATEGORIES, AUDIT_RESULTS, AuditEntryEntity, type AuditCategory, type AuditResult } from '@libs/audit';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Actor: user id, API key id or email' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor?: string;

  @ApiPropertyOptional({ description: 'Alias of actor (user or API key id)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  actor_id?: string;

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

  @ApiPropertyOptional({ description: 'Exact action, e.g. api_keys.create' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_CATEGORIES })
  @IsOptional()
  @IsIn(AUDIT_CATEGORIES)
  category?: AuditCategory;

  @ApiPropertyOptional({ enum: AUDIT_RESULTS })
  @IsOptional()
  @IsIn(AUDIT_RESULTS)
  result?: AuditResult;

  @ApiPropertyOptional({ enum: ['allow', 'deny'], description: 'Policy-style alias: allow = success, deny = denied' })
  @IsOptional()
  @IsIn(['allow', 'deny'])
  decision?: 'allow' | 'deny';

  @ApiPropertyOptional({ description: 'Resource type of the target (e.g. api_key, user)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  object_type?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries at or after this time' })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Entries before this time' })
  @IsOptional()
  @IsDateString()
  to?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Alias of from' })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Alias of to' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api_key', 'anonymous'] })
  type: 'user' | 'api_key' | 'anonymous';

  @ApiProperty({ type: String, nullable: true })
  id: string | null;

  @ApiProperty({ type: String, nullable: true })
  email: string | null;
}

export class AuditContextDto {
  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  request_id: string | null;
}

export class AuditEntryDto {
  @ApiProperty()
  id: string;

  @ApiProperty({ description: 'Gap-free, monotonic per org' })
  seq: number;

  @ApiProperty({ format: 'date-time' })
  ts: string;

  @ApiProperty({ type: String, nullable: true })
  org_id: string | null;

  @ApiProperty()
  category: string;

  @ApiProperty()
  action: string;

  @ApiProperty({ enum: AUDIT_RESULTS })
  result: string;

  @ApiProperty({ enum: ['allow', 'deny', 'error'] })
  decision: 'allow' | 'deny' | 'error';

  @ApiProperty({ type: AuditActorDto })
  actor: AuditActorDto;

  @ApiProperty({ type: String, nullable: true })
  user_id: string | null;

  @ApiProperty({ type: String, nullable: true })
  api_key_id: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  target: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  request_id: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  details: Record<string, unknown> | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Same as target (policies.md entry shape)',
  })
  resource: Record<string, unknown> | null;

  @ApiProperty({ type: AuditContextDto, description: 'Same as ip/request_id (policies.md entry shape)' })
  context: AuditContextDto;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "Hash of the org's previous entry (hash chain, docs/audit.md); null on entries older than the chain",
  })
  prev_hash: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'sha256(prev_hash || canonical entry), hex' })
  hash: string | null;
}

export class ActivityRefDto {
  @ApiProperty()
  type: string;

  @ApiProperty({ type: String, nullable: true })
  id: string | null;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;
}

export class ActivityItemDto {
  @ApiProperty()
  id: string;

  @ApiProperty({ format: 'date-time' })
  ts: string;

  @ApiProperty({ type: ActivityRefDto })
  actor: ActivityRefDto;

  @ApiProperty({ example: 'create' })
  verb: string;

  @ApiProperty({ type: ActivityRefDto })
  object: ActivityRefDto;

  @ApiProperty()
  summary: string;

  @ApiProperty()
  category: string;

  @ApiProperty()
  action: string;

  @ApiProperty({ enum: AUDIT_RESULTS })
  result: string;
}

function actorOf(e: AuditEntryEntity): AuditActorDto {
  if (e.actorApiKeyId) {
    return { type: 'api_key', id: e.actorApiKeyId, email: e.actorEmail };
  }
  if (e.actorUserId) {
    return { type: 'user', id: e.actorUserId, email: e.actorEmail };
  }
  return { type: 'anonymous', id: null, email: e.actorEmail };
}

export function toAuditEntryDto(e: AuditEntryEntity): AuditEntryDto {
  return {
    id: e.id,
    seq: Number(e.seq),
    ts: e.ts.toISOString(),
    org_id: e.orgId,
    category: e.category,
    action: e.action,
    result: e.result,
    decision: e.result === 'success' ? 'allow' : e.result === 'denied' ? 'deny' : 'error',
    actor: actorOf(e),
    user_id: e.actorUserId,
    api_key_id: e.actorApiKeyId,
    target: e.target,
    ip: e.ip,
    request_id: e.requestId,
    details: e.details,
    resource: e.target,
    context: { ip: e.ip, request_id: e.requestId },
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export function toActivityItemDto(e: AuditEntryEntity): ActivityItemDto {
  const a = actorOf(e);
  const verb = e.action.includes('.')
    ? e.action.slice(e.action.lastIndexOf('.') + 1)
    : e.action.split(' ')[0].toLowerCase();
  const type = typeof e.target?.type === 'string' ? e.target.type : 'unknown';
  const id = typeof e.target?.id === 'string' ? e.target.id : null;
  const name = typeof e.target?.name === 'string' ? e.target.name : null;
  const who = a.email ?? (a.type === 'anonymous' ? 'someone' : `${a.type} ${a.id}`);
  return {
    id: e.id,
    ts: e.ts.toISOString(),
    actor: { type: a.type, id: a.id, name: a.email },
    verb,
    object: { type, id, name },
    summary: `${who} ${e.action}${id ? ` ${type} ${id}` : ''}${e.result === 'success' ? '' : ` (${e.result})`}`,
    category: e.category,
    action: e.action,
    result: e.result,
  };
}
