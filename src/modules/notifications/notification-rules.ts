import type { OrgEvent } from '@libs/events';
import type { NewNotification } from './notifier';

/** Who gets it: the org's admins and owners, one user, or one user falling back to the admins. */
export type Audience =
  { kind: 'admins'; plus?: unknown } | { kind: 'user'; userId: unknown } | { kind: 'user_or_admins'; userId: unknown };

export interface NotificationPlan {
  audience: Audience;
  notification: NewNotification;
  /** notify only if, after this many seconds, the approval named here is still pending */
  whenStillPending?: { approvalId: string; afterSecs: number };
}

type Data = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Approval sources with nobody watching a live client: task runs (`task`) and inbound webhooks
 * (`channel`). Chat and manual approvals have a user at a client who sees the request in the
 * stream; they are notified only when still pending after the delay.
 */
const UNATTENDED_APPROVAL_SOURCES = ['task', 'channel'];

/** Which notification an org event gives, if any (docs/notifications.md, "When notifications are created"). */
export function planFor(event: OrgEvent, chatApprovalDelaySecs: number): NotificationPlan | null {
  const d = event.data as Data;
  switch (event.type) {
    case 'approval.created': {
      const approvalId = str(d.approval_id)!;
      const notification: NewNotification = {
        type: 'approval.pending',
        title: `Approval needed: ${str(d.tool) ?? 'tool call'}`,
        body: `A call to ${str(d.tool) ?? 'a tool'} waits for a decision${d.expires_at ? ` until ${str(d.expires_at)}` : ''}.`,
        link: `/api/v1/chat/approvals/${approvalId}`,
        data: {
          approval_id: approvalId,
          conversation_id: d.conversation_id,
          tool: d.tool,
          source: d.source ?? null,
          expires_at: d.expires_at ?? null,
        },
        dedupeKey: `approval:${approvalId}`,
      };
      const audience: Audience = { kind: 'user_or_admins', userId: d.requested_by };
      if (UNATTENDED_APPROVAL_SOURCES.includes(str(d.source) ?? '')) {
        return { audience, notification };
      }
      return { audience, notification, whenStillPending: { approvalId, afterSecs: chatApprovalDelaySecs } };
    }
    case 'job.failed': {
      const job = (d.job ?? {}) as Data;
      const sourceId = str(d.source_id)!;
      const name = str(job.source_name) ?? 'a source';
      const error = (d.error ?? {}) as Data;
      return {
        audience: { kind: 'admins', plus: job.requested_by },
        notification: {
          type: 'sync_job.failed',
          title: `Sync of ${name} failed`,
          body: str(error.message) ?? 'The sync job failed.',
          link: `/api/v1/sources/${sourceId}/jobs/${str(job.id) ?? ''}`,
          data: { source_id: sourceId, job_id: job.id ?? null, source_name: job.source_name ?? null, error },
          dedupeKey: job.id ? `sync_job:${str(job.id)}` : undefined,
        },
      };
    }
    case 'task_run.failed':
    case 'task_run.finished': {
      const failed = event.type === 'task_run.failed';
      const task = str(d.task_name) ?? 'A task';
      const runId = str(d.run_id)!;
      const err = d.error as Data | string | undefined;
      const errText = typeof err === 'string' ? err : str(err?.message);
      return {
        audience: { kind: 'user', userId: d.created_by },
        notification: {
          type: failed ? 'task_run.failed' : 'task_run.finished',
          title: failed ? `${task} failed` : `${task} ${str(d.status) ?? 'finished'}`,
          body: failed ? (errText ?? 'The task run failed.') : `The task run ended ${str(d.status) ?? 'finished'}.`,
          link: d.task_id ? `/api/v1/tasks/${str(d.task_id)}/runs/${runId}` : null,
          data: { run_id: runId, task_id: d.task_id ?? null, task_name: d.task_name ?? null, status: d.status },
          dedupeKey: `task_run:${runId}:${failed ? 'failed' : 'finished'}`,
        },
      };
    }
    case 'access_request.created': {
      const id = str(d.id)!;
      return {
        audience: { kind: 'admins' },
        notification: {
          type: 'access_request.created',
          title: `Access requested to ${str(d.connector) ?? 'a connector'}`,
          body: str(d.reason) ?? '',
          link: `/api/v1/sources/access-requests/${id}`,
          data: { access_request_id: id, connector: d.connector, requested_by: d.user_id ?? null },
          dedupeKey: `access_request:${id}`,
        },
      };
    }
    case 'skill.submitted': {
      const skillId = str(d.skill_id)!;
      return {
        audience: { kind: 'admins' },
        notification: {
          type: 'skill.review_requested',
          title: `Skill ${str(d.slug) ?? ''} waits for review`.replace('  ', ' '),
          body: 'A skill version was submitted for approval.',
          link: `/api/v1/skills/${skillId}`,
          data: { skill_id: skillId, slug: d.slug ?? null, submitted_by: d.submitted_by ?? null },
          dedupeKey: `skill:${skillId}:submitted:${str(event.ts) ?? ''}`,
        },
      };
    }
    case 'skill.reviewed': {
      const skillId = str(d.skill_id)!;
      const decision = str(d.decision) ?? 'reviewed';
      return {
        audience: { kind: 'user', userId: d.submitted_by },
        notification: {
          type: 'skill.reviewed',
          title: `Skill ${str(d.slug) ?? ''} ${decision}`.replace('  ', ' '),
          body: `Your skill version was ${decision}.`,
          link: `/api/v1/skills/${skillId}`,
          data: { skill_id: skillId, slug: d.slug ?? null, decision },
          dedupeKey: `skill:${skillId}:${decision}:${str(event.ts) ?? ''}`,
        },
      };
    }
    default:
      return null;
  }
}
