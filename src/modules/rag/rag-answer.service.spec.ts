import type { Principal } from '@libs/auth/principal';
import type { LlmProvider, LlmProviderFactory, LlmRequest, LlmStreamEvent } from '@libs/llm';
import { extractiveAnswer, RagAnswerService } from './rag-answer.service';
import type { FusedHit, RagSearchService } from './rag-search.service';

const hit = (documentId: string, title: string, text: string, ord = 0): FusedHit => ({
  chunk: { chunkId: `c-${documentId}-${ord}`, documentId, title, realm: 'default', ord, text, createdAt: '' },
  score: 0.01,
  vectorScore: 0.9,
  textScore: null,
});

const HITS = [
  hit('d1', 'Runbook', 'Restart checkout with kubectl rollout restart. Then watch the pods. Owners: payments.'),
  hit('d2', 'Holidays', 'Staff get 28 days of holiday.'),
];

const principal = { orgId: 'org-1', userId: 'u1', role: 'viewer' } as Principal;

function service(provider: LlmProvider, hits = HITS) {
  const search = { retrieve: jest.fn().mockResolvedValue(hits) } as unknown as RagSearchService;
  const llm = { forOrg: jest.fn().mockResolvedValue(provider) } as unknown as LlmProviderFactory;
  return { svc: new RagAnswerService(search, llm), search };
}

describe('RagAnswerService', () => {
  it('offline: answers with the best matching sentences and numbered citations', async () => {
    const offline = { name: 'offline', model: 'offline-keyword-matcher', stream: jest.fn() } as unknown as LlmProvider;
    const { svc, search } = service(offline);
    const res = await svc.answer(principal, { question: 'How do I restart checkout?', realm: 'infrastructure' });
    expect(res.answer).toBe('Restart checkout with kubectl rollout restart. [1]');
    expect(res.citations).toEqual([
      { document_id: 'd1', title: 'Runbook', chunk: 0, snippet: HITS[0].chunk.text },
      { document_id: 'd2', title: 'Holidays', chunk: 0, snippet: HITS[1].chunk.text },
    ]);
    expect(res).toMatchObject({ provider: 'offline', model: 'offline-keyword-matcher' });
    expect(offline.stream).not.toHaveBeenCalled();
    expect((search.retrieve as jest.Mock).mock.calls[0][1]).toMatchObject({ realms: ['infrastructure'], topK: 5 });
  });

  it('other providers: sends numbered passages without tools and returns the streamed text', async () => {
    let seen: LlmRequest | undefined;
    const provider: LlmProvider = {
      name: 'openai',
      model: 'gpt-test',
      async *stream(req: LlmRequest): AsyncIterable<LlmStreamEvent> {
        seen = req;
        yield { type: 'text_delta', delta: 'Use kubectl ' };
        yield { type: 'text_delta', delta: 'rollout restart [1]. ' };
        yield { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const { svc } = service(provider);
    const res = await svc.answer(principal, { question: 'restart?' });
    expect(res.answer).toBe('Use kubectl rollout restart [1].');
    expect(seen?.tools).toEqual([]);
    expect(seen?.system).toMatch(/\[n\]/);
    const content = (seen?.messages[0] as { content: string }).content;
    expect(content).toContain('[1] Runbook (chunk 0)');
    expect(content).toContain('[2] Holidays (chunk 0)');
    expect(content).toContain('Question: restart?');
  });

  it('no hits: a fixed answer without citations, no model call', async () => {
    const provider = { name: 'openai', model: 'm', stream: jest.fn() } as unknown as LlmProvider;
    const { svc } = service(provider, []);
    const res = await svc.answer(principal, { question: 'anything' });
    expect(res.citations).toEqual([]);
    expect(res.answer).toMatch(/do not contain/);
    expect(provider.stream).not.toHaveBeenCalled();
  });
});

describe('extractiveAnswer', () => {
  it('keeps passage order and falls back to the first sentence when no word matches', () => {
    expect(extractiveAnswer('payments owners and holiday days', HITS)).toBe(
      'Owners: payments. [1] Staff get 28 days of holiday. [2]',
    );
    expect(extractiveAnswer('zzz', HITS)).toBe('Restart checkout with kubectl rollout restart. [1]');
  });
});
