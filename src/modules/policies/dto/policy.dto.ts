import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import type { PolicyEntity, PolicyVersionEntity } from '../policy.entity';

const NAME = /^[a-z][a-z0-9_.-]*$/;
const NAME_DOC = 'Lower-case letters, digits, `_`, `.`, `-`; unique in the org; names the rules (`<name>.<@id>`).';
const SOURCE_DOC =
  'Cedar policy text: one or more `forbid` rules (default allow). Annotations: `@id("…")` names the rule, `@message("…")` the deny message (`{principal.role}`, `{resource.tool}`, `{action}`, `{context.x}` are filled in), `@approval("required")` makes it an approval rule. See docs/policies.md.';

export class CreatePolicyDto {
  @ApiProperty({ example: 'no-destructive-for-members', description: NAME_DOC })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'name must be lower-case letters, digits, _, . or -, starting with a letter' })
  name: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiProperty({ description: SOURCE_DOC })
  @IsString()
  @MaxLength(100_000)
  source: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdatePolicyDto {
  @ApiPropertyOptional({ description: `${NAME_DOC} Starter policies keep their name.` })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME, { message: 'name must be lower-case letters, digits, _, . or -, starting with a letter' })
  name?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ description: SOURCE_DOC })
  @IsOptional()
  @IsString()
  @MaxLength(100_000)
  source?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class ListPoliciesQuery extends PageQuery {}

export class PolicyDto {
  @ApiProperty({ example: 'pol_6f1c…' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ description: 'Cedar policy text' }) source: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: 'a starter policy: can be edited and disabled, not deleted' }) builtin: boolean;
  @ApiProperty() version: number;
  @ApiProperty({ nullable: true, type: String }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export function toPolicyDto(p: PolicyEntity): PolicyDto {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    source: p.source,
    enabled: p.enabled,
    builtin: p.builtin,
    version: p.version,
    created_by: p.createdBy,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export class PolicyVersionDto {
  @ApiProperty() id: string;
  @ApiProperty() policy_id: string;
  @ApiProperty() version: number;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty() source: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'who saved this version' }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export function toPolicyVersionDto(v: PolicyVersionEntity): PolicyVersionDto {
  return {
    id: v.id,
    policy_id: v.policyId,
    version: v.version,
    description: v.description,
    source: v.source,
    enabled: v.enabled,
    created_by: v.createdBy,
    created_at: v.createdAt.toISOString(),
  };
}

export class EvaluatePolicyDto {
  @ApiProperty({
    description:
      'The input document (policies.md §2): `{ subject, action, resource, context, env }`. Missing subject fields are the caller’s; `subject.org_id` is always the caller’s org; `env.now` defaults to now.',
    example: {
      subject: { user_id: 'usr_1', role: 'member', channel: 'ui' },
      action: 'chat.tool.execute',
      resource: { connector: 'kubernetes', tool: 'kubernetes.delete_pod', tool_effect: 'destructive' },
      context: { approval_granted: false },
    },
  })
  @IsObject()
  input: Record<string, unknown>;
}

export class RuleMatchDto {
  @ApiProperty({ example: 'connectors.write_needs_approval' }) rule: string;
  @ApiProperty() policy_id: string;
  @ApiProperty() policy_name: string;
  @ApiProperty() message: string;
  @ApiProperty({ enum: ['deny', 'approval'] }) kind: 'deny' | 'approval';
}

export class RuleErrorDto {
  @ApiProperty() rule: string;
  @ApiProperty() message: string;
}

export class EvaluationDto {
  @ApiProperty({ enum: ['allow', 'deny', 'approval_required'] }) decision: 'allow' | 'deny' | 'approval_required';
  @ApiProperty({ type: [String] }) messages: string[];
  @ApiProperty({ type: [RuleMatchDto], description: 'the rules that applied, hard denies first' })
  rules: RuleMatchDto[];
  @ApiProperty({ type: [RuleErrorDto], description: 'rules that failed to evaluate on this input (they do not apply)' })
  errors: RuleErrorDto[];
}

export class ActionDto {
  @ApiProperty({ example: 'POST' }) method: string;
  @ApiProperty({ example: '/sources/:id/sync' }) path: string;
  @ApiProperty({ example: 'source.sync' }) action: string;
}
