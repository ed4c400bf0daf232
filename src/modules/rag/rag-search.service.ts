import type { Principal } from '@libs/auth/principal';
import { FeatureDisabledException } from '@libs/errors';
import { FeatureFlagService } from '@libs/features';
import { Injectable } from '@nestjs/common';
import type { RagHitDto, RagSearchResponseDto } from './dto/rag.dto';
import { RagEmbeddings } from './rag-embeddings';
import { RagSearchContract, type RagSearchHit } from './rag.contract';
import { type ChunkScope, RagRepository } from './rag.repository';
import type { ChunkHit, RankedChunk } from './rag.types';
import { chunkLuceneQuery } from './search/chunk-lucene';
import { reciprocalRankFusion } from './search/fusion';

export interface SearchRequest {
  query: string;
  topK?: number;
  realms?: string[] | null;
  after?: Date;
  /** weights of the two rankings (normalised); /rag/search favours the vector side */
  vectorWeight: number;
  textWeight: number;
}

/** Default weights: /rag/search (meaning first) and /rag/hybrid (spec example). */
export const SEARCH_WEIGHTS = { vector: 0.7, text: 0.3 };
export const HYBRID_WEIGHTS = { vector: 0.6, text: 0.4 };
/** Each side contributes this many candidates per requested hit (at least 50) before fusion. */
const CANDIDATES_PER_HIT = 5;
const SNIPPET_CHARS = 300;

export interface FusedHit {
  chunk: ChunkHit;
  score: number;
  vectorScore: number | null;
  textScore: number | null;
}

/**
 * Hybrid retrieval over the org's chunks: the query's embedding against the vector index and its
 * words against the full-text index (BM25), each filtered by org and realms, fused with weighted
 * reciprocal rank fusion (k = 60).
 */
@Injectable()
export class RagSearchService extends RagSearchContract {
  constructor(
    private readonly repo: RagRepository,
    private readonly embeddings: RagEmbeddings,
    private readonly flags: FeatureFlagService,
  ) {
    super();
  }

  async search(p: Principal, req: SearchRequest): Promise<RagSearchResponseDto> {
    const started = Date.now();
    const hits = await this.retrieve(p.orgId, req);
    return { hits: hits.map(toHitDto), took_ms: Date.now() - started };
  }

  async retrieve(orgId: string, req: SearchRequest): Promise<FusedHit[]> {
    const topK = req.topK ?? 10;
    const candidates = Math.max(50, topK * CANDIDATES_PER_HIT);
    const scope: ChunkScope = { orgId, realms: req.realms?.length ? req.realms : null, after: req.after };
    await this.embeddings.ready();
    const lucene = chunkLuceneQuery(req.query);
    const [[vector], text] = await Promise.all([
      this.embeddings.embed([req.query]),
      lucene ? this.repo.textSearch(scope, lucene, candidates) : Promise.resolve([] as RankedChunk[]),
    ]);
    const vec = await this.repo.vectorSearch(scope, vector, candidates);
    const fused = reciprocalRankFusion([
      { ids: vec.map((v) => v.id), weight: req.vectorWeight },
      { ids: text.map((t) => t.id), weight: req.textWeight },
    ]).slice(0, topK);
    const chunks = new Map(
      (
        await this.repo.chunksByIds(
          orgId,
          fused.map((f) => f.id),
        )
      ).map((c) => [c.chunkId, c]),
    );
    const vScore = new Map(vec.map((v) => [v.id, v.score]));
    const tScore = new Map(text.map((t) => [t.id, t.score]));
    return fused
      .filter((f) => chunks.has(f.id))
      .map((f) => ({
        chunk: chunks.get(f.id)!,
        score: f.score,
        vectorScore: vScore.get(f.id) ?? null,
        textScore: tScore.get(f.id) ?? null,
      }));
  }

  async searchForOrg(
    orgId: string,
    query: string,
    opts: { topK?: number; realms?: string[] | null },
  ): Promise<{ hits: RagSearchHit[] }> {
    if (!(await this.flags.isEnabled('rag', orgId))) {
      throw new FeatureDisabledException('rag');
    }
    const hits = await this.retrieve(orgId, {
      query,
      topK: Math.min(Math.max(1, Math.floor(opts.topK ?? 5)), 20),
      realms: opts.realms ?? null,
      vectorWeight: HYBRID_WEIGHTS.vector,
      textWeight: HYBRID_WEIGHTS.text,
    });
    return {
      hits: hits.map((h) => ({
        document_id: h.chunk.documentId,
        title: h.chunk.title,
        chunk: Number(h.chunk.ord),
        realm: h.chunk.realm,
        snippet: snippet(h.chunk.text),
        score: round(h.score),
      })),
    };
  }
}

export function snippet(text: string, max = SNIPPET_CHARS): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) {
    return t;
  }
  const cut = t.lastIndexOf(' ', max);
  return `${t.slice(0, cut > max / 2 ? cut : max)}…`;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function toHitDto(h: FusedHit): RagHitDto {
  const c = h.chunk;
  const ord = Number(c.ord);
  return {
    node_id: c.chunkId,
    labels: ['RagChunk'],
    score: round(h.score),
    vector_score: h.vectorScore === null ? null : round(h.vectorScore),
    text_score: h.textScore === null ? null : round(h.textScore),
    realm: c.realm,
    document_id: c.documentId,
    title: c.title,
    chunk: ord,
    snippet: snippet(c.text),
    text: c.text,
    properties: { title: c.title, chunk: ord, created_at: c.createdAt },
    source: { type: 'rag_document', document_id: c.documentId },
  };
}
