import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../support/fake-openai-server';
import { openSse } from './chat-helpers';

const BUDGET = 1000;
const systemOf = (r: RecordedRequest): string =>
  (r.body.messages as { role: string; content: string }[]).find((m) => m.role === 'system')?.content ?? '';
const toolResults = (r: RecordedRequest) =>
  (r.body.messages as { role: string; content: string }[])
    .filter((m) => m.role === 'tool')
    .map((m) => JSON.parse(m.content));

describe('skills in conversations and in the chat loop', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;
  let member: TestUser;
  /** slug → marker text inside its body */
  const marker = (slug: string) => `MARKER-${slug.toUpperCase()}`;

  const skill = async (slug: string, size: number, approve = true) => {
    const body = `${marker(slug)} `.padEnd(size, 'x');
    const s = await t
      .http()
      .post('/api/v1/skills')
      .set(owner.auth)
      .send({ slug, name: `Skill ${slug}`, body })
      .expect(201);
    if (approve) {
      await t.http().post(`/api/v1/skills/${s.body.id}/submit`).set(owner.auth).expect(200);
      await t.http().post(`/api/v1/skills/${s.body.id}/approve`).set(owner.auth).expect(200);
    }
    return s.body;
  };
  const conversation = async (u: TestUser, agent?: string) =>
    (
      await t
        .http()
        .post('/api/v1/chat/conversations')
        .set(u.auth)
        .send(agent ? { agent } : {})
        .expect(201)
    ).body.id as string;
  const send = async (u: TestUser, conv: string, content: string) => {
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content },
    });
    expect(s.status).toBe(200);
    await s.done;
    return s.events;
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp({ ...fake.apiEnv, SKILLS_CHAR_BUDGET: String(BUDGET) });
    owner = await registerOwner(t, 'skchat');
    member = await addMember(t, owner, 'member', 'skchatm');
    await skill('big.a', 600);
    await skill('big.b', 500);
    await skill('small.c', 300);
    await skill('draft.d', 100, false);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('enables and disables skills of a conversation within the budget; drafts cannot be enabled', async () => {
    const conv = await conversation(member);
    const base = `/api/v1/chat/conversations/${conv}/skills`;
    expect((await t.http().get(base).set(member.auth).expect(200)).body).toEqual({
      skills: [],
      budget: { limit: BUDGET, used: 0 },
    });
    const a = await t.http().post(base).set(member.auth).send({ slug: 'big.a' }).expect(200);
    expect(a.body).toEqual({
      skills: [
        {
          slug: 'big.a',
          name: 'Skill big.a',
          version: '1.0.0',
          char_count: 600,
          source: 'conversation',
          in_prompt: true,
        },
      ],
      budget: { limit: BUDGET, used: 600 },
    });
    await t.http().post(base).set(member.auth).send({ slug: 'big.a' }).expect(200); // idempotent
    const draft = await t.http().post(base).set(member.auth).send({ slug: 'draft.d' }).expect(404);
    expect(draft.body.error.code).toBe('skill_not_found');
    const over = await t.http().post(base).set(member.auth).send({ slug: 'big.b' }).expect(409);
    expect(over.body.error).toMatchObject({
      code: 'skill_budget_exceeded',
      details: { budget: { limit: BUDGET, used: 600 } },
    });
    await t.http().post(base).set(member.auth).send({ slug: 'small.c' }).expect(200);

    await t.http().delete(`${base}/big.a`).set(member.auth).expect(204);
    expect((await t.http().delete(`${base}/big.a`).set(member.auth).expect(404)).body.error.code).toBe(
      'skill_not_enabled',
    );
    const after = await t.http().post(base).set(member.auth).send({ slug: 'big.b' }).expect(200);
    expect(after.body.skills.map((s: any) => s.slug)).toEqual(['small.c', 'big.b']);
    expect(after.body.budget.used).toBe(800);

    const audit = await t
      .http()
      .get('/api/v1/activity/audit?action=skills.conversation.enable')
      .set(owner.auth)
      .expect(200);
    expect(audit.body.items.filter((e: any) => e.target?.id === conv).length).toBeGreaterThanOrEqual(4);
  });

  it('is limited to readers of the conversation and to its org', async () => {
    const conv = await conversation(member);
    const base = `/api/v1/chat/conversations/${conv}/skills`;
    const member2 = await addMember(t, owner, 'member', 'skchatm2');
    await t.http().get(base).set(member2.auth).expect(404);
    await t.http().post(base).set(member2.auth).send({ slug: 'small.c' }).expect(404);
    await t.http().get(base).set(owner.auth).expect(200); // admins read every conversation
    const other = await registerOwner(t, 'skchatother');
    await t.http().get(base).set(other.auth).expect(404);
    await t.http().post(base).set(other.auth).send({ slug: 'small.c' }).expect(404);
    await t.http().delete(`${base}/small.c`).set(other.auth).expect(404);
    // another org's approved skill of the same slug does not exist here
    const otherConv = await conversation(other);
    await t
      .http()
      .post(`/api/v1/chat/conversations/${otherConv}/skills`)
      .set(other.auth)
      .send({ slug: 'small.c' })
      .expect(404);
    await t.http().post(base).set(member.auth).send({ slug: 'x', extra: 1 }).expect(400);
  });

  it('only approved skills reach the model; enable_skill adds one from the next model call', async () => {
    const conv = await conversation(member);
    await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/skills`)
      .set(member.auth)
      .send({ slug: 'big.a' })
      .expect(200);
    fake.script(
      {
        toolCalls: [
          { name: 'search_skills', arguments: { query: 'small' } },
          { name: 'enable_skill', arguments: { slug: 'small.c' } },
          { name: 'enable_skill', arguments: { slug: 'draft.d' } },
          { name: 'list_enabled_skills', arguments: {} },
        ],
      },
      { text: 'Done.' },
    );
    const events = await send(member, conv, 'help me');
    expect(events[events.length - 1]).toMatchObject({ event: 'message_end', data: { finish_reason: 'end_turn' } });
    expect(fake.requests).toHaveLength(2);
    const offered = fake.requests[0].body.tools.map((x: any) => x.function.name);
    expect(offered).toEqual(
      expect.arrayContaining(['search_skills', 'enable_skill', 'list_enabled_skills', 'disable_skill']),
    );

    const first = systemOf(fake.requests[0]);
    expect(first).toContain('### Skill: Skill big.a (v1.0.0)');
    expect(first).toContain(marker('big.a'));
    expect(first).not.toContain(marker('small.c'));
    expect(first).not.toContain(marker('draft.d'));
    const second = systemOf(fake.requests[1]);
    expect(second).toContain(marker('big.a'));
    expect(second).toContain('### Skill: Skill small.c (v1.0.0)');
    expect(second.indexOf(marker('big.a'))).toBeLessThan(second.indexOf(marker('small.c'))); // enable order
    expect(second).not.toContain(marker('draft.d'));

    const [search, enabled, refused, listed] = toolResults(fake.requests[1]);
    expect(search.skills.map((s: any) => s.slug)).toEqual(['small.c']);
    expect(enabled).toMatchObject({ enabled: ['big.a', 'small.c'], budget: { limit: BUDGET, used: 900 } });
    expect(refused.error.code).toBe('skill_not_found');
    expect(listed).toMatchObject({ enabled: ['big.a', 'small.c'], budget: { limit: BUDGET, used: 900 } });

    // a skill archived later no longer reaches the model
    const c = (await t.http().get('/api/v1/skills?slug=small.c&status=approved').set(owner.auth).expect(200)).body
      .items[0];
    await t.http().post(`/api/v1/skills/${c.id}/archive`).set(owner.auth).expect(200);
    fake.script({ text: 'ok' });
    await send(member, conv, 'again');
    expect(systemOf(fake.requests[2])).not.toContain(marker('small.c'));
    expect(systemOf(fake.requests[2])).toContain(marker('big.a'));
  });

  it("the send body's `skills: [slug]` enables them before the turn; an unknown or draft slug is 404 and no turn runs", async () => {
    await skill('send.e', 100);
    const conv = await conversation(member);
    fake.script({ text: 'ok' });
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: member.auth,
      body: { content: 'use it', skills: ['send.e'] },
    });
    expect(s.status).toBe(200);
    await s.done;
    expect(systemOf(fake.requests[fake.requests.length - 1])).toContain(marker('send.e'));
    const listed = await t.http().get(`/api/v1/chat/conversations/${conv}/skills`).set(member.auth).expect(200);
    expect(listed.body.skills.map((x: { slug: string }) => x.slug)).toContain('send.e');

    const before = fake.requests.length;
    for (const slug of ['no.such', 'draft.d']) {
      const refused = await t
        .http()
        .post(`/api/v1/chat/conversations/${conv}/messages`)
        .set(member.auth)
        .send({ content: 'again', skills: [slug] })
        .expect(404);
      expect(refused.body.error.code).toBe('skill_not_found');
    }
    expect(fake.requests.length).toBe(before);
  });

  it("auto-enables the agent's skills and truncates to the budget; disabling one lets the next in", async () => {
    await t
      .http()
      .post('/api/v1/agents')
      .set(owner.auth)
      .send({ name: 'skilled', skills: ['big.a', 'big.b', 'draft.d'] })
      .expect(201);
    const conv = await conversation(owner, 'skilled');
    const base = `/api/v1/chat/conversations/${conv}/skills`;
    const before = await t.http().get(base).set(owner.auth).expect(200);
    expect(before.body).toEqual({
      skills: [
        expect.objectContaining({ slug: 'big.a', source: 'agent', in_prompt: true }),
        expect.objectContaining({ slug: 'big.b', source: 'agent', in_prompt: false }),
      ],
      budget: { limit: BUDGET, used: 600 },
    });
    fake.script({ text: 'hi' });
    await send(owner, conv, 'hello');
    const sys = systemOf(fake.requests[0]);
    expect(sys).toContain(marker('big.a'));
    expect(sys).not.toContain(marker('big.b'));
    expect(sys).not.toContain(marker('draft.d'));

    await t.http().delete(`${base}/big.a`).set(owner.auth).expect(204);
    const after = await t.http().get(base).set(owner.auth).expect(200);
    expect(after.body.skills).toEqual([expect.objectContaining({ slug: 'big.b', in_prompt: true })]);
    fake.script({ text: 'hi' });
    await send(owner, conv, 'hello again');
    expect(systemOf(fake.requests[1])).toContain(marker('big.b'));
    expect(systemOf(fake.requests[1])).not.toContain(marker('big.a'));
    // switching the agent skill back on must fit in the budget like any other
    expect((await t.http().post(base).set(owner.auth).send({ slug: 'big.a' }).expect(409)).body.error.code).toBe(
      'skill_budget_exceeded',
    );
  });
});
