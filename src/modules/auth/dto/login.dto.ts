import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin@localhost' })
  @IsString()
  @MaxLength(255)
  email: string;

  @ApiProperty({ example: 'admin' })
  @IsString()
  @MaxLength(1024)
  password: string;
}

export class RegisterDto {
  @ApiProperty({ example: 'ops@example.org' })
  @IsEmail({ require_tld: false })
  @MaxLength(255)
  email: string;

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

  @ApiPropertyOptional({ description: 'Creates a new org with the user as owner' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  org_name?: string;

  @ApiPropertyOptional({ description: "Joins the org of an invite with the invite's role" })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  invite_token?: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'token from POST /platform/users/:id/reset-password', example: 'pwr_…' })
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  token: string;

  @ApiProperty({ minLength: 8 })
  @IsString()
  @MinLength(8)
  @MaxLength(1024)
  password: string;
}

export class OidcCallbackQuery {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  code: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  state: string;
}
