import type { OrgEvent, OrgEventName } from '@libs/events';
import { planFor } from './notification-rules';

const ev = (type: OrgEventName, data: Record<string, unknown>): OrgEvent =>
  ({ type, data, ts: new Date().toISOString() }) as OrgEvent;

describe('planFor: which org event notifies whom', () => {
  it('approvals of task runs and inbound turns notify their requester at once', () => {
    for (const source of ['task', 'channel']) {
      const plan = planFor(
        ev('approval.created', {
          approval_id: 'apr_1',
          conversation_id: 'c',
          tool: 'k.delete',
          source,
          requested_by: 'u1',
        }),
        60,
      );
      expect(plan).toMatchObject({
        audience: { kind: 'user_or_admins', userId: 'u1' },
        notification: { type: 'approval.pending', dedupeKey: 'approval:apr_1', link: '/api/v1/chat/approvals/apr_1' },
      });
      expect(plan!.whenStillPending).toBeUndefined();
    }
  });

  it('chat and manual approvals notify only if still pending after the delay', () => {
    for (const source of ['chat', 'manual', undefined]) {
      const plan = planFor(
        ev('approval.created', { approval_id: 'apr_2', conversation_id: 'c', tool: 't', source }),
        90,
      );
      expect(plan!.whenStillPending).toEqual({ approvalId: 'apr_2', afterSecs: 90 });
    }
  });

  it('a failed sync goes to the admins plus whoever asked for the sync', () => {
    const plan = planFor(
      ev('job.failed', {
        source_id: 's1',
        job: { id: 'j1', source_name: 'people', requested_by: 'u2' },
        error: { code: 'x', message: 'bad row' },
      }),
      60,
    );
    expect(plan).toMatchObject({
      audience: { kind: 'admins', plus: 'u2' },
      notification: {
        type: 'sync_job.failed',
        title: 'Sync of people failed',
        body: 'bad row',
        link: '/api/v1/sources/s1/jobs/j1',
        dedupeKey: 'sync_job:j1',
      },
    });
  });

  it('task runs notify the task creator; failures carry the error', () => {
    const failed = planFor(
      ev('task_run.failed', {
        run_id: 'run_1',
        task_id: 'task_1',
        status: 'failed',
        created_by: 'u3',
        task_name: 'report',
        error: 'timeout',
      }),
      60,
    );
    expect(failed).toMatchObject({
      audience: { kind: 'user', userId: 'u3' },
      notification: { type: 'task_run.failed', title: 'report failed', body: 'timeout' },
    });
    const done = planFor(
      ev('task_run.finished', { run_id: 'run_2', task_id: null, status: 'cancelled', created_by: 'u3' }),
      60,
    );
    expect(done!.notification).toMatchObject({ type: 'task_run.finished', title: 'A task cancelled', link: null });
  });

  it('access requests go to the admins; other events make no notification', () => {
    expect(
      planFor(ev('access_request.created', { id: 'acr_1', connector: 'github', user_id: 'u4' }), 60),
    ).toMatchObject({ audience: { kind: 'admins' }, notification: { type: 'access_request.created' } });
    for (const type of ['job.completed', 'graph.changed', 'notification.created', 'approval.resolved'] as const) {
      expect(planFor(ev(type, { source_id: 's', id: 'n', user_id: 'u', kind: 'k' }), 60)).toBeNull();
    }
  });

  it('a submitted skill goes to the admins, its review to the submitter', () => {
    expect(planFor(ev('skill.submitted', { skill_id: 'skl_1', slug: 'triage', submitted_by: 'u5' }), 60)).toMatchObject(
      {
        audience: { kind: 'admins' },
        notification: { type: 'skill.review_requested', title: 'Skill triage waits for review' },
      },
    );
    expect(
      planFor(
        ev('skill.reviewed', { skill_id: 'skl_1', slug: 'triage', decision: 'rejected', submitted_by: 'u5' }),
        60,
      ),
    ).toMatchObject({
      audience: { kind: 'user', userId: 'u5' },
      notification: { type: 'skill.reviewed', title: 'Skill triage rejected', data: { decision: 'rejected' } },
    });
  });
});
