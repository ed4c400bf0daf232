import { ROLES, type Role } from '@libs/auth/principal';
import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { API_KEY_SCOPES, ApiKeyEntity, type ApiKeyScope, isKeyExpired, isKeyRevoked } from '../api-key.entity';
import { parseCidr } from '../ip-allow-list';

@ValidatorConstraint({ name: 'isCidr' })
class IsCidrConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && parseCidr(value) !== null;
  }
  defaultMessage(): string {
    return 'each value in allowed_ips must be an IP address or CIDR block (e.g. 10.20.0.0/16)';
  }
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'release-bot', description: 'Unique per org among live keys' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'member', description: "May not exceed the creator's role" })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    format: 'date-time',
    nullable: true,
    description: 'Must be in the future; null = never expires',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  expires_at?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['10.20.0.0/16'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Validate(IsCidrConstraint, { each: true })
  allowed_ips?: string[];

  @ApiPropertyOptional({ example: 'posts deploy summaries' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  notes?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: API_KEY_SCOPES,
    default: [],
    description:
      "`platform`: the key may use the creator's platform-admin power (/platform). Only platform admins may set it, and only on admin or owner keys; without it a key never has platform power.",
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: ApiKeyScope[];
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({
    default: 0,
    minimum: 0,
    maximum: 2592000,
    description: 'Grace period during which the old key keeps working; 0 revokes it at once',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30 * 24 * 3600)
  revoke_old_after_secs?: number;
}

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only live (true) or only revoked/expired (false) keys' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

export class ApiKeyDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ example: 'ak_live_3fZ9a1Qx', description: 'First characters of the secret, to recognise it' })
  key_fingerprint: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at: string | null;

  @ApiProperty({ type: [String] })
  allowed_ips: string[];

  @ApiProperty({ type: String, nullable: true })
  notes: string | null;

  @ApiProperty({ type: [String], enum: API_KEY_SCOPES, description: 'Extra powers beyond the role' })
  scopes: ApiKeyScope[];

  @ApiProperty({ description: 'User id of the creator (the key acts as this user)' })
  created_by: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the key was (or will be, during a rotation grace period) revoked',
  })
  revoked_at: string | null;

  @ApiProperty({ description: 'Not revoked and not expired' })
  active: boolean;
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  @ApiProperty({ example: 'ak_live_…', description: 'The secret; shown only in this response' })
  key: string;
}

export function toApiKeyDto(k: ApiKeyEntity): ApiKeyDto {
  return {
    id: k.id,
    name: k.name,
    key_fingerprint: k.keyFingerprint,
    role: k.role,
    expires_at: k.expiresAt?.toISOString() ?? null,
    allowed_ips: k.allowedIps,
    notes: k.notes,
    scopes: k.scopes ?? [],
    created_by: k.createdBy,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
    active: !isKeyRevoked(k) && !isKeyExpired(k),
  };
}
