import type { TaskDto, TaskRunDto } from './dto/task.dto';
import { nextFireAt } from './task-trigger';
import type { TaskEntity, TaskRunEntity } from './task.entity';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function hookUrl(publicBaseUrl: string, taskId: string): string {
  return `${publicBaseUrl}/api/v1/hooks/${taskId}`;
}

/** A task as the API shows it; `secret` only right after creation or rotation. */
export function toTaskDto(t: TaskEntity, publicBaseUrl: string, secret?: string): TaskDto {
  const trigger: TaskDto['trigger'] = { kind: t.triggerKind };
  if (t.triggerKind === 'schedule') {
    trigger.cron = t.cron ?? undefined;
    trigger.timezone = t.timezone;
  }
  if (t.triggerKind === 'lifecycle') {
    trigger.event = t.triggerEvent ?? undefined;
    trigger.filter = t.triggerFilter ?? {};
  }
  if (t.triggerKind === 'webhook') {
    trigger.url = hookUrl(publicBaseUrl, t.id);
    trigger.secret_preview = t.secretPrefix ? `${t.secretPrefix}…` : undefined;
    if (secret) {
      trigger.secret = secret;
    }
  }
  const next = t.triggerKind === 'schedule' && t.enabled && t.cron ? nextFireAt(t.cron, t.timezone) : null;
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    agent: t.agent,
    realm: t.realm,
    trigger,
    input_template: t.inputTemplate ?? {},
    approval_defaults: t.approvalDefaults,
    enabled: t.enabled,
    timeout_secs: t.timeoutSecs,
    max_iterations: t.maxIterations,
    next_fire_at: iso(next),
    created_by: t.createdBy,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

export function toRunDto(r: TaskRunEntity, artifacts: string[] = []): TaskRunDto {
  return {
    id: r.id,
    task_id: r.taskId,
    task_name: r.taskName,
    status: r.status,
    waiting_approval: r.waitingApproval,
    trigger: { ...(r.trigger as unknown as Record<string, unknown>) },
    input: r.input,
    agent: r.agent,
    conversation_id: r.conversationId,
    usage: r.usage,
    error: r.error,
    output: r.output,
    artifacts,
    created_at: r.createdAt.toISOString(),
    started_at: iso(r.startedAt),
    finished_at: iso(r.finishedAt),
  };
}
