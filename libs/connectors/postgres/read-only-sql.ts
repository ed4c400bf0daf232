let pgParser: Promise<typeof import('libpg-query')> | undefined;

/**
 * `libpg-query`, loaded by the first query check: requiring it instantiates its WebAssembly parser
 * at once (≈ 9 MB of RSS, 129 MB of reserved `external` memory), which an API whose orgs never use
 * the Postgres read tool should not pay.
 */
function pgParserSdk(): Promise<typeof import('libpg-query')> {
  return (pgParser ??= import('libpg-query'));
}
import { ToolExecutionError } from '../connector';

/** Longest SQL text the query tool parses (the parse tree of a larger text is not worth building). */
export const MAX_SQL_LENGTH = 100_000;

export type SqlRefusal =
  | 'empty'
  | 'too_long'
  | 'syntax_error'
  | 'multiple_statements'
  | 'not_a_select'
  | 'select_into'
  | 'data_modifying_cte'
  | 'locking_clause';

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

const STATEMENT_NAMES: Record<string, string> = {
  CopyStmt: 'COPY',
  VariableSetStmt: 'SET',
  VariableShowStmt: 'SHOW',
  DoStmt: 'DO',
  CallStmt: 'CALL',
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  TransactionStmt: 'a transaction statement (BEGIN/COMMIT/ROLLBACK)',
  ExplainStmt: 'EXPLAIN',
  CreateTableAsStmt: 'CREATE TABLE AS',
  DeclareCursorStmt: 'DECLARE CURSOR',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  LockStmt: 'LOCK',
};

function statementName(node: string): string {
  return (
    STATEMENT_NAMES[node] ??
    node
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  );
}

function refuse(reason: SqlRefusal, message: string, extra: Record<string, unknown> = {}): ToolExecutionError {
  return new ToolExecutionError('invalid_arguments', message, {
    field: 'sql',
    reason,
    ...extra,
    fields: [{ field: 'args.sql', errors: [message] }],
  });
}

/** The first forbidden construct inside a SELECT's parse tree (walked iteratively: trees can be deep). */
function forbiddenInside(root: unknown): ToolExecutionError | null {
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]));
      continue;
    }
    if (!node || typeof node !== 'object') {
      continue;
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (WRITES.has(key)) {
        return refuse(
          'data_modifying_cte',
          `query runs read-only SELECTs only; a WITH clause containing ${statementName(key)} is not allowed`,
          { statement: statementName(key) },
        );
      }
      if (key.endsWith('Stmt') && key !== 'SelectStmt') {
        return refuse('not_a_select', `query runs read-only SELECTs only; ${statementName(key)} is not allowed`, {
          statement: statementName(key),
        });
      }
      if (key === 'intoClause') {
        return refuse(
          'select_into',
          'query runs read-only SELECTs only; SELECT … INTO creates a table and is not allowed',
        );
      }
      if (key === 'lockingClause') {
        return refuse(
          'locking_clause',
          'query runs read-only SELECTs only; FOR UPDATE/SHARE locks rows and is not allowed',
        );
      }
      stack.push(value);
    }
  }
  return null;
}

interface RawStmt {
  stmt: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Accepts exactly one statement that PostgreSQL's own parser (libpg_query) classifies as a plain
 * SELECT (VALUES / TABLE / set operations included): no SELECT … INTO, no data-modifying CTE, no
 * row locks. Returns the statement's text without the trailing semicolon; anything else is a
 * ToolExecutionError `invalid_arguments` (HTTP 400) naming the reason.
 */
export async function plainSelect(sql: string): Promise<string> {
  if (sql.length > MAX_SQL_LENGTH) {
    throw refuse('too_long', `sql is longer than ${MAX_SQL_LENGTH} characters`);
  }
  const { parse } = await pgParserSdk();
  let tree: { stmts?: RawStmt[] };
  try {
    tree = (await parse(sql)) as { stmts?: RawStmt[] };
  } catch (e) {
    const err = e as Error & { sqlDetails?: { cursorPosition?: number } };
    if (!sql.trim()) {
      throw refuse('empty', 'sql is empty');
    }
    throw refuse('syntax_error', `SQL syntax error: ${err.message}`, {
      position: err.sqlDetails?.cursorPosition ?? null,
    });
  }
  const stmts = tree.stmts ?? [];
  if (!stmts.length) {
    throw refuse('empty', 'sql contains no statement');
  }
  if (stmts.length > 1) {
    throw refuse('multiple_statements', `query runs exactly one statement; got ${stmts.length}`, {
      statements: stmts.length,
    });
  }
  const [raw] = stmts;
  const [kind] = Object.keys(raw.stmt);
  if (kind !== 'SelectStmt') {
    throw refuse('not_a_select', `query runs read-only SELECTs only; ${statementName(kind)} is not allowed`, {
      statement: statementName(kind),
    });
  }
  const problem = forbiddenInside(raw.stmt.SelectStmt);
  if (problem) {
    throw problem;
  }
  // locations are UTF-8 byte offsets
  const bytes = Buffer.from(sql, 'utf8');
  const start = raw.stmt_location ?? 0;
  return bytes.subarray(start, raw.stmt_len ? start + raw.stmt_len : undefined).toString('utf8');
}
