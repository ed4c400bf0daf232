import type { OrgEvent, OrgEventName } from '@libs/events';

/** The platform events a lifecycle task can listen to (docs/tasks.md, spec tasks-and-pipelines §2.2). */
export const LIFECYCLE_EVENTS = [
  'source.sync.succeeded',
  'source.sync.failed',
  'task.run.failed',
  'approval.expired',
  'memory.created',
  'channel.disconnected',
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** The org event each lifecycle event is read from. */
const FROM_ORG_EVENT: Partial<Record<OrgEventName, LifecycleEvent>> = {
  'job.completed': 'source.sync.succeeded',
  'job.failed': 'source.sync.failed',
  'task_run.failed': 'task.run.failed',
  'approval.expired': 'approval.expired',
  'memory.created': 'memory.created',
  'channel.disconnected': 'channel.disconnected',
};

export function lifecycleEventOf(event: OrgEvent): LifecycleEvent | undefined {
  return FROM_ORG_EVENT[event.type];
}

export type LifecycleFilter = Record<string, string | number | boolean | null>;

export const MAX_FILTER_KEYS = 20;
const KEY = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,4}$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** Why a filter is refused, or null: flat, ≤ 20 keys, dotted paths of plain names, scalar values. */
export function lifecycleFilterError(filter: unknown): string | null {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    return 'filter must be an object of field → value';
  }
  const entries = Object.entries(filter);
  if (entries.length > MAX_FILTER_KEYS) {
    return `filter has ${entries.length} fields; at most ${MAX_FILTER_KEYS}`;
  }
  for (const [key, value] of entries) {
    if (!KEY.test(key) || key.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s))) {
      return `filter field "${key.slice(0, 80)}" must be a field name or a dotted path of names (letters, digits, _ and -)`;
    }
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= 500);
    if (!ok) {
      return `filter value of "${key}" must be a string (≤ 500 characters), a number, a boolean or null`;
    }
  }
  return null;
}

/** The value at a dotted path of the event data, own properties only. */
function valueAt(data: Record<string, unknown>, path: string): unknown {
  let cur: unknown = data;
  for (const segment of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, segment)) {
      return undefined;
    }
    cur = (cur as Record<string, unknown>)[segment];
  }
  return cur;
}

/** Every field of the filter equals the event's (strict equality; an empty filter matches all). */
export function lifecycleFilterMatches(filter: LifecycleFilter | null, data: Record<string, unknown>): boolean {
  return Object.entries(filter ?? {}).every(([path, expected]) => valueAt(data, path) === expected);
}

/**
 * Whether a task must ignore an event although its filter matches: a failed run of the task
 * itself, or of a run that a lifecycle trigger started, never fires a lifecycle task (no loops).
 */
export function isSelfTriggered(taskId: string, event: LifecycleEvent, data: Record<string, unknown>): boolean {
  return event === 'task.run.failed' && (data.task_id === taskId || data.trigger_kind === 'lifecycle');
}
