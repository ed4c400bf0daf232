import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { spawnApiProcess, SpawnedApi } from '../support/spawn-api';
import { api, eventually, openSse } from './chat-helpers';

/**
 * Agents (ResolvedAgentsCache), org settings (OrgSettingsCache) and conversations
 * (ConversationsCache) are cached per replica: a change on one process must reach the next request
 * on another, through the PrincipalChanges announcement (pub/sub), well before the caches' 30 s TTL.
 */
describe('replica caches: a change on one process applies to the next request on another', () => {
  let t: TestApp;
  let child: SpawnedApi;
  let fake: FakeOpenAI;
  let u: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp(fake.apiEnv);
    child = await spawnApiProcess({ MIGRATIONS_RUN: 'false', ...fake.apiEnv });
    u = await registerOwner(t, 'agentrep');
  }, 120_000);
  afterAll(async () => {
    await child?.kill(0);
    await t?.close();
    await fake?.close();
  });

  /** Sends a message on the child process; resolves with the system prompt the model was given (or the refusal). */
  async function turnOnChild(agent: string): Promise<{ status: number; system?: string }> {
    const conv = await api(child.baseUrl, 'POST', '/chat/conversations', u.auth, { title: 'replicas', agent });
    expect(conv.status).toBe(201);
    fake.reset();
    fake.setDefault({ text: 'ok' });
    const s = await openSse(`${child.baseUrl}/api/v1/chat/conversations/${conv.body.id}/messages`, {
      headers: u.auth,
      body: { content: 'hello' },
    });
    if (s.status !== 200) {
      return { status: s.status };
    }
    await s.waitFor((e) => e.event === 'message_end');
    const messages = fake.requests[0]?.body?.messages as { role: string; content: unknown }[];
    return { status: 200, system: JSON.stringify(messages.filter((m) => m.role === 'system')) };
  }

  it('the child uses the new system prompt once the edit is announced, and refuses a deleted agent', async () => {
    const created = await api(t.baseUrl, 'POST', '/agents', u.auth, { name: 'writer', system_prompt: 'PROMPT-ONE' });
    expect(created.status).toBe(201);
    expect((await turnOnChild('writer')).system).toContain('PROMPT-ONE'); // now cached on the child

    const edited = await api(t.baseUrl, 'PATCH', `/agents/${created.body.id}`, u.auth, { system_prompt: 'PROMPT-TWO' });
    expect(edited.status).toBe(200);
    const next = await eventually(async () => {
      const r = await turnOnChild('writer');
      return r.system?.includes('PROMPT-TWO') ? r : undefined;
    }, 3_000);
    expect(next.system).not.toContain('PROMPT-ONE');

    // a conversation on the child whose agent the child has cached; the agent is deleted on the other process
    const conv = await api(child.baseUrl, 'POST', '/chat/conversations', u.auth, { title: 'x', agent: 'writer' });
    expect(conv.status).toBe(201);
    expect((await api(t.baseUrl, 'DELETE', `/agents/${created.body.id}`, u.auth)).status).toBe(204);
    const refused = await eventually(async () => {
      const r = await openSse(`${child.baseUrl}/api/v1/chat/conversations/${conv.body.id}/messages`, {
        headers: u.auth,
        body: { content: 'hello' },
      });
      if (r.status === 200) {
        await r.waitFor((e) => e.event === 'message_end');
        return undefined;
      }
      return r;
    }, 3_000);
    expect(refused.status).toBe(404);
  }, 60_000);

  it("the org's settings: a security change on one process is what the other reports and applies next", async () => {
    const read = async () => (await api(child.baseUrl, 'GET', '/settings/security', u.auth)).body;
    expect((await read()).approval_timeout_secs).not.toBe(123); // now cached on the child
    const patched = await api(t.baseUrl, 'PATCH', '/settings/security', u.auth, { approval_timeout_secs: 123 });
    expect(patched.status).toBe(200);
    await eventually(async () => (await read()).approval_timeout_secs === 123, 3_000);
    // a feature turned off on one process is refused by the other
    expect((await api(child.baseUrl, 'GET', '/rag/documents', u.auth)).status).toBe(200);
    expect((await api(t.baseUrl, 'PATCH', '/settings/features', u.auth, { rag: false })).status).toBe(200);
    const refused = await eventually(async () => {
      const r = await api(child.baseUrl, 'GET', '/rag/documents', u.auth);
      return r.status === 404 ? r : undefined;
    }, 3_000);
    expect(refused.body.error.code).toBe('feature_disabled');
  }, 60_000);

  it('a conversation deleted on one process (or behind the API) starts no turn on the other, at once', async () => {
    const send = (id: string) =>
      openSse(`${child.baseUrl}/api/v1/chat/conversations/${id}/messages`, {
        headers: u.auth,
        body: { content: 'hi' },
      });
    const turnsOf = async (id: string) =>
      Number(
        (
          await t.app
            .get(DataSource)
            .query(`SELECT count(*)::int AS n FROM chat_turns WHERE conversation_id = $1`, [id])
        )[0].n,
      );
    fake.setDefault({ text: 'ok' });
    for (const deleteOn of ['api', 'sql'] as const) {
      // created on the child, so cached there at once, then one turn
      const conv = await api(child.baseUrl, 'POST', '/chat/conversations', u.auth, { title: `gone-${deleteOn}` });
      expect(conv.status).toBe(201);
      const first = await send(conv.body.id);
      expect(first.status).toBe(200);
      await first.waitFor((e) => e.event === 'message_end');
      if (deleteOn === 'api') {
        expect((await api(t.baseUrl, 'DELETE', `/chat/conversations/${conv.body.id}`, u.auth)).status).toBe(204);
      } else {
        // no announcement: the child's cached copy stays, and the turn's insert re-checks the row
        await t.app.get(DataSource).query(`UPDATE conversations SET deleted_at = now() WHERE id = $1`, [conv.body.id]);
      }
      const refused = await send(conv.body.id);
      expect(refused.status).toBe(404);
      expect(await turnsOf(conv.body.id)).toBe(1);
    }
  }, 60_000);
});
