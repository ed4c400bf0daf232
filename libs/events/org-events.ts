import { EventBus } from '@libs/redis/event-bus.service';
import { Injectable, Logger } from '@nestjs/common';

type Data = Record<string, unknown>;

/**
 * Every event published to an org, with its payload. The WebSocket gateway relays them (topics by
 * name prefix); later notifications and outbound webhooks subscribe to the same map.
 */
export interface OrgEventMap {
  'graph.changed': Data & { reason?: string; realm?: string; source_id?: string };
  'job.queued': Data & { source_id: string };
  'job.progress': Data & { source_id: string };
  'job.completed': Data & { source_id: string };
  'job.failed': Data & { source_id: string };
  'job.cancelled': Data & { source_id: string };
  'source.updated': Data & { source_id: string };
  'access_request.created': Data & { id: string };
  'access_request.decided': Data & { id: string };
  /** `source`: chat | manual | channel | task; `requested_by`: the acting user, if any */
  'approval.created': Data & {
    approval_id: string;
    conversation_id: string;
    tool: string;
    source?: string;
    requested_by?: string | null;
  };
  'approval.resolved': Data & { approval_id: string; conversation_id: string; decision: string };
  /** a pending approval reached its deadline without a decision */
  'approval.expired': Data & { approval_id: string; conversation_id: string; tool: string };
  /** a memory entry was stored (`POST /memory`) */
  'memory.created': Data & { memory_id: string; kind: string; realm: string | null };
  /** a channel lost its connection to the outside service (e.g. the WhatsApp device logged out) */
  'channel.disconnected': Data & { channel_id: string; type: string; reason: string };
  'agent_run.finished': Data & { run_id: string; conversation_id: string; status: string };
  /** every state change of a task run (status, waiting_approval) */
  'task_run.updated': Data & { run_id: string; task_id: string | null; status: string };
  /** a task run ended `succeeded` or `cancelled` */
  'task_run.finished': Data & { run_id: string; task_id: string | null; status: string };
  /** a task run ended `failed` */
  'task_run.failed': Data & { run_id: string; task_id: string | null; status: string; error?: unknown };
  /** a skill version waits for an admin's review (created by submit or a registry install) */
  'skill.submitted': Data & { skill_id: string; slug: string; submitted_by: string | null };
  /** a skill version was approved or rejected; `submitted_by` is who should hear about it */
  'skill.reviewed': Data & { skill_id: string; slug: string; decision: string; submitted_by: string | null };
  /** every state/step change of a pipeline run (docs/pipelines.md) */
  'pipeline_run.updated': Data & { run_id: string; pipeline_id: string; status: string };
  /** a scheduled fire of a pipeline started no run (a run was active, or the start failed) */
  'pipeline_run.skipped': Data & { pipeline_id: string; scheduled_for: string; reason: string };
  /** a worker job used up its attempts without an outcome (lease expired, worker offline, retryable failures) */
  'worker_job.dead': Data & { job_id: string; kind: string; queue: string; ref: string | null };
  /** one user's notification (the WebSocket gateway sends it to that user only) */
  'notification.created': Data & { id: string; user_id: string; kind: string };
}

export type OrgEventName = keyof OrgEventMap;

export interface OrgEvent<K extends OrgEventName = OrgEventName> {
  type: K;
  data: OrgEventMap[K];
  /** ISO timestamp of publication */
  ts: string;
}

/** The one name of an org's event channel on the EventBus. */
export function orgEventsChannel(orgId: string): string {
  return `org:${orgId}:events`;
}

/** Called in the publishing process only, once per event: see `OrgEvents.onPublish`. */
export type OrgEventListener = (orgId: string, event: OrgEvent) => void | Promise<void>;

/** Publishes and subscribes to typed org events across replicas (Redis pub/sub through EventBus). */
@Injectable()
export class OrgEvents {
  private readonly logger = new Logger(OrgEvents.name);
  private readonly listeners: OrgEventListener[] = [];

  constructor(private readonly bus: EventBus) {}

  /**
   * Reacts to every event published by THIS process (never to events relayed from other replicas),
   * so work that must happen once per event (a notification row, an outbound webhook delivery)
   * happens exactly once in the cluster: in the process that made the change.
   */
  onPublish(listener: OrgEventListener): void {
    this.listeners.push(listener);
  }

  /** Best effort: an event that cannot be published is logged, never thrown to the caller. */
  async publish<K extends OrgEventName>(orgId: string, type: K, data: OrgEventMap[K]): Promise<void> {
    const event: OrgEvent<K> = { type, data, ts: new Date().toISOString() };
    for (const listener of this.listeners) {
      try {
        await listener(orgId, event);
      } catch (err) {
        this.logger.warn(`a listener of ${type} for org ${orgId} failed: ${(err as Error).message}`);
      }
    }
    try {
      await this.bus.publish(orgEventsChannel(orgId), event);
    } catch (err) {
      this.logger.warn(`publishing ${type} for org ${orgId} failed: ${(err as Error).message}`);
    }
  }

  /** Resolves once subscribed; returns the unsubscribe function. */
  subscribe(orgId: string, handler: (event: OrgEvent) => void): Promise<() => Promise<void>> {
    return this.bus.subscribe(orgEventsChannel(orgId), (msg) => handler(msg as OrgEvent));
  }
}
