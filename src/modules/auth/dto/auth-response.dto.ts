import { ROLES, type Role } from '@libs/auth/principal';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuthUserDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ enum: ROLES })
  role: Role;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'Bearer token (HS256 JWT)' })
  token: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ type: AuthUserDto })
  user: AuthUserDto;
}

export class OrgSummaryDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  display_name: string;
}

export class MeResponseDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  email: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ type: [String] })
  roles: string[];

  @ApiProperty({ type: [String] })
  permissions: string[];

  @ApiProperty({ type: OrgSummaryDto })
  org: OrgSummaryDto;

  @ApiProperty({ enum: ['local', 'oidc'] })
  auth_provider: 'local' | 'oidc';

  @ApiProperty()
  platform_admin: boolean;

  @ApiPropertyOptional()
  api_key_id?: string;
}
