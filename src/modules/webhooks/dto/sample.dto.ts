import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateSampleDto {
  @ApiProperty({ example: 'my-paged-alert' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(/[a-z0-9]/i, { message: 'name must contain a letter or digit' })
  name: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;

  @ApiProperty({ description: 'any JSON value; becomes `trigger.body`' }) @IsDefined() payload: unknown;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;
}

export class RunSampleDto {
  @ApiProperty({ example: 'task_0f1e2d3c4b5a69788796a5b4c3d2e1f0' })
  @IsString()
  @Matches(/^task_[0-9a-f]{32}$/)
  task_id: string;
}

export class SampleDto {
  @ApiProperty({ example: 'alertmanager-single' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty() builtin: boolean;
  @ApiProperty({ description: 'any JSON value' }) payload: unknown;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) created_at: string | null;
}

export class SampleListQuery extends PageQuery {}
