import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StoredSettings } from './settings.types';

export interface OrgSettingsRow {
  id: string;
  name: string;
  displayName: string;
  settings: StoredSettings;
}

/** Reads and updates `organizations.settings` (JSONB); updates lock the row so partial merges never race. */
@Injectable()
export class SettingsRepository {
  constructor(private readonly ds: DataSource) {}

  async find(orgId: string): Promise<OrgSettingsRow | null> {
    const rows = (await this.ds.query(`SELECT id, name, display_name, settings FROM organizations WHERE id = $1`, [
      orgId,
    ])) as {
      id: string;
      name: string;
      display_name: string;
      settings: StoredSettings | null;
    }[];
    const r = rows[0];
    return r ? { id: r.id, name: r.name, displayName: r.display_name, settings: r.settings ?? {} } : null;
  }

  /**
   * Read-modify-write of the whole document under `SELECT … FOR UPDATE`; `mutate` returns the new
   * document (and optionally a new display name). Returns the updated row, or null for an unknown org.
   */
  async update(
    orgId: string,
    mutate: (current: StoredSettings) => { settings: StoredSettings; displayName?: string },
  ): Promise<OrgSettingsRow | null> {
    return this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT id, name, display_name, settings FROM organizations WHERE id = $1 FOR UPDATE`,
        [orgId],
      )) as {
        id: string;
        name: string;
        display_name: string;
        settings: StoredSettings | null;
      }[];
      const r = rows[0];
      if (!r) {
        return null;
      }
      const next = mutate(r.settings ?? {});
      const displayName = next.displayName ?? r.display_name;
      await m.query(
        `UPDATE organizations SET settings = $2::jsonb, display_name = $3, updated_at = now() WHERE id = $1`,
        [orgId, JSON.stringify(next.settings), displayName],
      );
      return { id: r.id, name: r.name, displayName, settings: next.settings };
    });
  }
}
