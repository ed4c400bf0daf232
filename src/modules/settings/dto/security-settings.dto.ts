import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsTimeZone, Max, Min, ValidateNested } from 'class-validator';
import {
  APPROVAL_MODES,
  type ApprovalMode,
  MAX_APPROVAL_TIMEOUT_SECS,
  MIN_APPROVAL_TIMEOUT_SECS,
} from '../settings.types';

export class ApprovalDefaultsPatchDto {
  @ApiPropertyOptional({ enum: APPROVAL_MODES, default: 'allow' })
  @IsOptional()
  @IsIn(APPROVAL_MODES)
  read?: ApprovalMode;

  @ApiPropertyOptional({ enum: APPROVAL_MODES, default: 'approve' })
  @IsOptional()
  @IsIn(APPROVAL_MODES)
  write?: ApprovalMode;

  @ApiPropertyOptional({ enum: APPROVAL_MODES, default: 'approve' })
  @IsOptional()
  @IsIn(APPROVAL_MODES)
  destructive?: ApprovalMode;
}

/** Body of POST/PATCH /settings/security; partial bodies merge into the stored document. */
export class SecuritySettingsUpdateDto {
  @ApiPropertyOptional({ type: ApprovalDefaultsPatchDto, description: 'Per tool effect: allow | approve | deny' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalDefaultsPatchDto)
  approval_defaults?: ApprovalDefaultsPatchDto;

  @ApiPropertyOptional({ minimum: MIN_APPROVAL_TIMEOUT_SECS, maximum: MAX_APPROVAL_TIMEOUT_SECS, default: 300 })
  @IsOptional()
  @IsInt()
  @Min(MIN_APPROVAL_TIMEOUT_SECS)
  @Max(MAX_APPROVAL_TIMEOUT_SECS)
  approval_timeout_secs?: number;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone for business-hours policies' })
  @IsOptional()
  @IsTimeZone()
  org_timezone?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Whether the user who triggered a destructive tool call may approve it themselves',
  })
  @IsOptional()
  @IsBoolean()
  allow_self_approval?: boolean;
}

export class ApprovalDefaultsDto {
  @ApiProperty({ enum: APPROVAL_MODES })
  read: ApprovalMode;

  @ApiProperty({ enum: APPROVAL_MODES })
  write: ApprovalMode;

  @ApiProperty({ enum: APPROVAL_MODES })
  destructive: ApprovalMode;
}

export class SecuritySettingsDto {
  @ApiProperty({ type: ApprovalDefaultsDto })
  approval_defaults: ApprovalDefaultsDto;

  @ApiProperty({ example: 300 })
  approval_timeout_secs: number;

  @ApiProperty({ example: 'UTC' })
  org_timezone: string;

  @ApiProperty({ example: false })
  allow_self_approval: boolean;
}
