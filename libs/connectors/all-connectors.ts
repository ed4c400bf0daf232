import type { ConnectorDefinition } from './connector';
import { CORE_CONNECTORS } from './core-connectors';
import { INTEGRATION_CONNECTORS } from './integration-connectors';

/** Every built-in connector type; the ConnectorRegistry is filled from this list at boot. */
export const ALL_CONNECTORS: ConnectorDefinition<any>[] = [...CORE_CONNECTORS, ...INTEGRATION_CONNECTORS];
