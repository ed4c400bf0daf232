import { Transactional, TransactionHost } from '@libs/database/transaction';
import { Injectable } from '@nestjs/common';
import { OrgsRepository } from '../orgs/orgs.repository';
import type { StoredSettings } from './settings.types';

export interface OrgSettingsRow {
  id: string;
  name: string;
  displayName: string;
  settings: StoredSettings;
}

/**
 * The settings store: `organizations.settings` (JSONB), a column of the orgs module's table, read
 * and written through the orgs module's repository. Updates lock the row so partial merges never race.
 */
@Injectable()
export class SettingsRepository {
  constructor(
    private readonly orgs: OrgsRepository,
    private readonly txHost: TransactionHost,
  ) {}

  async find(orgId: string): Promise<OrgSettingsRow | null> {
    return (await this.orgs.findSettings(orgId)) as OrgSettingsRow | null;
  }

  /**
   * Read-modify-write of the whole document under `SELECT … FOR UPDATE`; `mutate` returns the new
   * document (and optionally a new display name). Returns the updated row, or null for an unknown org.
   */
  @Transactional()
  async update(
    orgId: string,
    mutate: (current: StoredSettings) => { settings: StoredSettings; displayName?: string },
  ): Promise<OrgSettingsRow | null> {
    const r = (await this.orgs.lockSettings(orgId)) as OrgSettingsRow | null;
    if (!r) {
      return null;
    }
    const next = mutate(r.settings);
    const displayName = next.displayName ?? r.displayName;
    await this.orgs.writeSettings(orgId, next.settings as Record<string, unknown>, displayName);
    return { id: r.id, name: r.name, displayName, settings: next.settings };
  }
}
