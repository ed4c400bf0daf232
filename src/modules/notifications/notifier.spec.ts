import type { OrgEvents } from '@libs/events';
import { Logger } from '@nestjs/common';
import type { NotificationEmail } from './notification-email';
import { wantsEmail } from './notification-email';
import type { NotificationEntity } from './notification.entity';
import type { NotificationsRepository } from './notifications.repository';
import { Notifier } from './notifier';

function setup() {
  const keys = new Set<string>();
  const rows: NotificationEntity[] = [];
  const repo = {
    insert: jest.fn(async (r: NotificationEntity) => {
      const key = `${r.userId}:${r.dedupeKey}`;
      if (r.dedupeKey && keys.has(key)) {
        return null;
      }
      keys.add(key);
      const row = { ...r, readAt: null, createdAt: new Date() };
      rows.push(row);
      return row;
    }),
  };
  const events = { publish: jest.fn(async () => undefined) };
  const email = { maybeSend: jest.fn(async () => undefined) };
  const notifier = new Notifier(
    repo as unknown as NotificationsRepository,
    events as unknown as OrgEvents,
    email as unknown as NotificationEmail,
  );
  return { notifier, repo, events, email, rows };
}

describe('Notifier', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  it('creates one row per recipient, publishes notification.created to each and offers each to e-mail', async () => {
    const { notifier, events, email, rows } = setup();
    await notifier.notify('org', ['u1', 'u2', 'u1'], { type: 'access_request.created', title: 'T', dedupeKey: 'k' });
    expect(rows.map((r) => r.userId)).toEqual(['u1', 'u2']);
    expect(rows[0].id).toMatch(/^ntf_[0-9a-f]{32}$/);
    expect(events.publish).toHaveBeenCalledTimes(2);
    expect(events.publish).toHaveBeenCalledWith(
      'org',
      'notification.created',
      expect.objectContaining({ id: rows[0].id, user_id: 'u1', kind: 'access_request.created', title: 'T' }),
    );
    expect(email.maybeSend).toHaveBeenCalledTimes(2);
  });

  it('a duplicate (same recipient and dedupe key) is neither published nor e-mailed again', async () => {
    const { notifier, events, email } = setup();
    await notifier.notify('org', ['u1'], { type: 'approval.pending', title: 'T', dedupeKey: 'approval:1' });
    await notifier.notify('org', ['u1'], { type: 'approval.pending', title: 'T', dedupeKey: 'approval:1' });
    expect(events.publish).toHaveBeenCalledTimes(1);
    expect(email.maybeSend).toHaveBeenCalledTimes(1);
  });

  it('an e-mail failure does not fail the notification', async () => {
    const { notifier, email, rows } = setup();
    email.maybeSend.mockRejectedValueOnce(new Error('smtp down'));
    await expect(notifier.notify('org', ['u1'], { type: 'task_run.failed', title: 'T' })).resolves.toBeUndefined();
    expect(rows).toHaveLength(1);
  });
});

describe('wantsEmail', () => {
  it('is off by default and without a preference; empty kinds = every type', () => {
    expect(wantsEmail(null, 'task_run.failed')).toBe(false);
    expect(wantsEmail({ emailEnabled: false, emailKinds: [] }, 'task_run.failed')).toBe(false);
    expect(wantsEmail({ emailEnabled: true, emailKinds: [] }, 'task_run.failed')).toBe(true);
    expect(wantsEmail({ emailEnabled: true, emailKinds: ['sync_job.failed'] }, 'task_run.failed')).toBe(false);
    expect(wantsEmail({ emailEnabled: true, emailKinds: ['task_run.failed'] }, 'task_run.failed')).toBe(true);
  });
});
