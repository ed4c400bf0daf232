import { OrgEvents } from '@libs/events';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startSmtp } from '../support/smtp-receiver';
import { eventually } from './chat-helpers';

describe('notifications: e-mail through SMTP per user preference (e2e)', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let owner: TestUser;
  let on: TestUser;
  let off: TestUser;
  let onlyFinished: TestUser;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startTestApp({ SMTP_URL: smtp.url, SMTP_FROM: 'Agentcy <agentcy@example.test>' });
    owner = await registerOwner(t, 'ntfmail');
    on = await addMember(t, owner, 'member', 'mailon');
    off = await addMember(t, owner, 'member', 'mailoff');
    onlyFinished = await addMember(t, owner, 'member', 'mailfin');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => smtp?.server.close(() => r()));
  });

  const prefs = (u: TestUser, email: { enabled: boolean; kinds: string[] }) =>
    t.http().put('/api/v1/notifications/preferences').set(u.auth).send({ email }).expect(200);
  const runFailed = (u: TestUser, runId: string) =>
    t.app.get(OrgEvents).publish(owner.orgId, 'task_run.failed', {
      run_id: runId,
      task_id: 'task_mail',
      status: 'failed',
      created_by: u.userId,
      task_name: 'mail task',
      error: { message: 'boom' },
    });

  it('sends the e-mail when the preference is on (every type, or the listed ones), not when off', async () => {
    const view = await prefs(on, { enabled: true, kinds: [] });
    expect(view.body.email_available).toBe(true);
    await prefs(off, { enabled: false, kinds: [] });
    await prefs(onlyFinished, { enabled: true, kinds: ['task_run.finished'] });

    await runFailed(off, 'run_off');
    await runFailed(onlyFinished, 'run_fin');
    await runFailed(on, 'run_on');

    const mail = await eventually(async () => smtp.received.find((m) => m.to.includes(on.email)));
    expect(mail.raw).toContain('Subject: [Agentcy] mail task failed');
    expect(mail.raw).toContain('agentcy@example.test');
    expect(mail.raw).toContain('boom');
    expect(mail.raw).toContain('/api/v1/tasks/task_mail/runs/run_on');

    // every recipient got the notification itself
    for (const u of [on, off, onlyFinished]) {
      const list = await t.http().get('/api/v1/notifications').set(u.auth).expect(200);
      expect(list.body.items.map((n: any) => n.type)).toEqual(['task_run.failed']);
    }
    // the queue sends in order: the messages for `off` and `onlyFinished` would have come before
    await runFailed(on, 'run_on2');
    await eventually(async () => smtp.received.filter((m) => m.to.includes(on.email)).length === 2);
    expect(smtp.received.flatMap((m) => m.to)).toEqual([on.email, on.email]);

    await t.app.get(OrgEvents).publish(owner.orgId, 'task_run.finished', {
      run_id: 'run_fin_ok',
      task_id: 'task_mail',
      status: 'succeeded',
      created_by: onlyFinished.userId,
      task_name: 'mail task',
    });
    const fin = await eventually(async () => smtp.received.find((m) => m.to.includes(onlyFinished.email)));
    expect(fin.raw).toContain('Subject: [Agentcy] mail task succeeded');
  });
});
