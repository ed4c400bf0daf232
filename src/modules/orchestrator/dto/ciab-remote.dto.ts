import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A session of the remote CIAB control plane (same shape as /ciab-native; documentation only). */
export class RemoteCiabSessionDto {
  @ApiProperty({ example: 'cs_01' })
  id: string;

  @ApiProperty({ description: 'owning org (sessions of other orgs are never returned)' })
  org_id: string;

  @ApiProperty({ enum: ['provisioning', 'running', 'idle', 'terminated', 'failed'] })
  status: string;

  @ApiPropertyOptional({ enum: ['local', 'ec2'] })
  runtime?: string;

  @ApiPropertyOptional({ example: 'claude-code' })
  agent_provider?: string;

  @ApiPropertyOptional()
  created_at?: string;
}

export class RemoteCiabSessionListDto {
  @ApiProperty({ type: [RemoteCiabSessionDto] })
  items: RemoteCiabSessionDto[];
}

export class RemoteCiabCreateDto {
  @ApiPropertyOptional({ enum: ['local', 'ec2'] })
  runtime?: string;

  @ApiPropertyOptional({ example: 'claude-code' })
  agent_provider?: string;

  @ApiPropertyOptional({ type: 'object', properties: { repo: { type: 'string' }, ref: { type: 'string' } } })
  seed?: { repo: string; ref?: string };

  @ApiPropertyOptional({ example: 'snap_01' })
  restore?: string;

  @ApiPropertyOptional()
  prompt?: string;
}

export class RemoteCiabInputDto {
  @ApiProperty()
  text: string;
}

export class RemoteCiabSnapshotRequestDto {
  @ApiPropertyOptional()
  label?: string;
}
