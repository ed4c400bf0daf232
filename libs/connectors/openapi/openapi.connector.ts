import { defineConnector } from '../define-connector';
import { OPENAPI_CONFIG_SCHEMA, type OpenApiConfig } from './openapi-config';
import { ingestOpenApi, validateOpenApi } from './openapi-ingest';
import { openapiTools, toOpenApiToolError, unknownOperation } from './openapi-tools';

export type { OpenApiConfig } from './openapi-config';
export { toolNameFor } from './openapi-operations';
export { loadSpec, type LoadedSpec, type OpenApiOperation } from './openapi-spec';

/**
 * OpenAPI connector: every operation of the document is a tool. Files: openapi-config,
 * openapi-spec (load + cache), openapi-operations (operations → tool schemas), openapi-call (one HTTP
 * call), openapi-tools (the dynamic tool list), openapi-ingest (validate, schemas and operations).
 */
export const openapiConnector = defineConnector<OpenApiConfig>({
  type: 'openapi',
  displayName: 'OpenAPI / REST API',
  description:
    'Any HTTP API described by an OpenAPI document: every operation becomes a tool (GET/HEAD read, POST/PUT/PATCH write, DELETE destructive); operations and schemas are ingested.',
  defaultRealm: 'development',
  configSchema: OPENAPI_CONFIG_SCHEMA,
  secretFields: ['bearer_token', 'api_key'],
  // an inline `spec` names the call destination through its `servers`
  destinationFields: ['spec_url', 'spec', 'base_url'],
  validate: validateOpenApi,
  ingest: ingestOpenApi,
  tools: openapiTools,
  toolError: toOpenApiToolError,
  unknownTool: unknownOperation,
});
