import { ApiProperty } from '@nestjs/swagger';

const STATES = ['ok', 'error', 'disabled'];

export class HealthFeaturesDto {
  @ApiProperty() rag: boolean;
  @ApiProperty() workers: boolean;
  @ApiProperty() orchestrator: boolean;
  @ApiProperty() voice: boolean;
  @ApiProperty() policies: boolean;
}

export class HealthDependenciesDto {
  @ApiProperty({ enum: STATES }) postgres: string;
  @ApiProperty({ enum: STATES }) neo4j: string;
  @ApiProperty({ enum: STATES }) redis: string;
  @ApiProperty({ enum: STATES }) llm: string;
}

export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'degraded'] })
  status: 'ok' | 'degraded';

  @ApiProperty({ type: HealthFeaturesDto })
  features: HealthFeaturesDto;

  @ApiProperty({ type: HealthDependenciesDto })
  dependencies: HealthDependenciesDto;
}
