import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { addMember, loginAdmin, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';

/**
 * Who may run processes on the API host (CIAB_HOST_ACCESS, default platform admins only), the
 * idle reaper, boot recovery of sessions left behind, and the feature flag.
 */
describe('ciab-native: host access, idle reaper, boot recovery', () => {
  let t: TestApp;
  let admin: TestUser;
  let owner: TestUser;
  let workDir: string;
  const base = '/api/v1/ciab-native/sessions';

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'ciab-access-'));
    t = await startTestApp({
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '220000',
      CIAB_LOCAL_WORK_DIR: workDir,
      CIAB_SESSION_IDLE_TIMEOUT: '3',
    });
    admin = await loginAdmin(t);
    owner = await registerOwner(t, 'ciab-acc');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('by default only platform admins: an org owner gets 403 on every route', async () => {
    const denied = await t.http().post(base).set(owner.auth).send({}).expect(403);
    expect(denied.body.error).toMatchObject({ code: 'host_access_forbidden', details: { policy: 'platform_admin' } });
    await t.http().get(base).set(owner.auth).expect(403);
    await t.http().get('/api/v1/sandboxes').set(owner.auth).expect(403);

    const s = await t.http().post(base).set(admin.auth).send({});
    expect({ status: s.status, error: s.body.error }).toEqual({ status: 201, error: undefined });
    // the platform admin's session is invisible to other orgs (404 after the policy check passes elsewhere)
    await t.http().get(`${base}/${s.body.id}`).set(owner.auth).expect(403);
    await t.http().get(`/api/v1/sandboxes/${s.body.id}/ports`).set(owner.auth).expect(403);
    await t.http().delete(`${base}/${s.body.id}`).set(admin.auth).expect(200);
  });

  it('reaps an idle session (running → idle → terminated) and wipes its directory; activity keeps it', async () => {
    const s = await t.http().post(base).set(admin.auth).send({}).expect(201);
    const dir = path.join(workDir, s.body.id);
    expect(existsSync(dir)).toBe(true);
    // input counts as activity: still alive after more than the timeout
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 900));
      await t.http().post(`${base}/${s.body.id}/input`).set(admin.auth).send({ text: 'true' }).expect(202);
    }
    expect((await t.http().get(`${base}/${s.body.id}`).set(admin.auth).expect(200)).body.status).toBe('running');
    await eventually(
      async () => (await t.http().get(`${base}/${s.body.id}`).set(admin.auth)).body.status === 'idle',
      10_000,
    );
    const ended = await eventually(async () => {
      const r = await t.http().get(`${base}/${s.body.id}`).set(admin.auth);
      return r.body.status === 'terminated' ? r.body : null;
    }, 15_000);
    expect(ended.status_reason).toBe('idle_timeout');
    expect(existsSync(dir)).toBe(false);
    const audit = await t.http().get('/api/v1/activity/audit?action=ciab.sessions.reap').set(admin.auth).expect(200);
    expect(JSON.stringify(audit.body)).toContain(s.body.id);
  });

  it('an org admin is refused while the policy is platform_admin; org_admin opens it to admins, not members', async () => {
    const t2 = await startTestApp({
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '220000',
      CIAB_LOCAL_WORK_DIR: workDir,
      CIAB_HOST_ACCESS: 'org_admin',
    });
    try {
      const o = await registerOwner(t2, 'ciab-oa');
      const member = await addMember(t2, o, 'member', 'ciab-mem');
      await t2.http().post(base).set(member.auth).send({}).expect(403);
      const s = await t2.http().post(base).set(o.auth).send({}).expect(201);
      await t2.http().get(`${base}/${s.body.id}`).set(member.auth).expect(403);
      await t2.http().delete(`${base}/${s.body.id}`).set(o.auth).expect(200);
    } finally {
      await t2.close();
    }
    const off = await startTestApp({
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '220000',
      CIAB_LOCAL_WORK_DIR: workDir,
      CIAB_HOST_ACCESS: 'off',
    });
    try {
      const a = await loginAdmin(off);
      await off.http().post(base).set(a.auth).send({}).expect(403);
    } finally {
      await off.close();
    }
  });

  it('at boot, live rows this replica left behind (no process any more) are marked failed', async () => {
    const ds = t.app.get(DataSource);
    const [{ instance }] = await ds.query(`SELECT instance FROM ciab_sessions WHERE org_id = $1 LIMIT 1`, [
      admin.orgId,
    ]);
    const id = `cs_${'0'.repeat(31)}1`;
    await ds.query(
      `INSERT INTO ciab_sessions (id, org_id, runtime, agent_provider, status, instance) VALUES ($1, $2, 'local', 'claude-code', 'running', $3)`,
      [id, admin.orgId, instance],
    );
    const t3 = await startTestApp({
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '220000',
      CIAB_LOCAL_WORK_DIR: workDir,
    });
    try {
      const r = await t3.http().get(`${base}/${id}`).set(admin.auth).expect(200);
      expect(r.body).toMatchObject({ status: 'failed', status_reason: 'api_restarted' });
    } finally {
      await t3.close();
    }
  });

  it('is 404 feature_disabled while features.ciab is off', async () => {
    const t4 = await startTestApp({ AGENTCY_FEATURES_CIAB: 'false' });
    try {
      const a = await loginAdmin(t4);
      const r = await t4.http().get(base).set(a.auth).expect(404);
      expect(r.body.error.code).toBe('feature_disabled');
      await t4.http().get('/api/v1/sandboxes').set(a.auth).expect(404);
    } finally {
      await t4.close();
    }
  });
});
