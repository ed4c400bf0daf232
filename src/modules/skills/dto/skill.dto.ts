import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { SKILL_ORIGINS, SKILL_STATUSES, type SkillEntity } from '../skill.entity';

/** Sizes a little above the limits checked by validateSkill, so those produce the precise messages. */
const MARKDOWN_MAX = 60_000;

export class CreateSkillDto {
  @ApiPropertyOptional({
    description: 'The whole skill: YAML frontmatter (name, slug, description, version, author, tags) + markdown body',
    maxLength: MARKDOWN_MAX,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MARKDOWN_MAX)
  markdown?: string;

  @ApiPropertyOptional({ example: 'postgres.health-triage', description: 'overrides the frontmatter' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  slug?: string;

  @ApiPropertyOptional({ example: 'PostgreSQL Health Triage' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(3000)
  description?: string;

  @ApiPropertyOptional({ example: '1.2.0', description: 'semver; default 1.0.0' })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  version?: string;

  @ApiPropertyOptional({ example: 'acme/platform' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  author?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'markdown body (≤ 50 000 characters)', maxLength: MARKDOWN_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(MARKDOWN_MAX)
  body?: string;
}

/** Same fields; the slug cannot change (a new slug is a new skill). */
export class UpdateSkillDto extends CreateSkillDto {}

export class ListSkillsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SKILL_STATUSES })
  @IsOptional()
  @IsIn(SKILL_STATUSES)
  status?: (typeof SKILL_STATUSES)[number];

  @ApiPropertyOptional({ enum: SKILL_ORIGINS })
  @IsOptional()
  @IsIn(SKILL_ORIGINS)
  origin?: (typeof SKILL_ORIGINS)[number];

  @ApiPropertyOptional({ description: 'skills carrying this tag' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  tag?: string;

  @ApiPropertyOptional({ description: 'all versions of this slug' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  slug?: string;

  @ApiPropertyOptional({ description: 'text contained in the name, slug or description' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class RejectSkillDto {
  @ApiProperty({ description: 'why it is rejected (shown to the submitter)' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  note: string;
}

export class ApproveSkillDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class SkillSummaryDto {
  @ApiProperty({ example: 'skl_6f1c…' }) id: string;
  @ApiProperty({ example: 'postgres.health-triage' }) slug: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ example: '1.2.0' }) version: string;
  @ApiProperty({ type: String, nullable: true }) author: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ description: 'characters of the body (what it costs of the prompt budget)' }) char_count: number;
  @ApiProperty({ enum: SKILL_ORIGINS }) origin: string;
  @ApiProperty({ enum: SKILL_STATUSES }) status: string;
  @ApiProperty({ type: String, nullable: true }) created_by: string | null;
  @ApiProperty({ type: String, nullable: true }) submitted_by: string | null;
  @ApiProperty({ type: String, nullable: true }) reviewed_by: string | null;
  @ApiProperty({ type: String, nullable: true }) review_note: string | null;
  @ApiProperty({ type: String, nullable: true }) reviewed_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class SkillDto extends SkillSummaryDto {
  @ApiProperty({ description: 'markdown body' }) body: string;
}

export class RegistrySkillDto {
  @ApiProperty({ example: 'postgres.health-triage' }) slug: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty() version: string;
  @ApiProperty({ type: String, nullable: true }) author: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() char_count: number;
  @ApiProperty({ description: 'a version of this slug exists in the org' }) installed: boolean;
}

export class RegistryListDto {
  @ApiProperty({ type: [RegistrySkillDto] }) items: RegistrySkillDto[];
  @ApiProperty() total: number;
  @ApiProperty({ type: String, nullable: true, description: 'always null: the registry is one page' })
  next_cursor: null;
}

export class RegistryQuery {
  @ApiPropertyOptional({ description: 'words matched against name, slug, description and tags' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class RegistryInstallDto {
  @ApiProperty({ example: 'postgres.health-triage' })
  @IsString()
  @MaxLength(120)
  slug: string;

  @ApiPropertyOptional({ example: '1.2.0', description: 'default: the registry version' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  version?: string;
}

export class EnableSkillDto {
  @ApiProperty({ example: 'postgres.health-triage' })
  @IsString()
  @MaxLength(120)
  slug: string;
}

export class EnabledSkillDto {
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty() char_count: number;
  @ApiProperty({ enum: ['agent', 'conversation'], description: "agent: from the agent's `skills`" }) source: string;
  @ApiProperty({ description: 'false when it did not fit in the budget (agent skills only)' }) in_prompt: boolean;
}

export class SkillBudgetDto {
  @ApiProperty({ description: 'SKILLS_CHAR_BUDGET' }) limit: number;
  @ApiProperty({ description: 'characters of the skills in the prompt' }) used: number;
}

export class ConversationSkillsDto {
  @ApiProperty({ type: [EnabledSkillDto] }) skills: EnabledSkillDto[];
  @ApiProperty({ type: SkillBudgetDto }) budget: SkillBudgetDto;
}

export function toSkillSummaryDto(s: SkillEntity): SkillSummaryDto {
  return {
    id: s.id,
    slug: s.slug,
    name: s.name,
    description: s.description,
    version: s.version,
    author: s.author,
    tags: s.tags ?? [],
    char_count: s.charCount,
    origin: s.origin,
    status: s.status,
    created_by: s.createdBy,
    submitted_by: s.submittedBy,
    reviewed_by: s.reviewedBy,
    review_note: s.reviewNote,
    reviewed_at: s.reviewedAt?.toISOString() ?? null,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

export function toSkillDto(s: SkillEntity): SkillDto {
  return { ...toSkillSummaryDto(s), body: s.body };
}
