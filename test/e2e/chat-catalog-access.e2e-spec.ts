import { addMember, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { openWs } from '../support/ws-client';
import { createKubeSource, openSse, withFakeKube, type SseEvent } from './chat-helpers';

const call = (name: string, args: Record<string, unknown>) => ({ toolCalls: [{ name, arguments: args }] });

describe('chat catalog: list_connectors shape, realm scoping, request_connector_access and /sources/access-requests', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let owner: TestUser;
  let member: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp(fake.apiEnv);
    owner = await registerOwner(t, 'catalogacr');
    member = await addMember(t, owner, 'member', 'catalogacrm');
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster'); // realm infrastructure (the connector default)
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await kube.close();
  });
  beforeEach(() => fake.reset());

  const conversation = async (who: TestUser, body: Record<string, unknown> = {}) =>
    (
      await t
        .http()
        .post('/api/v1/chat/conversations')
        .set(who.auth)
        .send({ title: 'catalog', ...body })
        .expect(201)
    ).body.id as string;
  /** runs one turn whose model makes the given meta-tool calls, one per step, and returns each tool_result */
  const turn = async (who: TestUser, conv: string, calls: [string, Record<string, unknown>][]): Promise<SseEvent[]> => {
    fake.script(...calls.map(([n, a]) => call(n, a)), { text: 'done' });
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: who.auth,
      body: { content: 'go' },
    });
    await s.done;
    return s.events.filter((e) => e.event === 'tool_result');
  };

  it('list_connectors returns the spec shape (display name, realm, tool count)', async () => {
    const [r] = await turn(member, await conversation(member), [['list_connectors', {}]]);
    expect(r.data).toMatchObject({ status: 'completed' });
    expect(r.data.result.connectors).toEqual([
      expect.objectContaining({
        name: 'prod-cluster',
        display_name: 'Kubernetes',
        connector: 'kubernetes',
        realm: 'infrastructure',
        source_id: expect.any(String),
        tool_count: expect.any(Number),
        status: 'active',
      }),
    ]);
    expect(r.data.result.connectors[0].tool_count).toBeGreaterThan(3);
  });

  it("an agent with a realm sees only that realm's connectors; search and execute follow the same scope", async () => {
    await t
      .http()
      .post('/api/v1/agents')
      .set(owner.auth)
      .send({ name: 'dev-helper', realm: 'development' })
      .expect(201);
    await t
      .http()
      .post('/api/v1/agents')
      .set(owner.auth)
      .send({ name: 'infra-helper', realm: 'infrastructure' })
      .expect(201);
    const dev = await conversation(member, { agent: 'dev-helper' });
    const [list, search, exec] = await turn(member, dev, [
      ['list_connectors', {}],
      ['search_connector_tools', { query: 'list pods' }],
      ['execute_connector_tool', { connector: 'kubernetes', tool: 'list_pods', args: { namespace: 'prod' } }],
    ]);
    expect(list.data.result.connectors).toEqual([]);
    expect(search.data.result.tools).toEqual([]);
    expect(exec.data).toMatchObject({ status: 'failed', error: { code: 'tool_not_found' } });

    const infra = await conversation(member, { agent: 'infra-helper' });
    const [list2, search2] = await turn(member, infra, [
      ['list_connectors', {}],
      ['search_connector_tools', { query: 'list pods' }],
    ]);
    expect(list2.data.result.connectors.map((c: any) => c.name)).toEqual(['prod-cluster']);
    expect(search2.data.result.tools[0]).toMatchObject({
      qualified: 'kubernetes.list_pods',
      realm: 'infrastructure',
    });
  });

  it('request_connector_access stores a pending request that admins list, grant or reject exactly once', async () => {
    const admins = await openWs(t.baseUrl, { token: owner.token });
    await admins.subscribe(['access_requests']);
    // members may not follow access requests, not even through `*`
    const members = await openWs(t.baseUrl, { token: member.token });
    expect((await members.subscribe(['access_requests', '*'])).data).toMatchObject({
      topics: ['*'],
      rejected: ['access_requests'],
    });
    const conv = await conversation(member);
    const [r, bad] = await turn(member, conv, [
      ['request_connector_access', { connector: 'github', reason: 'need to read pull requests' }],
      ['request_connector_access', { reason: 'no connector named' }],
    ]);
    expect(r.data).toMatchObject({
      status: 'completed',
      result: { request_id: expect.stringMatching(/^acr_/), status: 'pending' },
    });
    expect(bad.data).toMatchObject({ status: 'failed', error: { code: 'invalid_arguments' } });
    const id = r.data.result.request_id;

    await t.http().get('/api/v1/sources/access-requests').set(member.auth).expect(403);
    const listed = await t.http().get('/api/v1/sources/access-requests?status=pending').set(owner.auth).expect(200);
    expect(listed.body).toMatchObject({ total: 1, next_cursor: null });
    expect(listed.body.items[0]).toMatchObject({
      id,
      org_id: owner.orgId,
      user_id: member.userId,
      connector: 'github',
      reason: 'need to read pull requests',
      conversation_id: conv,
      status: 'pending',
      decided_by: null,
    });

    const granted = await t
      .http()
      .post(`/api/v1/sources/access-requests/${id}/grant`)
      .set(owner.auth)
      .send({ note: 'added the GitHub source' })
      .expect(200);
    expect(granted.body).toMatchObject({
      id,
      status: 'granted',
      decided_by: owner.userId,
      note: 'added the GitHub source',
      decided_at: expect.any(String),
    });
    // the org's admins were told over the WebSocket: the request, then the decision
    expect((await admins.next((m) => m.type === 'access_request.created')).data).toMatchObject({
      id,
      status: 'pending',
    });
    expect((await admins.next((m) => m.type === 'access_request.decided')).data).toMatchObject({
      id,
      status: 'granted',
    });
    expect(members.messages.filter((m) => m.type.startsWith('access_request.'))).toEqual([]);
    await Promise.all([admins.close(), members.close()]);
    const again = await t
      .http()
      .post(`/api/v1/sources/access-requests/${id}/reject`)
      .set(owner.auth)
      .send({})
      .expect(409);
    expect(again.body.error).toMatchObject({ code: 'access_request_already_decided', details: { status: 'granted' } });
    expect(
      (await t.http().get('/api/v1/sources/access-requests?status=pending').set(owner.auth).expect(200)).body.total,
    ).toBe(0);
    await t.http().get('/api/v1/sources/access-requests?status=maybe').set(owner.auth).expect(400);
    await t.http().post('/api/v1/sources/access-requests/acr_nope/grant').set(owner.auth).send({}).expect(404);

    // another org never sees or decides it
    const other = await registerOwner(t, 'catalogacr2');
    expect((await t.http().get('/api/v1/sources/access-requests').set(other.auth).expect(200)).body.total).toBe(0);
    await t.http().get(`/api/v1/sources/access-requests/${id}`).set(other.auth).expect(404);
    await t.http().post(`/api/v1/sources/access-requests/${id}/reject`).set(other.auth).send({}).expect(404);

    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=chat.connector_access.requested')
      .set(owner.auth)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({ target: { type: 'access_request', id } });
  });
});
