import type { Principal } from '@libs/auth/principal';
import { ValidationException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { RealmsService } from '../realms/realms.service';

/**
 * Checks that a realm name exists for the org (built-in or custom) through the realms module,
 * looked up lazily so settings/agents do not import it. Without the realms module nothing is checked.
 */
@Injectable()
export class RealmCheck {
  constructor(private readonly moduleRef: ModuleRef) {}

  private realmsService(): RealmsService | undefined {
    try {
      return this.moduleRef.get(RealmsService, { strict: false });
    } catch {
      return undefined;
    }
  }

  async assertExists(p: Principal, realm: string | null | undefined, field: string): Promise<void> {
    if (!realm) {
      return;
    }
    const realms = this.realmsService();
    if (!realms) {
      return;
    }
    const names = new Set<string>();
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await realms.available(p, { limit: 200, cursor });
      for (const r of page.items) {
        names.add(r.name);
      }
      if (names.has(realm) || !page.next_cursor) {
        break;
      }
      cursor = page.next_cursor;
    }
    if (!names.has(realm)) {
      throw new ValidationException(`Unknown realm "${realm}"`, {
        fields: [{ field, errors: [`realm "${realm}" does not exist in this organization`] }],
      });
    }
  }
}
