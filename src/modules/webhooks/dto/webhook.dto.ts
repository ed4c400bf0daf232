import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { OUTBOUND_EVENT_NAMES } from '../webhook-events';

export class WebhookTargetDto {
  @ApiProperty({ enum: ['task', 'agent'] }) @IsIn(['task', 'agent']) type: 'task' | 'agent';

  @ApiPropertyOptional({ description: 'type task: the task fired', example: 'task_0f1e2d3c4b5a69788796a5b4c3d2e1f0' })
  @ValidateIf((o: WebhookTargetDto) => o.type === 'task')
  @IsString()
  @Matches(/^task_[0-9a-f]{32}$/)
  task_id?: string;

  @ApiPropertyOptional({ description: 'type agent: the agent an ad-hoc run uses', example: 'default' })
  @ValidateIf((o: WebhookTargetDto) => o.type === 'agent')
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9][a-z0-9_-]*$/i)
  realm?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'type agent: rendered with `{{ trigger.* }}` on every call',
  })
  @ValidateIf((o: WebhookTargetDto) => o.type === 'agent')
  @IsObject()
  input_template?: Record<string, unknown>;
}

export class CreateWebhookDto {
  @ApiProperty({ example: 'alertmanager' }) @IsString() @IsNotEmpty() @MaxLength(200) name: string;

  @ApiPropertyOptional({
    enum: ['inbound', 'outbound'],
    description: 'implied: `target` → inbound, `url` + `events` → outbound',
  })
  @IsOptional()
  @IsIn(['inbound', 'outbound'])
  direction?: 'inbound' | 'outbound';

  @ApiPropertyOptional({ type: WebhookTargetDto, description: 'inbound: what a call fires' })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookTargetDto)
  target?: WebhookTargetDto;

  @ApiPropertyOptional({ description: 'outbound: http(s) URL deliveries are POSTed to' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ description: 'outbound: event names', enum: OUTBOUND_EVENT_NAMES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  events?: string[];

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;

  @ApiPropertyOptional({ type: WebhookTargetDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => WebhookTargetDto)
  target?: WebhookTargetDto;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) url?: string;

  @ApiPropertyOptional({ enum: OUTBOUND_EVENT_NAMES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  events?: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class DeliveryStatsDto {
  @ApiProperty() ok: number;
  @ApiProperty() rejected: number;
  @ApiProperty() failed: number;
}

export class WebhookDto {
  @ApiProperty({ example: 'wh_…' }) id: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: 'inbound' | 'outbound';
  @ApiProperty() name: string;
  @ApiProperty({ type: WebhookTargetDto, nullable: true }) target: WebhookTargetDto | null;
  @ApiProperty({ description: 'inbound: the receiver URL (`/hooks/:id`); outbound: the destination' }) url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ example: 'whsec_…3f9a', nullable: true, type: String }) secret_preview: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'a task webhook trigger mirrored from /tasks (change it there)' }) read_only: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_delivery_at: string | null;
  @ApiProperty({ type: DeliveryStatsDto }) delivery_stats: DeliveryStatsDto;
}

export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({ description: 'Shown once', example: 'whsec_…' }) secret: string;
}

export class WebhookListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['inbound', 'outbound'] })
  @IsOptional()
  @IsIn(['inbound', 'outbound'])
  direction?: 'inbound' | 'outbound';
}

export class DeliveryListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['accepted', 'rejected', 'failed', 'pending', 'succeeded', 'dead'] })
  @IsOptional()
  @IsIn(['accepted', 'rejected', 'failed', 'pending', 'succeeded', 'dead'])
  status?: string;
}

export class DeliveryDto {
  @ApiProperty({ example: 'dlv_…' }) id: string;
  @ApiProperty() webhook_id: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: string;
  @ApiProperty({ enum: ['hook', 'sample', 'replay', 'event', 'redeliver'] }) source: string;
  @ApiProperty({ enum: ['accepted', 'rejected', 'failed', 'pending', 'succeeded', 'dead'] }) status: string;
  @ApiProperty() received_at: string;
  @ApiProperty({ nullable: true, type: String }) event_type: string | null;
  @ApiProperty({ nullable: true, type: Number }) http_status: number | null;
  @ApiProperty({ nullable: true, type: String }) reject_reason: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) signature_valid: boolean | null;
  @ApiProperty({ nullable: true, type: String }) content_type: string | null;
  @ApiProperty() size_bytes: number;
  @ApiProperty({ nullable: true, type: String }) source_ip: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) latency_ms: number | null;
  @ApiProperty({ nullable: true, type: String }) error_code: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String }) next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty({ nullable: true, type: String }) run_id: string | null;
  @ApiProperty({ nullable: true, type: String }) replay_of: string | null;
}

export class DeliveryDetailDto extends DeliveryDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  headers: Record<string, string> | null;
  @ApiProperty({ nullable: true, type: String, description: 'redacted, cut at 64 KB' }) body: string | null;
  @ApiProperty() body_truncated: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) query: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) response_body: string | null;
  @ApiProperty({ nullable: true, type: String }) run_status: string | null;
}

export class HookAcceptedDto {
  @ApiProperty({ example: 'dlv_…' }) delivery_id: string;
  @ApiProperty({ example: 'run_…', nullable: true, type: String }) run_id: string | null;
}

export class FireAcceptedDto {
  @ApiProperty({ example: 'run_…' }) run_id: string;
}
