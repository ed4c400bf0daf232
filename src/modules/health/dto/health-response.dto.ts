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

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
}

export class HealthResponseDto {
  @ApiProperty({
    enum: ['ok', 'degraded', 'down'],
    description: '`down` (HTTP 503) when PostgreSQL, Neo4j or Redis fails; `degraded` (200) when only the LLM does',
  })
  status: 'ok' | 'degraded' | 'down';

  @ApiProperty({ type: HealthFeaturesDto })
  features: HealthFeaturesDto;

  @ApiProperty({ type: HealthDependenciesDto })
  dependencies: HealthDependenciesDto;
}
