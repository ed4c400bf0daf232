import type { ConnectorDefinition } from './connector';

/** csv, json, postgres (owned by the sources/ingestion area). */
export const CORE_CONNECTORS: ConnectorDefinition<any>[] = [];
