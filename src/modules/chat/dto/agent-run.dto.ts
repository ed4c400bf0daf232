import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ToolCallSummaryDto, UsageDto } from './chat.dto';

export class RunAgentDto {
  @ApiProperty({ example: 'summarise the failing pods' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(100_000)
  input: string;

  @ApiPropertyOptional({ description: 'true: the run streams back as SSE (same events as chat)', default: false })
  @IsOptional()
  @IsBoolean()
  stream?: boolean;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) @Matches(/^[a-z0-9][a-z0-9_-]*$/i) realm?: string;
  @ApiPropertyOptional({ description: 'optional title of the run conversation' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  title?: string;
}

export class AgentRunDto {
  @ApiProperty() run_id: string;
  @ApiProperty({ enum: ['running', 'completed', 'cancelled', 'failed', 'interrupted'] }) status: string;
  @ApiProperty() conversation_id: string;
  @ApiProperty({ nullable: true, type: String }) agent_id: string | null;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) input: string | null;
  @ApiProperty({ nullable: true, type: String }) output: string | null;
  @ApiProperty({ nullable: true, type: String }) finish_reason: string | null;
  @ApiProperty({ nullable: true, type: UsageDto }) usage: UsageDto | null;
  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true }) error: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: [ToolCallSummaryDto] }) tool_calls: ToolCallSummaryDto[];
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class AgentRunAcceptedDto {
  @ApiProperty() run_id: string;
  @ApiProperty({ example: 'running' }) status: string;
  @ApiProperty() conversation_id: string;
  @ApiProperty({ nullable: true, type: String }) agent_id: string | null;
}
