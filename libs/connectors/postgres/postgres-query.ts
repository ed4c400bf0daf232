import type { Client, DatabaseError } from 'pg';
import { ConnectorConfigError, ToolExecutionError } from '../connector';
import { rowCapOf, timeoutOf, type PostgresConfig } from './postgres-config';
import { plainSelect } from './read-only-sql';

/** The query (read-only) and execute (approved) tools' SQL, and how a database error reaches the model. */
export function sqlArg(args: Record<string, unknown>): string {
  const sql = typeof args.sql === 'string' ? args.sql : '';
  if (!sql.trim()) {
    throw new ToolExecutionError('invalid_arguments', 'sql is empty', { field: 'sql' });
  }
  return sql;
}

/**
 * The read tool: one plain SELECT (checked by PostgreSQL's parser) in a READ ONLY transaction
 * under the source's statement timeout, read through a cursor up to the row cap.
 */
export async function readOnlyQuery(client: Client, c: PostgresConfig, args: Record<string, unknown>) {
  const statement = await plainSelect(sqlArg(args));
  const cap = rowCapOf(c, args.max_rows);
  const params = Array.isArray(args.params) ? args.params : [];
  await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = ${timeoutOf(c)}`);
    await client.query('SET LOCAL idle_in_transaction_session_timeout = 60000');
    // the server then reads string literals exactly as the parser that classified the statement did
    await client.query('SET LOCAL standard_conforming_strings = on');
    // extended protocol: the server too accepts exactly one statement
    await client.query({
      text: `DECLARE agentcy_q NO SCROLL CURSOR FOR ${statement}`,
      values: params,
      queryMode: 'extended',
    } as never);
    const res = await client.query<Record<string, unknown>>(`FETCH FORWARD ${cap + 1} FROM agentcy_q`);
    const truncated = res.rows.length > cap;
    const rows = res.rows.slice(0, cap).map(mapRow);
    return { columns: res.fields.map((f) => f.name), rows, row_count: rows.length, truncated };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** The approved write tool: exactly one statement in its own transaction. */
export async function executeStatement(client: Client, c: PostgresConfig, args: Record<string, unknown>) {
  const sql = sqlArg(args);
  const params = Array.isArray(args.params) ? args.params : [];
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL statement_timeout = ${timeoutOf(c)}`);
    const r = await client.query({ text: sql, values: params, queryMode: 'extended' } as never);
    const res = r as unknown as { command: string; rowCount: number | null; rows: Record<string, unknown>[] };
    await client.query('COMMIT');
    return { command: res.command, row_count: res.rowCount ?? 0, rows: (res.rows ?? []).slice(0, 100).map(mapRow) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export function queryError(err: unknown): ToolExecutionError {
  if (err instanceof ToolExecutionError) {
    return err;
  }
  if (err instanceof ConnectorConfigError) {
    const code =
      err.kind === 'credentials'
        ? 'upstream_auth_failed'
        : err.kind === 'scope'
          ? 'upstream_forbidden'
          : 'upstream_unavailable';
    return new ToolExecutionError(code, err.message, err.details);
  }
  const e = err as DatabaseError;
  if (e.code === '25006') {
    return new ToolExecutionError(
      'read_only_violation',
      `query runs in a read-only transaction; use execute for writes (${e.message})`,
      { pg_code: e.code },
    );
  }
  if (e.code === '57014') {
    return new ToolExecutionError('tool_timeout', `statement timed out: ${e.message}`, { pg_code: e.code });
  }
  return new ToolExecutionError('query_failed', e.message ?? String(err), {
    pg_code: e.code ?? null,
    position: e.position ?? null,
  });
}

export function mapRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] =
      v instanceof Date
        ? v.toISOString()
        : typeof v === 'bigint'
          ? v.toString()
          : Buffer.isBuffer(v)
            ? v.toString('base64')
            : v;
  }
  return out;
}
