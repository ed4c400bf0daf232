import { Neo4jService } from '@libs/graph';
import { EventBus } from '@libs/redis';
import { DataSource } from 'typeorm';
import { addMember, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { seedEdge, seedNode, wipeOrgGraph } from '../support/graph-fixtures';

const BUILTINS = ['infrastructure', 'development', 'crm', 'design', 'data', 'default'];

describe('realms (/realms)', () => {
  let t: TestApp;
  let neo4j: Neo4jService;
  let ds: DataSource;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    neo4j = t.app.get(Neo4jService);
    ds = t.app.get(DataSource);
    a = await registerOwner(t, 'grra');
    b = await registerOwner(t, 'grrb');
    const x = await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'x', realm: 'infrastructure' });
    const y = await seedNode(neo4j, { orgId: a.orgId, label: 'Cluster', name: 'y', realm: 'infrastructure' });
    await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'gone', realm: 'infrastructure', archived: true });
    await seedEdge(neo4j, { orgId: a.orgId, from: x, to: y, type: 'DEPLOYED_ON', realm: 'infrastructure' });
    await seedNode(neo4j, { orgId: b.orgId, label: 'Service', name: 'bx', realm: 'infrastructure' });
    await ds.query(
      `INSERT INTO sources (org_id, name, source_type, realm) VALUES ($1, 'k8s', 'kubernetes', 'infrastructure'), ($1, 'gh', 'github', 'development')`,
      [a.orgId],
    );
  });

  afterAll(async () => {
    await wipeOrgGraph(neo4j, a.orgId);
    await wipeOrgGraph(neo4j, b.orgId);
    await t.close();
  });

  it("lists the built-in realms with node, edge and source counts of the caller's org", async () => {
    const res = await t.http().get('/api/v1/realms').set(a.auth).expect(200);
    expect(res.body).toEqual({ items: expect.any(Array), next_cursor: null, total: 6 });
    expect(res.body.items.map((r: { name: string }) => r.name)).toEqual(BUILTINS);
    const infra = res.body.items[0];
    expect(infra).toMatchObject({
      id: expect.any(String),
      name: 'infrastructure',
      builtin: true,
      node_count: 2,
      edge_count: 1,
      source_count: 1,
      description: expect.any(String),
    });
    expect(infra.created_at).toEqual(expect.any(String));
    expect(res.body.items[1]).toMatchObject({ name: 'development', node_count: 0, edge_count: 0, source_count: 1 });
    const rb = await t.http().get('/api/v1/realms').set(b.auth).expect(200);
    expect(rb.body.items[0]).toMatchObject({ name: 'infrastructure', node_count: 1, edge_count: 0, source_count: 0 });
  });

  it('creates, reads, updates and deletes a custom realm (admin+)', async () => {
    const created = await t
      .http()
      .post('/api/v1/realms')
      .set(a.auth)
      .send({ name: 'knowledge', description: 'Docs and runbooks' })
      .expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      name: 'knowledge',
      description: 'Docs and runbooks',
      builtin: false,
      node_count: 0,
      edge_count: 0,
      source_count: 0,
    });
    const byName = await t.http().get('/api/v1/realms/knowledge').set(a.auth).expect(200);
    expect(byName.body.id).toBe(created.body.id);
    const byId = await t.http().get(`/api/v1/realms/${created.body.id}`).set(a.auth).expect(200);
    expect(byId.body.name).toBe('knowledge');
    const list = await t.http().get('/api/v1/realms').set(a.auth).expect(200);
    expect(list.body.total).toBe(7);
    expect(list.body.items.map((r: { name: string }) => r.name)).toContain('knowledge');
    const avail = await t.http().get('/api/v1/realms/available').set(a.auth).expect(200);
    expect(avail.body.items.map((r: { name: string }) => r.name)).toEqual([...BUILTINS, 'knowledge']);
    expect(avail.body).toMatchObject({ total: 7, next_cursor: null });

    const patched = await t
      .http()
      .patch('/api/v1/realms/knowledge')
      .set(a.auth)
      .send({ description: 'Runbooks' })
      .expect(200);
    expect(patched.body.description).toBe('Runbooks');
    const rename = await t.http().patch('/api/v1/realms/knowledge').set(a.auth).send({ name: 'other' }).expect(400);
    expect(rename.body.error.code).toBe('validation_failed');

    // other orgs cannot see or touch it
    await t.http().get('/api/v1/realms/knowledge').set(b.auth).expect(404);
    await t.http().get(`/api/v1/realms/${created.body.id}`).set(b.auth).expect(404);
    await t.http().patch(`/api/v1/realms/${created.body.id}`).set(b.auth).send({ description: 'x' }).expect(404);
    await t.http().delete(`/api/v1/realms/${created.body.id}`).set(b.auth).expect(404);
    // the same name is free in another org
    await t.http().post('/api/v1/realms').set(b.auth).send({ name: 'knowledge' }).expect(201);

    await t.http().delete('/api/v1/realms/knowledge').set(a.auth).expect(204);
    await t.http().get('/api/v1/realms/knowledge').set(a.auth).expect(404);

    // changes are audited (global interceptor), reads are not
    let actions: string[] = [];
    for (let i = 0; i < 40; i++) {
      actions = (
        (await ds.query(`SELECT action FROM audit_log WHERE org_id = $1 ORDER BY seq`, [a.orgId])) as {
          action: string;
        }[]
      ).map((r) => r.action);
      if (actions.includes('realms.delete')) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(actions).toEqual(expect.arrayContaining(['realms.create', 'realms.update', 'realms.delete']));
  });

  it('duplicate names → 409 already_exists; built-in names → 409 builtin_realm; bad names → 400', async () => {
    await t.http().post('/api/v1/realms').set(a.auth).send({ name: 'dupe' }).expect(201);
    const dup = await t.http().post('/api/v1/realms').set(a.auth).send({ name: 'dupe' }).expect(409);
    expect(dup.body.error.code).toBe('already_exists');
    for (const name of BUILTINS) {
      const res = await t.http().post('/api/v1/realms').set(a.auth).send({ name }).expect(409);
      expect(res.body.error.code).toBe('builtin_realm');
    }
    for (const name of ['A', 'x', '1abc', 'has space', 'UPPER', 'a'.repeat(64), '']) {
      const res = await t.http().post('/api/v1/realms').set(a.auth).send({ name }).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    await t.http().post('/api/v1/realms').set(a.auth).send({}).expect(400);
    await t.http().post('/api/v1/realms').set(a.auth).send({ name: 'okay', extra: 1 }).expect(400);
  });

  it('built-in realms cannot be deleted or changed', async () => {
    const del = await t.http().delete('/api/v1/realms/infrastructure').set(a.auth).expect(409);
    expect(del.body.error.code).toBe('builtin_realm');
    const patch = await t.http().patch('/api/v1/realms/crm').set(a.auth).send({ description: 'x' }).expect(409);
    expect(patch.body.error.code).toBe('builtin_realm');
    await t.http().get('/api/v1/realms/crm').set(a.auth).expect(200);
  });

  it('a realm in use → 409 in_use; ?force=true archives its graph data and resets sources', async () => {
    await t.http().post('/api/v1/realms').set(a.auth).send({ name: 'busy' }).expect(201);
    const n1 = await seedNode(neo4j, { orgId: a.orgId, label: 'Doc', name: 'busy-doc', realm: 'busy' });
    const res = await t.http().delete('/api/v1/realms/busy').set(a.auth).expect(409);
    expect(res.body.error.code).toBe('in_use');
    expect(res.body.error.details).toMatchObject({ nodes: 1 });
    const got = await t.http().get('/api/v1/realms/busy').set(a.auth).expect(200);
    expect(got.body.node_count).toBe(1);

    await t.http().post('/api/v1/realms').set(a.auth).send({ name: 'srcs' }).expect(201);
    await ds.query(`INSERT INTO sources (org_id, name, source_type, realm) VALUES ($1, 'csv-srcs', 'csv', 'srcs')`, [
      a.orgId,
    ]);
    const srcRes = await t.http().delete('/api/v1/realms/srcs').set(a.auth).expect(409);
    expect(srcRes.body.error).toMatchObject({ code: 'in_use', details: { sources: 1 } });

    const events: { type: string; data: Record<string, unknown> }[] = [];
    const unsub = await t.app.get(EventBus).subscribe(`org:${a.orgId}:events`, (m) => events.push(m as never));
    await t.http().delete('/api/v1/realms/busy?force=true').set(a.auth).expect(204);
    for (let i = 0; i < 40 && !events.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await unsub();
    expect(events).toEqual([
      expect.objectContaining({
        type: 'graph.changed',
        data: expect.objectContaining({ realm: 'busy', reason: 'realm_deleted', nodes_archived: 1 }),
      }),
    ]);
    await t.http().get(`/api/v1/graph/nodes/${n1}`).set(a.auth).expect(404);
    await t.http().get(`/api/v1/graph/nodes/${n1}?include_archived=true`).set(a.auth).expect(200);
    await t.http().delete('/api/v1/realms/srcs').query({ force: true }).set(a.auth).expect(204);
    const moved = await ds.query(`SELECT realm FROM sources WHERE org_id = $1 AND name = 'csv-srcs'`, [a.orgId]);
    expect(moved[0].realm).toBe('default');
  });

  it('members may read but not change realms', async () => {
    const m = await addMember(t, await registerOwner(t, 'grrm'), 'member', 'grrm-m');
    await t.http().get('/api/v1/realms').set(m.auth).expect(200);
    const res = await t.http().post('/api/v1/realms').set(m.auth).send({ name: 'nope' }).expect(403);
    expect(res.body.error.code).toBe('forbidden');
    await t.http().get('/api/v1/realms').expect(401);
  });

  it('paginates', async () => {
    const p1 = await t.http().get('/api/v1/realms').query({ limit: 4 }).set(a.auth).expect(200);
    expect(p1.body.items).toHaveLength(4);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get('/api/v1/realms')
      .query({ limit: 4, cursor: p1.body.next_cursor })
      .set(a.auth)
      .expect(200);
    const names = [...p1.body.items, ...p2.body.items].map((r: { name: string }) => r.name);
    expect(names.slice(0, 6)).toEqual(BUILTINS);
    expect(new Set(names).size).toBe(names.length);
    expect(p1.body.total).toBe(p2.body.total);
    await t.http().get('/api/v1/realms').query({ limit: 0 }).set(a.auth).expect(400);
    await t.http().get('/api/v1/realms').query({ cursor: 'garbage' }).set(a.auth).expect(400);
  });
});
