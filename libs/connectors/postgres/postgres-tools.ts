import { AppException } from '@libs/errors';
import { ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { listColumns, listForeignKeys, listTables, schemasOf, splitTable, withClient } from './postgres-client';
import type { PostgresConfig, PostgresConnectorOptions } from './postgres-config';
import { executeStatement, queryError, readOnlyQuery } from './postgres-query';
import { MAX_SQL_LENGTH } from './read-only-sql';

/** list_tables, describe_table, query (read-only), execute (approved); each call opens a checked connection. */
export function postgresTools(options: PostgresConnectorOptions): ConnectorTool<PostgresConfig>[] {
  return [
    {
      name: 'list_tables',
      description: 'List tables and views (schema, name, type, estimated row count).',
      effect: 'read',
      inputSchema: {
        type: 'object',
        additionalProperties: false,
        properties: { schema: { type: 'string', description: 'only this schema' } },
      },
      run: (ctx, args) =>
        withClient(ctx, options, async (client) => {
          const c = ctx.config;
          const schemas = args.schema ? [String(args.schema)] : await schemasOf(client, c);
          return { tables: await listTables(client, schemas) };
        }),
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
      run: (ctx, args) =>
        withClient(ctx, options, async (client) => {
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
        }),
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
      run: (ctx, args) =>
        withClient(ctx, options, async (client) => {
          const c = ctx.config;
          return readOnlyQuery(client, c, args);
        }),
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
      run: (ctx, args) =>
        withClient(ctx, options, async (client) => {
          const c = ctx.config;
          return executeStatement(client, c, args);
        }),
    },
  ];
}

/** Egress refusals (422 egress_forbidden) and other API errors keep their own status. */
export function toPostgresToolError(err: unknown): unknown {
  if (err instanceof AppException) {
    return err;
  }
  return queryError(err);
}

export function unknownPostgresTool(tool: string): ToolExecutionError {
  return new ToolExecutionError('tool_not_found', `postgres has no tool ${tool}`);
}
