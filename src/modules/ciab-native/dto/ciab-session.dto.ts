import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SESSION_STATUSES } from '../ciab-session.entity';

export const RUNTIMES = ['local', 'ec2'] as const;
export const AGENT_PROVIDERS = ['claude-code', 'cursor', 'codex'] as const;

export class SessionSeedDto {
  @ApiProperty({ description: 'http(s) git remote cloned into /workspace (through the egress guard)' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  repo: string;

  @ApiPropertyOptional({ description: 'branch or tag' })
  @IsOptional()
  @IsString()
  @Matches(/^[\w][\w./-]{0,199}$/, { message: 'ref must be a branch or tag name' })
  ref?: string;
}

export class CreateSessionDto {
  @ApiPropertyOptional({ enum: RUNTIMES, description: 'default: CIAB_RUNTIME' })
  @IsOptional()
  @IsIn(RUNTIMES)
  runtime?: (typeof RUNTIMES)[number];

  @ApiPropertyOptional({ enum: AGENT_PROVIDERS, default: 'claude-code' })
  @IsOptional()
  @IsIn(AGENT_PROVIDERS)
  agent_provider?: (typeof AGENT_PROVIDERS)[number];

  @ApiPropertyOptional({ type: SessionSeedDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SessionSeedDto)
  seed?: SessionSeedDto;

  @ApiPropertyOptional({ description: 'a snapshot (`snap_…`) to restore into the new session', example: 'snap_…' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  restore?: string;

  @ApiPropertyOptional({ description: 'recorded with the session (no coding-agent binary is packaged)' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  prompt?: string;
}

export class SessionDto {
  @ApiProperty({ example: 'cs_…' }) id: string;
  @ApiProperty({ enum: RUNTIMES }) runtime: string;
  @ApiProperty({ enum: AGENT_PROVIDERS }) agent_provider: string;
  @ApiProperty({ enum: SESSION_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) status_reason: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'user id of who started it' }) owner: string | null;
  @ApiProperty({ nullable: true, type: SessionSeedDto }) seed: SessionSeedDto | null;
  @ApiProperty({ nullable: true, type: String }) restored_from: string | null;
  @ApiProperty({ nullable: true, type: String }) prompt: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiProperty() last_activity_at: string;
  @ApiProperty({ nullable: true, type: String }) ended_at: string | null;
}

export class SessionPortDto {
  @ApiProperty() port: number;
  @ApiProperty({ description: 'signed preview link (`?token=` scoped to this session and port)' }) preview_url: string;
  @ApiProperty() expires_at: string;
}

export class SessionPortsDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ enum: SESSION_STATUSES }) status: string;
  @ApiProperty({ type: [SessionPortDto] }) ports: SessionPortDto[];
}

/** `/sandboxes` list item (misc-routes.md 6.2). */
export class SandboxDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ enum: RUNTIMES }) runtime: string;
  @ApiProperty({ enum: SESSION_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) owner: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ type: [SessionPortDto] }) ports: SessionPortDto[];
}

export class SessionInputDto {
  @ApiProperty({ description: "written to the session process's stdin (a newline is added when missing)" })
  @IsString()
  @MaxLength(65536)
  text: string;
}

export class InputAcceptedDto {
  @ApiProperty() bytes: number;
}

export class ExecDto {
  @ApiProperty({ description: 'run with `sh -c` in the session jail, from /workspace' })
  @IsString()
  @MinLength(1)
  @MaxLength(16384)
  command: string;

  @ApiPropertyOptional({ default: 60, minimum: 1, maximum: 600 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600)
  timeout_secs?: number;

  @ApiPropertyOptional({ description: 'stdin of the command' })
  @IsOptional()
  @IsString()
  @MaxLength(1048576)
  stdin?: string;
}

export class ExecResultDto {
  @ApiProperty({ nullable: true, type: Number }) exit_code: number | null;
  @ApiProperty({ nullable: true, type: String }) signal: string | null;
  @ApiProperty() stdout: string;
  @ApiProperty() stderr: string;
  @ApiProperty() stdout_truncated: boolean;
  @ApiProperty() stderr_truncated: boolean;
  @ApiProperty({ description: 'killed at its time limit' }) timed_out: boolean;
  @ApiProperty() duration_ms: number;
}

export class FilesQuery {
  @ApiPropertyOptional({ description: 'relative to /workspace (default: its root)' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  path?: string;
}

export class FileEntryDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['file', 'dir', 'symlink', 'other'] }) type: string;
  @ApiProperty() size: number;
  @ApiProperty({ example: '644' }) mode: string;
  @ApiProperty() modified: string;
}

export class FileListDto {
  @ApiProperty() path: string;
  @ApiProperty({ type: [FileEntryDto] }) entries: FileEntryDto[];
  @ApiProperty({ description: 'more entries than listed' }) truncated: boolean;
}

export class FileContentDto {
  @ApiProperty() path: string;
  @ApiProperty() size: number;
  @ApiProperty({ enum: ['utf8', 'base64'] }) encoding: 'utf8' | 'base64';
  @ApiProperty() content: string;
  @ApiProperty({ description: 'only the first bytes are returned' }) truncated: boolean;
}

export class CreateSnapshotDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label?: string;
}

export class SnapshotDto {
  @ApiProperty({ example: 'snap_…' }) snapshot_id: string;
  @ApiProperty() artifact_id: string;
  @ApiProperty() size_bytes: number;
  @ApiProperty({ nullable: true, type: String }) label: string | null;
}
