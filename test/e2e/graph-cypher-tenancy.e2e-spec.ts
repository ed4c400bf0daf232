import { Neo4jService } from '@libs/graph';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { seedEdge, seedNode, wipeOrgGraph } from '../support/graph-fixtures';

/**
 * Adversarial tenancy tests for POST /graph/cypher: org A must never read, count or infer
 * org B's graph. Every query either fails with 400 cypher_rejected or returns only A's data.
 */
describe('graph cypher tenancy (POST /graph/cypher)', () => {
  let t: TestApp;
  let neo4j: Neo4jService;
  let a: TestUser;
  let b: TestUser;
  const ids: Record<string, string> = {};
  const A_NAMES = ['a-api', 'a-cluster', 'a-db'];

  const cypher = (u: TestUser, query: string, extra: Record<string, unknown> = {}) =>
    t
      .http()
      .post('/api/v1/graph/cypher')
      .set(u.auth)
      .send({ query, ...extra });

  async function expectRejected(query: string, reason?: string, extra: Record<string, unknown> = {}) {
    const res = await cypher(a, query, extra);
    if (res.status !== 400) {
      throw new Error(`expected 400 for ${query}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(res.body.error.code).toBe('cypher_rejected');
    expect(res.body.error.details.reason).toEqual(expect.any(String));
    if (reason) {
      expect(res.body.error.details.reason).toBe(reason);
    }
    return res.body;
  }

  async function rows(query: string, extra: Record<string, unknown> = {}, u: TestUser = a): Promise<unknown[][]> {
    const res = await cypher(u, query, extra);
    if (res.status !== 200) {
      throw new Error(`expected 200 for ${query}, got ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body.rows;
  }

  /** The answer must contain nothing of org B. */
  function noB(value: unknown) {
    const s = JSON.stringify(value);
    expect(s).not.toContain('b-secret');
    expect(s).not.toContain(b.orgId);
    expect(s).not.toContain('SecretB');
  }

  beforeAll(async () => {
    t = await startTestApp();
    neo4j = t.app.get(Neo4jService);
    a = await registerOwner(t, 'grca');
    b = await registerOwner(t, 'grcb');
    ids.api = await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'a-api' });
    ids.db = await seedNode(neo4j, { orgId: a.orgId, label: 'Database', name: 'a-db', realm: 'data' });
    ids.cluster = await seedNode(neo4j, { orgId: a.orgId, label: 'Cluster', name: 'a-cluster' });
    ids.old = await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'a-old', archived: true });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.api, to: ids.db, type: 'USES' });
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.api, to: ids.cluster, type: 'DEPLOYED_ON' });
    for (let i = 1; i <= 4; i++) {
      ids[`b${i}`] = await seedNode(neo4j, {
        orgId: b.orgId,
        label: 'Service',
        name: `b-secret-${i}`,
        extraLabels: i === 1 ? ['SecretB'] : [],
      });
    }
    await seedEdge(neo4j, { orgId: b.orgId, from: ids.b1, to: ids.b2, type: 'CALLS' });
    await seedEdge(neo4j, { orgId: b.orgId, from: ids.b2, to: ids.b3, type: 'CALLS' });
    await seedEdge(neo4j, { orgId: b.orgId, from: ids.b3, to: ids.b4, type: 'CALLS' });
    // a (convention-breaking) edge from A into B: traversals must still stop at the org boundary
    await seedEdge(neo4j, { orgId: a.orgId, from: ids.db, to: ids.b1, type: 'LEAK' });
  });

  afterAll(async () => {
    await wipeOrgGraph(neo4j, a.orgId);
    await wipeOrgGraph(neo4j, b.orgId);
    await t.close();
  });

  it("MATCH (n) RETURN count(n) counts only the caller's live nodes", async () => {
    expect(await rows('MATCH (n) RETURN count(n) AS c')).toEqual([[3]]);
    expect(await rows('MATCH (n) RETURN count(n) AS c', {}, b)).toEqual([[4]]);
    expect(await rows('MATCH (n) RETURN count(n) AS c', { include_archived: true })).toEqual([[4]]);
    expect(await rows('MATCH (n) RETURN count(*)')).toEqual([[3]]);
  });

  it('returns columns, node values without org_id, took_ms', async () => {
    const res = await cypher(a, 'MATCH (s:Service) RETURN s, s.name AS name').expect(200);
    expect(res.body.columns).toEqual(['s', 'name']);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0][0]).toMatchObject({ id: ids.api, labels: ['Service'], name: 'a-api' });
    expect(res.body.rows[0][0].properties.org_id).toBeUndefined();
    expect(res.body.truncated).toBe(false);
    expect(res.body.took_ms).toEqual(expect.any(Number));
  });

  it("label scans, relationship scans and labels() see only the caller's data", async () => {
    const names = await rows('MATCH (n:Service) RETURN n.name');
    expect(names).toEqual([['a-api']]);
    const labels = await rows('MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l ORDER BY l');
    expect(labels.flat()).toEqual(['Cluster', 'Database', 'Entity', 'Service']);
    const rels = await rows('MATCH ()-[r]->() RETURN type(r) AS t ORDER BY t');
    expect(rels.flat()).toEqual(['DEPLOYED_ON', 'USES']);
    const rels2 = await rows('MATCH ()-[r:CALLS]-() RETURN count(r)');
    expect(rels2).toEqual([[0]]);
    noB(await rows('MATCH (n)-[r]-(m) RETURN n, r, m'));
  });

  it('WHERE n.org_id = <other org> (and variants) finds nothing', async () => {
    expect(await rows(`MATCH (n) WHERE n.org_id = '${b.orgId}' RETURN count(n)`)).toEqual([[0]]);
    expect(await rows(`MATCH (n) WHERE n.org_id = '${b.orgId}' OR true RETURN count(n)`)).toEqual([[3]]);
    expect(await rows(`MATCH (n {org_id: '${b.orgId}'}) RETURN count(n)`)).toEqual([[0]]);
    expect(await rows('MATCH (n) WHERE n.org_id = $o RETURN count(n)', { params: { o: b.orgId } })).toEqual([[0]]);
    expect(await rows(`WITH '${b.orgId}' AS o MATCH (n) WHERE n.org_id = o RETURN count(n)`)).toEqual([[0]]);
    expect(await rows(`OPTIONAL MATCH (n) WHERE n.org_id = '${b.orgId}' RETURN n`)).toEqual([[null]]);
    expect(await rows(`MATCH (n) WHERE n.org_id <> '${a.orgId}' RETURN count(n)`)).toEqual([[0]]);
    expect(await rows(`MATCH (n) WHERE n.name STARTS WITH 'b-secret' RETURN count(n)`)).toEqual([[0]]);
  });

  it('the reserved tenant parameter cannot be overridden', async () => {
    await expectRejected('MATCH (n) RETURN count(n)', 'reserved_name', { params: { __org_id: b.orgId } });
    await expectRejected('MATCH (n) WHERE n.org_id = $__org_id RETURN n', 'reserved_name');
  });

  it('procedures are rejected (CALL db.labels(), dbms, apoc, CALL with YIELD)', async () => {
    await expectRejected('CALL db.labels()', 'forbidden_keyword');
    await expectRejected('CALL db.labels() YIELD label RETURN label');
    await expectRejected('call db.relationshipTypes()');
    await expectRejected('CALL dbms.components()');
    await expectRejected("CALL db.index.fulltext.queryNodes('entity_search_v2', 'b') YIELD node RETURN node");
    await expectRejected('MATCH (n) CALL apoc.path.expand(n, null, null, 1, 3) YIELD path RETURN path');
  });

  it('CALL {} subqueries are rejected, including CALL IN TRANSACTIONS', async () => {
    await expectRejected('CALL { MATCH (m) RETURN m } RETURN count(m)');
    await expectRejected('MATCH (n) CALL (n) { MATCH (m) RETURN m } RETURN m');
    await expectRejected('MATCH (n) CALL { WITH n MATCH (n)--(m) RETURN m } IN TRANSACTIONS RETURN m');
  });

  it('EXISTS {}, COUNT {} and COLLECT {} subqueries are rejected', async () => {
    await expectRejected(`MATCH (n) WHERE EXISTS { MATCH (m) WHERE m.org_id = '${b.orgId}' } RETURN n`);
    await expectRejected('RETURN COUNT { MATCH (m) } AS c', 'subquery');
    await expectRejected('MATCH (n) RETURN count { (m) } AS c', 'subquery');
    await expectRejected('RETURN COLLECT { MATCH (m) RETURN m.name } AS c', 'subquery');
    await expectRejected('RETURN {a: EXISTS { MATCH (m) RETURN m }} AS x');
    await expectRejected('MATCH (n) RETURN exists(n.name)');
  });

  it("pattern comprehensions that introduce unbound nodes only see the caller's org", async () => {
    const r1 = await rows('RETURN size([(x)-->(y) | y]) AS c');
    expect(r1).toEqual([[2]]);
    const r2 = await rows('MATCH (n) WITH count(n) AS c RETURN [(n)-->(m) | m.name] AS names');
    expect((r2[0][0] as string[]).sort()).toEqual(['a-cluster', 'a-db']);
    const r3 = await rows('RETURN [(x)-[:CALLS]->(y) | y.name] AS names');
    expect(r3).toEqual([[[]]]);
    const r4 = await rows('MATCH (n:Database) RETURN [(n)-->(m) | m.name] AS names');
    expect(r4).toEqual([[[]]]); // the LEAK edge points into org B
    noB(await rows('RETURN [p = (x)-[*1..4]-(y) | p] AS ps'));
  });

  it('pattern predicates are confined to the org', async () => {
    expect(await rows('MATCH (n) WHERE (n)-->() RETURN n.name')).toEqual([['a-api']]);
    expect(await rows('MATCH (n:Database) WHERE (n)-[:LEAK]->() RETURN count(n)')).toEqual([[0]]);
    expect(await rows('MATCH (n) WHERE NOT (n)--() RETURN count(n)')).toEqual([[0]]);
  });

  it('USE, LOAD CSV, EXPLAIN/PROFILE and version prefixes are rejected', async () => {
    await expectRejected('USE system SHOW DATABASES');
    await expectRejected('USE neo4j MATCH (n) RETURN n');
    await expectRejected("LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line");
    await expectRejected('EXPLAIN MATCH (n) RETURN n');
    await expectRejected('PROFILE MATCH (n) RETURN n');
    await expectRejected('CYPHER 5 MATCH (n) RETURN n');
    await expectRejected('SHOW INDEXES');
  });

  it('write clauses are rejected and nothing is written', async () => {
    const writes = [
      'CREATE (x:Hacked {org_id: "x"})',
      `MATCH (n) WHERE n.org_id = '${b.orgId}' DETACH DELETE n`,
      'MATCH (n) DELETE n',
      "MERGE (x:Hacked {name: 'm'}) RETURN x",
      "MATCH (n) SET n.name = 'pwned'",
      'MATCH (n) SET n:Hacked',
      'MATCH (n) REMOVE n.name',
      "MATCH (n) FOREACH (x IN [1] | SET n.name = 'pwned')",
      'MATCH (n) WITH n LIMIT 1 CREATE (n)-[:X]->(m:Hacked)',
      'DROP INDEX entity_search_v2',
      'MATCH (n) RETURN n NEXT MATCH (m) DELETE m',
      'INSERT (x:Hacked)',
      'MATCH (n) FINISH',
    ];
    for (const q of writes) {
      await expectRejected(q);
    }
    const bCount = await neo4j.read(
      'MATCH (n:Entity) WHERE n.org_id = $o AND n.name STARTS WITH "b-secret" RETURN count(n) AS c',
      { o: b.orgId },
    );
    expect(Number(bCount.records[0].get('c'))).toBe(4);
    const hacked = await neo4j.read("MATCH (n) WHERE n:Hacked OR n.name = 'pwned' RETURN count(n) AS c");
    expect(Number(hacked.records[0].get('c'))).toBe(0);
  });

  it('multiple statements are rejected', async () => {
    await expectRejected('MATCH (n) RETURN n; MATCH (m) RETURN m', 'multiple_statements');
    await expectRejected('MATCH (n) RETURN count(n);;');
    expect(await rows('MATCH (n) RETURN count(n);')).toEqual([[3]]);
  });

  it('comments cannot hide keywords or smuggle a second statement', async () => {
    expect(await rows('MATCH (n) /* CALL db.labels() */ RETURN count(n) // ; MATCH (m) DETACH DELETE m')).toEqual([
      [3],
    ]);
    await expectRejected('CAL/**/L db.labels()');
    await expectRejected('MATCH (n) RETURN n /* unterminated');
    expect(await rows("MATCH (n) WHERE n.name = '/*' RETURN count(n) //*/")).toEqual([[0]]);
    expect(await rows('MATCH (n) //\nRETURN count(n)')).toEqual([[3]]);
    await expectRejected('MATCH (n) //\nCALL db.labels() YIELD label RETURN label');
    await expectRejected('/* */ CALL /* */ db.labels()');
  });

  it('string-escape tricks cannot break out of literals', async () => {
    expect(await rows("MATCH (n) WHERE n.name = 'a\\' OR n.org_id <> \\'x' RETURN count(n)")).toEqual([[0]]);
    expect(await rows('MATCH (n) WHERE n.name = "x\\" OR true OR \\"" RETURN count(n)')).toEqual([[0]]);
    expect(await rows("MATCH (n) WHERE n.name = 'x\\\\' RETURN count(n)")).toEqual([[0]]);
    expect(await rows("MATCH (n) WHERE n.name = '\\u0027 OR true //' RETURN count(n)")).toEqual([[0]]);
    expect(await rows(`MATCH (\`n\` {org_id: "${b.orgId}"}) RETURN count(\`n\`)`)).toEqual([[0]]);
    expect(await rows('MATCH (`x``y`) RETURN count(`x``y`)')).toEqual([[3]]);
    await expectRejected("MATCH (n) WHERE n.name = 'unterminated RETURN n");
    await expectRejected("MATCH (n) WHERE n.name = 'bad \\q escape' RETURN n", 'invalid_escape');
    await expectRejected('MATCH (n) RETURN `unterminated');
  });

  it('unicode look-alikes and odd characters are rejected', async () => {
    await expectRejected('MATCH (a)\u2013[*]\u2013(b) RETURN count(b)', 'non_ascii'); // en dashes
    await expectRejected('MATCH (a)\u27e8-(b) RETURN b', 'non_ascii');
    await expectRejected('MATCH\u00a0(n) RETURN n', 'non_ascii');
    expect(await rows("MATCH (n) WHERE n.name <> 'caf\u00e9 \u2013' RETURN count(n)")).toEqual([[3]]); // fine inside literals
  });

  it('allShortestPaths / shortestPath stay inside the org', async () => {
    const r = await rows(
      `MATCH (x {name: 'a-api'}), (y {name: 'b-secret-4'}) MATCH p = allShortestPaths((x)-[*]-(y)) RETURN p`,
    );
    expect(r).toEqual([]);
    const r2 = await rows('MATCH p = allShortestPaths((x)-[*]-(y)) WHERE x <> y RETURN p');
    noB(r2);
    expect(r2.length).toBeGreaterThan(0);
    const r3 = await rows(
      'MATCH p = shortestPath((x:Database)-[*..10]-(y)) WHERE x <> y RETURN [n IN nodes(p) | n.name] AS names',
    );
    noB(r3);
    expect(r3.map((r) => (r[0] as string[]).join('>')).sort()).toEqual(['a-db>a-api', 'a-db>a-api>a-cluster']);
    // Neo4j refuses shortestPath between a node and itself: a clean 400, not a 500
    const same = await cypher(a, 'MATCH p = shortestPath((x:Database)-[*..10]-(y)) RETURN p');
    expect([200, 400]).toContain(same.status);
    if (same.status === 400) {
      expect(same.body.error.code).toBe('cypher_error');
    } else {
      noB(same.body);
    }
    await expectRejected('RETURN shortestPath((x)-[*]-(y))');
    await expectRejected('MATCH p = SHORTEST 1 (x)-->+(y) RETURN p');
    await expectRejected('MATCH p = ANY SHORTEST (x)-->+(y) RETURN p');
  });

  it('variable-length paths cannot walk into another org, even over a stray edge', async () => {
    const r = await rows('MATCH (x)-[*1..6]-(y) RETURN DISTINCT y.name AS n ORDER BY n');
    expect(r.flat()).toEqual(A_NAMES);
    noB(await rows('MATCH p = (x:Database)-[*]->(y) RETURN p, [n IN nodes(p) | n.name]'));
    noB(await rows('MATCH (x)-[r*]-(y) RETURN r'));
    noB(await rows('MATCH (x:Database)-[:LEAK]->(y) RETURN y'));
    expect(await rows('MATCH (x:Database)-->(y) RETURN count(y)')).toEqual([[0]]);
    await expectRejected('MATCH (a) ((x)-->(y)){1,3} (b) RETURN b', 'unsupported_pattern');
    await expectRejected('MATCH (a)-->{1,3}(b) RETURN b', 'unsupported_pattern');
    await expectRejected('MATCH (a)-->+(b) RETURN b', 'unsupported_pattern');
  });

  it('namespaced and unknown functions are rejected', async () => {
    await expectRejected('RETURN apoc.version()', 'function_not_allowed');
    await expectRejected(
      "RETURN apoc.cypher.runFirstColumnSingle('MATCH (n) RETURN count(n)', {}) AS c",
      'function_not_allowed',
    );
    await expectRejected("RETURN db.nameFromElementId('x')", 'function_not_allowed');
    await expectRejected("RETURN `apoc.cypher.runFirstColumnSingle`('MATCH (n) RETURN n', {})", 'function_not_allowed');
    await expectRejected('RETURN apoc . version()', 'function_not_allowed');
    expect(
      await rows("RETURN toUpper('x') AS u, duration.between(date('2026-01-01'), date('2026-01-02')).days AS d"),
    ).toEqual([['X', 1]]);
  });

  it('UNION branches are each confined', async () => {
    const r = await rows(
      `MATCH (n) RETURN n.name AS x UNION MATCH (m) WHERE m.org_id = '${b.orgId}' RETURN m.name AS x`,
    );
    expect(r.flat().sort()).toEqual(A_NAMES);
    const r2 = await rows('MATCH (n:Service) RETURN n.name AS x UNION ALL MATCH (m:Service) RETURN m.name AS x');
    expect(r2.flat()).toEqual(['a-api', 'a-api']);
  });

  it('id() / elementId() lookups cannot reach other orgs', async () => {
    const raw = await neo4j.read('MATCH (n:Entity {id: $id}) RETURN id(n) AS i, elementId(n) AS e', { id: ids.b1 });
    const internalId = Number(raw.records[0].get('i'));
    const elementId = String(raw.records[0].get('e'));
    expect(await rows(`MATCH (n) WHERE id(n) = ${internalId} RETURN n`)).toEqual([]);
    expect(await rows('MATCH (n) WHERE elementId(n) = $e RETURN n', { params: { e: elementId } })).toEqual([]);
    expect(await rows(`MATCH (n {id: '${ids.b1}'}) RETURN n`)).toEqual([]);
  });

  it('archived nodes are hidden unless include_archived; realm restricts every node', async () => {
    expect(await rows("MATCH (n {name: 'a-old'}) RETURN count(n)")).toEqual([[0]]);
    expect(await rows("MATCH (n {name: 'a-old'}) RETURN count(n)", { include_archived: true })).toEqual([[1]]);
    expect(await rows('MATCH (n) RETURN n.name', { realm: 'data' })).toEqual([['a-db']]);
    expect(await rows('MATCH (n)-->(m) RETURN m.name', { realm: 'infrastructure' })).toEqual([['a-cluster']]);
  });

  it('caps rows (truncated) and enforces the timeout', async () => {
    const res = await cypher(a, 'UNWIND range(1, 6000) AS x RETURN x').expect(200);
    expect(res.body.rows).toHaveLength(5000);
    expect(res.body.truncated).toBe(true);
    const small = await cypher(a, 'UNWIND range(1, 20) AS x RETURN x', { max_rows: 5 }).expect(200);
    expect(small.body).toMatchObject({ row_count: 5, truncated: true });
    const slow = await cypher(a, 'UNWIND range(1, 200000000) AS x WITH x WHERE x % 7 = 99 RETURN count(x)', {
      timeout_ms: 300,
    });
    expect(slow.status).toBe(400);
    expect(slow.body.error.code).toBe('cypher_timeout');
  });

  it('bad input: syntax errors, missing query, unknown fields', async () => {
    const res = await cypher(a, 'MATCH (n RETURN n');
    expect(res.status).toBe(400);
    expect(['cypher_rejected', 'cypher_error']).toContain(res.body.error.code);
    const syn = await cypher(a, 'MATCH (n) RETURN n.name +');
    expect(syn.status).toBe(400);
    expect(syn.body.error.code).toBe('cypher_error');
    await t.http().post('/api/v1/graph/cypher').set(a.auth).send({}).expect(400);
    await t.http().post('/api/v1/graph/cypher').set(a.auth).send({ query: 'RETURN 1', nope: 1 }).expect(400);
    await t.http().post('/api/v1/graph/cypher').send({ query: 'RETURN 1' }).expect(401);
  });
});
