import { GraphSchemaService, Neo4jService } from '@libs/graph';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { seedEdge, seedNode, wipeOrgGraph } from '../support/graph-fixtures';

describe('graph reads (/graph nodes, expand, stats, schema)', () => {
  let t: TestApp;
  let neo4j: Neo4jService;
  let a: TestUser;
  let b: TestUser;
  const ids: Record<string, string> = {};
  const SRC = randomUUID();

  beforeAll(async () => {
    t = await startTestApp();
    neo4j = t.app.get(Neo4jService);
    a = await registerOwner(t, 'gra');
    b = await registerOwner(t, 'grb');
    await t.app
      .get(DataSource)
      .query(
        `INSERT INTO sources (id, org_id, name, source_type, realm) VALUES ($1, $2, 'k8s-prod', 'kubernetes', 'infrastructure')`,
        [SRC, a.orgId],
      );
    const base = Date.UTC(2026, 3, 1);
    ids.checkout = await seedNode(neo4j, {
      orgId: a.orgId,
      label: 'Service',
      name: 'checkout-service',
      description: 'Handles the payment checkout flow',
      sourceId: SRC,
      createdAt: base + 1000,
    });
    ids.cart = await seedNode(neo4j, {
      orgId: a.orgId,
      label: 'Service',
      name: 'cart',
      description: 'Shopping cart',
      createdAt: base + 2000,
    });
    ids.cluster = await seedNode(neo4j, { orgId: a.orgId, label: 'Cluster', name: 'prod-eu', createdAt: base + 3000 });
    ids.pod = await seedNode(neo4j, {
      orgId: a.orgId,
      label: 'Pod',
      name: 'checkout-7f9c',
      extraLabels: ['Workload'],
      createdAt: base + 4000,
    });
    ids.repo = await seedNode(neo4j, {
      orgId: a.orgId,
      label: 'Repository',
      name: 'shop-frontend',
      realm: 'development',
      createdAt: base + 5000,
    });
    ids.old = await seedNode(neo4j, {
      orgId: a.orgId,
      label: 'Service',
      name: 'checkout-legacy',
      archived: true,
      createdAt: base + 6000,
    });
    ids.bCheckout = await seedNode(neo4j, {
      orgId: b.orgId,
      label: 'Service',
      name: 'checkout-b-secret',
      createdAt: base + 7000,
    });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.checkout, to: ids.cluster, type: 'DEPLOYED_ON' });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.pod, to: ids.checkout, type: 'RUNS' });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.cart, to: ids.cluster, type: 'DEPLOYED_ON' });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.repo, to: ids.checkout, type: 'BUILDS', realm: 'development' });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.old, to: ids.cluster, type: 'DEPLOYED_ON', archived: true });
  });

  afterAll(async () => {
    await wipeOrgGraph(neo4j, a.orgId);
    await wipeOrgGraph(neo4j, b.orgId);
    await t.close();
  });

  it('the schema exists: constraints and the entity_search_v2 full-text index are online', async () => {
    const res = await neo4j.read(
      `SHOW INDEXES YIELD name, type, state, labelsOrTypes, properties RETURN name, type, state, properties`,
    );
    const byName = Object.fromEntries(res.records.map((r) => [r.get('name'), r.toObject()]));
    expect(byName.entity_search_v2).toMatchObject({
      type: 'FULLTEXT',
      state: 'ONLINE',
      properties: ['name', 'description', 'key', 'search_text'],
    });
    expect(byName.entity_search).toBeUndefined();
    expect(byName.entity_org_id).toMatchObject({ state: 'ONLINE', properties: ['org_id'] });
    expect(byName.entity_realm).toMatchObject({ state: 'ONLINE', properties: ['realm'] });
    const cons = await neo4j.read(`SHOW CONSTRAINTS YIELD name, type, properties RETURN name, type, properties`);
    const cs = cons.records.map((r) => r.toObject());
    expect(cs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'UNIQUENESS', properties: ['org_id', 'source_id', 'key'] }),
        expect.objectContaining({ type: 'UNIQUENESS', properties: ['id'] }),
      ]),
    );
  });

  it('schema creation is idempotent and replaces a plain index that blocks the uniqueness constraint', async () => {
    // what an ingestion writer running before the schema would leave behind
    await neo4j.write('DROP CONSTRAINT entity_org_source_key_unique IF EXISTS');
    await neo4j.write(
      'CREATE INDEX entity_org_source_key IF NOT EXISTS FOR (n:Entity) ON (n.org_id, n.source_id, n.key)',
    );
    const fresh = new GraphSchemaService(neo4j);
    await fresh.ensure();
    await fresh.ensure();
    expect(fresh.isReady()).toBe(true);
    const cons = await neo4j.read(
      `SHOW CONSTRAINTS YIELD name, properties WHERE name = 'entity_org_source_key_unique' RETURN properties`,
    );
    expect(cons.records.map((r) => r.get('properties'))).toEqual([['org_id', 'source_id', 'key']]);
  });

  it("lists the caller's live nodes, newest first, with facets", async () => {
    const res = await t.http().get('/api/v1/graph/nodes').set(a.auth).expect(200);
    expect(res.body.total).toBe(5);
    expect(res.body.items.map((n: { id: string }) => n.id)).toEqual([
      ids.repo,
      ids.pod,
      ids.cluster,
      ids.cart,
      ids.checkout,
    ]);
    expect(res.body.next_cursor).toBeNull();
    expect(res.body.facets.labels).toEqual({ Service: 2, Cluster: 1, Pod: 1, Workload: 1, Repository: 1 });
    expect(res.body.facets.realms).toEqual({ infrastructure: 4, development: 1 });
    const node = res.body.items.find((n: { id: string }) => n.id === ids.checkout);
    expect(node).toMatchObject({
      labels: ['Service'],
      label: 'Service',
      name: 'checkout-service',
      display_name: 'checkout-service',
      realm: 'infrastructure',
      source_id: SRC,
      archived_at: null,
    });
    expect(node.properties.org_id).toBeUndefined();
    expect(node.created_at).toBe(new Date(Date.UTC(2026, 3, 1) + 1000).toISOString());
  });

  it("full-text search matches words and substrings, case-insensitively, only in the caller's org", async () => {
    const res = await t.http().get('/api/v1/graph/nodes').query({ q: 'CHECKOUT' }).set(a.auth).expect(200);
    const got = res.body.items.map((n: { id: string }) => n.id).sort();
    expect(got).toEqual([ids.checkout, ids.pod].sort());
    expect(res.body.total).toBe(2);
    const sub = await t.http().get('/api/v1/graph/nodes/search').query({ q: 'ayme' }).set(a.auth).expect(200); // "payment"
    expect(sub.body.items.map((n: { id: string }) => n.id)).toEqual([ids.checkout]);
    const bRes = await t.http().get('/api/v1/graph/nodes').query({ q: 'checkout' }).set(b.auth).expect(200);
    expect(bRes.body.items.map((n: { id: string }) => n.id)).toEqual([ids.bCheckout]);
  });

  it('Lucene syntax in q is treated as text', async () => {
    for (const q of ['checkout AND NOT cart', 'name:*', '"unbalanced', '*:*', 'a)(b']) {
      const res = await t.http().get('/api/v1/graph/nodes').query({ q }).set(a.auth);
      expect(res.status).toBe(200);
      for (const n of res.body.items) {
        expect(n.id).not.toBe(ids.bCheckout);
      }
    }
    const star = await t.http().get('/api/v1/graph/nodes').query({ q: '*:*' }).set(a.auth).expect(200);
    expect(star.body.total).toBe(0);
  });

  it('/graph/nodes/search requires q of at least 2 characters', async () => {
    await t.http().get('/api/v1/graph/nodes/search').set(a.auth).expect(400);
    const res = await t.http().get('/api/v1/graph/nodes/search').query({ q: 'x' }).set(a.auth).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('filters by label, realm and source_id; facets follow the filter', async () => {
    const svc = await t.http().get('/api/v1/graph/nodes').query({ label: 'Service' }).set(a.auth).expect(200);
    expect(svc.body.items.map((n: { id: string }) => n.id).sort()).toEqual([ids.checkout, ids.cart].sort());
    const two = await t.http().get('/api/v1/graph/nodes?label=Service&label=Cluster').set(a.auth).expect(200);
    expect(two.body.total).toBe(3);
    const dev = await t.http().get('/api/v1/graph/nodes').query({ realm: 'development' }).set(a.auth).expect(200);
    expect(dev.body.items.map((n: { id: string }) => n.id)).toEqual([ids.repo]);
    const src = await t.http().get('/api/v1/graph/nodes').query({ source_id: SRC }).set(a.auth).expect(200);
    expect(src.body.items.map((n: { id: string }) => n.id)).toEqual([ids.checkout]);
    expect(src.body.facets.sources).toEqual({ [SRC]: 1 });
    expect(src.body.facets.connectors).toEqual({ kubernetes: 1 });
    expect(src.body.items[0].source).toEqual({ source_id: SRC, connector: 'kubernetes', name: 'k8s-prod' });
    for (const ref of ['kubernetes', 'k8s-prod']) {
      const byConnector = await t.http().get('/api/v1/graph/nodes').query({ source: ref }).set(a.auth).expect(200);
      expect(byConnector.body.items.map((n: { id: string }) => n.id)).toEqual([ids.checkout]);
    }
    const none = await t.http().get('/api/v1/graph/nodes').query({ source: 'kubernetes' }).set(b.auth).expect(200);
    expect(none.body.total).toBe(0);
    await t.http().get('/api/v1/graph/nodes').query({ label: 'Bad Label' }).set(a.auth).expect(400);
  });

  it('paginates with an opaque cursor bound to the filters', async () => {
    const p1 = await t.http().get('/api/v1/graph/nodes').query({ limit: 2 }).set(a.auth).expect(200);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.total).toBe(5);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get('/api/v1/graph/nodes')
      .query({ limit: 2, cursor: p1.body.next_cursor })
      .set(a.auth)
      .expect(200);
    const p3 = await t
      .http()
      .get('/api/v1/graph/nodes')
      .query({ limit: 2, cursor: p2.body.next_cursor })
      .set(a.auth)
      .expect(200);
    expect(p3.body.next_cursor).toBeNull();
    const all = [...p1.body.items, ...p2.body.items, ...p3.body.items].map((n: { id: string }) => n.id);
    expect(all).toEqual([ids.repo, ids.pod, ids.cluster, ids.cart, ids.checkout]);
    const wrong = await t
      .http()
      .get('/api/v1/graph/nodes')
      .query({ limit: 2, cursor: p1.body.next_cursor, label: 'Service' })
      .set(a.auth)
      .expect(400);
    expect(wrong.body.error.code).toBe('invalid_cursor');
    await t.http().get('/api/v1/graph/nodes').query({ limit: 2, cursor: p1.body.next_cursor }).set(b.auth).expect(400);
    const text = await t.http().get('/api/v1/graph/nodes').query({ q: 'checkout', limit: 1 }).set(a.auth).expect(200);
    const text2 = await t
      .http()
      .get('/api/v1/graph/nodes')
      .query({ q: 'checkout', limit: 1, cursor: text.body.next_cursor })
      .set(a.auth)
      .expect(200);
    expect([text.body.items[0].id, text2.body.items[0].id].sort()).toEqual([ids.checkout, ids.pod].sort());
    expect(text2.body.next_cursor).toBeNull();
  });

  it('archived nodes are hidden unless include_archived=true', async () => {
    await t.http().get(`/api/v1/graph/nodes/${ids.old}`).set(a.auth).expect(404);
    const got = await t
      .http()
      .get(`/api/v1/graph/nodes/${ids.old}`)
      .query({ include_archived: true })
      .set(a.auth)
      .expect(200);
    expect(got.body.archived_at).toEqual(expect.any(String));
    const list = await t.http().get('/api/v1/graph/nodes').query({ include_archived: 'true' }).set(a.auth).expect(200);
    expect(list.body.total).toBe(6);
    const q = await t.http().get('/api/v1/graph/nodes').query({ q: 'legacy' }).set(a.auth).expect(200);
    expect(q.body.total).toBe(0);
  });

  it("GET /graph/nodes/:id returns properties and degree; another org's node is a 404", async () => {
    const res = await t.http().get(`/api/v1/graph/nodes/${ids.checkout}`).set(a.auth).expect(200);
    expect(res.body).toMatchObject({
      id: ids.checkout,
      name: 'checkout-service',
      description: 'Handles the payment checkout flow',
      degree: { in: 2, out: 1, total: 3 },
    });
    const other = await t.http().get(`/api/v1/graph/nodes/${ids.bCheckout}`).set(a.auth).expect(404);
    expect(other.body.error.code).toBe('not_found');
    await t.http().get('/api/v1/graph/nodes/n_does-not-exist').set(a.auth).expect(404);
    await t.http().get(`/api/v1/graph/nodes/${ids.checkout}`).expect(401);
  });

  it('expands a node: depth, direction, edge types, limit/truncated', async () => {
    const one = await t.http().get(`/api/v1/graph/nodes/${ids.checkout}/expand`).set(a.auth).expect(200);
    expect(one.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [ids.checkout, ids.cluster, ids.pod, ids.repo].sort(),
    );
    expect(one.body.edges).toHaveLength(3);
    expect(one.body.edges).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'DEPLOYED_ON', from: ids.checkout, to: ids.cluster, realm: 'infrastructure' }),
      ]),
    );
    expect(one.body.truncated).toBe(false);
    const out = await t
      .http()
      .get(`/api/v1/graph/nodes/${ids.checkout}/expand`)
      .query({ direction: 'out' })
      .set(a.auth)
      .expect(200);
    expect(out.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual([ids.checkout, ids.cluster].sort());
    const two = await t
      .http()
      .get(`/api/v1/graph/nodes/${ids.checkout}/expand`)
      .query({ depth: 2, edge_types: 'DEPLOYED_ON' })
      .set(a.auth)
      .expect(200);
    // checkout -> cluster <- cart; the archived legacy service and its archived edge stay hidden
    expect(two.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
      [ids.checkout, ids.cluster, ids.cart].sort(),
    );
    const lim = await t
      .http()
      .get(`/api/v1/graph/nodes/${ids.checkout}/expand`)
      .query({ depth: 3, limit: 2 })
      .set(a.auth)
      .expect(200);
    expect(lim.body.nodes).toHaveLength(2);
    expect(lim.body.truncated).toBe(true);
    const realm = await t
      .http()
      .post('/api/v1/graph/expand')
      .send({ node_ids: [ids.checkout], realms: ['infrastructure'] })
      .set(a.auth)
      .expect(200);
    expect(realm.body.nodes.map((n: { id: string }) => n.id)).not.toContain(ids.repo);
    await t.http().get(`/api/v1/graph/nodes/${ids.checkout}/expand`).query({ depth: 4 }).set(a.auth).expect(400);
    await t.http().get(`/api/v1/graph/nodes/${ids.checkout}/expand`).set(b.auth).expect(404);
  });

  it("stats count only the caller's org", async () => {
    const res = await t.http().get('/api/v1/graph/stats').set(a.auth).expect(200);
    expect(res.body).toMatchObject({
      nodes: 5,
      edges: 4,
      by_label: { Service: 2, Cluster: 1, Pod: 1, Workload: 1, Repository: 1 },
      by_realm: { infrastructure: 4, development: 1 },
      by_edge_type: { DEPLOYED_ON: 2, RUNS: 1, BUILDS: 1 },
      by_connector: { kubernetes: 1 },
    });
    expect(res.body.last_ingested_at).toEqual(expect.any(String));
    const rb = await t.http().get('/api/v1/graph/stats').set(b.auth).expect(200);
    expect(rb.body).toMatchObject({ nodes: 1, edges: 0 });
    const dev = await t.http().get('/api/v1/graph/stats').query({ realm: 'development' }).set(a.auth).expect(200);
    expect(dev.body.nodes).toBe(1);
  });

  it('schema lists labels, edge types and property keys seen in the org', async () => {
    const res = await t.http().get('/api/v1/graph/schema').set(a.auth).expect(200);
    expect(res.body.labels).toEqual(['Cluster', 'Pod', 'Repository', 'Service', 'Workload']);
    expect(res.body.edge_types).toEqual(['BUILDS', 'DEPLOYED_ON', 'RUNS']);
    expect(res.body.property_keys).toEqual(expect.arrayContaining(['id', 'name', 'realm', 'source_id', 'key']));
    expect(res.body.property_keys).not.toContain('org_id');
    expect(res.body.realms.development.labels).toEqual(['Repository']);
    const rb = await t.http().get('/api/v1/graph/schema').set(b.auth).expect(200);
    expect(rb.body.labels).toEqual(['Service']);
    expect(rb.body.edge_types).toEqual([]);
  });
});
