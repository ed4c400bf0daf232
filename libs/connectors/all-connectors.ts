import type { ConnectorDefinition } from './connector';
import { coreConnectors, type CoreConnectorOptions } from './core-connectors';
import { INTEGRATION_CONNECTORS } from './integration-connectors';

export type ConnectorOptions = CoreConnectorOptions;

/** Every built-in connector type with the operator's switches; the ConnectorRegistry is filled from it at boot. */
export function allConnectors(options: ConnectorOptions = {}): ConnectorDefinition<any>[] {
  return [...coreConnectors(options), ...INTEGRATION_CONNECTORS];
}

/** Every built-in connector type with the safe defaults. */
export const ALL_CONNECTORS: ConnectorDefinition<any>[] = allConnectors();
