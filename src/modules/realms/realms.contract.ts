/** A realm as other modules need it (built-in realms have `id === name`). */
export interface RealmRef {
  id: string;
  name: string;
}

/** What other modules may ask the realms module (provided by RealmsService, exported by RealmsModule). */
export abstract class RealmsContract {
  /** The org's realms: built-ins first, then the org's own. */
  abstract listAvailable(orgId: string): Promise<RealmRef[]>;
}
