import type { OrgEgress } from '@libs/egress/org-egress';
/**
 * Connector SDK. A connector declares its config schema, validates config, ingests as an async
 * stream of node/edge batches, and declares tools with an execute function. One registry
 * (ConnectorRegistry) is filled at boot; sources are instances of a connector type.
 */
export type ToolEffect = 'read' | 'write' | 'destructive';

/** JSON Schema (2020-12 subset) describing an object. */
export interface JsonSchemaObject {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: boolean | Record<string, unknown>;
  [k: string]: unknown;
}

export interface ConnectorToolSpec {
  /** unqualified tool name, e.g. `list_pods` */
  name: string;
  description: string;
  inputSchema: JsonSchemaObject;
  effect: ToolEffect;
  requiresApproval?: boolean;
}

export interface ConnectorLogger {
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
}

/** Everything a connector sees of a source at run time. Secrets are already decrypted. */
export interface ConnectorContext<C = Record<string, unknown>> {
  orgId: string;
  /**
   * The egress guard bound to this org: every network connection the connector opens goes through
   * it (`egress.fetch`, `egress.dispatcher`, `egress.httpsAgent()`, or `egress.resolve(host)` and a
   * connect to the returned address).
   */
  egress: OrgEgress;
  sourceId: string;
  sourceName: string;
  realm: string;
  /** non-secret and secret config merged */
  config: C;
  signal?: AbortSignal;
  logger: ConnectorLogger;
  /** directory holding this org's uploaded files (csv/json `file_id`); set by the sources module */
  uploadDir?: string;
  /** preferred nodes per yielded batch (INGEST_BATCH_SIZE); connectors may ignore it */
  batchSize?: number;
}

/** A node written by ingestion; (org, realm, source, sourceKey) identifies it across runs. */
export interface GraphNodeInput {
  /** primary label, e.g. `Table`, `Commit`, `Pod` (every node also gets `:Entity`) */
  label: string;
  /** stable identity within the source, e.g. `public.users` or a commit sha */
  key: string;
  /** display name used by search */
  name: string;
  description?: string;
  properties?: Record<string, unknown>;
}

export interface GraphEdgeInput {
  type: string;
  fromKey: string;
  toKey: string;
  properties?: Record<string, unknown>;
}

export interface IngestBatch {
  nodes: GraphNodeInput[];
  edges: GraphEdgeInput[];
}

export type ConfigErrorKind = 'shape' | 'credentials' | 'scope' | 'unreachable';

/**
 * Typed validation failure. The HTTP layer maps `shape` to 400 and the others to 422
 * (`source_validation_failed`), with `details` passed through (e.g. `missing_scopes`).
 */
export class ConnectorConfigError extends Error {
  constructor(
    readonly kind: ConfigErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ConnectorConfigError';
  }
}

/** A tool call failed in a way the model should see (not a crash). */
export class ToolExecutionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ToolExecutionError';
  }
}

export interface ValidationResult {
  ok: true;
  /** what the connector found, e.g. `{ tables: 12 }` or `{ login: 'octocat', scopes: [...] }` */
  info?: Record<string, unknown>;
}

export interface ConnectorDefinition<C = Record<string, unknown>> {
  type: string;
  displayName: string;
  description: string;
  /** realm nodes go to unless the source says otherwise */
  defaultRealm: string;
  /** JSON schema of the whole config (secret fields included, marked `writeOnly: true`) */
  configSchema: JsonSchemaObject;
  /** config keys stored encrypted and never returned */
  secretFields: readonly string[];
  /**
   * Config keys that name where the stored secrets are sent (url, base_url, host, server, ...).
   * Changing one clears the stored secrets unless new ones come in the same request.
   * Default (`destinationFieldsOf`): schema properties named url/uri/host/hostname/port/server/endpoint
   * or ending in `_url`/`_uri`/`_host`/`_server`/`_endpoint`.
   */
  destinationFields?: readonly string[];
  /**
   * What this config makes the connector do on the API host itself (run a command, read its files,
   * use its credentials), as a phrase such as "runs a command on the API host"; null when nothing.
   * Such configs are limited by CONNECTOR_HOST_ACCESS (default: platform admins only).
   */
  hostAccess?(config: C): string | null;
  validate(ctx: ConnectorContext<C>): Promise<ValidationResult>;
  /** absent for tool-only connectors (e.g. mcp without resources) */
  ingest?(ctx: ConnectorContext<C>): AsyncIterable<IngestBatch>;
  /** static or discovered (mcp, openapi) tool list */
  tools(ctx: ConnectorContext<C>): Promise<ConnectorToolSpec[]>;
  executeTool(ctx: ConnectorContext<C>, tool: string, args: Record<string, unknown>): Promise<unknown>;
  /** Drops per-source resources (connections, caches) when a source is deleted or reconfigured. */
  release?(sourceId: string): Promise<void>;
  /** Closes process-wide resources at shutdown. */
  close?(): Promise<void>;
}
