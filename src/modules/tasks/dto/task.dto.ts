import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ApprovalDefaultsPatchDto } from '../../settings/dto/security-settings.dto';
import { LIFECYCLE_EVENTS } from '../task-lifecycle';

export const TRIGGER_KINDS_IN = ['schedule', 'cron', 'webhook', 'manual', 'lifecycle'] as const;
export const RUN_STATUSES = ['pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled'] as const;

export class TaskTriggerInputDto {
  @ApiProperty({ enum: TRIGGER_KINDS_IN, description: '`cron` is an alias of `schedule`' })
  @IsIn(TRIGGER_KINDS_IN)
  kind: (typeof TRIGGER_KINDS_IN)[number];

  @ApiPropertyOptional({
    description: 'schedule: 5-field cron or @hourly @daily @weekly @monthly @yearly',
    example: '*/30 * * * *',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional({ description: 'schedule: IANA time zone the cron is evaluated in', default: 'UTC' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiPropertyOptional({ enum: LIFECYCLE_EVENTS, description: 'lifecycle: the platform event that fires the task' })
  @IsOptional()
  @IsIn(LIFECYCLE_EVENTS)
  event?: (typeof LIFECYCLE_EVENTS)[number];

  @ApiPropertyOptional({
    description:
      'lifecycle: equality match on the event data (field or dotted path → string, number, boolean or null; at most 20)',
    example: { source_id: 'src_…' },
  })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;
}

export class CreateTaskDto {
  @ApiProperty({ maxLength: 200, description: 'Unique per org (case-insensitive)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ default: 'default', description: 'Agent id or name the run executes as' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional({ nullable: true, description: "Realm of the run's conversation (scopes the tool catalog)" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string | null;

  @ApiProperty({ type: TaskTriggerInputDto })
  @IsObject()
  @ValidateNested()
  @Type(() => TaskTriggerInputDto)
  trigger: TaskTriggerInputDto;

  @ApiPropertyOptional({
    description:
      'Payload of every run; string leaves may contain `{{ trigger.… }}` paths. `instruction` is the user message.',
    example: { instruction: 'Summarise {{ trigger.body.title }}' },
  })
  @IsOptional()
  @IsObject()
  input_template?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Alias of input_template (input_template wins)' })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ type: ApprovalDefaultsPatchDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalDefaultsPatchDto)
  approval_defaults?: ApprovalDefaultsPatchDto | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ default: 900, minimum: 10, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(86400)
  timeout_secs?: number;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_iterations?: number;
}

export class UpdateTaskDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string | null;

  @ApiPropertyOptional({ type: TaskTriggerInputDto, description: 'Away from webhook drops the secret' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TaskTriggerInputDto)
  trigger?: TaskTriggerInputDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  input_template?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Alias of input_template' })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ type: ApprovalDefaultsPatchDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalDefaultsPatchDto)
  approval_defaults?: ApprovalDefaultsPatchDto | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ minimum: 10, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(10)
  @Max(86400)
  timeout_secs?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  max_iterations?: number;
}

export class ListTasksQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ enum: TRIGGER_KINDS_IN })
  @IsOptional()
  @IsIn(TRIGGER_KINDS_IN)
  trigger_kind?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;
}

export class RunTaskDto {
  @ApiPropertyOptional({ description: 'Exposed to the template as `trigger.input`' })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Start although a run is pending or running' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class TaskTriggerDto {
  @ApiProperty({ enum: ['schedule', 'webhook', 'manual', 'lifecycle'] }) kind: string;
  @ApiPropertyOptional() cron?: string;
  @ApiPropertyOptional() timezone?: string;
  @ApiPropertyOptional({ enum: LIFECYCLE_EVENTS, description: 'lifecycle: the platform event' }) event?: string;
  @ApiPropertyOptional({ description: 'lifecycle: equality filter on the event data' })
  filter?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'webhook: the receiver URL' }) url?: string;
  @ApiPropertyOptional({ description: 'webhook: the signing secret, only in the create/rotate response' })
  secret?: string;
  @ApiPropertyOptional({ description: 'webhook: the secret masked (`whsec_ab…`)' }) secret_preview?: string;
}

export class TaskDto {
  @ApiProperty({ example: 'task_0f3c…' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) realm: string | null;
  @ApiProperty({ type: TaskTriggerDto }) trigger: TaskTriggerDto;
  @ApiProperty({ type: Object }) input_template: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: Object }) approval_defaults: Record<string, string> | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty() timeout_secs: number;
  @ApiProperty() max_iterations: number;
  @ApiProperty({ nullable: true, type: String, description: 'schedule tasks: next tick (ISO)' })
  next_fire_at: string | null;
  @ApiProperty({ nullable: true, type: String }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class TaskRunErrorDto {
  @ApiProperty() code: string;
  @ApiProperty() message: string;
}

export class TaskRunDto {
  @ApiProperty({ example: 'run_…' }) id: string;
  @ApiProperty({ nullable: true, type: String }) task_id: string | null;
  @ApiProperty({ nullable: true, type: String }) task_name: string | null;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty() waiting_approval: boolean;
  @ApiProperty({ type: Object, description: 'What fired it (kind, delivery_id, fired_at, …)' })
  trigger: Record<string, unknown>;
  @ApiProperty({ type: Object, description: 'The rendered input_template' }) input: Record<string, unknown>;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) conversation_id: string | null;
  @ApiProperty({ nullable: true, type: Object }) usage: Record<string, number> | null;
  @ApiProperty({ nullable: true, type: TaskRunErrorDto }) error: TaskRunErrorDto | null;
  @ApiProperty({ nullable: true, type: String, description: "The agent's final answer" }) output: string | null;
  @ApiProperty({
    type: [String],
    example: ['art_…'],
    description: 'Artifacts the run produced (tool files of its conversation), oldest first',
  })
  artifacts: string[];
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class TaskRunTranscriptDto {
  @ApiProperty({ type: [Object] }) messages: Record<string, unknown>[];
  @ApiProperty({ type: [Object] }) tool_calls: Record<string, unknown>[];
}

export class TaskRunDetailDto extends TaskRunDto {
  @ApiProperty({ type: TaskRunTranscriptDto, nullable: true }) transcript: TaskRunTranscriptDto | null;
}

export class TaskRunAcceptedDto {
  @ApiProperty() run_id: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
}
