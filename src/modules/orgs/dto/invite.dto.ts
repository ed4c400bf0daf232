import { ROLES, type Role } from '@libs/auth/principal';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDateString,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { InviteEntity, inviteStatus, type InviteStatus } from '../invite.entity';

export const INVITE_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;

export class CreateInviteDto {
  @ApiProperty({ example: 'new.user@example.org' })
  @IsEmail({ require_tld: false })
  @MaxLength(255)
  email: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'member' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: 7 days from now' })
  @IsOptional()
  @IsDateString({ strict: true })
  expires_at?: string;

  @ApiPropertyOptional({ minimum: 60, maximum: 2592000, description: 'Alternative to expires_at' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  expires_in_secs?: number;
}

export class PlatformCreateInviteDto extends CreateInviteDto {
  @ApiProperty({ description: 'Org to invite into' })
  @IsUUID()
  org_id: string;
}

export class AcceptInviteDto {
  @ApiProperty({ description: 'The invite token' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  name?: string;
}

export class ListInvitesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: INVITE_STATUSES })
  @IsOptional()
  @IsIn(INVITE_STATUSES)
  status?: InviteStatus;
}

export class PlatformListInvitesQuery extends ListInvitesQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  org_id?: string;
}

export class InviteDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  org_id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ enum: INVITE_STATUSES })
  status: InviteStatus;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  accepted_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  created_by: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class InviteCreatedDto extends InviteDto {
  @ApiProperty({ description: 'Shown only in this response' })
  token: string;

  @ApiProperty()
  accept_url: string;
}

export function toInviteDto(i: InviteEntity): InviteDto {
  return {
    id: i.id,
    org_id: i.orgId,
    email: i.email,
    role: i.role,
    status: inviteStatus(i),
    expires_at: i.expiresAt.toISOString(),
    accepted_at: i.acceptedAt?.toISOString() ?? null,
    created_by: i.createdBy,
    created_at: i.createdAt.toISOString(),
  };
}
