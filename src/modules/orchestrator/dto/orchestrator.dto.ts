import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Shapes of the OpenFang objects the gateway passes through (documentation only: bodies are
 * forwarded as sent, answers as OpenFang gives them, minus other orgs' objects).
 */
export class OrchestratorStatusDto {
  @ApiProperty({ description: 'features.orchestrator for the caller’s org' })
  enabled: boolean;

  @ApiProperty({ description: 'OPENFANG_URL is set' })
  configured: boolean;

  @ApiProperty({ description: 'OpenFang answered a health probe just now' })
  reachable: boolean;

  @ApiPropertyOptional({ description: 'version OpenFang reports' })
  version?: string;
}

class OwnedObjectDto {
  @ApiProperty({ example: 'agt_01' })
  id: string;

  @ApiProperty({ description: 'owning org (objects of other orgs are never returned)' })
  org_id: string;
}

export class OrchestratorAgentDto extends OwnedObjectDto {
  @ApiProperty()
  name: string;

  @ApiPropertyOptional({ description: 'model route (see /orchestrator/models)' })
  model?: string;

  @ApiPropertyOptional()
  instructions?: string;

  @ApiPropertyOptional({ type: [String] })
  tools?: string[];
}

export class WorkflowStepDto {
  @ApiProperty({ example: 'summarise' })
  id: string;

  @ApiProperty({ enum: ['sequential', 'fan-out', 'collect', 'conditional', 'loop'] })
  mode: string;

  @ApiPropertyOptional({ description: 'agent that runs the step (must belong to the caller’s org)' })
  agent_id?: string;

  @ApiPropertyOptional({ description: 'conditional/loop expression' })
  condition?: string;

  @ApiPropertyOptional({ type: [String], description: 'steps this one depends on' })
  after?: string[];
}

export class OrchestratorWorkflowDto extends OwnedObjectDto {
  @ApiProperty()
  name: string;

  @ApiProperty({ type: [WorkflowStepDto] })
  steps: WorkflowStepDto[];
}

export class WorkflowWriteDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional({ type: [WorkflowStepDto] })
  steps?: WorkflowStepDto[];
}

export class AgentWriteDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional()
  model?: string;

  @ApiPropertyOptional()
  instructions?: string;

  @ApiPropertyOptional({ type: [String] })
  tools?: string[];
}

export class WorkflowRunRequestDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'workflow input' })
  input?: Record<string, unknown>;
}

export class OrchestratorRunDto extends OwnedObjectDto {
  @ApiProperty()
  workflow_id: string;

  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] })
  status: string;

  @ApiPropertyOptional()
  started_at?: string;

  @ApiPropertyOptional()
  finished_at?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  output?: Record<string, unknown>;
}

export class ModelRouteDto extends OwnedObjectDto {
  @ApiProperty({ description: 'name agents refer to' })
  name: string;

  @ApiProperty({ example: 'openai' })
  provider: string;

  @ApiProperty({ example: 'gpt-4o-mini' })
  model: string;

  @ApiPropertyOptional({ type: [String], description: 'fallback routes' })
  fallbacks?: string[];
}

export class ModelRouteWriteDto {
  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional()
  provider?: string;

  @ApiPropertyOptional()
  model?: string;

  @ApiPropertyOptional({ type: [String] })
  fallbacks?: string[];
}

export class TriggerDto extends OwnedObjectDto {
  @ApiProperty()
  workflow_id: string;

  @ApiProperty({ enum: ['cron', 'webhook', 'event'] })
  kind: string;

  @ApiPropertyOptional({ example: '0 9 * * *' })
  schedule?: string;

  @ApiProperty()
  enabled: boolean;
}

export class TriggerWriteDto {
  @ApiPropertyOptional()
  workflow_id?: string;

  @ApiPropertyOptional({ enum: ['cron', 'webhook', 'event'] })
  kind?: string;

  @ApiPropertyOptional()
  schedule?: string;

  @ApiPropertyOptional()
  enabled?: boolean;
}

/** A list as OpenFang answers it: `{ items }` (any array in the answer is filtered to the caller's org). */
export function listOf<T>(type: new () => T) {
  class ListDto {
    @ApiProperty({ type: [type] })
    items: T[];
  }
  Object.defineProperty(ListDto, 'name', { value: `${type.name.replace(/Dto$/, '')}ListDto` });
  return ListDto;
}

export const AgentListDto = listOf(OrchestratorAgentDto);
export const WorkflowListDto = listOf(OrchestratorWorkflowDto);
export const RunListDto = listOf(OrchestratorRunDto);
export const ModelRouteListDto = listOf(ModelRouteDto);
export const TriggerListDto = listOf(TriggerDto);
