import { AppException } from '@libs/errors';
import type { Client, DatabaseError } from 'pg';
import {
  ConnectorConfigError,
  ToolExecutionError,
  type ConnectorContext,
  type ConnectorDefinition,
  type ConnectorToolSpec,
  type GraphEdgeInput,
  type GraphNodeInput,
  type IngestBatch,
} from '../connector';
import { toPropertyValue } from '../file-source';
import { assertSafeRole, connectPg, type PostgresConnectionConfig } from './pg-connection';
import { MAX_SQL_LENGTH, plainSelect } from './read-only-sql';

export interface PostgresConfig extends PostgresConnectionConfig {
  /** schemas to ingest (default: every non-system schema) */
  schemas?: string[];
  /** `schema.table` whose rows are ingested as `:Row` nodes */
  row_tables?: string[];
  row_limit?: number;
  statement_timeout_ms?: number;
  max_rows?: number;
}

export interface PostgresConnectorOptions {
  /** CONNECTOR_PG_ALLOW_SUPERUSER: accept roles that reach the database host (superuser, server files/programs) */
  allowSuperuser?: boolean;
}

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];
const DEFAULT_TIMEOUT_MS = 15_000;
const MAX_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_ROWS = 1000;
const MAX_ROWS = 10_000;

/** A connection through the egress guard whose role was checked (unless the operator allows any role). */
async function openChecked(ctx: ConnectorContext<PostgresConfig>, options: PostgresConnectorOptions): Promise<Client> {
  const client = await connectPg(ctx.config, ctx.egress);
  try {
    if (!options.allowSuperuser) {
      await assertSafeRole(client);
    }
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

async function withClient<T>(
  ctx: ConnectorContext<PostgresConfig>,
  options: PostgresConnectorOptions,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = await openChecked(ctx, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function splitTable(name: string, schema?: string): { schema: string; table: string } {
  const dot = name.indexOf('.');
  if (dot > 0 && !schema) {
    return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
  }
  return { schema: schema ?? 'public', table: name };
}

async function schemasOf(client: Client, c: PostgresConfig): Promise<string[]> {
  if (c.schemas?.length) {
    return c.schemas;
  }
  const r = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname <> ALL($1) AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%' ORDER BY 1`,
    [SYSTEM_SCHEMAS],
  );
  return r.rows.map((x) => x.nspname);
}

async function listTables(client: Client, schemas: string[]) {
  const r = await client.query<{
    schema: string;
    table: string;
    type: string;
    estimated_rows: string;
    comment: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized_view' WHEN 'f' THEN 'foreign_table' END AS type,
            greatest(c.reltuples, 0)::bigint AS estimated_rows, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname = ANY($1) AND NOT c.relispartition
      ORDER BY 1, 2`,
    [schemas],
  );
  return r.rows.map((x) => ({ ...x, estimated_rows: Number(x.estimated_rows) }));
}

async function listColumns(client: Client, schemas: string[]) {
  const r = await client.query<{
    schema: string;
    table: string;
    column: string;
    data_type: string;
    nullable: boolean;
    default: string | null;
    ordinal: number;
    is_primary_key: boolean;
    comment: string | null;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS data_type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default, a.attnum::int AS ordinal,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)) AS is_primary_key,
            col_description(c.oid, a.attnum) AS comment
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f') AND n.nspname = ANY($1) AND NOT c.relispartition
      ORDER BY 1, 2, a.attnum`,
    [schemas],
  );
  return r.rows;
}

async function listForeignKeys(client: Client, schemas: string[]) {
  const r = await client.query<{
    name: string;
    schema: string;
    table: string;
    columns: string[];
    ref_schema: string;
    ref_table: string;
    ref_columns: string[];
  }>(
    `SELECT con.conname AS name, n.nspname AS schema, c.relname AS table,
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
            rn.nspname AS ref_schema, rc.relname AS ref_table,
            array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o) AS ref_columns
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_class rc ON rc.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.contype = 'f' AND n.nspname = ANY($1)
      ORDER BY 2, 3, 1`,
    [schemas],
  );
  return r.rows;
}

/** Statement timeout of a source: its `statement_timeout_ms` (default 15 s), never more than 10 minutes. */
function timeoutOf(c: PostgresConfig): number {
  return Math.floor(Math.min(Math.max(c.statement_timeout_ms ?? DEFAULT_TIMEOUT_MS, 100), MAX_TIMEOUT_MS));
}

/** Row cap of one query call: the call may lower the source's `max_rows` (default 1000), never raise it. */
function rowCapOf(c: PostgresConfig, requested: unknown): number {
  const source = Math.min(c.max_rows ?? DEFAULT_MAX_ROWS, MAX_ROWS);
  const asked = Number(requested);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, source) : source;
}

function sqlArg(args: Record<string, unknown>): string {
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
async function readOnlyQuery(client: Client, c: PostgresConfig, args: Record<string, unknown>) {
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
async function executeStatement(client: Client, c: PostgresConfig, args: Record<string, unknown>) {
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

function queryError(err: unknown): ToolExecutionError {
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

function mapRow(row: Record<string, unknown>): Record<string, unknown> {
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

const TOOLS: ConnectorToolSpec[] = [
  {
    name: 'list_tables',
    description: 'List tables and views (schema, name, type, estimated row count).',
    effect: 'read',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { schema: { type: 'string', description: 'only this schema' } },
    },
  },
  {
    name: 'describe_table',
    description: 'Columns (type, nullability, default, primary key) and foreign keys of one table.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['table'],
      properties: { table: { type: 'string', description: '`table` or `schema.table`' }, schema: { type: 'string' } },
    },
  },
  {
    name: 'query',
    description:
      'Run one plain SELECT (also VALUES, TABLE, UNION; no SELECT INTO, no data-modifying WITH, no FOR UPDATE) in a READ ONLY transaction with a statement timeout and a row cap (`truncated: true` when cut). Use $1.. placeholders with params.',
    effect: 'read',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['sql'],
      properties: {
        sql: { type: 'string', minLength: 1, maxLength: MAX_SQL_LENGTH },
        params: { type: 'array' },
        max_rows: { type: 'integer', minimum: 1, maximum: 10000 },
      },
    },
  },
  {
    name: 'execute',
    description:
      'Run one data-changing SQL statement (INSERT/UPDATE/DELETE/DDL) in its own transaction. Destructive; requires approval.',
    effect: 'destructive',
    requiresApproval: true,
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['sql'],
      properties: { sql: { type: 'string', minLength: 1 }, params: { type: 'array' } },
    },
  },
];

/**
 * The postgres connector. Every connection goes to the address the org's egress guard checked, and
 * (unless `allowSuperuser`) its role must not reach the database host (superuser, server files or
 * programs); the read tool runs one parser-checked SELECT only.
 */
export function postgresConnector(options: PostgresConnectorOptions = {}): ConnectorDefinition<PostgresConfig> {
  return {
    type: 'postgres',
    displayName: 'PostgreSQL',
    description:
      'Schemas, tables, columns and foreign keys (optionally rows of selected tables) of a PostgreSQL database; read-only query and approved execute tools.',
    defaultRealm: 'data',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connection_string: {
          type: 'string',
          pattern: '^postgres(ql)?://',
          writeOnly: true,
          description: 'postgres://user:password@host:port/db (secret)',
        },
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
        database: { type: 'string', minLength: 1 },
        user: { type: 'string', minLength: 1 },
        password: { type: 'string', writeOnly: true },
        ssl: {
          description:
            'TLS: `true` verifies the server certificate against the host name; `{ reject_unauthorized: false }` skips that check explicitly; `ca` (PEM) trusts a private CA. A connection_string may say `sslmode=disable|require|verify-full|no-verify` instead (require verifies too).',
          default: false,
          oneOf: [
            { type: 'boolean' },
            {
              type: 'object',
              additionalProperties: false,
              properties: {
                reject_unauthorized: { type: 'boolean', default: true },
                ca: { type: 'string', minLength: 1, maxLength: 65536, description: 'PEM certificate(s) of the CA' },
              },
            },
          ],
        },
        schemas: { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true },
        row_tables: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          uniqueItems: true,
          description: '`schema.table` whose rows become :Row nodes',
        },
        row_limit: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000 },
        statement_timeout_ms: {
          type: 'integer',
          minimum: 100,
          maximum: MAX_TIMEOUT_MS,
          default: DEFAULT_TIMEOUT_MS,
          description: 'statement timeout of the query and execute tools',
        },
        max_rows: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_ROWS,
          default: DEFAULT_MAX_ROWS,
          description: 'row cap of the query tool (a call may ask for fewer)',
        },
      },
      anyOf: [{ required: ['connection_string'] }, { required: ['host', 'database', 'user'] }],
    },
    secretFields: ['connection_string', 'password'],
    destinationFields: ['connection_string', 'host', 'port'],

    async validate(ctx) {
      return withClient(ctx, options, async (client) => {
        const r = await client.query<{ version: string; db: string; user: string }>(
          `SELECT version() AS version, current_database() AS db, current_user AS user`,
        );
        const schemas = await schemasOf(client, ctx.config);
        const found = await client.query<{ nspname: string }>(
          `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)`,
          [schemas],
        );
        const missing = schemas.filter((s) => !found.rows.some((f) => f.nspname === s));
        if (missing.length) {
          throw new ConnectorConfigError('scope', `Schemas not found or not visible: ${missing.join(', ')}`, {
            missing_schemas: missing,
          });
        }
        const denied: string[] = [];
        for (const s of schemas) {
          const u = await client.query<{ ok: boolean }>(`SELECT has_schema_privilege($1, 'USAGE') AS ok`, [s]);
          if (!u.rows[0].ok) {
            denied.push(s);
          }
        }
        if (denied.length) {
          throw new ConnectorConfigError('scope', `No USAGE privilege on schemas: ${denied.join(', ')}`, {
            missing_privileges: denied.map((s) => `USAGE on schema ${s}`),
          });
        }
        return {
          ok: true,
          info: {
            database: r.rows[0].db,
            user: r.rows[0].user,
            server: r.rows[0].version.split(' ').slice(0, 2).join(' '),
            schemas,
          },
        };
      });
    },

    async *ingest(ctx: ConnectorContext<PostgresConfig>): AsyncIterable<IngestBatch> {
      const c = ctx.config;
      const size = ctx.batchSize ?? 500;
      const client = await openChecked(ctx, options);
      try {
        const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
        const schemas = await schemasOf(client, c);
        const tables = await listTables(client, schemas);
        const columns = await listColumns(client, schemas);
        const fks = await listForeignKeys(client, schemas);
        const nodes: GraphNodeInput[] = [
          { label: 'Database', key: `db:${db}`, name: db, properties: { database: db } },
        ];
        const edges: GraphEdgeInput[] = [];
        for (const s of schemas) {
          nodes.push({ label: 'Schema', key: `schema:${s}`, name: s, properties: { schema: s } });
          edges.push({ type: 'HAS_SCHEMA', fromKey: `db:${db}`, toKey: `schema:${s}` });
        }
        for (const t of tables) {
          const key = `table:${t.schema}.${t.table}`;
          nodes.push({
            label: 'Table',
            key,
            name: `${t.schema}.${t.table}`,
            description: t.comment ?? undefined,
            properties: { schema: t.schema, table: t.table, table_type: t.type, estimated_rows: t.estimated_rows },
          });
          edges.push({ type: 'HAS_TABLE', fromKey: `schema:${t.schema}`, toKey: key });
        }
        for (const col of columns) {
          const key = `column:${col.schema}.${col.table}.${col.column}`;
          nodes.push({
            label: 'Column',
            key,
            name: `${col.schema}.${col.table}.${col.column}`,
            description: col.comment ?? undefined,
            properties: {
              schema: col.schema,
              table: col.table,
              column: col.column,
              data_type: col.data_type,
              nullable: col.nullable,
              default: col.default ?? undefined,
              ordinal: col.ordinal,
              is_primary_key: col.is_primary_key,
            },
          });
          edges.push({ type: 'HAS_COLUMN', fromKey: `table:${col.schema}.${col.table}`, toKey: key });
        }
        for (const fk of fks) {
          const from = `table:${fk.schema}.${fk.table}`;
          const to = `table:${fk.ref_schema}.${fk.ref_table}`;
          const inScope = tables.some((t) => `table:${t.schema}.${t.table}` === to);
          if (!inScope) {
            continue;
          }
          edges.push({
            type: 'REFERENCES',
            fromKey: from,
            toKey: to,
            properties: { constraint: fk.name, columns: fk.columns, ref_columns: fk.ref_columns },
          });
          fk.columns.forEach((col, i) => {
            edges.push({
              type: 'REFERENCES',
              fromKey: `column:${fk.schema}.${fk.table}.${col}`,
              toKey: `column:${fk.ref_schema}.${fk.ref_table}.${fk.ref_columns[i]}`,
              properties: { constraint: fk.name },
            });
          });
        }
        // structure first, in batches
        for (let i = 0; i < nodes.length; i += size) {
          yield { nodes: nodes.slice(i, i + size), edges: [] };
        }
        for (let i = 0; i < edges.length; i += size) {
          yield { nodes: [], edges: edges.slice(i, i + size) };
        }

        for (const name of c.row_tables ?? []) {
          if (ctx.signal?.aborted) {
            return;
          }
          const { schema, table } = splitTable(name);
          const t = tables.find((x) => x.schema === schema && x.table === table);
          if (!t) {
            throw new ConnectorConfigError(
              'shape',
              `row_tables: ${schema}.${table} is not a table of the ingested schemas`,
              { fields: [{ field: 'config.row_tables', errors: [`${schema}.${table} not found`] }] },
            );
          }
          const cols = columns.filter((x) => x.schema === schema && x.table === table);
          const pk = cols.filter((x) => x.is_primary_key).map((x) => x.column);
          const nameCol = ['name', 'title', 'label', 'email'].find((n) => cols.some((x) => x.column === n));
          const order = pk.length ? pk.map(quoteIdent).join(', ') : '1';
          const limit = c.row_limit ?? 10_000;
          const tableKey = `table:${schema}.${table}`;
          let offset = 0;
          while (offset < limit) {
            const take = Math.min(size, limit - offset);
            const r = await client.query(
              `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(table)} ORDER BY ${order} LIMIT ${take} OFFSET ${offset}`,
            );
            if (!r.rows.length) {
              break;
            }
            const rowNodes: GraphNodeInput[] = [];
            const rowEdges: GraphEdgeInput[] = [];
            r.rows.forEach((row: Record<string, unknown>, i: number) => {
              const id = pk.length ? pk.map((k) => String(row[k])).join(',') : String(offset + i + 1);
              const key = `row:${schema}.${table}:${id}`;
              const properties: Record<string, unknown> = { schema, table };
              for (const [k, v] of Object.entries(row)) {
                const pv = toPropertyValue(v);
                if (pv !== undefined) {
                  properties[k] = pv;
                }
              }
              rowNodes.push({
                label: 'Row',
                key,
                name: nameCol && row[nameCol] != null ? String(row[nameCol]) : `${table} ${id}`,
                properties,
              });
              rowEdges.push({ type: 'HAS_ROW', fromKey: tableKey, toKey: key });
            });
            yield { nodes: rowNodes, edges: rowEdges };
            offset += r.rows.length;
            if (r.rows.length < take) {
              break;
            }
          }
        }
      } finally {
        await client.end().catch(() => undefined);
      }
    },

    tools() {
      return Promise.resolve(TOOLS);
    },

    async executeTool(ctx, tool, args) {
      const c = ctx.config;
      try {
        return await withClient(ctx, options, async (client) => {
          switch (tool) {
            case 'list_tables': {
              const schemas = args.schema ? [String(args.schema)] : await schemasOf(client, c);
              return { tables: await listTables(client, schemas) };
            }
            case 'describe_table': {
              const { schema, table } = splitTable(String(args.table), args.schema ? String(args.schema) : undefined);
              const cols = (await listColumns(client, [schema])).filter((x) => x.table === table);
              if (!cols.length) {
                throw new ToolExecutionError('not_found', `table ${schema}.${table} not found`);
              }
              const fks = (await listForeignKeys(client, [schema])).filter((x) => x.table === table);
              return {
                schema,
                table,
                columns: cols.map(({ schema: _s, table: _t, ...rest }) => rest),
                primary_key: cols.filter((x) => x.is_primary_key).map((x) => x.column),
                foreign_keys: fks.map((f) => ({
                  name: f.name,
                  columns: f.columns,
                  references: { schema: f.ref_schema, table: f.ref_table, columns: f.ref_columns },
                })),
              };
            }
            case 'query':
              return await readOnlyQuery(client, c, args);
            case 'execute':
              return await executeStatement(client, c, args);
            default:
              throw new ToolExecutionError('tool_not_found', `postgres has no tool ${tool}`);
          }
        });
      } catch (err) {
        // egress refusals (422 egress_forbidden) and other API errors keep their own status
        if (err instanceof AppException) {
          throw err;
        }
        throw queryError(err);
      }
    },
  };
}
