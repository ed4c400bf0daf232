import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { CLI_VERSION_PATTERN } from '../cli-targets';

export class CliVersionDto {
  @ApiProperty({ example: '0.1.0', description: 'the newest CLI version this server holds' })
  version: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'linux-amd64': '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' },
    description: 'hex SHA-256 of each available `<os>-<arch>` artifact',
  })
  sha256: Record<string, string>;
}

export class CliVersionQuery {
  @ApiPropertyOptional({ example: '0.1.0', description: 'a version this server holds (default: the newest)' })
  @IsOptional()
  @Matches(CLI_VERSION_PATTERN, { message: 'version must look like 1.2.3 or 1.2.3-rc.1' })
  version?: string;
}
