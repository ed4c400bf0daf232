export interface SourceSummary {
  connector: string;
  name: string;
}

/** A source's sync state, for task recommendations. */
export interface SourceSyncHealth {
  id: string;
  name: string;
  connector: string;
  enabled: boolean;
  schedule: string | null;
  /** failed sync jobs since the last successful one */
  failuresSinceSuccess: number;
}

/**
 * What other modules may ask the sources module about an org's sources (graph: connector names
 * and source filters; realms: per-realm counts and the reset of a deleted realm). Provided by
 * `SourcesStoreModule` over the sources repository, the only code touching the `sources` table.
 */
export abstract class SourcesContract {
  /** source id → connector type and name, for the given ids of the org (unknown ids left out). */
  abstract describeSources(orgId: string, ids: string[]): Promise<Map<string, SourceSummary>>;
  /** Ids of the org's sources whose connector type, name or id is one of `refs`. */
  abstract sourceIdsMatching(orgId: string, refs: string[]): Promise<string[]>;
  /** Number of sources per realm. */
  abstract sourceCountsByRealm(orgId: string): Promise<Record<string, number>>;
  /** Moves the sources of a deleted realm to `default`. */
  abstract moveRealmSourcesToDefault(orgId: string, realm: string): Promise<void>;
  /** Every source of the org with its schedule and recent sync failures (oldest source first). */
  abstract syncHealth(orgId: string): Promise<SourceSyncHealth[]>;
}
