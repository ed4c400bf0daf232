import { TasksContract } from 'src/modules/tasks/tasks.contract';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { eventually } from './chat-helpers';
import { taskClient } from './tasks-helpers';

const schedule = (cron: string, extra: Record<string, unknown> = {}) => ({ kind: 'schedule', cron, ...extra });

describe('tasks: CRUD, filters, validation, webhook secrets, roles, tenancy, audit', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;
  let other: TestUser;
  const { call, create } = taskClient(() => t.baseUrl);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Done.' });
    t = await startTestApp({ ...fake.apiEnv, PUBLIC_BASE_URL: 'https://agentcy.example.com' });
    owner = await registerOwner(t, 'tasks');
    other = await registerOwner(t, 'tasks-other');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('creates a schedule task with defaults and next_fire_at; name unique per org (409)', async () => {
    const task = await create(owner, {
      name: 'pr-sweeper',
      trigger: schedule('*/30 * * * *'),
      input_template: { instruction: 'List PRs', repo: 'acme/api' },
      approval_defaults: { write: 'approve' },
    });
    expect(task).toMatchObject({
      id: expect.stringMatching(/^task_[0-9a-f]{32}$/),
      name: 'pr-sweeper',
      agent: 'default',
      realm: null,
      trigger: { kind: 'schedule', cron: '*/30 * * * *', timezone: 'UTC' },
      input_template: { instruction: 'List PRs', repo: 'acme/api' },
      approval_defaults: { write: 'approve' },
      enabled: true,
      timeout_secs: 900,
      max_iterations: 20,
      created_by: owner.userId,
    });
    expect(Date.parse(task.next_fire_at)).toBeGreaterThan(Date.now());
    const dup = await call(owner, 'POST', '/tasks', { name: 'PR-Sweeper', trigger: { kind: 'manual' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('task_name_taken');
    // another org may use the name
    await create(other, { name: 'pr-sweeper', trigger: { kind: 'manual' } });
  });

  it('accepts aliases, the cron kind alias and IANA time zones', async () => {
    for (const alias of ['@hourly', '@daily', '@weekly', '@monthly', '@yearly']) {
      const task = await create(owner, { name: `alias ${alias}`, trigger: schedule(alias) });
      expect(task.trigger.cron).toBe(alias);
    }
    const tz = await create(owner, {
      name: 'berlin',
      trigger: { kind: 'cron', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
    });
    expect(tz.trigger).toEqual({ kind: 'schedule', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
    // 09:00 in Berlin is 07:00 or 08:00 UTC
    expect([7, 8]).toContain(new Date(tz.next_fire_at).getUTCHours());
  });

  it('rejects bad cron, 6-field cron, bad time zone and bad templates with a 400 envelope', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ trigger: schedule('61 * * * *') }, 'trigger.cron'],
      [{ trigger: schedule('not a cron') }, 'trigger.cron'],
      [{ trigger: schedule('*/5 * * * * *') }, 'trigger.cron'],
      [{ trigger: schedule('* * *') }, 'trigger.cron'],
      [{ trigger: schedule('@every_minute') }, 'trigger.cron'],
      [{ trigger: { kind: 'schedule' } }, 'trigger.cron'],
      [{ trigger: schedule('@daily', { timezone: 'Mars/Olympus' }) }, 'trigger.timezone'],
      [{ trigger: { kind: 'lifecycle' } }, 'trigger.event'],
      [{ trigger: { kind: 'hourly' } }, 'trigger.kind'],
      [
        { trigger: { kind: 'manual' }, input_template: { instruction: 'Hi {{ trigger.body.x' } },
        'input_template.instruction',
      ],
      [{ trigger: { kind: 'manual' }, input_template: { a: { b: ['ok', 'bad }} brace'] } } }, 'input_template.a.b[1]'],
      [
        { trigger: { kind: 'manual' }, input_template: { instruction: '{{ trigger.body..x }}' } },
        'input_template.instruction',
      ],
      [
        { trigger: { kind: 'manual' }, input_template: { instruction: '{{ helper trigger.body }}' } },
        'input_template.instruction',
      ],
      [
        { trigger: { kind: 'manual' }, input_template: { instruction: '{{ process.env.SECRET }}' } },
        'input_template.instruction',
      ],
      [{ trigger: { kind: 'manual' }, agent: 'no-such-agent' }, 'agent'],
      [{ trigger: { kind: 'manual' }, surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await call(owner, 'POST', '/tasks', { name: `bad-${Math.random()}`, ...body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.fields.map((f: any) => f.field)).toContain(field);
    }
  });

  it('filters by enabled, trigger_kind, agent and realm; paginates newest first', async () => {
    const u = await registerOwner(t, 'tasks-filter');
    const a = await create(u, { name: 'a', trigger: { kind: 'manual' } });
    const b = await create(u, { name: 'b', trigger: schedule('@daily'), enabled: false });
    const c = await create(u, { name: 'c', trigger: { kind: 'webhook' }, realm: 'default' });
    const ids = async (q: string) => (await call(u, 'GET', `/tasks${q}`)).body.items.map((x: any) => x.id);
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?enabled=false')).toEqual([b.id]);
    expect(await ids('?enabled=true')).toEqual([c.id, a.id]);
    expect(await ids('?trigger_kind=schedule')).toEqual([b.id]);
    expect(await ids('?trigger_kind=cron')).toEqual([b.id]);
    expect(await ids('?trigger_kind=webhook')).toEqual([c.id]);
    expect(await ids('?agent=default')).toEqual([c.id, b.id, a.id]);
    expect(await ids('?agent=other')).toEqual([]);
    expect(await ids('?realm=default')).toEqual([c.id]);
    const p1 = await call(u, 'GET', '/tasks?limit=2');
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.total).toBe(3);
    const p2 = await call(u, 'GET', `/tasks?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
    expect(p2.body.items.map((x: any) => x.id)).toEqual([a.id]);
    expect((await call(u, 'GET', '/tasks?trigger_kind=nope')).status).toBe(400);
  });

  it('webhook trigger: secret shown once, masked later, rotated (old one dead), dropped when the kind changes', async () => {
    const task = await create(owner, { name: 'alerts', trigger: { kind: 'webhook' } });
    expect(task.trigger.url).toBe(`https://agentcy.example.com/api/v1/hooks/${task.id}`);
    expect(task.trigger.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(task.trigger.secret_preview).toBe(`${task.trigger.secret.slice(0, 10)}…`);
    const read = await call(owner, 'GET', `/tasks/${task.id}`);
    expect(read.status).toBe(200);
    expect(read.body.trigger.secret).toBeUndefined();
    expect(read.body.trigger.secret_preview).toBe(task.trigger.secret_preview);
    expect(JSON.stringify(read.body)).not.toContain(task.trigger.secret);
    const listed = await call(owner, 'GET', '/tasks?trigger_kind=webhook');
    expect(JSON.stringify(listed.body)).not.toContain(task.trigger.secret);

    const rotated = await call(owner, 'POST', `/tasks/${task.id}/trigger/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.trigger.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(rotated.body.trigger.secret).not.toBe(task.trigger.secret);
    const target = await t.app.get(TasksContract).hookTarget(task.id);
    expect(target).toMatchObject({
      taskId: task.id,
      orgId: owner.orgId,
      enabled: true,
      secret: rotated.body.trigger.secret,
    });

    const manual = await create(owner, { name: 'not-a-hook', trigger: { kind: 'manual' } });
    const notHook = await call(owner, 'POST', `/tasks/${manual.id}/trigger/rotate-secret`);
    expect(notHook.status).toBe(409);
    expect(await t.app.get(TasksContract).hookTarget(manual.id)).toBeNull();

    const changed = await call(owner, 'PATCH', `/tasks/${task.id}`, { trigger: { kind: 'manual' } });
    expect(changed.status).toBe(200);
    expect(changed.body.trigger).toEqual({ kind: 'manual' });
    expect(await t.app.get(TasksContract).hookTarget(task.id)).toBeNull();
    const back = await call(owner, 'PATCH', `/tasks/${task.id}`, { trigger: { kind: 'webhook' } });
    expect(back.body.trigger.secret).toMatch(/^whsec_/);
    expect(back.body.trigger.secret).not.toBe(rotated.body.trigger.secret);
  });

  it('PATCH updates fields and validates like create', async () => {
    const task = await create(owner, { name: 'patchme', trigger: { kind: 'manual' } });
    const res = await call(owner, 'PATCH', `/tasks/${task.id}`, {
      description: 'nightly',
      input: { instruction: 'Hi {{ trigger.input.who }}' },
      timeout_secs: 60,
      max_iterations: 3,
      trigger: schedule('0 3 * * *', { timezone: 'America/New_York' }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      description: 'nightly',
      input_template: { instruction: 'Hi {{ trigger.input.who }}' },
      timeout_secs: 60,
      max_iterations: 3,
      trigger: { kind: 'schedule', cron: '0 3 * * *', timezone: 'America/New_York' },
    });
    expect((await call(owner, 'PATCH', `/tasks/${task.id}`, { trigger: schedule('0 3 * * * *') })).status).toBe(400);
    expect((await call(owner, 'PATCH', `/tasks/${task.id}`, { input_template: { x: '{{' } })).status).toBe(400);
    expect((await call(owner, 'PATCH', `/tasks/${task.id}`, { name: 'pr-sweeper' })).status).toBe(409);
  });

  it('roles: members and viewers read, members run; only admins/owners write', async () => {
    const member = await addMember(t, owner, 'member', 'tmember');
    const viewer = await addMember(t, owner, 'viewer', 'tviewer');
    const admin = await addMember(t, owner, 'admin', 'tadmin');
    const task = await create(admin, { name: 'by-admin', trigger: { kind: 'manual' } });
    expect((await call(member, 'GET', `/tasks/${task.id}`)).status).toBe(200);
    expect((await call(viewer, 'GET', '/tasks')).status).toBe(200);
    expect((await call(member, 'POST', '/tasks', { name: 'm', trigger: { kind: 'manual' } })).status).toBe(403);
    expect((await call(member, 'PATCH', `/tasks/${task.id}`, { description: 'x' })).status).toBe(403);
    expect((await call(member, 'DELETE', `/tasks/${task.id}`)).status).toBe(403);
    expect((await call(member, 'POST', `/tasks/${task.id}/pause`)).status).toBe(403);
    expect((await call(viewer, 'POST', `/tasks/${task.id}/run`, {})).status).toBe(403);
    const run = await call(member, 'POST', `/tasks/${task.id}/run`, {});
    expect(run.status).toBe(202);
    await eventually(async () => {
      const r = await call(member, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`);
      return ['succeeded', 'failed'].includes(r.body.status);
    });
  });

  it("another org's task and run ids are 404; malformed ids are 404", async () => {
    const task = await create(owner, { name: 'private', trigger: { kind: 'manual' } });
    const run = await call(owner, 'POST', `/tasks/${task.id}/run`, {});
    expect(run.status).toBe(202);
    for (const [method, path, body] of [
      ['GET', `/tasks/${task.id}`],
      ['PATCH', `/tasks/${task.id}`, { description: 'x' }],
      ['DELETE', `/tasks/${task.id}`],
      ['POST', `/tasks/${task.id}/run`, {}],
      ['POST', `/tasks/${task.id}/pause`],
      ['POST', `/tasks/${task.id}/trigger/rotate-secret`],
      ['GET', `/tasks/${task.id}/runs`],
      ['GET', `/tasks/${task.id}/runs/${run.body.run_id}`],
      ['POST', `/tasks/${task.id}/runs/${run.body.run_id}/cancel`],
      ['GET', '/tasks/not-an-id'],
      ['GET', `/tasks/${task.id.replace('task_', 'run_')}`],
    ] as [string, string, unknown?][]) {
      const res = await call(other, method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await call(owner, 'GET', `/tasks/${task.id}`)).status).toBe(200);
    expect(await t.app.get(TasksContract).runStatus(other.orgId, run.body.run_id)).toBeNull();
  });

  it('records audit entries for create, update, pause, resume, rotate, run and delete', async () => {
    const u = await registerOwner(t, 'tasks-audit');
    const task = await create(u, { name: 'audited', trigger: { kind: 'webhook' } });
    await call(u, 'PATCH', `/tasks/${task.id}`, { description: 'x' });
    await call(u, 'POST', `/tasks/${task.id}/pause`);
    await call(u, 'POST', `/tasks/${task.id}/resume`);
    await call(u, 'POST', `/tasks/${task.id}/trigger/rotate-secret`);
    const run = await call(u, 'POST', `/tasks/${task.id}/run`, {});
    expect(run.status).toBe(202);
    await eventually(async () => {
      const r = await call(u, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`);
      return ['succeeded', 'failed'].includes(r.body.status);
    });
    expect((await call(u, 'DELETE', `/tasks/${task.id}`)).status).toBe(204);
    const entries = await eventually(async () => {
      const res = await call(u, 'GET', '/activity/audit?limit=200');
      const actions = (res.body.items as any[]).map((e) => e.action);
      return actions.includes('tasks.delete') ? (res.body.items as any[]) : null;
    });
    const actions = entries.map((e) => e.action);
    for (const a of [
      'tasks.create',
      'tasks.update',
      'tasks.pause',
      'tasks.resume',
      'tasks.rotate_secret',
      'tasks.run',
      'tasks.delete',
    ]) {
      expect(actions).toContain(a);
    }
    const created = entries.find((e) => e.action === 'tasks.create');
    expect(JSON.stringify(created)).not.toContain('whsec_');
  });
});
