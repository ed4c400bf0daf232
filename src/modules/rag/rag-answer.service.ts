import type { Principal } from '@libs/auth/principal';
import { LlmProviderFactory } from '@libs/llm';
import { Injectable } from '@nestjs/common';
import type { RagAnswerDto, RagAnswerRequestDto, RagCitationDto } from './dto/rag.dto';
import { type FusedHit, HYBRID_WEIGHTS, RagSearchService, snippet } from './rag-search.service';

const SYSTEM_PROMPT =
  'You answer questions using only the numbered context passages. Cite the passages you use as [n]. ' +
  'If the passages do not contain the answer, say that the indexed documents do not answer it.';
const CONTEXT_CHARS = 1500;

/**
 * `POST /rag/answer`: retrieve (hybrid search), then have the org's LLM provider answer from the
 * numbered passages with [n] citations. The built-in offline provider cannot write prose, so
 * for it the answer is extractive: the passage sentences sharing most words with the question.
 */
@Injectable()
export class RagAnswerService {
  constructor(
    private readonly search: RagSearchService,
    private readonly llm: LlmProviderFactory,
  ) {}

  async answer(p: Principal, dto: RagAnswerRequestDto): Promise<RagAnswerDto> {
    const realms = dto.realms ?? (dto.realm ? [dto.realm] : null);
    const hits = await this.search.retrieve(p.orgId, {
      query: dto.question,
      topK: dto.top_k ?? 5,
      realms,
      vectorWeight: HYBRID_WEIGHTS.vector,
      textWeight: HYBRID_WEIGHTS.text,
    });
    const provider = await this.llm.forOrg(p.orgId);
    const citations: RagCitationDto[] = hits.map((h) => ({
      document_id: h.chunk.documentId,
      title: h.chunk.title,
      chunk: Number(h.chunk.ord),
      snippet: snippet(h.chunk.text),
    }));
    if (!hits.length) {
      return {
        answer: 'The indexed documents do not contain anything matching this question.',
        citations: [],
        provider: provider.name,
        model: provider.model,
      };
    }
    let answer: string;
    if (provider.name === 'offline') {
      answer = extractiveAnswer(dto.question, hits);
    } else {
      const context = hits
        .map((h, i) => `[${i + 1}] ${h.chunk.title} (chunk ${h.chunk.ord})\n${h.chunk.text.slice(0, CONTEXT_CHARS)}`)
        .join('\n\n');
      answer = '';
      for await (const e of provider.stream({
        system: SYSTEM_PROMPT,
        messages: [{ role: 'user', content: `Context:\n${context}\n\nQuestion: ${dto.question}` }],
        tools: [],
      })) {
        if (e.type === 'text_delta') {
          answer += e.delta;
        }
      }
      answer = answer.trim();
    }
    return { answer, citations, provider: provider.name, model: provider.model };
  }
}

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^\p{L}\p{N}_]+/u)
      .filter((w) => w.length > 2),
  );

/** Up to three sentences of the passages that share most words with the question, each cited. */
export function extractiveAnswer(question: string, hits: FusedHit[]): string {
  const q = words(question);
  const scored: { sentence: string; ref: number; score: number; order: number }[] = [];
  hits.forEach((h, i) => {
    const sentences = h.chunk.text
      .replace(/\s+/g, ' ')
      .split(/(?<=[.!?])\s+/)
      .filter((s) => s.length > 3);
    sentences.forEach((sentence, j) => {
      let score = 0;
      for (const w of words(sentence)) {
        if (q.has(w)) {
          score++;
        }
      }
      // earlier passages rank better on ties
      scored.push({ sentence: sentence.trim(), ref: i + 1, score, order: i * 1000 + j });
    });
  });
  const best = scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, 3)
    .sort((a, b) => a.order - b.order);
  const picked = best.length ? best : scored.slice(0, 1);
  return picked.map((s) => `${s.sentence} [${s.ref}]`).join(' ');
}
