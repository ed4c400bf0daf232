import { GraphSchemaService, Neo4jService, RAG_CHUNK_TEXT_INDEX } from '@libs/graph';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, type Page, type PageQuery } from '@libs/pagination';
import { Injectable, Logger } from '@nestjs/common';
import type { ChunkHit, NewChunk, RagCounts, RagDocumentRow, RankedChunk } from './rag.types';

/** Vector index over `RagChunk.embedding`; its size follows the configured embedder. */
export const RAG_VECTOR_INDEX = 'rag_chunk_embedding';

/** Index queries are global (all orgs): fetch this many and filter by org and realm after. */
const VECTOR_OVERFETCH = 20;
const TEXT_CANDIDATES = 1000;

const DOC_FIELDS = `d.id AS id, d.org_id AS orgId, d.realm AS realm, d.title AS title, d.content_type AS contentType,
  d.source_type AS sourceType, d.filename AS filename, d.size_bytes AS sizeBytes, d.chunk_count AS chunkCount,
  d.created_at AS createdAt, d.created_by AS createdBy`;

const HIT_FIELDS = `c.id AS chunkId, c.document_id AS documentId, c.title AS title, c.realm AS realm, c.ord AS ord,
  c.text AS text, c.created_at AS createdAt`;

/** Which chunks a search may return: the org's, of some realms (null = all), ingested after. */
export interface ChunkScope {
  orgId: string;
  realms: string[] | null;
  after?: Date;
}

const SCOPE_FILTER =
  'c.org_id = $orgId AND ($realms IS NULL OR c.realm IN $realms) AND ($after IS NULL OR c.created_at >= $after)';
const scopeParams = (s: ChunkScope) => ({
  orgId: s.orgId,
  realms: s.realms,
  after: s.after ? s.after.toISOString() : null,
});

const int = (n: number, max: number) => Math.max(1, Math.min(max, Math.floor(n)));

/**
 * The only code touching `/rag` nodes: `(:RagDocument)-[:HAS_CHUNK]->(:RagChunk)`, both with
 * `org_id` and `realm` (docs/graph-tenancy.md); every query filters by org.
 */
@Injectable()
export class RagRepository {
  private readonly logger = new Logger(RagRepository.name);
  private vectorIndex: Promise<void> | undefined;

  constructor(
    private readonly neo4j: Neo4jService,
    private readonly schema: GraphSchemaService,
  ) {}

  /** The schema (full-text index, constraints) and the vector index of `dims`, once per process. */
  async ready(dims: number): Promise<void> {
    await this.schema.ready();
    this.vectorIndex ??= this.ensureVectorIndex(dims).catch((err) => {
      this.vectorIndex = undefined;
      throw err;
    });
    await this.vectorIndex;
  }

  private async ensureVectorIndex(dims: number): Promise<void> {
    const res = await this.neo4j.read(
      `SHOW INDEXES YIELD name, options WHERE name = $name RETURN options.indexConfig['vector.dimensions'] AS dims`,
      { name: RAG_VECTOR_INDEX },
    );
    const existing = res.records[0]?.get('dims') as number | undefined;
    if (existing !== undefined && Number(existing) !== dims) {
      // another embedder (size) than the one the index was made for: the stored vectors are
      // unusable; POST /rag/reindex embeds them again
      this.logger.warn(`vector index ${RAG_VECTOR_INDEX} has ${existing} dimensions, the embedder ${dims}: recreating`);
      await this.neo4j.write(`DROP INDEX ${RAG_VECTOR_INDEX} IF EXISTS`);
    }
    await this.neo4j.write(
      `CREATE VECTOR INDEX ${RAG_VECTOR_INDEX} IF NOT EXISTS FOR (c:RagChunk) ON c.embedding
       OPTIONS {indexConfig: {\`vector.dimensions\`: ${int(dims, 4096)}, \`vector.similarity_function\`: 'cosine'}}`,
    );
    await this.neo4j.write(`CALL db.awaitIndex('${RAG_VECTOR_INDEX}', 60)`);
  }

  async insertDocument(doc: RagDocumentRow, chunks: NewChunk[], model: string): Promise<void> {
    const now = new Date().toISOString();
    await this.neo4j.writeTx(async (tx) => {
      await tx.run(
        `CREATE (d:RagDocument {id: $id, org_id: $orgId, realm: $realm, title: $title, content_type: $contentType,
           source_type: $sourceType, filename: $filename, size_bytes: $sizeBytes, chunk_count: $chunkCount,
           created_at: $createdAt, created_by: $createdBy})`,
        { ...doc },
      );
      // batches keep each statement's parameters small
      for (let i = 0; i < chunks.length; i += 200) {
        await tx.run(
          `MATCH (d:RagDocument {id: $docId}) WHERE d.org_id = $orgId
           UNWIND $rows AS row
           CREATE (d)-[:HAS_CHUNK]->(c:RagChunk {id: row.id, org_id: $orgId, realm: $realm, document_id: $docId,
             title: $title, ord: row.ord, text: row.text, created_at: $createdAt, embedding_model: $model,
             embedded_at: $now})
           WITH c, row
           CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding)`,
          {
            docId: doc.id,
            orgId: doc.orgId,
            realm: doc.realm,
            title: doc.title,
            createdAt: doc.createdAt,
            model,
            now,
            rows: chunks.slice(i, i + 200),
          },
        );
      }
    });
  }

  async findDocument(orgId: string, id: string): Promise<RagDocumentRow | undefined> {
    const res = await this.neo4j.read(`MATCH (d:RagDocument {id: $id}) WHERE d.org_id = $orgId RETURN ${DOC_FIELDS}`, {
      id,
      orgId,
    });
    return res.records[0]?.toObject() as RagDocumentRow | undefined;
  }

  async documentChunks(orgId: string, id: string): Promise<{ ord: number; text: string }[]> {
    const res = await this.neo4j.read(
      `MATCH (d:RagDocument {id: $id})-[:HAS_CHUNK]->(c:RagChunk)
       WHERE d.org_id = $orgId AND c.org_id = $orgId
       RETURN c.ord AS ord, c.text AS text ORDER BY c.ord`,
      { id, orgId },
    );
    return res.records.map((r) => r.toObject() as { ord: number; text: string });
  }

  /** Newest first, keyset on (created_at, id). */
  async listDocuments(orgId: string, realm: string | undefined, q: PageQuery): Promise<Page<RagDocumentRow>> {
    const scope = `rag-documents:${realm ?? ''}`;
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const pos = q.cursor ? decodeCursor(scope, q.cursor) : undefined;
    const where = 'd.org_id = $orgId AND ($realm IS NULL OR d.realm = $realm)';
    const res = await this.neo4j.read(
      `MATCH (d:RagDocument) WHERE ${where}
         AND ($ck IS NULL OR d.created_at < $ck OR (d.created_at = $ck AND d.id < $cid))
       RETURN ${DOC_FIELDS} ORDER BY d.created_at DESC, d.id DESC LIMIT ${int(limit + 1, 1000)}`,
      { orgId, realm: realm ?? null, ck: pos ? String(pos.k) : null, cid: pos?.id ?? null },
    );
    const total = await this.neo4j.read(`MATCH (d:RagDocument) WHERE ${where} RETURN count(d) AS n`, {
      orgId,
      realm: realm ?? null,
    });
    const rows = res.records.map((r) => r.toObject() as RagDocumentRow);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      next_cursor: rows.length > limit && last ? encodeCursor(scope, { k: last.createdAt, id: last.id }) : null,
      total: Number(total.records[0]?.get('n') ?? 0),
    };
  }

  async deleteDocument(orgId: string, id: string): Promise<boolean> {
    const res = await this.neo4j.write(
      `MATCH (d:RagDocument {id: $id}) WHERE d.org_id = $orgId
       OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:RagChunk) WHERE c.org_id = $orgId
       WITH d, collect(c) AS cs
       FOREACH (c IN cs | DETACH DELETE c)
       DETACH DELETE d
       RETURN count(*) AS n`,
      { id, orgId },
    );
    return Number(res.records[0]?.get('n') ?? 0) > 0;
  }

  /**
   * Nearest chunks of the org (and realms) to `vector`, best first; score = (1 + cosine) / 2.
   * The index is queried for many neighbours and filtered by tenant after; when that leaves
   * fewer than `k` (the org holds a small share of all chunks), the org's chunks are scanned
   * exactly instead.
   */
  async vectorSearch(scope: ChunkScope, vector: number[], k: number): Promise<RankedChunk[]> {
    const kk = int(k, 1000);
    const params = { ...scopeParams(scope), vector };
    const res = await this.neo4j.read(
      `CALL db.index.vector.queryNodes('${RAG_VECTOR_INDEX}', ${int(kk * VECTOR_OVERFETCH, 10_000)}, $vector)
       YIELD node AS c, score WHERE ${SCOPE_FILTER}
       RETURN c.id AS id, score ORDER BY score DESC LIMIT ${kk}`,
      params,
    );
    if (res.records.length >= kk) {
      return res.records.map((r) => ({ id: r.get('id') as string, score: r.get('score') as number }));
    }
    const exact = await this.neo4j.read(
      `MATCH (c:RagChunk) WHERE ${SCOPE_FILTER} AND c.embedding IS NOT NULL
       WITH c, vector.similarity.cosine(c.embedding, $vector) AS score
       RETURN c.id AS id, score ORDER BY score DESC, id LIMIT ${kk}`,
      params,
    );
    return exact.records.map((r) => ({ id: r.get('id') as string, score: r.get('score') as number }));
  }

  /** Best full-text (BM25) matches of the org's chunks for a Lucene query, best first. */
  async textSearch(scope: ChunkScope, lucene: string, k: number): Promise<RankedChunk[]> {
    const res = await this.neo4j.read(
      `CALL db.index.fulltext.queryNodes('${RAG_CHUNK_TEXT_INDEX}', $lucene, {limit: ${TEXT_CANDIDATES}})
       YIELD node AS c, score WHERE ${SCOPE_FILTER}
       RETURN c.id AS id, score ORDER BY score DESC LIMIT ${int(k, 1000)}`,
      { ...scopeParams(scope), lucene },
    );
    return res.records.map((r) => ({ id: r.get('id') as string, score: r.get('score') as number }));
  }

  async chunksByIds(orgId: string, ids: string[]): Promise<ChunkHit[]> {
    if (!ids.length) {
      return [];
    }
    const res = await this.neo4j.read(
      `MATCH (c:RagChunk) WHERE c.id IN $ids AND c.org_id = $orgId RETURN ${HIT_FIELDS}`,
      { ids, orgId },
    );
    return res.records.map((r) => r.toObject() as ChunkHit);
  }

  async counts(orgId: string, model: string): Promise<RagCounts> {
    const res = await this.neo4j.read(
      `OPTIONAL MATCH (d:RagDocument) WHERE d.org_id = $orgId
       WITH count(d) AS documents
       OPTIONAL MATCH (c:RagChunk) WHERE c.org_id = $orgId
       RETURN documents, count(c) AS chunks,
         count(CASE WHEN c.embedding IS NOT NULL AND c.embedding_model = $model AND coalesce(c.pending, false) = false THEN 1 END) AS indexed,
         max(c.embedded_at) AS lastIndexedAt`,
      { orgId, model },
    );
    const r = res.records[0];
    const chunks = Number(r?.get('chunks') ?? 0);
    const indexed = Number(r?.get('indexed') ?? 0);
    return {
      documents: Number(r?.get('documents') ?? 0),
      chunks,
      indexedChunks: indexed,
      pending: chunks - indexed,
      lastIndexedAt: (r?.get('lastIndexedAt') as string | null) ?? null,
    };
  }

  /** Marks the org's chunks (of one realm) for re-embedding; returns how many. */
  async markPending(orgId: string, realm: string | undefined): Promise<number> {
    const res = await this.neo4j.write(
      `MATCH (c:RagChunk) WHERE c.org_id = $orgId AND ($realm IS NULL OR c.realm = $realm)
       SET c.pending = true RETURN count(c) AS n`,
      { orgId, realm: realm ?? null },
    );
    return Number(res.records[0]?.get('n') ?? 0);
  }

  /** Chunks that need an embedding from `model` (marked, never embedded, or by another model). */
  async pendingChunks(
    orgId: string,
    model: string,
    limit: number,
  ): Promise<{ id: string; text: string; title: string }[]> {
    const res = await this.neo4j.read(
      `MATCH (c:RagChunk) WHERE c.org_id = $orgId
         AND (c.pending = true OR c.embedding IS NULL OR c.embedding_model IS NULL OR c.embedding_model <> $model)
       RETURN c.id AS id, c.text AS text, c.title AS title ORDER BY c.id LIMIT ${int(limit, 1000)}`,
      { orgId, model },
    );
    return res.records.map((r) => r.toObject() as { id: string; text: string; title: string });
  }

  async setEmbeddings(orgId: string, model: string, rows: { id: string; embedding: number[] }[]): Promise<void> {
    await this.neo4j.write(
      `UNWIND $rows AS row
       MATCH (c:RagChunk {id: row.id}) WHERE c.org_id = $orgId
       SET c.embedding_model = $model, c.embedded_at = $now, c.pending = false
       WITH c, row
       CALL db.create.setNodeVectorProperty(c, 'embedding', row.embedding)`,
      { orgId, model, rows, now: new Date().toISOString() },
    );
  }
}
