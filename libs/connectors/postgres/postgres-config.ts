import type { JsonSchemaObject } from '../connector';
import type { PostgresConnectionConfig } from './pg-connection';

/** Config of a postgres source, the operator's switches, and the limits of the query tools. */
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

export const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];
export const DEFAULT_TIMEOUT_MS = 15_000;
export const MAX_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_ROWS = 1000;
export const MAX_ROWS = 10_000;

/** Statement timeout of a source: its `statement_timeout_ms` (default 15 s), never more than 10 minutes. */
export function timeoutOf(c: PostgresConfig): number {
  return Math.floor(Math.min(Math.max(c.statement_timeout_ms ?? DEFAULT_TIMEOUT_MS, 100), MAX_TIMEOUT_MS));
}

/** Row cap of one query call: the call may lower the source's `max_rows` (default 1000), never raise it. */
export function rowCapOf(c: PostgresConfig, requested: unknown): number {
  const source = Math.min(c.max_rows ?? DEFAULT_MAX_ROWS, MAX_ROWS);
  const asked = Number(requested);
  return Number.isInteger(asked) && asked > 0 ? Math.min(asked, source) : source;
}

export const POSTGRES_CONFIG_SCHEMA: JsonSchemaObject = {
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
};
