import type { Principal } from '@libs/auth/principal';
import { ValidationException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { RealmsContract } from '../realms/realms.contract';

export interface RealmCheckOptions {
  /** also accept a custom realm's id (chat conversations accept an id or a name) */
  acceptId?: boolean;
}

/**
 * The one realm check of the app: a realm name (built-in or the org's own) must exist. Used by
 * settings (`default_realm`), agents (`realm`) and chat (conversation `realm`); the realm list
 * comes from the realms module's contract.
 */
@Injectable()
export class RealmCheck {
  constructor(private readonly realms: RealmsContract) {}

  async exists(orgId: string, realm: string, opts: RealmCheckOptions = {}): Promise<boolean> {
    const all = await this.realms.listAvailable(orgId);
    return all.some((r) => r.name === realm || (opts.acceptId === true && r.id === realm));
  }

  /** No-op for an empty realm; 400 `validation_failed` on `field` when the realm does not exist. */
  async assertExists(
    p: Principal,
    realm: string | null | undefined,
    field: string,
    opts: RealmCheckOptions = {},
  ): Promise<void> {
    if (!realm || (await this.exists(p.orgId, realm, opts))) {
      return;
    }
    throw new ValidationException(`Unknown realm "${realm}"`, {
      fields: [{ field, errors: [`realm "${realm}" does not exist in this organization`] }],
    });
  }
}
