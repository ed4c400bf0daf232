import { Neo4jService } from '@libs/graph';
import { DataSource } from 'typeorm';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../support/fake-openai-server';
import { seedNode, wipeOrgGraph } from '../support/graph-fixtures';
import { eventually, openSse } from './chat-helpers';

const systemOf = (r: RecordedRequest): string =>
  (r.body.messages as { role: string; content: string }[]).find((m) => m.role === 'system')?.content ?? '';

describe('memory: graph sync and the chat context step', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let neo4j: Neo4jService;
  let db: DataSource;
  const orgs: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp(fake.apiEnv);
    neo4j = t.app.get(Neo4jService);
    db = t.app.get(DataSource);
  });
  afterAll(async () => {
    for (const org of orgs) {
      await wipeOrgGraph(neo4j, org);
      await neo4j.write(`MATCH (m:Memory) WHERE m.org_id = $org DETACH DELETE m`, { org });
    }
    await t.close();
    await fake.close();
  });

  const owner = async (prefix: string) => {
    const u = await registerOwner(t, prefix);
    orgs.push(u.orgId);
    return u;
  };
  const memoryNode = async (id: string) => {
    const r = await neo4j.read(
      `MATCH (m:Memory {id: $id}) OPTIONAL MATCH (m)-[e:MENTIONS]->(n)
       RETURN m { .* } AS m, collect(n.id) AS mentions, collect(e.org_id) AS edgeOrgs`,
      { id },
    );
    return r.records[0]
      ? {
          props: r.records[0].get('m') as Record<string, unknown>,
          mentions: (r.records[0].get('mentions') as string[]).sort(),
          edgeOrgs: r.records[0].get('edgeOrgs') as string[],
        }
      : null;
  };

  it('writes a :Memory node with MENTIONS edges to the same org’s nodes only; delete tombstones it', async () => {
    const a = await owner('memgraph');
    const b = await owner('memgraph');
    const svc = await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'checkout', realm: 'infrastructure' });
    const cache = await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'redis', realm: 'infrastructure' });
    const foreign = await seedNode(neo4j, { orgId: b.orgId, label: 'Service', name: 'b-secret' });

    const m = await t
      .http()
      .post('/api/v1/memory')
      .set(a.auth)
      .send({
        kind: 'relationship',
        text: 'checkout depends on redis',
        realm: 'infrastructure',
        tags: ['deps'],
        subject_node_ids: [svc, cache, foreign, 'n_unknown'],
      })
      .expect(201);
    expect(m.body.graph_synced).toBe(true);
    const node = await memoryNode(m.body.id);
    expect(node!.props).toMatchObject({
      id: m.body.id,
      org_id: a.orgId,
      realm: 'infrastructure',
      kind: 'relationship',
      text: 'checkout depends on redis',
      tags: ['deps'],
    });
    // null properties are absent in Neo4j: live = no deleted_at / archived_at
    expect(node!.props.deleted_at).toBeUndefined();
    expect(node!.props.archived_at).toBeUndefined();
    expect(node!.mentions).toEqual([svc, cache].sort());
    expect(node!.edgeOrgs).toEqual([a.orgId, a.orgId]);

    // PATCH re-syncs: new subjects replace the old edges
    await t
      .http()
      .patch(`/api/v1/memory/${m.body.id}`)
      .set(a.auth)
      .send({ subject_node_ids: [cache] })
      .expect(200);
    expect((await memoryNode(m.body.id))!.mentions).toEqual([cache]);

    await t.http().delete(`/api/v1/memory/${m.body.id}`).set(a.auth).expect(204);
    const tomb = await memoryNode(m.body.id);
    expect(tomb!.props.deleted_at).toEqual(expect.any(Number));
    expect(tomb!.props.archived_at).toEqual(tomb!.props.deleted_at);
    expect(tomb!.mentions).toEqual([]);
    // the user Cypher endpoint does not see the tombstone (archived), nor other orgs' memories
    for (const u of [a, b]) {
      const cy = await t
        .http()
        .post('/api/v1/graph/cypher')
        .set(u.auth)
        .send({ query: 'MATCH (m:Memory) RETURN m.id AS id' })
        .expect(200);
      expect(JSON.stringify(cy.body)).not.toContain(m.body.id);
    }
  });

  it('POST /memory/sync (admin) replays unsynced entries, or all of them', async () => {
    const a = await owner('memsync');
    const member = await addMember(t, a, 'member', 'memsyncm');
    const one = (await t.http().post('/api/v1/memory').set(a.auth).send({ kind: 'fact', text: 'one' }).expect(201))
      .body;
    const two = (await t.http().post('/api/v1/memory').set(a.auth).send({ kind: 'fact', text: 'two' }).expect(201))
      .body;
    // the mirror is lost for both; only `one` is known to be unsynced
    await neo4j.write(`MATCH (m:Memory) WHERE m.id IN $ids DETACH DELETE m`, { ids: [one.id, two.id] });
    await db.query(`UPDATE memories SET graph_synced = false WHERE id = $1`, [one.id]);
    expect((await t.http().get(`/api/v1/memory/${one.id}`).set(a.auth).expect(200)).body.graph_synced).toBe(false);

    await t.http().post('/api/v1/memory/sync').set(member.auth).send({}).expect(403);
    const started = await t.http().post('/api/v1/memory/sync').set(a.auth).send({}).expect(202);
    expect(started.body).toEqual({ status: expect.stringMatching(/^(started|running)$/), pending: 1 });
    await eventually(async () => (await memoryNode(one.id)) !== null);
    await eventually(
      async () => (await t.http().get(`/api/v1/memory/${one.id}`).set(a.auth)).body.graph_synced === true,
    );
    expect(await memoryNode(two.id)).toBeNull();

    const all = await t.http().post('/api/v1/memory/sync').set(a.auth).send({ all: true }).expect(202);
    expect(all.body.pending).toBe(2);
    await eventually(async () => (await memoryNode(two.id)) !== null);
    const audit = await t.http().get('/api/v1/activity/audit?action=memory.sync').set(a.auth).expect(200);
    expect(audit.body.items.filter((e: any) => e.result === 'success')).toHaveLength(2);
  });

  it('the chat context step adds the top memories of the conversation realm plus realm-less ones', async () => {
    const a = await owner('memchat');
    const other = await owner('memchat');
    const put = (u: TestUser, kind: string, text: string, realm?: string) =>
      t
        .http()
        .post('/api/v1/memory')
        .set(u.auth)
        .send({ kind, text, ...(realm ? { realm } : {}) })
        .expect(201);
    await put(a, 'fact', 'Production deployments are forbidden on Fridays.', 'development');
    await put(a, 'preference', 'Answer in UK English.');
    await put(a, 'incident', 'Restarting the Redis cache fixed checkout timeouts.', 'infrastructure');
    for (let i = 0; i < 5; i++) {
      await put(a, 'note', `Unrelated development trivia number ${i}: the office plant is called Fern.`, 'development');
    }
    await put(other, 'fact', 'Other org: deployments happen only on Fridays.');

    const conv = (
      await t.http().post('/api/v1/chat/conversations').set(a.auth).send({ realm: 'development' }).expect(201)
    ).body.id;
    fake.script({ text: 'No, not on a Friday.' });
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: a.auth,
      body: { content: 'Can I deploy to production this Friday?' },
    });
    expect(s.status).toBe(200);
    await s.done;
    const sys = systemOf(fake.requests[fake.requests.length - 1]);
    expect(sys).toContain('## Organization memory');
    expect(sys).toContain('- [fact] Production deployments are forbidden on Fridays.');
    expect(sys.indexOf('Production deployments')).toBeLessThan(sys.indexOf('Unrelated development trivia'));
    expect(sys).not.toContain('Restarting the Redis cache'); // another realm
    expect(sys).not.toContain('Other org'); // another org
    expect((sys.match(/^- \[/gm) ?? []).length).toBe(5); // top 5
  });

  it('after a completed turn, what the user asked to remember is stored in the conversation realm, once, audited', async () => {
    const a = await owner('memremember');
    const other = await owner('memremember');
    const conv = (
      await t.http().post('/api/v1/chat/conversations').set(a.auth).send({ realm: 'development' }).expect(201)
    ).body.id;
    const send = async (u: TestUser, c: string, content: string) => {
      const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${c}/messages`, {
        headers: u.auth,
        body: { content },
      });
      expect(s.status).toBe(200);
      await s.done;
      return s;
    };
    fake.script({ text: 'Noted.' });
    await send(a, conv, 'Remember that we never deploy on Fridays. Also, I prefer short answers.');
    fake.script({ text: 'Noted.' });
    await send(a, conv, 'please remember that we never deploy on Fridays');
    fake.script({ text: 'Sure, I will.' });
    await send(a, conv, 'remember to restart the pod tomorrow');

    const items = await eventually(async () => {
      const r = await t.http().get('/api/v1/memory?limit=50').set(a.auth).expect(200);
      return r.body.items.length ? (r.body.items as any[]) : undefined;
    });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      kind: 'fact',
      text: 'we never deploy on Fridays',
      realm: 'development',
      source: { type: 'chat', conversation_id: conv },
      created_by: a.userId,
    });
    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=memory.create&category=memory&limit=10')
      .set(a.auth)
      .expect(200);
    expect(audit.body.items.map((e: any) => e.target?.id)).toContain(items[0].id);
    // the next turn recalls it
    fake.script({ text: 'Not on a Friday.' });
    await send(a, conv, 'Can we deploy on Friday?');
    expect(systemOf(fake.requests[fake.requests.length - 1])).toContain('- [fact] we never deploy on Fridays');

    // a turn that fails stores nothing, and another org never sees the entry
    fake.script({ status: 400, error: { message: 'bad request' } });
    const conv2 = (await t.http().post('/api/v1/chat/conversations').set(other.auth).send({}).expect(201)).body.id;
    await send(other, conv2, 'Remember that the vault code is 1234');
    expect((await t.http().get('/api/v1/memory').set(other.auth).expect(200)).body.items).toEqual([]);
  });
});
