import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

const OVERRIDE_DOC =
  'false switches the feature off for this org; true or null removes the override. An org cannot enable a feature that is off at install level.';

/** Body of PUT (replace) / PATCH (merge) /settings/features. */
export class FeatureOverridesUpdateDto {
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: OVERRIDE_DOC })
  @IsOptional()
  @IsBoolean()
  rag?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  workers?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  orchestrator?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  voice?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  policies?: boolean | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true })
  @IsOptional()
  @IsBoolean()
  ciab?: boolean | null;
}

export class FeatureSourceDto {
  @ApiProperty({ enum: ['env', 'org'] }) rag: 'env' | 'org';
  @ApiProperty({ enum: ['env', 'org'] }) workers: 'env' | 'org';
  @ApiProperty({ enum: ['env', 'org'] }) orchestrator: 'env' | 'org';
  @ApiProperty({ enum: ['env', 'org'] }) voice: 'env' | 'org';
  @ApiProperty({ enum: ['env', 'org'] }) policies: 'env' | 'org';
  @ApiProperty({ enum: ['env', 'org'] }) ciab: 'env' | 'org';
}

/** Effective flags for the org, where each value comes from, the install defaults and the org overrides. */
export class FeaturesSettingsDto {
  @ApiProperty() rag: boolean;
  @ApiProperty() workers: boolean;
  @ApiProperty() orchestrator: boolean;
  @ApiProperty() voice: boolean;
  @ApiProperty() policies: boolean;
  @ApiProperty() ciab: boolean;

  @ApiProperty({ type: FeatureSourceDto })
  source: FeatureSourceDto;

  @ApiProperty({ description: 'Install-level flags (env)', example: { rag: true, workers: false } })
  defaults: Record<string, boolean>;

  @ApiProperty({ description: 'Org overrides currently stored', example: { voice: false } })
  overrides: Record<string, boolean>;
}
