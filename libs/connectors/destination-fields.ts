import type { ConnectorDefinition } from './connector';

const DESTINATION_NAME = /^(url|uri|host|hostname|port|server|endpoint)$|_(url|uri|host|server|endpoint)$/;

/**
 * The config keys of a connector that name a destination: its `destinationFields`, else the schema
 * properties whose names say so (url, base_url, spec_url, host, port, server, endpoint, ...).
 */
export function destinationFieldsOf(
  def: Pick<ConnectorDefinition<any>, 'destinationFields' | 'configSchema'>,
): string[] {
  if (def.destinationFields) {
    return [...def.destinationFields];
  }
  return Object.keys(def.configSchema.properties ?? {}).filter((k) => DESTINATION_NAME.test(k));
}

/** The destination fields whose value `next` changes compared with `stored` (deep comparison). */
export function changedDestinationFields(
  def: Pick<ConnectorDefinition<any>, 'destinationFields' | 'configSchema'>,
  stored: Record<string, unknown>,
  next: Record<string, unknown>,
): string[] {
  return destinationFieldsOf(def).filter((f) => !sameValue(stored[f], next[f]));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as never)[k], (b as never)[k]))
  );
}
