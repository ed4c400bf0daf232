import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsObject,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { FeatureOverridesUpdateDto } from './features-settings.dto';
import { SecuritySettingsUpdateDto } from './security-settings.dto';

/** Body of PATCH /settings: deep-merged into the org settings. `name` (the slug) is immutable. */
export class OrgSettingsUpdateDto {
  @ApiPropertyOptional({ example: 'Acme Corp' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  display_name?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'infrastructure',
    description: 'Realm new conversations use when none is given; null clears it',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'default_realm must be a realm slug' })
  default_realm?: string | null;

  @ApiPropertyOptional({ type: SecuritySettingsUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SecuritySettingsUpdateDto)
  security?: SecuritySettingsUpdateDto;

  @ApiPropertyOptional({ type: FeatureOverridesUpdateDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FeatureOverridesUpdateDto)
  features?: FeatureOverridesUpdateDto;
}

export class OrgRefDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() display_name: string;
}

export class OrgSettingsDto {
  @ApiProperty({ type: OrgRefDto })
  org: OrgRefDto;

  @ApiProperty()
  display_name: string;

  @ApiProperty({ example: 'UTC' })
  timezone: string;

  @ApiProperty({ type: String, nullable: true })
  default_realm: string | null;

  @ApiProperty({
    description:
      'The whole settings document without secrets: timezone, default_realm, security, llm (api_key_set instead of the key), features (org overrides), plus keys other modules keep there',
    type: 'object',
    additionalProperties: true,
  })
  settings: Record<string, unknown>;
}
