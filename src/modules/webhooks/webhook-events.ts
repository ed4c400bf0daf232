import type { OrgEventName } from '@libs/events/org-events';

/**
 * The one table of outbound event names: the public name a subscription lists ↔ the internal
 * OrgEventMap type it is delivered for.
 */
export const OUTBOUND_EVENTS = {
  'task_run.finished': 'task_run.finished',
  'task_run.failed': 'task_run.failed',
  'approval.created': 'approval.created',
  'approval.resolved': 'approval.resolved',
  'source.sync.completed': 'job.completed',
  'source.sync.failed': 'job.failed',
} as const satisfies Record<string, OrgEventName>;

export type OutboundEventName = keyof typeof OUTBOUND_EVENTS;

export const OUTBOUND_EVENT_NAMES = Object.keys(OUTBOUND_EVENTS) as OutboundEventName[];

const PUBLIC_BY_INTERNAL = new Map<string, OutboundEventName>(
  OUTBOUND_EVENT_NAMES.map((name) => [OUTBOUND_EVENTS[name], name]),
);

/** The public name of an internal event, or null when it is not delivered to subscriptions. */
export function publicEventName(internal: string): OutboundEventName | null {
  return PUBLIC_BY_INTERNAL.get(internal) ?? null;
}

export function isOutboundEventName(name: string): name is OutboundEventName {
  return Object.prototype.hasOwnProperty.call(OUTBOUND_EVENTS, name);
}
