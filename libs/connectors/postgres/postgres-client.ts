import type { Client } from 'pg';
import type { ConnectorContext } from '../connector';
import { assertSafeRole, connectPg } from './pg-connection';
import { SYSTEM_SCHEMAS, type PostgresConfig, type PostgresConnectorOptions } from './postgres-config';

/** A connection through the egress guard whose role was checked (unless the operator allows any role). */
export async function openChecked(
  ctx: ConnectorContext<PostgresConfig>,
  options: PostgresConnectorOptions,
): Promise<Client> {
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

export async function withClient<T>(
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

/** Catalog reads shared by validate, the ingest and the tools. */
export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export function splitTable(name: string, schema?: string): { schema: string; table: string } {
  const dot = name.indexOf('.');
  if (dot > 0 && !schema) {
    return { schema: name.slice(0, dot), table: name.slice(dot + 1) };
  }
  return { schema: schema ?? 'public', table: name };
}

export async function schemasOf(client: Client, c: PostgresConfig): Promise<string[]> {
  if (c.schemas?.length) {
    return c.schemas;
  }
  const r = await client.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname <> ALL($1) AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%' ORDER BY 1`,
    [SYSTEM_SCHEMAS],
  );
  return r.rows.map((x) => x.nspname);
}

export async function listTables(client: Client, schemas: string[]) {
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

export async function listColumns(client: Client, schemas: string[]) {
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

export async function listForeignKeys(client: Client, schemas: string[]) {
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
