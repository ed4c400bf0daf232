import { AccessRequestPort } from '@libs/connectors/access-request.port';
import { OrgEvents } from '@libs/events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { openWs } from '../support/ws-client';
import { allowSelfApproval, createKubeSource, eventually, openSse, withFakeKube } from './chat-helpers';
import { testUploadDir, waitForJob } from './sources-helpers';

const deletePodCall = (id: string) => ({
  toolCalls: [
    {
      id,
      name: 'execute_connector_tool',
      arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: 'web-1' } },
    },
  ],
});

describe('notifications: created from failed syncs, approvals, task runs and access requests; WebSocket push (e2e)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let files: Server;
  let filesUrl: string;

  beforeAll(async () => {
    // a CSV whose last row is malformed: the source validates, its sync fails
    files = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,Ada\n2,"broken\n'),
    );
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({
      ...fake.apiEnv,
      UPLOAD_DIR: testUploadDir(),
      SSE_PING_INTERVAL_MS: '250',
      CHAT_APPROVAL_POLL_MS: '200',
      NOTIFY_CHAT_APPROVAL_DELAY_SECS: '2',
    });
    owner = await registerOwner(t, 'ntfev');
    admin = await addMember(t, owner, 'admin', 'ntfadm');
    member = await addMember(t, owner, 'member', 'ntfmem');
    await allowSelfApproval(t.baseUrl, owner.auth);
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await kube?.close();
    files?.closeAllConnections();
    await new Promise((r) => files?.close(r));
  });

  const list = async (user: TestUser, type?: string) => {
    const items = (await t.http().get('/api/v1/notifications?limit=200').set(user.auth).expect(200)).body
      .items as any[];
    return type ? items.filter((n) => n.type === type) : items;
  };

  it('a failed sync notifies the org admins and owners, once, with a link to the job', async () => {
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({
        name: 'people',
        source_type: 'csv',
        config: { url: `${filesUrl}/people.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
      })
      .expect(201);
    const r = await t.http().post(`/api/v1/sources/${src.body.id}/sync`).set(owner.auth).send({}).expect(202);
    const job = await waitForJob(t, owner.auth, src.body.id, r.body.id, ['failed', 'succeeded']);
    expect(job.status).toBe('failed');
    for (const u of [owner, admin]) {
      const [n] = await eventually(async () => {
        const got = await list(u, 'sync_job.failed');
        return got.length > 0 && got;
      });
      expect(n).toMatchObject({
        title: 'Sync of people failed',
        link: `/api/v1/sources/${src.body.id}/jobs/${job.id}`,
        data: { source_id: src.body.id, job_id: job.id, source_name: 'people' },
      });
      expect(await list(u, 'sync_job.failed')).toHaveLength(1);
    }
    expect(await list(member, 'sync_job.failed')).toEqual([]);
  });

  it('an access request notifies admins and owners, not members', async () => {
    const req = await t.app.get(AccessRequestPort).open({
      orgId: owner.orgId,
      userId: member.userId,
      connector: 'github',
      reason: 'to read PRs',
      conversationId: null,
    });
    for (const u of [owner, admin]) {
      const [n] = await eventually(async () => {
        const got = await list(u, 'access_request.created');
        return got.length > 0 && got;
      });
      expect(n.data).toMatchObject({ access_request_id: req.id, connector: 'github', requested_by: member.userId });
    }
    expect(await list(member, 'access_request.created')).toEqual([]);
  });

  it('task runs: failed and finished notify the task creator only', async () => {
    const events = t.app.get(OrgEvents);
    await events.publish(owner.orgId, 'task_run.failed', {
      run_id: 'run_f1',
      task_id: 'task_t1',
      status: 'failed',
      created_by: member.userId,
      task_name: 'nightly report',
      error: { code: 'agent_error', message: 'model unavailable' },
    });
    await events.publish(owner.orgId, 'task_run.finished', {
      run_id: 'run_s1',
      task_id: 'task_t1',
      status: 'succeeded',
      created_by: member.userId,
      task_name: 'nightly report',
    });
    const failed = await eventually(async () => (await list(member, 'task_run.failed'))[0]);
    expect(failed).toMatchObject({
      title: 'nightly report failed',
      body: 'model unavailable',
      link: '/api/v1/tasks/task_t1/runs/run_f1',
      data: { run_id: 'run_f1', task_id: 'task_t1', task_name: 'nightly report' },
    });
    const finished = await eventually(async () => (await list(member, 'task_run.finished'))[0]);
    expect(finished).toMatchObject({ title: 'nightly report succeeded', data: { run_id: 'run_s1' } });
    expect(await list(owner, 'task_run.failed')).toEqual([]);
    // another org's user named as creator gets nothing
    const stranger = await registerOwner(t, 'ntfstr');
    await events.publish(owner.orgId, 'task_run.failed', {
      run_id: 'run_f2',
      task_id: null,
      status: 'failed',
      created_by: stranger.userId,
    });
    await events.publish(owner.orgId, 'task_run.failed', {
      run_id: 'run_f3',
      task_id: null,
      status: 'failed',
      created_by: member.userId,
    });
    await eventually(async () => (await list(member, 'task_run.failed')).length === 2);
    expect(await list(stranger)).toEqual([]);
  });

  it('real task runs: a failed and a succeeded run notify the task creator (the admin who created it)', async () => {
    const created = await t
      .http()
      .post('/api/v1/tasks')
      .set(admin.auth)
      .send({ name: 'digest', trigger: { kind: 'manual' }, input_template: { instruction: 'Write the digest.' } })
      .expect(201);
    const run = async () =>
      (await t.http().post(`/api/v1/tasks/${created.body.id}/run`).set(member.auth).send({ input: {} }).expect(202))
        .body.run_id as string;
    const ended = (runId: string) =>
      eventually(async () => {
        const r = await t.http().get(`/api/v1/tasks/${created.body.id}/runs/${runId}`).set(admin.auth).expect(200);
        return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) && r.body;
      });

    fake.script({ status: 401, error: { message: 'bad key', type: 'invalid_request_error' } });
    const failedRun = await run();
    expect((await ended(failedRun)).status).toBe('failed');
    const failed = await eventually(async () =>
      (await list(admin, 'task_run.failed')).find((n) => n.data.run_id === failedRun),
    );
    expect(failed).toMatchObject({
      title: 'digest failed',
      link: `/api/v1/tasks/${created.body.id}/runs/${failedRun}`,
      data: { task_id: created.body.id, task_name: 'digest', status: 'failed' },
    });

    fake.script({ text: 'Digest written.' });
    const okRun = await run();
    expect((await ended(okRun)).status).toBe('succeeded');
    const finished = await eventually(async () =>
      (await list(admin, 'task_run.finished')).find((n) => n.data.run_id === okRun),
    );
    expect(finished).toMatchObject({ title: 'digest succeeded', data: { status: 'succeeded' } });
    // the member who fired the runs and the owner are not the creator
    for (const u of [member, owner]) {
      expect((await list(u)).filter((n) => [failedRun, okRun].includes(n.data.run_id))).toEqual([]);
    }
  });

  it('a chat approval still pending after the delay notifies its requester; one decided in time does not', async () => {
    const conv = async () =>
      (await t.http().post('/api/v1/chat/conversations').set(owner.auth).send({ title: 'ops' }).expect(201)).body
        .id as string;

    fake.script(deletePodCall('call_fast'), { text: 'Not deleted.' });
    const fast = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${await conv()}/messages`, {
      headers: owner.auth,
      body: { content: 'delete the web pod' },
    });
    const fastReq = await fast.waitFor((e) => e.event === 'approval_required');
    await t
      .http()
      .post(`/api/v1/chat/approvals/${fastReq.data.approval_id}`)
      .set(owner.auth)
      .send({ approved: false })
      .expect(200);
    await fast.waitFor((e) => e.event === 'message_end');

    fake.script(deletePodCall('call_slow'), { text: 'Pod deleted.' });
    const slow = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${await conv()}/messages`, {
      headers: owner.auth,
      body: { content: 'delete the web pod' },
    });
    const slowReq = await slow.waitFor((e) => e.event === 'approval_required');
    const n = await eventually(async () => (await list(owner, 'approval.pending'))[0]);
    expect(n).toMatchObject({
      title: 'Approval needed: kubernetes.delete_pod',
      link: `/api/v1/chat/approvals/${slowReq.data.approval_id}`,
      data: { approval_id: slowReq.data.approval_id, tool: 'kubernetes.delete_pod', source: 'chat' },
    });
    // the fast one's timer fired before the slow one's: it was decided, so no notification
    expect((await list(owner, 'approval.pending')).map((x) => x.data.approval_id)).toEqual([slowReq.data.approval_id]);
    expect(await list(admin, 'approval.pending')).toEqual([]);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${slowReq.data.approval_id}`)
      .set(owner.auth)
      .send({ approved: false })
      .expect(200);
    await slow.waitFor((e) => e.event === 'message_end');
  });

  it('an approval of a task run (nobody at a client) notifies the task creator, tagged source task', async () => {
    const created = await t
      .http()
      .post('/api/v1/tasks')
      .set(admin.auth)
      .send({ name: 'cleanup', trigger: { kind: 'manual' }, input_template: { instruction: 'Delete the web pod.' } })
      .expect(201);
    fake.script(deletePodCall('call_task'), { text: 'Left it alone.' });
    const runId = (
      await t.http().post(`/api/v1/tasks/${created.body.id}/run`).set(admin.auth).send({ input: {} }).expect(202)
    ).body.run_id as string;
    const n = await eventually(async () =>
      (await list(admin, 'approval.pending')).find((x) => x.data.source === 'task'),
    );
    expect(n).toMatchObject({
      title: 'Approval needed: kubernetes.delete_pod',
      data: { tool: 'kubernetes.delete_pod' },
    });
    expect((await list(owner, 'approval.pending')).map((x) => x.data.approval_id)).not.toContain(n.data.approval_id);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${n.data.approval_id}`)
      .set(owner.auth)
      .send({ approved: false })
      .expect(200);
    await eventually(async () => {
      const r = await t.http().get(`/api/v1/tasks/${created.body.id}/runs/${runId}`).set(admin.auth).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body.status);
    });
  });

  it('pushes notification.created over the WebSocket to the recipient only', async () => {
    const wsOwner = await openWs(t.baseUrl, { token: owner.token });
    const wsMember = await openWs(t.baseUrl, { token: member.token });
    try {
      for (const ws of [wsOwner, wsMember]) {
        await ws.next((m) => m.type === 'welcome');
        await ws.subscribe(['notifications']);
      }
      const req = await t.app.get(AccessRequestPort).open({
        orgId: owner.orgId,
        userId: member.userId,
        connector: 'jira',
        reason: 'tickets',
        conversationId: null,
      });
      const pushed = await wsOwner.next((m) => m.type === 'notification.created');
      expect(pushed.data).toMatchObject({
        id: expect.stringMatching(/^ntf_/),
        user_id: owner.userId,
        kind: 'access_request.created',
        type: 'access_request.created',
        title: 'Access requested to jira',
        data: { access_request_id: req.id },
      });
      // then one for the member: the first the member receives is their own
      await t.app.get(OrgEvents).publish(owner.orgId, 'task_run.failed', {
        run_id: 'run_ws',
        task_id: null,
        status: 'failed',
        created_by: member.userId,
        task_name: 'ws task',
      });
      const mine = await wsMember.next((m) => m.type === 'notification.created');
      expect(mine.data).toMatchObject({ user_id: member.userId, kind: 'task_run.failed', title: 'ws task failed' });
      expect(wsMember.messages.filter((m) => m.type === 'notification.created')).toHaveLength(1);
      expect(wsOwner.messages.some((m) => m.type === 'notification.created' && m.data?.user_id !== owner.userId)).toBe(
        false,
      );
    } finally {
      await wsOwner.close();
      await wsMember.close();
    }
  });
});
