import type { ConnectorContext } from '@libs/connectors/connector';
import { EgressPolicy } from '@libs/egress/egress-policy';
import { OrgEgress } from '@libs/egress/org-egress';

/** Test helpers shared by the connector specs. */
export const silentLogger = { info: () => undefined, warn: () => undefined };

/** The connector specs' egress guard: like a test install with EGRESS_ALLOW=127.0.0.1. */
export const testEgress = new OrgEgress('org', new EgressPolicy(['127.0.0.1']));

export function connectorContext<C>(config: C, overrides: Partial<ConnectorContext<C>> = {}): ConnectorContext<C> {
  return {
    orgId: 'org',
    sourceId: 'src',
    sourceName: 'source',
    realm: 'development',
    config,
    egress: testEgress,
    logger: silentLogger,
    ...overrides,
  };
}

/** Awaits a rejection of the given class and returns the error for further assertions. */
export async function rejectsWith<T extends Error>(p: Promise<unknown>, cls: new (...a: any[]) => T): Promise<T> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof cls)) {
      throw new Error(`expected ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    }
    return e as T;
  }
  throw new Error('expected a rejection');
}
