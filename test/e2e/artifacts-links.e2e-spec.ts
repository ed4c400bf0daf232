import { AppConfig } from '@libs/config';
import type { ConnectorDefinition } from '@libs/connectors/connector';
import { ConnectorRegistry } from '@libs/connectors/connector-registry';
import { ToolFile } from '@libs/connectors/tool-files';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { OrgPurgeService } from 'src/modules/platform/org-purge.service';
import { loginAdmin, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { api, createKubeSource, eventually, withFakeKube } from './chat-helpers';

const MAX_BYTES = 64 * 1024;
const LOG = 'line 1: started\nline 2: SECRET-LOOKING-PAYLOAD-7f3a\n';

describe('artifacts: files returned by tools become artifacts linked to the call, conversation and task run; org purge removes blobs', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;
  let other: TestUser;
  let uploadDir: string;
  const call = (method: string, path: string, body?: unknown, who = u) => api(t.baseUrl, method, path, who.auth, body);
  const blobPath = (orgId: string, id: string) => join(uploadDir, 'artifacts', orgId, id);

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'agentcy-artlinks-'));
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({
      ...fake.apiEnv,
      AGENTCY_ARTIFACT_BACKEND: 'local',
      UPLOAD_DIR: uploadDir,
      ARTIFACT_MAX_BYTES: String(MAX_BYTES),
    });
    u = await registerOwner(t, 'artlinks');
    other = await registerOwner(t, 'artlinks-other');
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
    // a connector tool that returns files (the convention of libs/connectors/tool-files.ts)
    const kubeDef = t.app.get(ConnectorRegistry).get('kubernetes') as ConnectorDefinition;
    const original = kubeDef.executeTool.bind(kubeDef);
    jest.spyOn(kubeDef, 'executeTool').mockImplementation(async (ctx, tool, args) => {
      if (tool !== 'get_pod_logs') {
        return original(ctx, tool, args);
      }
      return {
        pod: args.name,
        files: [ToolFile.text('../logs/web.log', LOG), new ToolFile('huge.bin', Buffer.alloc(MAX_BYTES + 1, 1))],
      };
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
    await fake?.close();
    await kube?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.reset();
    fake.setDefault({ text: 'Done.' });
  });

  it('a manual tool call: each file is an artifact linked to the conversation and the call; the result holds references, not bytes', async () => {
    const conv = (await call('POST', '/chat/conversations', { title: 'logs' })).body.id;
    const res = await call('POST', `/chat/conversations/${conv}/tool-calls`, {
      tool: 'prod-cluster.get_pod_logs',
      arguments: { namespace: 'prod', name: 'web-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('completed');
    const tc = res.body.tool_call_id;
    expect(res.body.result).toEqual({
      pod: 'web-1',
      files: [
        {
          artifact_id: expect.stringMatching(/^art_/),
          name: 'web.log',
          content_type: 'text/plain; charset=utf-8',
          size_bytes: Buffer.byteLength(LOG),
        },
        { name: 'huge.bin', artifact_id: null, error: { code: 'payload_too_large', message: expect.any(String) } },
      ],
    });
    expect(JSON.stringify(res.body)).not.toContain('SECRET-LOOKING-PAYLOAD');
    const artId = res.body.result.files[0].artifact_id;

    // the stored call holds the same references
    const polled = await call('GET', `/chat/conversations/${conv}/tool-calls/${tc}`);
    expect(polled.body.result.files[0].artifact_id).toBe(artId);
    expect(JSON.stringify(polled.body)).not.toContain('SECRET-LOOKING-PAYLOAD');

    const art = await call('GET', `/artifacts/${artId}`);
    expect(art.status).toBe(200);
    expect(art.body).toMatchObject({
      id: artId,
      name: 'web.log',
      realm: expect.any(String),
      created_by: u.userId,
      source: { type: 'chat', conversation_id: conv, tool_call_id: tc, task_run_id: null },
    });
    const dl = await t.http().get(`/api/v1/artifacts/${artId}/download`).set(u.auth).expect(200);
    expect(dl.text).toBe(LOG);
    const byCall = await call('GET', `/artifacts?conversation_id=${conv}`);
    expect(byCall.body.items.map((a: any) => a.id)).toEqual([artId]);
    expect(existsSync(blobPath(u.orgId, artId))).toBe(true);
    // only one artifact: the oversized file left nothing behind
    const all = await call('GET', '/artifacts');
    expect(all.body.items.filter((a: any) => a.name === 'huge.bin')).toEqual([]);
    // another org sees nothing
    expect((await call('GET', `/artifacts/${artId}`, undefined, other)).status).toBe(404);
  });

  it('a task run whose tool returned a file lists it in `artifacts` (detail and history); the model got the reference only', async () => {
    const task = await call('POST', '/tasks', { name: 'collect-logs', trigger: { kind: 'manual' } });
    expect(task.status).toBe(201);
    fake.script(
      {
        toolCalls: [
          {
            name: 'execute_connector_tool',
            arguments: { tool: 'prod-cluster.get_pod_logs', arguments: { namespace: 'prod', name: 'web-2' } },
          },
        ],
      },
      { text: 'Logs collected.' },
    );
    const started = await call('POST', `/tasks/${task.body.id}/run`, {});
    expect(started.status).toBe(202);
    const runId = started.body.run_id;
    const run = await eventually(async () => {
      const r = (await call('GET', `/tasks/${task.body.id}/runs/${runId}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
    }, 20_000);
    expect(run.status).toBe('succeeded');
    expect(run.artifacts).toEqual([expect.stringMatching(/^art_/)]);
    const artId = run.artifacts[0];
    const art = await call('GET', `/artifacts/${artId}`);
    // linked by conversation while the run ran, labelled with the run when it ended
    expect(art.body.source).toEqual({
      type: 'task_run',
      conversation_id: run.conversation_id,
      task_run_id: runId,
      tool_call_id: run.transcript.tool_calls[0].id,
    });
    expect((await call('GET', `/artifacts?task_run_id=${runId}`)).body.items.map((a: any) => a.id)).toEqual([artId]);
    const history = await call('GET', `/tasks/${task.body.id}/runs`);
    expect(history.body.items.find((r: any) => r.id === runId).artifacts).toEqual([artId]);

    // what went back to the model: the reference, never the bytes
    const toModel = JSON.stringify(fake.requests[1].body.messages);
    expect(toModel).toContain(artId);
    expect(toModel).not.toContain('SECRET-LOOKING-PAYLOAD');

    // a run without files lists none
    fake.script({ text: 'Nothing to do.' });
    const quiet = await call('POST', `/tasks/${task.body.id}/run`, {});
    const quietRun = await eventually(async () => {
      const r = (await call('GET', `/tasks/${task.body.id}/runs/${quiet.body.run_id}`)).body;
      return r.status === 'succeeded' ? r : null;
    }, 20_000);
    expect(quietRun.artifacts).toEqual([]);
  });

  it("the purge of a deleted org deletes its artifact blobs and keeps other orgs' blobs", async () => {
    const admin = await loginAdmin(t);
    const gone = await registerOwner(t, 'artlinks-gone');
    const up = await t
      .http()
      .post('/api/v1/artifacts')
      .set(gone.auth)
      .attach('file', Buffer.from('bye'), { filename: 'bye.txt', contentType: 'text/plain' })
      .expect(201);
    const kept = await t
      .http()
      .post('/api/v1/artifacts')
      .set(other.auth)
      .attach('file', Buffer.from('stay'), { filename: 'stay.txt', contentType: 'text/plain' })
      .expect(201);
    expect(existsSync(blobPath(gone.orgId, up.body.id))).toBe(true);
    expect(t.app.get(AppConfig).uploadDir).toBe(uploadDir);

    await t.http().delete(`/api/v1/platform/orgs/${gone.orgId}`).set(admin.auth).expect(204);
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query(`UPDATE organizations SET deleted_at = now() - interval '31 days' WHERE id = $1`, [gone.orgId]);
      expect(await t.app.get(OrgPurgeService).purgeDue()).toContain(gone.orgId);
      expect(
        Number((await db.query('SELECT count(*) AS n FROM artifacts WHERE org_id = $1', [gone.orgId])).rows[0].n),
      ).toBe(0);
    } finally {
      await db.end();
    }
    expect(existsSync(blobPath(gone.orgId, up.body.id))).toBe(false);
    expect(existsSync(blobPath(other.orgId, kept.body.id))).toBe(true);
    await t.http().get(`/api/v1/artifacts/${kept.body.id}/download`).set(other.auth).expect(200);
  });
});
