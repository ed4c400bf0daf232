import { LLM_PROVIDERS, type LlmProviderName } from '@libs/llm/llm-config';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export class LlmFallbackDto {
  @ApiProperty({ enum: LLM_PROVIDERS })
  @IsIn(LLM_PROVIDERS)
  provider: LlmProviderName;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string | null;
}

const URL_OPTS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Body of PUT /settings/llm. `api_key` is write-only: omitted (or a masked placeholder such as
 * `***`) keeps the stored key only while provider and base_url stay the same and drops it when
 * they change; null or "" clears it.
 */
export class LlmSettingsUpdateDto {
  @ApiProperty({ enum: LLM_PROVIDERS, example: 'openai' })
  @IsIn(LLM_PROVIDERS)
  provider: LlmProviderName;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'gpt-4.1',
    description: 'Provider default when omitted',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'http://127.0.0.1:11434/v1',
    description: 'Required for ollama, vllm and lmstudio',
  })
  @IsOptional()
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  base_url?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    writeOnly: true,
    description:
      'Write-only; stored encrypted, never returned. Omitted or masked ("***"): the stored key is kept for the same provider and base_url and dropped when either changes. With a base_url of its own an org uses only its own key (none: requests go without one).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  api_key?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 2 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(2)
  temperature?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_output_tokens?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  context_window?: number | null;

  @ApiPropertyOptional({ type: LlmFallbackDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => LlmFallbackDto)
  fallback?: LlmFallbackDto | null;
}

/** Body of POST /settings/llm/test: empty tests the effective configuration; otherwise tests this (unsaved) one. */
export class LlmTestDto {
  @ApiPropertyOptional({ enum: LLM_PROVIDERS })
  @IsOptional()
  @IsIn(LLM_PROVIDERS)
  provider?: LlmProviderName;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(URL_OPTS)
  @MaxLength(2048)
  base_url?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  api_key?: string;
}

export class LlmFallbackViewDto {
  @ApiProperty({ enum: LLM_PROVIDERS }) provider: LlmProviderName;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
}

export class LlmSettingsDto {
  @ApiProperty({ enum: LLM_PROVIDERS })
  provider: LlmProviderName;

  @ApiProperty({ example: 'gpt-4.1' })
  model: string;

  @ApiProperty({ type: String, nullable: true })
  base_url: string | null;

  @ApiProperty({
    description: 'Whether an API key is stored (org) or configured (env); the key itself is never returned',
  })
  api_key_set: boolean;

  @ApiProperty({ type: String, nullable: true, example: 'sk-p****', description: 'First characters of the key' })
  api_key_masked: string | null;

  @ApiProperty({ type: Number, nullable: true })
  temperature: number | null;

  @ApiProperty({ type: Number, nullable: true })
  max_output_tokens: number | null;

  @ApiProperty({ type: Number, nullable: true })
  context_window: number | null;

  @ApiProperty({ type: LlmFallbackViewDto, nullable: true })
  fallback: LlmFallbackViewDto | null;

  @ApiProperty({
    enum: ['org', 'env', 'default'],
    description: 'org = /settings/llm, env = LLM_* variables, default = built-in offline provider',
  })
  source: 'org' | 'env' | 'default';

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  updated_at: string | null;
}

export class LlmTestResultDto {
  @ApiProperty()
  ok: boolean;

  @ApiProperty({ enum: LLM_PROVIDERS })
  provider: LlmProviderName;

  @ApiProperty()
  model: string;

  @ApiProperty({ example: 412 })
  latency_ms: number;

  @ApiPropertyOptional({ description: 'Only when ok=false' })
  error?: string;

  @ApiPropertyOptional({ example: 'llm_auth_failed', description: 'Only when ok=false' })
  error_code?: string;

  @ApiPropertyOptional({ description: 'First characters the model answered' })
  sample?: string;
}
