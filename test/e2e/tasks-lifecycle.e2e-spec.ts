import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { eventually } from './chat-helpers';
import { testUploadDir, waitForJob } from './sources-helpers';
import { taskClient } from './tasks-helpers';

const lifecycle = (event: string, filter?: Record<string, unknown>) => ({
  kind: 'lifecycle',
  event,
  ...(filter ? { filter } : {}),
});

describe('tasks: lifecycle triggers fired by platform events (e2e)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;
  let other: TestUser;
  let files: Server;
  let filesUrl: string;
  const { call, create } = taskClient(() => t.baseUrl);
  const runs = async (u: TestUser, taskId: string) =>
    (await call(u, 'GET', `/tasks/${taskId}/runs?limit=50`)).body.items as any[];

  beforeAll(async () => {
    // a CSV whose last row is malformed: the source validates, its sync fails
    files = createServer((req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/csv' })
        .end(req.url?.includes('broken') ? 'id,name\n1,Ada\n2,"broken\n' : 'id,name\n1,Ada\n2,Bob\n'),
    );
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Noted.' });
    t = await startTestApp({ ...fake.apiEnv, UPLOAD_DIR: testUploadDir() });
    owner = await registerOwner(t, 'lifecycle');
    other = await registerOwner(t, 'lifecycle-other');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    files?.closeAllConnections();
    await new Promise((r) => files?.close(r));
  });

  it('creates a lifecycle task and shows its event and filter; lists it by trigger kind', async () => {
    const task = await create(owner, {
      name: 'on-sync-failure',
      trigger: lifecycle('source.sync.failed', { source_id: 'src_x' }),
      input_template: { instruction: 'Sync {{ trigger.data.source_id }} failed ({{ trigger.event }})' },
    });
    expect(task.trigger).toEqual({ kind: 'lifecycle', event: 'source.sync.failed', filter: { source_id: 'src_x' } });
    expect(task.next_fire_at).toBeNull();
    const got = await call(owner, 'GET', `/tasks/${task.id}`);
    expect(got.body.trigger).toEqual(task.trigger);
    const listed = await call(owner, 'GET', '/tasks?trigger_kind=lifecycle');
    expect(listed.body.items.map((x: any) => x.id)).toContain(task.id);
    const schedules = await call(owner, 'GET', '/tasks?trigger_kind=schedule');
    expect(schedules.body.items.map((x: any) => x.id)).not.toContain(task.id);
    // switching to a manual trigger drops event and filter
    const patched = await call(owner, 'PATCH', `/tasks/${task.id}`, { trigger: { kind: 'manual' } });
    expect(patched.status).toBe(200);
    expect(patched.body.trigger).toEqual({ kind: 'manual' });
    await call(owner, 'DELETE', `/tasks/${task.id}`);
  });

  it.each([
    [{ kind: 'lifecycle' }, 'trigger.event'],
    [{ kind: 'lifecycle', event: 'source.deleted' }, 'trigger.event'],
    [{ kind: 'lifecycle', event: 'memory.created', filter: { kind: { $ne: 'x' } } }, 'trigger.filter'],
    [{ kind: 'lifecycle', event: 'memory.created', filter: ['kind'] }, 'trigger.filter'],
    [{ kind: 'lifecycle', event: 'memory.created', filter: { 'a.__proto__.b': 1 } }, 'trigger.filter'],
    [{ kind: 'lifecycle', event: 'memory.created', cron: '* * * * *' }, 'trigger.cron'],
    [{ kind: 'schedule', cron: '* * * * *', event: 'memory.created' }, 'trigger.event'],
    [{ kind: 'manual', filter: {} }, 'trigger.event'],
  ])('refuses the trigger %j with 400 naming %s', async (trigger, field) => {
    const res = await call(owner, 'POST', '/tasks', { name: `bad-${Math.random()}`, trigger });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body.error.details)).toContain(field.split('.').pop());
  });

  it('a failed sync fires the task filtered on that source, with the event data in the template', async () => {
    const mk = async (name: string, file: string) =>
      (
        await call(owner, 'POST', '/sources', {
          name,
          source_type: 'csv',
          config: { url: `${filesUrl}/${file}.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
        })
      ).body;
    const broken = await mk('people-broken', 'broken');
    const fine = await mk('people-fine', 'fine');
    const onBroken = await create(owner, {
      name: 'on-broken-sync',
      trigger: lifecycle('source.sync.failed', { source_id: broken.id }),
      input_template: { instruction: 'Sync of {{ trigger.data.source_id }} failed: {{ trigger.event }}' },
    });
    const onFine = await create(owner, {
      name: 'on-fine-sync-failure',
      trigger: lifecycle('source.sync.failed', { source_id: fine.id }),
    });
    const onSuccess = await create(owner, { name: 'on-any-sync-success', trigger: lifecycle('source.sync.succeeded') });

    const job = (await call(owner, 'POST', `/sources/${broken.id}/sync`, {})).body;
    expect((await waitForJob(t, owner.auth, broken.id, job.job_id ?? job.id)).status).toBe('failed');
    const [run] = await eventually(async () => {
      const r = await runs(owner, onBroken.id);
      return r.length ? r : undefined;
    });
    expect(run.trigger).toMatchObject({ kind: 'lifecycle', event: 'source.sync.failed' });
    expect(run.trigger.data.source_id).toBe(broken.id);
    expect(run.input.instruction).toBe(`Sync of ${broken.id} failed: source.sync.failed`);

    const ok = (await call(owner, 'POST', `/sources/${fine.id}/sync`, {})).body;
    expect((await waitForJob(t, owner.auth, fine.id, ok.job_id ?? ok.id)).status).toBe('succeeded');
    const [success] = await eventually(async () => {
      const r = await runs(owner, onSuccess.id);
      return r.length ? r : undefined;
    });
    expect(success.trigger.data.source_id).toBe(fine.id);
    // the filter on the other source never matched, and the failure fired its task once
    expect(await runs(owner, onFine.id)).toEqual([]);
    expect(await runs(owner, onBroken.id)).toHaveLength(1);
  });

  it('memory.created fires matching enabled tasks of the org only; a paused task does not fire', async () => {
    const facts = await create(owner, {
      name: 'on-fact',
      trigger: lifecycle('memory.created', { kind: 'fact' }),
      input_template: { instruction: 'New fact {{ trigger.data.memory_id }}' },
    });
    const paused = await create(owner, {
      name: 'paused-on-memory',
      trigger: lifecycle('memory.created'),
      enabled: false,
    });
    const theirs = await create(other, { name: 'their-on-memory', trigger: lifecycle('memory.created') });

    const pref = await call(owner, 'POST', '/memory', { text: 'Prefers short answers', kind: 'preference' });
    expect(pref.status).toBe(201);
    const fact = await call(owner, 'POST', '/memory', { text: 'The API runs on port 8080', kind: 'fact' });
    expect(fact.status).toBe(201);
    const [run] = await eventually(async () => {
      const r = await runs(owner, facts.id);
      return r.length ? r : undefined;
    });
    const memoryId = fact.body.id ?? fact.body.memory?.id;
    expect(run.trigger.data).toMatchObject({ memory_id: memoryId, kind: 'fact' });
    expect(run.input.instruction).toBe(`New fact ${memoryId}`);
    // a duplicate is not a new memory: no second run
    expect((await call(owner, 'POST', '/memory', { text: 'The API runs on port 8080', kind: 'fact' })).status).toBe(
      200,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(await runs(owner, facts.id)).toHaveLength(1);
    expect(await runs(owner, paused.id)).toEqual([]);
    // another org's events never reach this org's tasks, and the reverse
    expect(await runs(other, theirs.id)).toEqual([]);
    expect((await call(other, 'POST', '/memory', { text: 'Their fact', kind: 'fact' })).status).toBe(201);
    await eventually(async () => (await runs(other, theirs.id)).length === 1);
    expect(await runs(owner, facts.id)).toHaveLength(1);
  });

  it('a failed run fires a task.run.failed listener once; the listener failing in turn fires nothing (no loop)', async () => {
    fake.setDefault({ status: 400, error: { message: 'bad request from the fake model' } });
    try {
      const failing = await create(owner, { name: 'always-fails', trigger: { kind: 'manual' } });
      const listener = await create(owner, {
        name: 'on-any-run-failure',
        trigger: lifecycle('task.run.failed'),
        input_template: { instruction: 'Run {{ trigger.data.run_id }} of {{ trigger.data.task_name }} failed' },
      });
      const started = await call(owner, 'POST', `/tasks/${failing.id}/run`, {});
      expect(started.status).toBe(202);
      await eventually(async () => (await runs(owner, failing.id))[0]?.status === 'failed', 30_000);
      const [fired] = await eventually(async () => {
        const r = await runs(owner, listener.id);
        return r.length && r[0].status === 'failed' ? r : undefined;
      }, 30_000);
      expect(fired.trigger).toMatchObject({
        kind: 'lifecycle',
        event: 'task.run.failed',
        data: { run_id: started.body.run_id, task_id: failing.id, trigger_kind: 'manual' },
      });
      expect(fired.input.instruction).toBe(`Run ${started.body.run_id} of always-fails failed`);
      // the listener's own failed run (started by a lifecycle trigger) fires no one, itself included
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await runs(owner, listener.id)).toHaveLength(1);
      expect(await runs(owner, failing.id)).toHaveLength(1);
    } finally {
      fake.setDefault({ text: 'Noted.' });
    }
  }, 60_000);
});
