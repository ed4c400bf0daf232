import type { ConnectorDefinition } from '../connector';
import { defineConnector } from '../define-connector';
import { POSTGRES_CONFIG_SCHEMA, type PostgresConfig, type PostgresConnectorOptions } from './postgres-config';
import { ingestPostgres, validatePostgres } from './postgres-ingest';
import { postgresTools, toPostgresToolError, unknownPostgresTool } from './postgres-tools';

export type { PostgresConfig, PostgresConnectorOptions } from './postgres-config';

/**
 * The postgres connector. Every connection goes to the address the org's egress guard checked, and
 * (unless `allowSuperuser`) its role must not reach the database host (superuser, server files or
 * programs); the read tool runs one parser-checked SELECT only.
 *
 * Files: postgres-config, pg-connection (egress-guarded connect, TLS, role check), postgres-client
 * (checked connection, catalog reads), read-only-sql (parser check of the read tool), postgres-query,
 * postgres-tools, postgres-ingest (validate, structure and rows).
 */
export function postgresConnector(options: PostgresConnectorOptions = {}): ConnectorDefinition<PostgresConfig> {
  return defineConnector<PostgresConfig>({
    type: 'postgres',
    displayName: 'PostgreSQL',
    description:
      'Schemas, tables, columns and foreign keys (optionally rows of selected tables) of a PostgreSQL database; read-only query and approved execute tools.',
    defaultRealm: 'data',
    configSchema: POSTGRES_CONFIG_SCHEMA,
    secretFields: ['connection_string', 'password'],
    destinationFields: ['connection_string', 'host', 'port'],
    validate: (ctx) => validatePostgres(ctx, options),
    ingest: (ctx) => ingestPostgres(ctx, options),
    tools: postgresTools(options),
    toolError: toPostgresToolError,
    unknownTool: unknownPostgresTool,
  });
}
