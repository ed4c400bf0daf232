import type { Client } from 'pg';
import {
  ConnectorConfigError,
  type ConnectorContext,
  type GraphEdgeInput,
  type GraphNodeInput,
  type IngestBatch,
  type ValidationResult,
} from '../connector';
import { toPropertyValue } from '../file-source';
import {
  listColumns,
  listForeignKeys,
  listTables,
  openChecked,
  quoteIdent,
  schemasOf,
  splitTable,
  withClient,
} from './postgres-client';
import type { PostgresConfig, PostgresConnectorOptions } from './postgres-config';

/** Connects, checks the configured schemas exist and are usable. */
export function validatePostgres(
  ctx: ConnectorContext<PostgresConfig>,
  options: PostgresConnectorOptions,
): Promise<ValidationResult> {
  return withClient(ctx, options, async (client) => {
    const r = await client.query<{ version: string; db: string; user: string }>(
      `SELECT version() AS version, current_database() AS db, current_user AS user`,
    );
    const schemas = await schemasOf(client, ctx.config);
    const found = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname = ANY($1)`, [
      schemas,
    ]);
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
}

/** Nodes and edges of the database's structure: schemas, tables, columns, foreign keys. */
function structureOf(
  db: string,
  schemas: string[],
  tables: Awaited<ReturnType<typeof listTables>>,
  columns: Awaited<ReturnType<typeof listColumns>>,
  fks: Awaited<ReturnType<typeof listForeignKeys>>,
): { nodes: GraphNodeInput[]; edges: GraphEdgeInput[] } {
  const nodes: GraphNodeInput[] = [{ label: 'Database', key: `db:${db}`, name: db, properties: { database: db } }];
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
  return { nodes, edges };
}

/** Rows of one `row_tables` entry as `:Row` nodes (keyed by primary key), up to `row_limit`. */
async function* tableRows(
  client: Client,
  c: PostgresConfig,
  size: number,
  schema: string,
  table: string,
  columns: Awaited<ReturnType<typeof listColumns>>,
): AsyncIterable<IngestBatch> {
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

/** Database, schemas, tables, columns and foreign keys, then the rows of `row_tables`. */
export async function* ingestPostgres(
  ctx: ConnectorContext<PostgresConfig>,
  options: PostgresConnectorOptions,
): AsyncIterable<IngestBatch> {
  const c = ctx.config;
  const size = ctx.batchSize ?? 500;
  const client = await openChecked(ctx, options);
  try {
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    const schemas = await schemasOf(client, c);
    const tables = await listTables(client, schemas);
    const columns = await listColumns(client, schemas);
    const fks = await listForeignKeys(client, schemas);
    const { nodes, edges } = structureOf(db, schemas, tables, columns, fks);
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
      yield* tableRows(client, c, size, schema, table, columns);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
