import { AppConfig } from '@libs/config';
import { gitCacheDir } from '@libs/connectors/git/git.connector';
import { Neo4jService } from '@libs/graph/neo4j.service';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { OrgPurgeService } from 'src/modules/platform/org-purge.service';
import { addMember, createApiKey, loginAdmin, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

describe('identity: deleting and purging orgs, password resets (/platform)', () => {
  let t: TestApp;
  let admin: TestUser;
  let db: Client;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const login = (email: string, password: string) => t.http().post('/api/v1/auth/login').send({ email, password });

  it('DELETE /platform/orgs/:id disables the org at once, hides it from the list, and restore brings it back', async () => {
    const owner = await registerOwner(t, 'delorg');
    const key = await createApiKey(t, owner);
    await t.http().delete(`/api/v1/platform/orgs/${owner.orgId}`).set(owner.auth).expect(403);
    await t.http().delete(`/api/v1/platform/orgs/${owner.orgId}`).set(admin.auth).expect(204);
    await t.http().delete(`/api/v1/platform/orgs/${owner.orgId}`).set(admin.auth).expect(204); // idempotent

    for (const auth of [owner.auth, key.auth]) {
      const res = await t.http().get('/api/v1/users').set(auth).expect(403);
      expect(res.body.error.code).toBe('org_disabled');
    }
    expect((await login(owner.email, 'password-123').expect(403)).body.error.code).toBe('org_disabled');

    const listed = await t.http().get('/api/v1/platform/orgs?limit=200').set(admin.auth).expect(200);
    expect(listed.body.items.map((o: any) => o.id)).not.toContain(owner.orgId);
    const deleted = await t.http().get('/api/v1/platform/orgs?deleted=true&limit=200').set(admin.auth).expect(200);
    const row = deleted.body.items.find((o: any) => o.id === owner.orgId);
    expect(row).toMatchObject({ disabled: true, deleted_at: expect.any(String), purge_at: expect.any(String) });
    expect(Date.parse(row.purge_at) - Date.parse(row.deleted_at)).toBe(30 * 86_400_000);

    const enable = await t.http().post(`/api/v1/platform/orgs/${owner.orgId}/enable`).set(admin.auth).expect(409);
    expect(enable.body.error.code).toBe('org_deleted');
    const restored = await t.http().post(`/api/v1/platform/orgs/${owner.orgId}/restore`).set(admin.auth).expect(200);
    expect(restored.body).toMatchObject({ id: owner.orgId, disabled: false, deleted_at: null, purge_at: null });
    await t.http().get('/api/v1/users').set(owner.auth).expect(200);
    await t.http().post(`/api/v1/platform/orgs/${owner.orgId}/restore`).set(admin.auth).expect(409);

    const own = await t.http().delete(`/api/v1/platform/orgs/${admin.orgId}`).set(admin.auth).expect(409);
    expect(own.body.error.code).toBe('own_org');
    await t.http().delete('/api/v1/platform/orgs/00000000-0000-4000-8000-000000000000').set(admin.auth).expect(404);
    const audit = await t.http().get('/api/v1/activity/audit?action=platform.orgs.delete').set(admin.auth).expect(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
  });

  it('the purge removes a deleted org whose grace period is over: rows in every table and its graph nodes', async () => {
    const gone = await registerOwner(t, 'purgeme');
    await addMember(t, gone, 'member', 'purgemember');
    await createApiKey(t, gone);
    await t.http().post('/api/v1/realms').set(gone.auth).send({ name: 'purge-realm' }).expect(201);
    const neo4j = t.app.get(Neo4jService);
    await neo4j.write('CREATE (:Entity:PurgeProbe {org_id: $org, realm: "data", source_id: "s", key: "k1"})', {
      org: gone.orgId,
    });
    const uploadDir = t.app.get(AppConfig).uploadDir;
    const files = [
      join(uploadDir, gone.orgId, 'upl_probe'),
      join(gitCacheDir(uploadDir, gone.orgId), 'probe.git', 'HEAD'),
    ];
    for (const f of files) {
      mkdirSync(dirname(f), { recursive: true });
      writeFileSync(f, 'x');
    }
    const recent = await registerOwner(t, 'purgelater');

    await t.http().delete(`/api/v1/platform/orgs/${gone.orgId}`).set(admin.auth).expect(204);
    await t.http().delete(`/api/v1/platform/orgs/${recent.orgId}`).set(admin.auth).expect(204);
    await db.query(`UPDATE organizations SET deleted_at = now() - interval '31 days' WHERE id = $1`, [gone.orgId]);

    const purged = await t.app.get(OrgPurgeService).purgeDue();
    expect(purged).toContain(gone.orgId);
    expect(purged).not.toContain(recent.orgId);
    const count = async (sql: string) => Number((await db.query(sql, [gone.orgId])).rows[0].n);
    expect(await count('SELECT count(*) AS n FROM organizations WHERE id = $1')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM users WHERE organization_id = $1')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM api_keys WHERE org_id = $1')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM realms WHERE org_id = $1')).toBe(0);
    const nodes = await neo4j.read('MATCH (n) WHERE n.org_id = $org RETURN count(n) AS n', { org: gone.orgId });
    expect(nodes.records[0].get('n')).toBe(0);
    expect(files.filter((f) => existsSync(f))).toEqual([]);
    await t.http().get(`/api/v1/platform/orgs/${recent.orgId}`).set(admin.auth).expect(200);
    await t.http().get(`/api/v1/platform/orgs/${gone.orgId}`).set(admin.auth).expect(404);
  });

  it('password reset: a platform admin issues a one-time token; the user sets a new password with it and is logged in', async () => {
    const owner = await registerOwner(t, 'pwreset');
    await t.http().post(`/api/v1/platform/users/${owner.userId}/reset-password`).set(owner.auth).expect(403);
    const first = await t
      .http()
      .post(`/api/v1/platform/users/${owner.userId}/reset-password`)
      .set(admin.auth)
      .expect(200);
    const issued = await t
      .http()
      .post(`/api/v1/platform/users/${owner.userId}/reset-password`)
      .set(admin.auth)
      .expect(200);
    expect(issued.body).toMatchObject({
      user_id: owner.userId,
      reset_token: expect.stringMatching(/^pwr_/),
      expires_at: expect.any(String),
    });

    // only the newest token works; a short password is a validation error that burns nothing
    const stale = await t
      .http()
      .post('/api/v1/auth/reset-password')
      .send({ token: first.body.reset_token, password: 'new-password-1' })
      .expect(400);
    expect(stale.body.error.code).toBe('invalid_reset_token');
    await t
      .http()
      .post('/api/v1/auth/reset-password')
      .send({ token: issued.body.reset_token, password: 'short' })
      .expect(400);

    const done = await t
      .http()
      .post('/api/v1/auth/reset-password')
      .send({ token: issued.body.reset_token, password: 'new-password-1' })
      .expect(200);
    expect(done.body).toMatchObject({ token: expect.any(String), user: { id: owner.userId, email: owner.email } });
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${done.body.token}`).expect(200);
    await login(owner.email, 'password-123').expect(401);
    await login(owner.email, 'new-password-1').expect(200);
    const reuse = await t
      .http()
      .post('/api/v1/auth/reset-password')
      .send({ token: issued.body.reset_token, password: 'new-password-2' })
      .expect(400);
    expect(reuse.body.error.code).toBe('invalid_reset_token');

    await db.query(`UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [
      owner.userId,
    ]);
    const again = await t
      .http()
      .post(`/api/v1/platform/users/${owner.userId}/reset-password`)
      .set(admin.auth)
      .expect(200);
    await db.query(`UPDATE password_resets SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [
      owner.userId,
    ]);
    await t
      .http()
      .post('/api/v1/auth/reset-password')
      .send({ token: again.body.reset_token, password: 'new-password-3' })
      .expect(400);
    const stored = await db.query('SELECT token_hash FROM password_resets WHERE user_id = $1', [owner.userId]);
    expect(stored.rows.every((r) => !String(r.token_hash).startsWith('pwr_'))).toBe(true);
    await t
      .http()
      .post('/api/v1/platform/users/00000000-0000-4000-8000-000000000000/reset-password')
      .set(admin.auth)
      .expect(404);
  });
});
