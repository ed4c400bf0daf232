import { findEgressError } from '@libs/egress/egress.errors';
import { AppException, UnprocessableException, ValidationException } from '@libs/errors';
import { ErrorObject, ValidateFunction } from 'ajv';
import { ConnectorConfigError, ConnectorDefinition } from './connector';
import { createSchemaAjv } from './schema-ajv';

// tool schemas come from org-supplied OpenAPI documents and MCP servers: linear-time patterns
const ajv = createSchemaAjv({ useDefaults: false });
const compiled = new WeakMap<object, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra =
    e.keyword === 'required'
      ? (e.params as { missingProperty: string }).missingProperty
      : e.keyword === 'additionalProperties'
        ? (e.params as { additionalProperty: string }).additionalProperty
        : '';
  return ['config', base, extra].filter(Boolean).join('.');
}

/** Problems of `config` against a JSON schema, as `{ field, errors[] }` (empty when valid). */
export function schemaProblems(schema: object, value: unknown): { field: string; errors: string[] }[] {
  const fn = validator(schema);
  if (fn(value)) {
    return [];
  }
  const byField = new Map<string, string[]>();
  for (const e of fn.errors ?? []) {
    const f = fieldOf(e);
    const list = byField.get(f) ?? [];
    list.push(e.keyword === 'additionalProperties' ? 'unknown field' : (e.message ?? e.keyword));
    byField.set(f, list);
  }
  return [...byField].map(([field, errors]) => ({ field, errors }));
}

/** Shape check of a source config against the connector's `configSchema`; 400 `validation_failed` with `details.fields[]`. */
export function assertConfigShape(def: ConnectorDefinition<any>, config: unknown): void {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ValidationException('config must be an object', {
      fields: [{ field: 'config', errors: ['must be an object'] }],
    });
  }
  const fields = schemaProblems(def.configSchema, config);
  if (fields.length) {
    throw new ValidationException(
      `Invalid ${def.type} config: ${fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ')}`,
      { fields },
    );
  }
}

/**
 * Maps a connector validation failure onto the HTTP error: `shape` → 400 `validation_failed`,
 * credentials/scope/unreachable → 422 `source_validation_failed` with the connector's details
 * plus `kind`. Anything else is re-thrown untouched.
 */
export function toHttpError(err: unknown): unknown {
  // a refused outbound connection stays 422 `egress_forbidden`, whatever wrapped it
  const refused = findEgressError(err);
  if (refused) {
    return refused;
  }
  if (err instanceof AppException) {
    return err;
  }
  if (err instanceof ConnectorConfigError) {
    if (err.kind === 'shape') {
      const fields = (err.details.fields as unknown[]) ?? [
        { field: (err.details.field as string) ?? 'config', errors: [err.message] },
      ];
      return new ValidationException(err.message, { ...err.details, fields });
    }
    return new UnprocessableException('source_validation_failed', err.message, { kind: err.kind, ...err.details });
  }
  return err;
}

/** Validates arguments of a tool call against its input schema; returns problems (empty when fine). */
export function toolArgumentProblems(schema: object, args: unknown) {
  return schemaProblems(schema, args);
}
