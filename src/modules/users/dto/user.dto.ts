import { ROLES, type Role } from '@libs/auth/principal';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MeResponseDto, OrgSummaryDto } from 'src/modules/auth/dto/auth-response.dto';
import { UserEntity } from 'src/modules/orgs/user.entity';
import type { ListedUserRow } from 'src/modules/orgs/users.repository';

export class UserDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  org_id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ enum: ['local', 'oidc'] })
  auth_provider: 'local' | 'oidc';

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_login_at: string | null;

  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export function toUserDto(u: UserEntity): UserDto {
  return {
    id: u.id,
    org_id: u.orgId,
    email: u.email,
    name: u.name,
    role: u.role,
    auth_provider: u.authProvider,
    last_login_at: u.lastLoginAt?.toISOString() ?? null,
    disabled: !!u.disabledAt,
    created_at: u.createdAt.toISOString(),
  };
}

/** A row of the members list: already the DTO's fields, in its order. */
export function listedUserDto(u: ListedUserRow): UserDto {
  return {
    id: u.id,
    org_id: u.organization_id,
    email: u.email,
    name: u.name,
    role: u.role,
    auth_provider: u.auth_provider,
    last_login_at: u.last_login_at,
    disabled: u.disabled,
    created_at: u.created_at,
  };
}

export class MembershipDto {
  @ApiProperty({ type: OrgSummaryDto })
  org: OrgSummaryDto;

  @ApiProperty({ enum: ROLES })
  role: Role;
}

export class UserProfileDto extends MeResponseDto {
  @ApiProperty({ type: [MembershipDto] })
  memberships: MembershipDto[];
}

export class UpdateMeDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ minLength: 8, description: 'New password (local users); needs current_password' })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  current_password?: string;
}

export class UpdateUserRoleDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Substring of email or name' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  q?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  disabled?: boolean;
}
