import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === true ? true : value === 'false' || value === false ? false : value;
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** `attachments` of one message (POST /chat/conversations/:id/messages). */
export const MAX_MESSAGE_ATTACHMENTS = 5;

// ---------- requests ----------

export class CreateConversationDto {
  @ApiPropertyOptional({ example: 'prod triage', maxLength: 300 })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional({ description: 'Agent id or name (default `default`)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  agent_id?: string;

  @ApiPropertyOptional({ description: 'Alias of agent_id (agent name)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional({ example: 'infrastructure' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'realm must be a slug' })
  realm?: string;
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ maxLength: 300 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;
}

export class ListConversationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Filter by archived state' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) realm?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) agent?: string;
  @ApiPropertyOptional({ description: 'Title search' }) @IsOptional() @IsString() @MaxLength(200) q?: string;

  @ApiPropertyOptional({ description: 'Admins: every conversation of the org' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  all?: boolean;
}

export class ListMessagesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class SendMessageDto {
  @ApiProperty({ example: 'how many pods are crash-looping?' })
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty({ message: 'content must not be empty' })
  @MaxLength(100_000)
  content: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_MESSAGE_ATTACHMENTS,
    example: ['art_0f8e2c5a9b3d4e6f8a1b2c3d4e5f6a7b'],
    description:
      "Artifact ids (`POST /artifacts`) of the caller's org; text files go to the model with the message, binaries by name and type",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MESSAGE_ATTACHMENTS)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @Matches(/^art_[A-Za-z0-9_-]+$/, { each: true, message: 'each attachment must be an artifact id (art_…)' })
  attachments?: string[];
  @ApiPropertyOptional({
    type: [String],
    description: 'skill slugs enabled for the conversation before the turn starts (as POST …/skills)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  skills?: string[];
}

export class DecideApprovalDto {
  @ApiProperty({ description: 'true approves, false denies' })
  @IsBoolean()
  approved: boolean;

  @ApiPropertyOptional({ example: 'change freeze until Thursday', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ListApprovalsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['pending', 'approved', 'denied', 'expired'] })
  @IsOptional()
  @IsIn(['pending', 'approved', 'denied', 'expired'])
  status?: 'pending' | 'approved' | 'denied' | 'expired';
}

export class ManualToolCallDto {
  @ApiProperty({
    example: 'prod-cluster.list_pods',
    description: 'Qualified `<connector type|source name>.<tool>`, or a bare tool name with `connector`',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  tool: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { namespace: 'default' } })
  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Alias of arguments' })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'kubernetes', description: 'Source name or connector type when `tool` is bare' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  connector?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Which source runs the tool when several fit (also accepted as `args.source_id`); else the one in the conversation realm, else the first created',
  })
  @IsOptional()
  @IsUUID()
  source_id?: string;
}

export class CatalogQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) realm?: string;
}

export class CatalogSearchQuery {
  @ApiProperty({ example: 'list pods' })
  @IsString()
  @MaxLength(500)
  q: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 20, default: 5 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  top_k?: number;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) realm?: string;
}

// ---------- responses ----------

export class ConversationDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) realm: string | null;
  @ApiProperty({ description: 'agent name' }) agent: string;
  @ApiProperty({ nullable: true, type: String }) agent_id: string | null;
  @ApiProperty({ nullable: true, type: String }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiProperty({ nullable: true, type: String }) last_message_at: string | null;
  @ApiProperty() archived: boolean;
}

export class ApprovalDto {
  @ApiProperty({ example: 'apr_…' }) id: string;
  @ApiProperty() conversation_id: string;
  @ApiProperty({ nullable: true, type: String }) message_id: string | null;
  @ApiProperty({ example: 'tc_…' }) tool_call_id: string;
  @ApiProperty({ example: 'prod-cluster.delete_pod' }) tool: string;
  @ApiProperty({ example: 'execute_connector_tool' }) name: string;
  @ApiProperty({ nullable: true, type: String }) connector: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) args: Record<string, unknown>;
  @ApiProperty() args_hash: string;
  @ApiProperty({ enum: ['read', 'write', 'destructive'] }) effect: string;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ enum: ['pending', 'approved', 'denied', 'expired'] }) status: string;
  @ApiProperty({ enum: ['chat', 'task', 'channel', 'manual'] }) source: string;
  @ApiProperty({ nullable: true, type: String }) requested_by: string | null;
  @ApiProperty({ nullable: true, type: String }) decided_by: string | null;
  @ApiProperty({ nullable: true, type: String }) decided_at: string | null;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() expires_at: string;
}

export class ConversationDetailDto extends ConversationDto {
  @ApiProperty({ type: [ApprovalDto] }) pending_approvals: ApprovalDto[];
  @ApiProperty({ nullable: true, type: String, description: 'id of the running turn, if any' }) active_turn_id:
    string | null;
}

export class ToolCallSummaryDto {
  @ApiProperty() tool_call_id: string;
  @ApiProperty({ example: 'execute_connector_tool' }) name: string;
  @ApiProperty({ nullable: true, type: String }) connector: string | null;
  @ApiProperty({ nullable: true, type: String }) tool: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) args: Record<string, unknown>;
  @ApiProperty() status: string;
}

export class UsageDto {
  @ApiProperty() input_tokens: number;
  @ApiProperty() output_tokens: number;
  @ApiPropertyOptional() tool_calls?: number;
  @ApiPropertyOptional() duration_ms?: number;
}

export class MessageDto {
  @ApiProperty() id: string;
  @ApiProperty() conversation_id: string;
  @ApiProperty({ enum: ['user', 'assistant', 'tool', 'system'] }) role: string;
  @ApiProperty() content: string;
  @ApiProperty({ type: [ToolCallSummaryDto] }) tool_calls: ToolCallSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) tool_call_id: string | null;
  @ApiProperty({ nullable: true, type: String }) finish_reason: string | null;
  @ApiProperty({ nullable: true, type: UsageDto }) usage: UsageDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    enum: ['compaction_summary'],
    description: '`compaction_summary`: a system message summarising the messages flagged `compacted`',
  })
  kind: string | null;
  @ApiProperty({
    description: 'true when the message was summarised by history compaction; the model no longer sees it',
  })
  compacted: boolean;
  @ApiProperty({ type: [String], description: 'artifact ids attached to a user message (empty otherwise)' })
  attachments: string[];
  @ApiProperty() created_at: string;
}

export class CancelResponseDto {
  @ApiProperty() cancelled: boolean;
  @ApiProperty() turn_id: string;
}

export class ToolErrorDto {
  @ApiProperty() code: string;
  @ApiProperty() message: string;
}

export class ToolCallDto {
  @ApiProperty({ example: 'tc_…' }) tool_call_id: string;
  @ApiProperty({ enum: ['pending_approval', 'running', 'completed', 'failed', 'denied', 'expired'] }) status: string;
  @ApiProperty({ example: 'prod-cluster.list_pods', nullable: true, type: String }) tool: string | null;
  @ApiProperty({ nullable: true, type: String }) connector: string | null;
  @ApiPropertyOptional({ description: 'tool result (present once completed)' }) result?: unknown;
  @ApiPropertyOptional({ type: ToolErrorDto }) error?: ToolErrorDto;
  @ApiPropertyOptional() usage_ms?: number;
  @ApiPropertyOptional({ nullable: true, type: String }) approval_id?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) policy?: Record<string, unknown>;
}

export class CatalogToolDto {
  @ApiProperty({ example: 'kubernetes' }) connector: string;
  @ApiProperty({ example: 'prod-cluster' }) source: string;
  @ApiProperty() source_id: string;
  @ApiProperty({ example: 'infrastructure', description: 'realm of the source' }) realm: string;
  @ApiProperty({ example: 'list_pods' }) tool: string;
  @ApiProperty({ example: 'list_pods' }) name: string;
  @ApiProperty({ example: 'prod-cluster.list_pods' }) qualified: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ['read', 'write', 'destructive'] }) effect: string;
  @ApiProperty() requires_approval: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) input_schema: Record<string, unknown>;
}

export class RankedToolDto extends CatalogToolDto {
  @ApiProperty({ description: 'relevance in (0, 1]' }) score: number;
}

export class CatalogSearchResponseDto {
  @ApiProperty({ type: [RankedToolDto] }) tools: RankedToolDto[];
  @ApiProperty({ type: [RankedToolDto], description: 'same as tools (list envelope)' }) items: RankedToolDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: null;
  @ApiProperty() total: number;
}
