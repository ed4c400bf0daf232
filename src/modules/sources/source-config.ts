import type { ConnectorDefinition } from '@libs/connectors/connector';
import { changedDestinationFields } from '@libs/connectors/destination-fields';
import { ValidationException } from '@libs/errors';

export const MASK = '***';

/** Splits a full config into the plain (JSONB) part and the secret part (sealed at rest). */
export function splitConfig(
  def: ConnectorDefinition<any>,
  config: Record<string, unknown>,
): { plain: Record<string, unknown>; secret: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) {
      continue;
    }
    if (def.secretFields.includes(k)) {
      secret[k] = v;
    } else {
      plain[k] = v;
    }
  }
  return { plain, secret };
}

/** What the API shows: plain values plus `"***"` for every stored secret. */
export function maskConfig(
  def: ConnectorDefinition<any> | undefined,
  plain: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain)) {
    out[k] = def?.secretFields.includes(k) ? MASK : v;
  }
  for (const k of secretKeys) {
    out[k] = MASK;
  }
  return out;
}

/**
 * PATCH semantics: keys in `patch` replace stored ones, `null` removes a key, and `"***"` for a
 * secret keeps the stored value (clients echo masked configs back).
 */
export function mergeConfig(stored: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
    } else if (v === MASK && k in stored) {
      continue;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * PATCH of a stored source's config: `mergeConfig`, plus the rule that secrets never follow a
 * source to a new destination. When a field naming where the secrets are sent changes (url,
 * base_url, host, ...: `destinationFieldsOf`), a stored secret the patch does not resend is
 * cleared, and a `"***"` placeholder for one is refused (400 `validation_failed`, one entry per
 * secret to re-enter).
 */
export function mergeStoredConfig(
  def: ConnectorDefinition<any>,
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): { config: Record<string, unknown>; destinationChanged: string[]; secretsCleared: string[] } {
  const merged = mergeConfig(stored, patch);
  const changed = changedDestinationFields(def, stored, merged);
  if (!changed.length) {
    return { config: merged, destinationChanged: [], secretsCleared: [] };
  }
  const where = changed.map((f) => `config.${f}`).join(', ');
  const placeholders = def.secretFields.filter((k) => patch[k] === MASK && k in stored);
  if (placeholders.length) {
    throw new ValidationException(
      `The destination changed (${where}); stored secrets are not sent to a new destination`,
      {
        fields: placeholders.map((k) => ({
          field: `config.${k}`,
          errors: [`${where} changed: re-enter this secret (or omit it to clear it); "***" cannot carry it over`],
        })),
        destination_changed: changed.map((f) => `config.${f}`),
      },
    );
  }
  const config = { ...merged };
  const secretsCleared: string[] = [];
  for (const k of def.secretFields) {
    if (patch[k] === MASK) {
      delete config[k]; // a placeholder for a secret that is not stored: nothing to keep
    } else if (k in stored && !(k in patch)) {
      delete config[k];
      secretsCleared.push(k);
    }
  }
  return { config, destinationChanged: changed, secretsCleared };
}

/** Replaces `"***"` placeholders (validate of an unsaved config cannot resolve them). */
export function hasMaskedValues(config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([, v]) => v === MASK)
    .map(([k]) => k);
}

/**
 * The config one sync job runs with when a pipeline step overrides part of a source's config
 * (docs/pipelines.md): `overrides` replace stored keys for that job only (the source keeps its own
 * config). An override may name only a non-secret property of the connector's config schema (400
 * `validation_failed` per refused key: secrets, unknown fields, `null`, `"***"`); when it changes a
 * destination field (url, host, ...), the source's stored secrets are left out, as on a PATCH that
 * moves a source without re-entering them — secrets never follow a source to a new destination.
 * The shape of the result is then checked against the schema by the caller (`assertConfigShape`).
 */
export function applyConfigOverrides(
  def: ConnectorDefinition<any>,
  stored: Record<string, unknown>,
  overrides: Record<string, unknown>,
): { config: Record<string, unknown>; secretsDropped: string[] } {
  const props = Object.keys((def.configSchema as { properties?: Record<string, unknown> }).properties ?? {});
  const fields: { field: string; errors: string[] }[] = [];
  for (const [k, v] of Object.entries(overrides)) {
    if (def.secretFields.includes(k)) {
      fields.push({ field: `config.${k}`, errors: ['a secret field cannot be overridden'] });
    } else if (!props.includes(k)) {
      fields.push({ field: `config.${k}`, errors: ['unknown field'] });
    } else if (v === null || v === undefined || v === MASK) {
      fields.push({ field: `config.${k}`, errors: ['an override needs a value'] });
    }
  }
  if (fields.length) {
    throw new ValidationException(
      `Invalid config_overrides: ${fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ')}`,
      { fields },
    );
  }
  const config: Record<string, unknown> = { ...stored, ...overrides };
  const secretsDropped: string[] = [];
  if (changedDestinationFields(def, stored, config).length) {
    for (const k of def.secretFields) {
      if (k in config) {
        delete config[k];
        secretsDropped.push(k);
      }
    }
  }
  return { config, secretsDropped };
}
