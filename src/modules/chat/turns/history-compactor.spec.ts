import type { AppConfig } from '@libs/config';
import type { LlmProvider, LlmProviderFactory, LlmRequest, LlmStreamEvent } from '@libs/llm/llm.port';
import type { MessageEntity } from 'src/modules/chat/chat.entity';
import type { ChatRepository } from 'src/modules/chat/chat.repository';
import {
  COMPACTION_SUMMARY_KIND,
  COMPACTION_SYSTEM_PROMPT,
  estimateTokens,
  extractiveSummary,
  HistoryCompactor,
} from './history-compactor';

let seq = 0;
function msg(role: MessageEntity['role'], content: string, extra: Partial<MessageEntity> = {}): MessageEntity {
  seq++;
  return {
    id: `m${seq}`,
    seq,
    orgId: 'org',
    conversationId: 'conv',
    turnId: null,
    role,
    content,
    toolCalls: [],
    toolCallId: null,
    finishReason: null,
    usage: null,
    compacted: false,
    kind: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...extra,
  } as MessageEntity;
}

/** n alternating user/assistant messages of `size` characters each */
function conversation(n: number, size = 400): MessageEntity[] {
  return Array.from({ length: n }, (_, i) =>
    msg(i % 2 ? 'assistant' : 'user', `${i % 2 ? 'answer' : 'question'} ${i} ${'x'.repeat(size)}`),
  );
}

class FakeRepo {
  stored: { summary: { turnId: string | null; conversationId: string; content: string }; ids: string[] }[] = [];
  failStore = false;
  rows: MessageEntity[];
  constructor(rows: MessageEntity[]) {
    this.rows = [...rows];
  }
  transcript() {
    return Promise.resolve(this.rows.filter((m) => !m.compacted));
  }
  storeCompaction(summary: { turnId: string | null; conversationId: string; content: string }, ids: string[]) {
    if (this.failStore) {
      return Promise.reject(new Error('db down'));
    }
    this.stored.push({ summary, ids });
    for (const m of this.rows) {
      if (ids.includes(m.id)) {
        m.compacted = true;
      }
    }
    const row = msg('system', summary.content, { kind: COMPACTION_SUMMARY_KIND });
    this.rows.push(row);
    return Promise.resolve({ id: row.id, seq: row.seq });
  }
}

class FakeProvider implements LlmProvider {
  readonly model = 'fake';
  requests: LlmRequest[] = [];
  constructor(
    readonly name: string,
    private readonly answer: string | Error,
  ) {}
  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    this.requests.push(request);
    await Promise.resolve();
    if (this.answer instanceof Error) {
      throw this.answer;
    }
    yield { type: 'text_delta', delta: this.answer };
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
  }
}

function setup(rows: MessageEntity[], provider: FakeProvider, budget = 1000, keep = 4) {
  const repo = new FakeRepo(rows);
  const compactor = new HistoryCompactor(
    repo as unknown as ChatRepository,
    { forOrg: () => Promise.resolve(provider) } as unknown as LlmProviderFactory,
    { chat: { contextBudgetTokens: budget, compactionKeepMessages: keep } } as AppConfig,
  );
  const scope = { orgId: 'org', conversationId: 'conv', turnId: 'turn' };
  return { repo, compactor, scope };
}

describe('HistoryCompactor', () => {
  it('leaves a transcript under 75 % of the budget alone', async () => {
    const rows = conversation(6, 100); // ~6 × 27 tokens
    const provider = new FakeProvider('openai', 'SUMMARY');
    const { repo, compactor, scope } = setup(rows, provider);
    const h = await compactor.history(scope);
    expect(h).toEqual({ summary: null, messages: rows });
    expect(provider.requests).toHaveLength(0);
    expect(repo.stored).toHaveLength(0);
  });

  it('never compacts when no more than the kept messages exist, however long they are', async () => {
    const rows = conversation(4, 10_000);
    const provider = new FakeProvider('openai', 'SUMMARY');
    const { compactor, scope } = setup(rows, provider);
    expect((await compactor.history(scope)).messages).toHaveLength(4);
    expect(provider.requests).toHaveLength(0);
  });

  it('summarises all but the last messages with the provider and flags them compacted', async () => {
    const rows = conversation(10); // ~10 × 105 tokens > 750
    const provider = new FakeProvider('openai', '  The user asked about pods.  ');
    const { repo, compactor, scope } = setup(rows, provider);
    const h = await compactor.history({ ...scope, model: 'm-1' });
    expect(h.summary).toBe('The user asked about pods.');
    expect(h.messages).toEqual(rows.slice(6));
    expect(repo.stored).toHaveLength(1);
    expect(repo.stored[0].summary).toEqual({
      orgId: 'org',
      content: 'The user asked about pods.',
      turnId: 'turn',
      conversationId: 'conv',
    });
    expect(repo.stored[0].ids).toEqual(rows.slice(0, 6).map((m) => m.id));
    // the summary request: its own system prompt, no tools, the old messages only
    const req = provider.requests[0];
    expect(req.system).toBe(COMPACTION_SYSTEM_PROMPT);
    expect(req.tools).toEqual([]);
    expect(req.model).toBe('m-1');
    const sent = (req.messages[0] as { content: string }).content;
    expect(sent).toContain('User: question 0');
    expect(sent).toContain('Assistant: answer 5');
    expect(sent).not.toContain('question 6');
  });

  it('a second compaction folds the previous summary in and replaces it', async () => {
    const rows = conversation(10);
    const provider = new FakeProvider('openai', 'FIRST');
    const { repo, compactor, scope } = setup(rows, provider);
    await compactor.history(scope);
    repo.rows.push(...conversation(6));
    const second = new FakeProvider('openai', 'SECOND');
    const again = new HistoryCompactor(
      repo as unknown as ChatRepository,
      { forOrg: () => Promise.resolve(second) } as unknown as LlmProviderFactory,
      { chat: { contextBudgetTokens: 1000, compactionKeepMessages: 4 } } as AppConfig,
    );
    const h = await again.history(scope);
    expect(h.summary).toBe('SECOND');
    expect((second.requests[0].messages[0] as { content: string }).content).toContain(
      'Summary of the conversation before these messages:\nFIRST',
    );
    const firstSummary = repo.rows.find((m) => m.content === 'FIRST')!;
    expect(repo.stored[1].ids).toContain(firstSummary.id);
    expect(h.messages).toHaveLength(4);
    // what the next turn reads: one summary, the kept messages
    const next = await again.history(scope);
    expect(next.summary).toBe('SECOND');
    expect(next.messages).toEqual(h.messages);
  });

  it('a failing summary call stores nothing and gives the turn the kept messages only', async () => {
    const rows = conversation(10);
    const provider = new FakeProvider('openai', new Error('HTTP 500'));
    const { repo, compactor, scope } = setup(rows, provider);
    const h = await compactor.history(scope);
    expect(h).toEqual({ summary: null, messages: rows.slice(6) });
    expect(repo.stored).toHaveLength(0);
    expect(rows.every((m) => !m.compacted)).toBe(true);
  });

  it('the summary request fits 75 % of the budget: the oldest lines are left out, the previous summary kept', async () => {
    const rows = [msg('system', 'PREVIOUS', { kind: COMPACTION_SUMMARY_KIND }), ...conversation(40)];
    const provider = new FakeProvider('openai', 'S');
    const { compactor, scope } = setup(rows, provider);
    await compactor.history(scope);
    const sent = (provider.requests[0].messages[0] as { content: string }).content;
    expect(sent.length).toBeLessThanOrEqual(3000 + 100);
    expect(sent).toMatch(/^Summary of the conversation before these messages:\nPREVIOUS\n/);
    expect(sent).toMatch(/\(\d+ earlier messages left out\)/);
    expect(sent).toContain('Assistant: answer 35 ');
    expect(sent).not.toContain('question 0 ');
  });

  it('an empty summary counts as a failure', async () => {
    const { repo, compactor, scope } = setup(conversation(10), new FakeProvider('openai', '   '));
    expect((await compactor.history(scope)).summary).toBeNull();
    expect(repo.stored).toHaveLength(0);
  });

  it('a failing store still gives this turn the summary', async () => {
    const { repo, compactor, scope } = setup(conversation(10), new FakeProvider('openai', 'S'));
    repo.failStore = true;
    const h = await compactor.history(scope);
    expect(h.summary).toBe('S');
    expect(h.messages).toHaveLength(4);
  });

  it('with the offline provider the summary is a deterministic extract, without a model call', async () => {
    const rows = conversation(10);
    const provider = new FakeProvider('offline', 'never used');
    const { repo, compactor, scope } = setup(rows, provider);
    const h = await compactor.history(scope);
    expect(provider.requests).toHaveLength(0);
    expect(h.summary).toBe(extractiveSummary(null, rows.slice(0, 6)));
    expect(h.summary!.split('\n')[0]).toBe('Summary of 6 earlier messages (extract, no model):');
    expect(h.summary).toContain('User: question 0 xxx');
    expect(repo.stored).toHaveLength(1);
  });
});

describe('history compaction helpers', () => {
  it('estimates ~4 characters per token plus 4 per message, tool arguments included', () => {
    expect(estimateTokens(null, [msg('user', 'x'.repeat(400))])).toBe(104);
    expect(estimateTokens('y'.repeat(40), [])).toBe(10);
    const tool = msg('tool', 'z'.repeat(8), {
      toolCalls: [
        {
          tool_call_id: 't',
          name: 'execute_connector_tool',
          connector: null,
          tool: 'k.x',
          args: { a: 1 },
          status: 'completed',
        },
      ],
    });
    expect(estimateTokens(null, [tool])).toBe(Math.ceil((8 + '{"a":1}'.length) / 4) + 4);
  });

  it('the extract cuts long messages and keeps the newest lines within its size', () => {
    const many = Array.from({ length: 200 }, (_, i) => msg('user', `line ${i} ${'w'.repeat(300)}`));
    const s = extractiveSummary('earlier summary', many);
    expect(s.length).toBeLessThanOrEqual(8000);
    expect(s).toContain('Earlier: earlier summary');
    expect(s).toMatch(/\(\d+ earlier messages left out\)/);
    expect(s).toContain('line 199 ');
    expect(s).not.toContain('line 0 ');
    expect(s.split('\n').every((l) => l.length <= 230 || l.startsWith('Earlier'))).toBe(true);
  });
});
