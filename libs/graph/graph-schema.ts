import { ServiceUnavailableException } from '@libs/errors';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Neo4jService } from './neo4j.service';

/** Name of the full-text index over `:Entity` nodes used by node search. */
export const ENTITY_SEARCH_INDEX = 'entity_search_v2';
/** Full-text index over `/rag` chunk text (docs/rag.md); the vector index is created by the rag module (its size follows the embedder). */
export const RAG_CHUNK_TEXT_INDEX = 'rag_chunk_text';

/**
 * Constraints and indexes of the knowledge graph (docs/conventions.md "Graph conventions").
 * Every statement is idempotent (`IF NOT EXISTS`), so every replica runs them at start-up.
 */
export const GRAPH_SCHEMA_STATEMENTS: readonly string[] = [
  'CREATE CONSTRAINT entity_id_unique IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE',
  'CREATE CONSTRAINT entity_org_source_key_unique IF NOT EXISTS FOR (n:Entity) REQUIRE (n.org_id, n.source_id, n.key) IS UNIQUE',
  'CREATE INDEX entity_org_id IF NOT EXISTS FOR (n:Entity) ON (n.org_id)',
  'CREATE INDEX entity_realm IF NOT EXISTS FOR (n:Entity) ON (n.realm)',
  'CREATE INDEX entity_org_realm IF NOT EXISTS FOR (n:Entity) ON (n.org_id, n.realm)',
  'CREATE INDEX entity_org_source IF NOT EXISTS FOR (n:Entity) ON (n.org_id, n.source_id)',
  // v2 adds search_text (the node's property values); the v1 index is dropped on upgrade
  'DROP INDEX entity_search IF EXISTS',
  `CREATE FULLTEXT INDEX ${ENTITY_SEARCH_INDEX} IF NOT EXISTS FOR (n:Entity) ON EACH [n.name, n.description, n.key, n.search_text]`,
  // /rag documents and chunks (owned by src/modules/rag; not :Entity, so graph routes do not list them)
  'CREATE CONSTRAINT rag_document_id_unique IF NOT EXISTS FOR (d:RagDocument) REQUIRE d.id IS UNIQUE',
  'CREATE CONSTRAINT rag_chunk_id_unique IF NOT EXISTS FOR (c:RagChunk) REQUIRE c.id IS UNIQUE',
  'CREATE INDEX rag_document_org_created IF NOT EXISTS FOR (d:RagDocument) ON (d.org_id, d.created_at)',
  'CREATE INDEX rag_chunk_org_realm IF NOT EXISTS FOR (c:RagChunk) ON (c.org_id, c.realm)',
  `CREATE FULLTEXT INDEX ${RAG_CHUNK_TEXT_INDEX} IF NOT EXISTS FOR (c:RagChunk) ON EACH [c.text, c.title]`,
];

/**
 * Creates the graph schema at start-up (bounded wait), keeps retrying in the background when
 * Neo4j is not reachable yet, and lets queries that need the indexes wait for them (`ready()`).
 */
@Injectable()
export class GraphSchemaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(GraphSchemaService.name);
  private done = false;
  private pending: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastFailureAt = 0;
  private lastFailure = '';

  constructor(private readonly neo4j: Neo4jService) {}

  async onModuleInit(): Promise<void> {
    const attempt = this.ensure().catch((err) => {
      this.logger.warn(`graph schema not ready yet (${(err as Error).message}); retrying in the background`);
      this.scheduleRetry();
    });
    // do not hold the boot forever when Neo4j is down; health reports it
    await Promise.race([attempt, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  onModuleDestroy() {
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
    }
  }

  private scheduleRetry() {
    if (this.closed || this.done) {
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.ensure().catch(() => this.scheduleRetry());
    }, 5_000);
    this.retryTimer.unref();
  }

  /** Runs the schema statements once (concurrent callers share the run) and waits for indexes to be online. */
  ensure(): Promise<void> {
    if (this.done) {
      return Promise.resolve();
    }
    if (!this.pending) {
      this.pending = this.apply()
        .then(() => {
          this.done = true;
        })
        .catch((err) => {
          this.lastFailureAt = Date.now();
          this.lastFailure = (err as Error).message ?? String(err);
          throw err;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  private async apply(): Promise<void> {
    // fails at once when nothing listens, where a managed transaction would retry until its deadline
    await this.neo4j.driver.verifyConnectivity({ database: this.neo4j.database });
    for (const stmt of GRAPH_SCHEMA_STATEMENTS) {
      try {
        await this.neo4j.write(stmt);
      } catch (err) {
        const msg = (err as Error).message ?? '';
        // a plain index on the constraint's properties (e.g. created by a writer before this ran)
        // blocks the constraint: drop it and retry, the constraint's own index replaces it
        if (stmt.includes('CONSTRAINT') && (await this.dropBlockingIndex(stmt))) {
          await this.neo4j.write(stmt).catch((e2) => {
            if (!/already exists|equivalent/i.test((e2 as Error).message ?? '')) {
              throw e2;
            }
          });
          continue;
        }
        // another replica may have created the same constraint a moment ago
        if (/already exists|equivalent/i.test(msg)) {
          continue;
        }
        throw err;
      }
    }
    await this.neo4j.write('CALL db.awaitIndexes(60)');
  }

  private async dropBlockingIndex(constraintStmt: string): Promise<boolean> {
    const m = /REQUIRE \(?([^)]+?)\)? IS UNIQUE/.exec(constraintStmt);
    if (!m) {
      return false;
    }
    const props = m[1].split(',').map((p) => p.trim().replace(/^n\./, ''));
    const res = await this.neo4j.read(
      `SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint
       WHERE type = 'RANGE' AND labelsOrTypes = ['Entity'] AND properties = $props AND owningConstraint IS NULL
       RETURN name`,
      { props },
    );
    const names = res.records.map((r) => String(r.get('name')));
    for (const name of names) {
      this.logger.warn(
        `dropping index ${name} so that a uniqueness constraint on (${props.join(', ')}) can be created`,
      );
      await this.neo4j.write(`DROP INDEX \`${name.replace(/`/g, '``')}\` IF EXISTS`);
    }
    return names.length > 0;
  }

  /** Resolves once the schema exists; a 503 when Neo4j does not get there within `waitMs`. */
  async ready(waitMs = 5_000): Promise<void> {
    if (this.done) {
      return;
    }
    // fail fast while the last attempt failed recently (Neo4j down); the background retry goes on
    if (this.lastFailureAt && Date.now() - this.lastFailureAt < 60_000) {
      throw new ServiceUnavailableException(
        'The knowledge graph is not available',
        { reason: this.lastFailure },
        'graph_unavailable',
      );
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.ensure(),
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error('timeout')), waitMs);
        }),
      ]);
    } catch (err) {
      throw new ServiceUnavailableException(
        'The knowledge graph is not available',
        { reason: (err as Error).message },
        'graph_unavailable',
      );
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
    }
  }

  isReady(): boolean {
    return this.done;
  }
}

/** Neo4j unreachable (driver codes) → 503 `graph_unavailable`; other errors pass through. */
export function graphUnavailable(err: unknown): never {
  const code = (err as { code?: string })?.code;
  if (
    code === 'ServiceUnavailable' ||
    code === 'SessionExpired' ||
    code === 'Neo.TransientError.General.DatabaseUnavailable'
  ) {
    throw new ServiceUnavailableException(
      'The knowledge graph is not available',
      { reason: code },
      'graph_unavailable',
    );
  }
  throw err;
}
