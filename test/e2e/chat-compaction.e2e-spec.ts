import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from '../support/fake-openai-server';
import { openSse } from './chat-helpers';

/**
 * History compaction (docs/chat.md, "History compaction") with a tiny context budget: 400 tokens,
 * so compaction starts above 300 estimated tokens (~1200 characters); the last 2 messages stay.
 * Every message below is ~200 characters (~54 tokens with the per-message overhead), so the 4th
 * turn (7 messages) is the first to compact.
 */
const ENV = { CHAT_CONTEXT_BUDGET_TOKENS: '400', CHAT_COMPACTION_KEEP_MESSAGES: '2' };
const pad = (s: string) => `${s} `.padEnd(200, '.');
const question = (n: number) => pad(`question-${n}`);
const answer = (n: number) => pad(`answer-${n}`);

type WireMessage = { role: string; content: string | null };
const completions = (fake: FakeOpenAI) => fake.requests.filter((r) => r.path === '/v1/chat/completions');
const systemOf = (r: RecordedRequest): string =>
  (r.body.messages as WireMessage[]).find((m) => m.role === 'system')?.content ?? '';
const transcriptOf = (r: RecordedRequest): string[] =>
  (r.body.messages as WireMessage[]).filter((m) => m.role !== 'system').map((m) => m.content ?? '');
const isSummaryCall = (r: RecordedRequest) => systemOf(r).startsWith('You compact the history');

describe('chat: history compaction', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;

  const conversation = async (u: TestUser) =>
    (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({}).expect(201)).body.id as string;
  const send = async (u: TestUser, conv: string, content: string) => {
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content },
    });
    expect(s.status).toBe(200);
    await s.done;
    return s.events.find((e) => e.event === 'message_end')!.data;
  };
  const messages = async (u: TestUser, conv: string) =>
    (await t.http().get(`/api/v1/chat/conversations/${conv}/messages?limit=100`).set(u.auth).expect(200)).body
      .items as { id: string; role: string; content: string; kind: string | null; compacted: boolean }[];
  /** turns 1..n, each answered by the fake model with `answer(i)`; no compaction expected */
  const turns = async (conv: string, from: number, to: number) => {
    for (let i = from; i <= to; i++) {
      fake.script({ text: answer(i) });
      expect((await send(owner, conv, question(i))).finish_reason).toBe('end_turn');
    }
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp({ ...fake.apiEnv, ...ENV });
    owner = await registerOwner(t, 'compact');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('summarises the older messages once the budget is near; the model gets the summary and the latest messages verbatim', async () => {
    const conv = await conversation(owner);
    await turns(conv, 1, 3);
    expect(completions(fake).filter(isSummaryCall)).toHaveLength(0);
    const turn3 = completions(fake)[2];
    expect(transcriptOf(turn3)).toEqual([question(1), answer(1), question(2), answer(2), question(3)]);
    expect(systemOf(turn3)).not.toContain('Earlier in this conversation');

    // turn 4: 7 messages (~378 tokens) > 300 → the first 5 are summarised
    fake.reset();
    fake.script({ text: 'SUMMARY-ONE: the user asked five things.' }, { text: answer(4) });
    expect((await send(owner, conv, question(4))).finish_reason).toBe('end_turn');
    const [summaryCall, turn4] = completions(fake);
    expect(isSummaryCall(summaryCall)).toBe(true);
    expect(summaryCall.body.tools).toBeUndefined();
    const summarised = transcriptOf(summaryCall).join('\n');
    for (const text of [question(1), answer(1), question(2), answer(2), question(3)]) {
      expect(summarised).toContain(text.replace(/\s+/g, ' ').trim());
    }
    expect(summarised).not.toContain('answer-3');
    expect(summarised).not.toContain('question-4');
    // the turn's model request: the summary in the system prompt, only the last 2 messages verbatim
    expect(systemOf(turn4)).toContain('## Earlier in this conversation (summary)');
    expect(systemOf(turn4)).toContain('SUMMARY-ONE: the user asked five things.');
    expect(transcriptOf(turn4)).toEqual([answer(3), question(4)]);
    expect(JSON.stringify(turn4.body.messages)).not.toContain('question-1');

    // the transcript keeps everything, flagged; the summary is a system message after the messages it replaced
    const rows = await messages(owner, conv);
    expect(rows.map((m) => [m.role, m.kind, m.compacted, m.content.slice(0, 11)])).toEqual([
      ['user', null, true, 'question-1 '],
      ['assistant', null, true, 'answer-1 ..'],
      ['user', null, true, 'question-2 '],
      ['assistant', null, true, 'answer-2 ..'],
      ['user', null, true, 'question-3 '],
      ['assistant', null, false, 'answer-3 ..'],
      ['user', null, false, 'question-4 '],
      ['system', 'compaction_summary', false, 'SUMMARY-ONE'],
      ['assistant', null, false, 'answer-4 ..'],
    ]);
    expect(rows[0].content).toBe(question(1));

    // turn 5: summary + 4 messages stay under the threshold → no summary call
    fake.reset();
    fake.script({ text: answer(5) });
    await send(owner, conv, question(5));
    expect(completions(fake)).toHaveLength(1);
    const turn5 = completions(fake)[0];
    expect(systemOf(turn5)).toContain('SUMMARY-ONE');
    expect(transcriptOf(turn5)).toEqual([answer(3), question(4), answer(4), question(5)]);

    // turn 6: compacts again; the previous summary is folded into the new one and replaced
    fake.reset();
    fake.script({ text: 'SUMMARY-TWO' }, { text: answer(6) });
    await send(owner, conv, question(6));
    const [second, turn6] = completions(fake);
    expect(isSummaryCall(second)).toBe(true);
    expect(transcriptOf(second)[0]).toContain('Summary of the conversation before these messages:\nSUMMARY-ONE');
    expect(systemOf(turn6)).toContain('SUMMARY-TWO');
    expect(systemOf(turn6)).not.toContain('SUMMARY-ONE');
    expect(transcriptOf(turn6)).toEqual([answer(5), question(6)]);
    const after = await messages(owner, conv);
    const summaries = after.filter((m) => m.kind === 'compaction_summary');
    expect(summaries.map((m) => [m.content, m.compacted])).toEqual([
      ['SUMMARY-ONE: the user asked five things.', true],
      ['SUMMARY-TWO', false],
    ]);
    expect(after.filter((m) => !m.compacted && m.kind === null).map((m) => m.content)).toEqual([
      answer(5),
      question(6),
      answer(6),
    ]);
  });

  it('a failing summary call does not fail the turn: it gets the latest messages only and nothing is compacted', async () => {
    const conv = await conversation(owner);
    await turns(conv, 1, 3);
    fake.reset();
    // the provider retries a 500 once (maxRetries 1): both attempts fail
    fake.script({ status: 500 }, { status: 500 }, { text: answer(4) });
    const end = await send(owner, conv, question(4));
    expect(end.finish_reason).toBe('end_turn');
    const calls = completions(fake);
    expect(calls.filter(isSummaryCall).length).toBeGreaterThanOrEqual(1);
    const turn4 = calls[calls.length - 1];
    expect(isSummaryCall(turn4)).toBe(false);
    expect(systemOf(turn4)).not.toContain('Earlier in this conversation');
    expect(transcriptOf(turn4)).toEqual([answer(3), question(4)]);
    expect(fake.pending()).toBe(0);
    const rows = await messages(owner, conv);
    expect(rows.some((m) => m.kind === 'compaction_summary' || m.compacted)).toBe(false);
    expect(rows.at(-1)).toMatchObject({ role: 'assistant', content: answer(4) });

    // the next turn tries again and succeeds
    fake.reset();
    fake.script({ text: 'SUMMARY-RETRY' }, { text: answer(5) });
    await send(owner, conv, question(5));
    const [retry, turn5] = completions(fake);
    expect(isSummaryCall(retry)).toBe(true);
    expect(systemOf(turn5)).toContain('SUMMARY-RETRY');
    expect(transcriptOf(turn5)).toEqual([answer(4), question(5)]);
  });

  it('compacted history stays private: another org and a member who is not the creator get 404', async () => {
    const conv = await conversation(owner);
    await turns(conv, 1, 1);
    const stranger = await registerOwner(t, 'compactx');
    const member = await addMember(t, owner, 'member', 'compactm');
    await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(stranger.auth).expect(404);
    await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(member.auth).expect(404);
  });
});

describe('chat: history compaction with the offline provider', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ LLM_PROVIDER: 'offline', ...ENV });
  });
  afterAll(() => t.close());

  it('stores a deterministic extract as the summary', async () => {
    const u = await registerOwner(t, 'compactoff');
    const conv = (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({}).expect(201)).body.id;
    for (let i = 1; i <= 4; i++) {
      const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
        headers: u.auth,
        body: { content: question(i) },
      });
      await s.done;
      expect(s.events.at(-1)!.data.finish_reason).toBe('end_turn');
    }
    const rows = (await t.http().get(`/api/v1/chat/conversations/${conv}/messages?limit=100`).set(u.auth).expect(200))
      .body.items as { role: string; content: string; kind: string | null; compacted: boolean }[];
    const summary = rows.filter((m) => m.kind === 'compaction_summary');
    expect(summary).toHaveLength(1);
    const lines = summary[0].content.split('\n');
    expect(lines[0]).toMatch(/^Summary of \d+ earlier messages \(extract, no model\):$/);
    expect(lines[1]).toBe(`User: ${question(1).slice(0, 200)}`.trimEnd());
    expect(rows.filter((m) => m.compacted).length).toBeGreaterThan(0);
    expect(rows.at(-1)!.role).toBe('assistant');
  });
});
