import type { ConnectorDefinition } from './connector';
import { csvConnector } from './csv/csv.connector';
import { jsonConnector } from './json/json.connector';
import { postgresConnector, type PostgresConnectorOptions } from './postgres/postgres.connector';

/** Operator switches the core connectors read (from AppConfig). */
export interface CoreConnectorOptions {
  postgres?: PostgresConnectorOptions;
}

/** csv, json, postgres (owned by the sources/ingestion area). */
export function coreConnectors(options: CoreConnectorOptions = {}): ConnectorDefinition<any>[] {
  return [csvConnector, jsonConnector, postgresConnector(options.postgres)];
}

/** The core connectors with the safe defaults. */
export const CORE_CONNECTORS: ConnectorDefinition<any>[] = coreConnectors();
