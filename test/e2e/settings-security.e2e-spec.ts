import { SettingsService } from 'src/modules/settings/settings.service';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { addUserWithRole } from './settings-helpers';

describe('/settings and /settings/security', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'settings');
  });
  afterAll(() => t.close());

  it('GET /settings/security returns the documented defaults', async () => {
    const res = await t.http().get('/api/v1/settings/security').set(owner.auth).expect(200);
    expect(res.body).toEqual({
      approval_defaults: { read: 'allow', write: 'approve', destructive: 'approve' },
      approval_timeout_secs: 300,
      org_timezone: 'UTC',
      allow_self_approval: false,
    });
  });

  it('POST /settings/security merges partial bodies, persists, and is what SettingsService.getSecurity returns', async () => {
    const org = await registerOwner(t, 'sec');
    const first = await t
      .http()
      .post('/api/v1/settings/security')
      .set(org.auth)
      .send({ approval_defaults: { write: 'allow' } })
      .expect(200);
    expect(first.body.approval_defaults).toEqual({ read: 'allow', write: 'allow', destructive: 'approve' });
    expect(first.body.approval_timeout_secs).toBe(300);
    const second = await t
      .http()
      .post('/api/v1/settings/security')
      .set(org.auth)
      .send({ approval_timeout_secs: 60, approval_defaults: { destructive: 'deny' } })
      .expect(200);
    expect(second.body).toMatchObject({
      approval_defaults: { read: 'allow', write: 'allow', destructive: 'deny' },
      approval_timeout_secs: 60,
    });
    const patched = await t
      .http()
      .patch('/api/v1/settings/security')
      .set(org.auth)
      .send({ approval_defaults: { read: 'approve' } })
      .expect(200);
    expect(patched.body.approval_defaults).toEqual({ read: 'approve', write: 'allow', destructive: 'deny' });
    const again = await t.http().get('/api/v1/settings/security').set(org.auth).expect(200);
    expect(again.body).toEqual(patched.body);

    const sec = await t.app.get(SettingsService, { strict: false }).getSecurity(org.orgId);
    expect(sec).toEqual({
      approvalDefaults: { read: 'approve', write: 'allow', destructive: 'deny' },
      approvalTimeoutSecs: 60,
      orgTimezone: 'UTC',
      allowSelfApproval: false,
    });
    // other orgs are unaffected
    const other = await t.http().get('/api/v1/settings/security').set(owner.auth).expect(200);
    expect(other.body.approval_defaults.write).toBe('approve');
  });

  it.each([
    [{ approval_defaults: { write: 'maybe' } }, 'approval_defaults.write'],
    [{ approval_defaults: { delete: 'deny' } }, 'approval_defaults.delete'],
    [{ approval_timeout_secs: 5 }, 'approval_timeout_secs'],
    [{ approval_timeout_secs: 86401 }, 'approval_timeout_secs'],
    [{ approval_timeout_secs: 12.5 }, 'approval_timeout_secs'],
    [{ org_timezone: 'Mars/Olympus' }, 'org_timezone'],
    [{ unknown: 1 }, 'unknown'],
  ])('rejects %j with 400 validation_failed', async (body, field) => {
    const res = await t.http().post('/api/v1/settings/security').set(owner.auth).send(body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('accepts the timeout bounds 10 and 86400', async () => {
    const org = await registerOwner(t, 'bounds');
    await t.http().post('/api/v1/settings/security').set(org.auth).send({ approval_timeout_secs: 10 }).expect(200);
    const res = await t
      .http()
      .post('/api/v1/settings/security')
      .set(org.auth)
      .send({ approval_timeout_secs: 86400 })
      .expect(200);
    expect(res.body.approval_timeout_secs).toBe(86400);
  });

  it('members read, only admins write; writes are audited with category settings', async () => {
    const org = await registerOwner(t, 'roles');
    const member = await addUserWithRole(t, org, 'member');
    const admin = await addUserWithRole(t, org, 'admin');
    await t.http().get('/api/v1/settings/security').set(member.auth).expect(200);
    await t.http().get('/api/v1/settings').set(member.auth).expect(200);
    const denied = await t
      .http()
      .post('/api/v1/settings/security')
      .set(member.auth)
      .send({ approval_timeout_secs: 30 })
      .expect(403);
    expect(denied.body.error.code).toBe('forbidden');
    await t.http().patch('/api/v1/settings').set(member.auth).send({ timezone: 'UTC' }).expect(403);
    await t.http().post('/api/v1/settings/security').set(admin.auth).send({ approval_timeout_secs: 30 }).expect(200);

    const ds = t.app.get(DataSource);
    const rows = (await ds.query(
      `SELECT category, action, result, actor_user_id, details FROM audit_log WHERE org_id = $1 AND category = 'settings' ORDER BY seq`,
      [org.orgId],
    )) as {
      action: string;
      actor_user_id: string;
      details: { changes?: unknown };
    }[];
    const change = rows.find((r) => r.action === 'settings.security.update' && r.details?.changes);
    expect(change).toBeDefined();
    expect(change!.actor_user_id).toBe(admin.userId);
    expect(change!.details.changes).toEqual({ approval_timeout_secs: 30 });
  });

  it('GET /settings returns the org, general settings and sections without secrets', async () => {
    const org = await registerOwner(t, 'general');
    const res = await t.http().get('/api/v1/settings').set(org.auth).expect(200);
    expect(res.body.org).toEqual({ id: org.orgId, name: expect.any(String), display_name: expect.any(String) });
    expect(res.body.timezone).toBe('UTC');
    expect(res.body.default_realm).toBeNull();
    expect(res.body.settings.security.approval_timeout_secs).toBe(300);
    expect(res.body.settings.llm).toMatchObject({ provider: 'offline', api_key_set: false, source: 'default' });
  });

  it('PATCH /settings deep-merges display_name, timezone, default_realm and security', async () => {
    const org = await registerOwner(t, 'patch');
    const res = await t
      .http()
      .patch('/api/v1/settings')
      .set(org.auth)
      .send({
        display_name: 'Acme Ops',
        timezone: 'Europe/Berlin',
        default_realm: 'infrastructure',
        security: { approval_defaults: { write: 'deny' } },
      })
      .expect(200);
    expect(res.body.display_name).toBe('Acme Ops');
    expect(res.body.org.display_name).toBe('Acme Ops');
    expect(res.body.timezone).toBe('Europe/Berlin');
    expect(res.body.default_realm).toBe('infrastructure');
    expect(res.body.settings.security.approval_defaults).toEqual({
      read: 'allow',
      write: 'deny',
      destructive: 'approve',
    });
    const again = await t.http().patch('/api/v1/settings').set(org.auth).send({ default_realm: null }).expect(200);
    expect(again.body.default_realm).toBeNull();
    expect(again.body.timezone).toBe('Europe/Berlin');
    expect(again.body.settings.security.approval_defaults.write).toBe('deny');
    const me = await t.http().get('/api/v1/auth/me').set(org.auth).expect(200);
    expect(me.body.org.display_name).toBe('Acme Ops');
  });

  it('PATCH /settings rejects the immutable slug, bad time zones and unknown keys', async () => {
    for (const body of [
      { name: 'new-slug' },
      { timezone: 'Nowhere/Land' },
      { colour: 'red' },
      { display_name: '' },
      { default_realm: 'no-such-realm' },
    ]) {
      const res = await t.http().patch('/api/v1/settings').set(owner.auth).send(body).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('requires authentication', async () => {
    await t.http().get('/api/v1/settings').expect(401);
    await t.http().get('/api/v1/settings/security').expect(401);
  });
});
