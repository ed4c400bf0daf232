import { Neo4jService } from '@libs/graph';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../support/fake-openai-server';
import { seedNode, wipeOrgGraph } from '../support/graph-fixtures';
import { openSse } from './chat-helpers';

/**
 * The context step's graph context and message attachments (docs/chat.md, "Context step" and
 * "Attachments"), checked on what the (fake) model receives.
 */
type WireMessage = { role: string; content: string | null };
const completions = (fake: FakeOpenAI) => fake.requests.filter((r) => r.path === '/v1/chat/completions');
const systemOf = (r: RecordedRequest): string =>
  (r.body.messages as WireMessage[]).find((m) => m.role === 'system')?.content ?? '';
const usersOf = (r: RecordedRequest): string[] =>
  (r.body.messages as WireMessage[]).filter((m) => m.role === 'user').map((m) => m.content ?? '');

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
  Buffer.alloc(200, 7),
]);

describe('chat: graph context and attachments in the context step', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let neo4j: Neo4jService;
  let uploadDir: string;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    uploadDir = mkdtempSync(join(tmpdir(), 'agentcy-chat-context-'));
    fake = await startFakeOpenAI();
    t = await startTestApp({ ...fake.apiEnv, AGENTCY_ARTIFACT_BACKEND: 'local', UPLOAD_DIR: uploadDir });
    neo4j = t.app.get(Neo4jService);
    a = await registerOwner(t, 'ctxa');
    b = await registerOwner(t, 'ctxb');
  });
  afterAll(async () => {
    for (const u of [a, b]) {
      if (u) {
        await wipeOrgGraph(neo4j, u.orgId);
      }
    }
    await t.close();
    await fake.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });
  beforeEach(() => fake.reset());

  const conversation = async (u: TestUser, body: Record<string, unknown> = {}) =>
    (await t.http().post('/api/v1/chat/conversations').set(u.auth).send(body).expect(201)).body.id as string;
  const send = (u: TestUser, conv: string, body: Record<string, unknown>) =>
    openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, { headers: u.auth, body });
  /** a turn answered `ok`; the model request it made */
  const turn = async (u: TestUser, conv: string, body: Record<string, unknown>): Promise<RecordedRequest> => {
    fake.script({ text: 'ok' });
    const s = await send(u, conv, body);
    expect(s.status).toBe(200);
    await s.done;
    expect(s.events.find((e) => e.event === 'message_end')?.data.finish_reason).toBe('end_turn');
    const calls = completions(fake);
    return calls[calls.length - 1];
  };
  const upload = async (u: TestUser, content: Buffer, filename: string, contentType: string) =>
    (
      await t
        .http()
        .post('/api/v1/artifacts')
        .set(u.auth)
        .attach('file', content, { filename, contentType })
        .expect(201)
    ).body as { id: string; mime: string };
  const messages = async (u: TestUser, conv: string) =>
    (await t.http().get(`/api/v1/chat/conversations/${conv}/messages?limit=100`).set(u.auth).expect(200)).body
      .items as { role: string; content: string; attachments: string[] }[];

  describe('graph context', () => {
    beforeAll(async () => {
      await seedNode(neo4j, {
        orgId: a.orgId,
        label: 'Service',
        name: 'quokka-gateway',
        realm: 'infrastructure',
        description: 'Edge gateway in front of the payments API',
      });
      await seedNode(neo4j, { orgId: a.orgId, label: 'Service', name: 'quokka-builder', realm: 'development' });
      await seedNode(neo4j, {
        orgId: a.orgId,
        label: 'Service',
        name: 'quokka-retired',
        realm: 'infrastructure',
        archived: true,
      });
      await seedNode(neo4j, { orgId: b.orgId, label: 'Service', name: 'quokka-foreign', realm: 'infrastructure' });
    });

    it("adds the matching nodes of the conversation's realm only (not another realm's, another org's, or archived ones)", async () => {
      const conv = await conversation(a, { realm: 'infrastructure' });
      const sys = systemOf(await turn(a, conv, { content: 'Is the quokka service healthy?' }));
      expect(sys).toContain('## Knowledge graph');
      expect(sys).toMatch(/- \[Service\] quokka-gateway \(n_[0-9a-f-]+, realm infrastructure\): Edge gateway in front/);
      expect(sys).not.toContain('quokka-builder');
      expect(sys).not.toContain('quokka-retired');
      expect(sys).not.toContain('quokka-foreign');
    });

    it('without a conversation realm: every realm of the org, still not another org', async () => {
      const conv = await conversation(a);
      const sys = systemOf(await turn(a, conv, { content: 'list the quokka things' }));
      expect(sys).toContain('quokka-gateway');
      expect(sys).toContain('quokka-builder');
      expect(sys).not.toContain('quokka-foreign');
      expect(sys).not.toContain('quokka-retired');
    });

    it('no section when nothing matches', async () => {
      const conv = await conversation(a, { realm: 'infrastructure' });
      const sys = systemOf(await turn(a, conv, { content: 'hello there, how are you?' }));
      expect(sys).not.toContain('## Knowledge graph');
    });

    it("another org's caller never sees org A's nodes", async () => {
      const conv = await conversation(b);
      const sys = systemOf(await turn(b, conv, { content: 'quokka' }));
      expect(sys).toContain('quokka-foreign');
      expect(sys).not.toContain('quokka-gateway');
      expect(sys).not.toContain('quokka-builder');
    });
  });

  describe('attachments', () => {
    it('text goes to the model with the message, a binary by name and type; the message records them and the artifacts get linked', async () => {
      const text = await upload(
        a,
        Buffer.from('ATTACHED-MARKER: disk usage is at 93% on db-1\n'),
        'notes.txt',
        'text/plain',
      );
      const png = await upload(a, PNG, 'pic.png', 'image/png');
      expect(png.mime).toBe('image/png');
      const conv = await conversation(a);
      const req = await turn(a, conv, { content: 'what do you make of these?', attachments: [text.id, png.id] });
      const user = usersOf(req).at(-1)!;
      expect(user.startsWith('what do you make of these?')).toBe(true);
      expect(user).toContain('[Attached file: notes.txt (text/plain');
      expect(user).toContain('ATTACHED-MARKER: disk usage is at 93% on db-1');
      expect(user).toContain('[end of notes.txt]');
      expect(user).toMatch(/\[Attached file: pic\.png \(image\/png, \d+ bytes\): binary, content not shown\]/);
      expect(user).not.toContain('\u0007');

      const rows = await messages(a, conv);
      expect(rows.map((m) => [m.role, m.attachments])).toEqual([
        ['user', [text.id, png.id]],
        ['assistant', []],
      ]);
      expect(rows[0].content).toBe('what do you make of these?');
      for (const id of [text.id, png.id]) {
        const art = (await t.http().get(`/api/v1/artifacts/${id}`).set(a.auth).expect(200)).body;
        expect(art.source.conversation_id).toBe(conv);
      }

      // the next turn still sees the attachment with the earlier message
      const next = await turn(a, conv, { content: 'and now?' });
      const users = usersOf(next);
      expect(users).toHaveLength(2);
      expect(users[0]).toContain('ATTACHED-MARKER');
      expect(users[1]).toBe('and now?');
    });

    it('a long text file is cut to the per-file budget', async () => {
      const big = await upload(a, Buffer.from('A'.repeat(30_000)), 'big.log', 'text/plain');
      const conv = await conversation(a);
      const user = usersOf(await turn(a, conv, { content: 'summarise', attachments: [big.id] })).at(-1)!;
      expect(user).toContain('A'.repeat(8000));
      expect(user).not.toContain('A'.repeat(8001));
      expect(user).toContain('[big.log: the rest of the file is left out]');
    });

    it("another org's artifact, an unknown one or a malformed id: 404/400 before any turn, nothing stored", async () => {
      const foreign = await upload(b, Buffer.from('B-SECRET'), 'secret.txt', 'text/plain');
      const own = await upload(a, Buffer.from('own file'), 'own.txt', 'text/plain');
      const conv = await conversation(a);

      const s = await send(a, conv, { content: 'read this', attachments: [own.id, foreign.id] });
      expect(s.status).toBe(404);
      expect(s.body.error.code).toBe('not_found');
      expect(s.body.error.details.artifact_ids).toEqual([foreign.id]);

      const unknown = await send(a, conv, {
        content: 'read this',
        attachments: ['art_00000000000000000000000000000000'],
      });
      expect(unknown.status).toBe(404);

      const malformed = await send(a, conv, { content: 'read this', attachments: ['../etc/passwd'] });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('validation_failed');

      const tooMany = await send(a, conv, { content: 'read this', attachments: Array(6).fill(own.id) });
      expect(tooMany.status).toBe(400);

      expect(completions(fake)).toHaveLength(0);
      expect(await messages(a, conv)).toEqual([]);
      // the foreign artifact was not linked to A's conversation
      const art = (await t.http().get(`/api/v1/artifacts/${foreign.id}`).set(b.auth).expect(200)).body;
      expect(art.source.conversation_id).toBeNull();
    });
  });
});
