import { AppException, ValidationException } from '@libs/errors';
import type { CypherRejectedError } from '@libs/graph';

/** 400 `cypher_rejected` with the guard's reason. */
export class CypherRejectedException extends ValidationException {
  constructor(err: CypherRejectedError | { reason: string; message: string; at?: number }) {
    super(
      `Cypher query rejected: ${err.message}`,
      { reason: err.reason, message: err.message, ...(err.at !== undefined ? { position: err.at } : {}) },
      'cypher_rejected',
    );
  }
}

/** 400 `cypher_error`: Neo4j refused the (guarded) query, e.g. a syntax error. */
export class CypherExecutionException extends AppException {
  constructor(message: string, code?: string) {
    super(400, 'cypher_error', message, code ? { neo4j_code: code } : undefined);
  }
}

/** 408-like: the query ran past its timeout. */
export class CypherTimeoutException extends AppException {
  constructor(timeoutMs: number) {
    super(400, 'cypher_timeout', `Query exceeded its ${timeoutMs} ms timeout`, { timeout_ms: timeoutMs });
  }
}
