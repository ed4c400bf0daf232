import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsObject, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { PipelineRunDto } from './pipeline.dto';

export class AgentNodeDto {
  @ApiProperty() @IsString() @Length(1, 64) label: string;
  @ApiProperty() @IsString() @Length(1, 500) key: string;
  @ApiProperty() @IsString() @Length(1, 500) name: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 4000) description?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

export class AgentEdgeDto {
  @ApiProperty() @IsString() @Length(1, 64) type: string;
  @ApiProperty() @IsString() @Length(1, 500) from_key: string;
  @ApiProperty() @IsString() @Length(1, 500) to_key: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

export class AgentRecordsDto {
  @ApiPropertyOptional({ type: [AgentNodeDto] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => AgentNodeDto)
  @ArrayMaxSize(1000)
  nodes?: AgentNodeDto[];

  @ApiPropertyOptional({ type: [AgentEdgeDto] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => AgentEdgeDto)
  @ArrayMaxSize(1000)
  edges?: AgentEdgeDto[];
}

export class AgentRecordsResultDto {
  @ApiProperty() nodes_written: number;
  @ApiProperty() edges_written: number;
  @ApiProperty() edges_skipped: number;
}

export class AgentToolCallDto {
  @ApiProperty({ description: 'qualified tool name, e.g. `postgres.list_tables`' })
  @IsString()
  @Length(1, 200)
  tool: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;
}

export class AgentToolResultDto {
  @ApiProperty() tool: string;
  @ApiProperty({ description: 'the tool output' }) result: unknown;
}

export class AgentCompleteDto {
  @ApiProperty({ enum: ['succeeded', 'failed'] }) @IsIn(['succeeded', 'failed']) status: 'succeeded' | 'failed';
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 4000) summary?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 4000) error?: string;
}

export class AgentContextDto {
  @ApiProperty() pipeline_id: string;
  @ApiProperty() pipeline_name: string;
  @ApiProperty() realm: string;
  @ApiProperty({ type: PipelineRunDto }) run: PipelineRunDto;
}

export class AgentTokenDto {
  @ApiProperty({ description: 'pipeline JWT scoped to this run (shown once)' }) token: string;
  @ApiProperty() expires_at: string;
}
