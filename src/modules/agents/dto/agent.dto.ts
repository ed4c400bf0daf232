import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ApprovalDefaultsPatchDto } from '../../settings/dto/security-settings.dto';
import { APPROVAL_MODES, type ApprovalMode } from '../../settings/settings.types';

export const AGENT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const NAME_MSG = 'name must be a slug: lowercase letters, digits, "-" or "_" (1-64 characters)';
const ITEM_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Body of POST /agents. `allowed_connectors` and `approval_overrides` also accept the spec's
 * names `connectors_allowlist` and `approval_defaults` (the first one given wins).
 */
export class CreateAgentDto {
  @ApiProperty({ example: 'incident-responder', description: NAME_MSG })
  @IsString()
  @Matches(AGENT_NAME_RE, { message: NAME_MSG })
  name: string;

  @ApiPropertyOptional({ example: 'Triage production incidents' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  system_prompt?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'gpt-4.1',
    description: 'Overrides the org model (same provider)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  model?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'infrastructure' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,99}$/, { message: 'realm must be a realm slug' })
  realm?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['k8s-runbooks'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(ITEM_RE, { each: true, message: 'each skill must be a slug' })
  skills?: string[];

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['kubernetes', 'github'],
    description: 'Connector types or source names the agent may use; null = all',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(ITEM_RE, { each: true, message: 'each connector must be a connector type or source name' })
  allowed_connectors?: string[] | null;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Alias of allowed_connectors' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(ITEM_RE, { each: true, message: 'each connector must be a connector type or source name' })
  connectors_allowlist?: string[] | null;

  @ApiPropertyOptional({
    type: ApprovalDefaultsPatchDto,
    nullable: true,
    description: 'Per-effect overrides of the org approval defaults (allow | approve | deny)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalDefaultsPatchDto)
  approval_overrides?: ApprovalDefaultsPatchDto | null;

  @ApiPropertyOptional({ type: ApprovalDefaultsPatchDto, nullable: true, description: 'Alias of approval_overrides' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalDefaultsPatchDto)
  approval_defaults?: ApprovalDefaultsPatchDto | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, description: 'Default AGENT_MAX_ITERATIONS (20)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  max_iterations?: number;
}

/** Body of PATCH /agents/:idOrName (every create field, optional); null clears model, realm, allowed_connectors, approval_overrides. */
export class UpdateAgentDto extends PartialType(CreateAgentDto) {}

export class ListAgentsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Substring of name or description' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class AgentApprovalOverridesDto {
  @ApiPropertyOptional({ enum: APPROVAL_MODES }) read?: ApprovalMode;
  @ApiPropertyOptional({ enum: APPROVAL_MODES }) write?: ApprovalMode;
  @ApiPropertyOptional({ enum: APPROVAL_MODES }) destructive?: ApprovalMode;
}

export class AgentDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'default' }) name: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: String, nullable: true }) system_prompt: string | null;
  @ApiProperty({ type: String, nullable: true }) model: string | null;
  @ApiProperty({ type: String, nullable: true }) realm: string | null;
  @ApiProperty({ type: [String] }) skills: string[];
  @ApiProperty({ type: [String], nullable: true, description: 'null = every connector' }) allowed_connectors:
    string[] | null;
  @ApiProperty({ type: [String], nullable: true, description: 'Same as allowed_connectors (spec name)' })
  connectors_allowlist: string[] | null;
  @ApiProperty({ type: AgentApprovalOverridesDto, nullable: true, description: 'null = org defaults' })
  approval_overrides: AgentApprovalOverridesDto | null;
  @ApiProperty({
    type: AgentApprovalOverridesDto,
    nullable: true,
    description: 'Same as approval_overrides (spec name)',
  })
  approval_defaults: AgentApprovalOverridesDto | null;
  @ApiProperty({ example: 20 }) max_iterations: number;
  @ApiProperty({ description: "true for the org's `default` agent (cannot be deleted or renamed)" }) builtin: boolean;
  @ApiProperty({ type: String, nullable: true }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}
