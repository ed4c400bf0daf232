import { ApiProperty } from '@nestjs/swagger';

/** misc-routes.md §1; `degraded` is reserved for dependencies that answer but only in part */
const STATES = ['ok', 'degraded', 'down', 'disabled'];

/** Feature-gated route groups that are switched on AND mounted by this build. */
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
