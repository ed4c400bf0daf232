import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ToolCallSummaryDto, UsageDto } from './chat.dto';

export class CreateIncomingEndpointDto {
  @ApiProperty({ example: 'website webchat' }) @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @ApiPropertyOptional({ example: 'default', description: 'Agent id or name that answers' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  agent?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) @Matches(/^[a-z0-9][a-z0-9_-]*$/i) realm?: string;
}

export class UpdateIncomingEndpointDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) agent?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class IncomingEndpointDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) realm: string | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'first characters of the secret' }) secret_prefix: string;
  @ApiProperty({ example: 'http://localhost:8080/api/v1/chat/incoming/…' }) url: string;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class IncomingEndpointWithSecretDto extends IncomingEndpointDto {
  @ApiProperty({ description: 'Shown once; send it as `X-Agentcy-Secret` (or `?secret=`)' }) secret: string;
}

export class IncomingMessageDto {
  @ApiPropertyOptional({ example: 'hello' }) @IsOptional() @IsString() @MaxLength(100_000) text?: string;
  @ApiPropertyOptional({ description: 'alias of text' }) @IsOptional() @IsString() @MaxLength(100_000) content?: string;
  @ApiPropertyOptional({ description: 'alias of text' }) @IsOptional() @IsString() @MaxLength(100_000) message?: string;
  @ApiPropertyOptional({ example: 'visitor-123' }) @IsOptional() @IsString() @MaxLength(200) from?: string;
  @ApiPropertyOptional({ example: 't-9', description: 'messages of one thread share a conversation' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  thread?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOptional() @IsObject() metadata?: Record<
    string,
    unknown
  >;
}

export class IncomingReplyMessageDto {
  @ApiProperty() id: string;
  @ApiProperty() content: string;
  @ApiProperty() finish_reason: string;
}

export class IncomingReplyDto {
  @ApiPropertyOptional({ description: 'the /bindings rule that picked the agent (absent: the endpoint agent)' })
  binding_id?: string;
  @ApiProperty() conversation_id: string;
  @ApiProperty() turn_id: string;
  @ApiProperty({ type: IncomingReplyMessageDto }) message: IncomingReplyMessageDto;
  @ApiProperty({ description: 'same as message.content' }) reply: string;
  @ApiProperty({ type: [ToolCallSummaryDto] }) tool_calls: ToolCallSummaryDto[];
  @ApiProperty({ type: UsageDto }) usage: UsageDto;
}

export class IncomingAcceptedDto {
  @ApiProperty() accepted: boolean;
  @ApiPropertyOptional({ description: 'false: bindings target this endpoint but none matched; dropped' })
  routed?: boolean;
  @ApiPropertyOptional() conversation_id?: string;
  @ApiPropertyOptional() turn_id?: string;
  @ApiPropertyOptional({ description: 'the /bindings rule that picked the agent' }) binding_id?: string;
}
