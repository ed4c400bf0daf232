import type { ConnectorDefinition } from './connector';
import { csvConnector } from './csv/csv.connector';
import { jsonConnector } from './json/json.connector';
import { postgresConnector } from './postgres/postgres.connector';

/** csv, json, postgres (owned by the sources/ingestion area). */
export const CORE_CONNECTORS: ConnectorDefinition<any>[] = [csvConnector, jsonConnector, postgresConnector];
