import { ROLES, type Role } from '@libs/auth/principal';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { InviteCreatedDto } from 'src/modules/orgs/dto/invite.dto';
import { OrganizationEntity } from 'src/modules/orgs/organization.entity';
import { ListUsersQuery } from 'src/modules/users/dto/user.dto';

export const PLANS = ['free', 'team', 'enterprise'] as const;
const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class CreateOrgDto {
  @ApiProperty({ example: 'acme', description: 'Slug: lowercase letters, digits and dashes; unique' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[a-z0-9][a-z0-9-]*$/, { message: 'name must be a slug (lowercase letters, digits, dashes)' })
  name: string;

  @ApiPropertyOptional({ example: 'Acme Inc.' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  display_name?: string;

  @ApiPropertyOptional({ enum: PLANS, default: 'free' })
  @IsOptional()
  @IsIn(PLANS)
  plan?: (typeof PLANS)[number];

  @ApiPropertyOptional({ description: 'Creates an owner invite for this address' })
  @IsOptional()
  @IsEmail({ require_tld: false })
  @MaxLength(255)
  owner_email?: string;
}

export class UpdateOrgDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  display_name?: string;

  @ApiPropertyOptional({ enum: PLANS })
  @IsOptional()
  @IsIn(PLANS)
  plan?: (typeof PLANS)[number];

  @ApiPropertyOptional({ description: "A disabled org's members get 403 org_disabled on every request" })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ description: 'Alias of disabled' })
  @IsOptional()
  @IsBoolean()
  suspended?: boolean;
}

export class ListOrgsQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  q?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({
    description: 'true lists the deleted orgs (restorable until purged); by default they are left out',
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  deleted?: boolean;
}

export class PlatformListUsersQuery extends ListUsersQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  org_id?: string;
}

export class PlatformUpdateUserDto {
  @ApiPropertyOptional({
    description: "A disabled user's tokens and API keys stop working at once; the tokens stay ended after enabling",
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    type: [String],
    example: ['platform:admin'],
    description: 'Replaces the permissions; removing one ends the sessions issued before',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  permissions?: string[];
}

export class OrgDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  display_name: string;

  @ApiProperty({ enum: PLANS })
  plan: string;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  disabled_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'set while the org is deleted' })
  deleted_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when a deleted org is purged' })
  purge_at: string | null;

  @ApiProperty()
  user_count: number;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class OrgUsageDto {
  @ApiProperty()
  users: number;

  @ApiProperty()
  api_keys: number;
}

export class OrgDetailDto extends OrgDto {
  @ApiProperty({ type: OrgUsageDto })
  usage: OrgUsageDto;

  @ApiProperty({ type: [String], description: 'Top-level keys of the org settings' })
  settings_keys: string[];
}

export class OrgCreatedDto extends OrgDto {
  @ApiPropertyOptional({ type: InviteCreatedDto, description: 'Present when owner_email was given' })
  owner_invite?: InviteCreatedDto;
}

export class PlatformAdminStatusDto {
  @ApiProperty() user_id: string;
  @ApiProperty({ description: 'Holds the platform:admin permission' }) platform_admin: boolean;
}

export class PasswordResetIssuedDto {
  @ApiProperty() user_id: string;
  @ApiProperty({ description: 'one-time token for POST /auth/reset-password; shown once' }) reset_token: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
}

export function toOrgDto(o: OrganizationEntity, userCount: number, purgeAfterDays: number): OrgDto {
  return {
    id: o.id,
    name: o.name,
    display_name: o.displayName,
    plan: o.plan,
    disabled: !!o.disabledAt,
    disabled_at: o.disabledAt?.toISOString() ?? null,
    deleted_at: o.deletedAt?.toISOString() ?? null,
    purge_at: o.deletedAt ? new Date(o.deletedAt.getTime() + purgeAfterDays * 86_400_000).toISOString() : null,
    user_count: userCount,
    created_at: o.createdAt.toISOString(),
  };
}
