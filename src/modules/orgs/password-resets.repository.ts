import { Transactional, TransactionHost } from '@libs/database/transaction';
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { PasswordResetEntity } from './password-reset.entity';

@Injectable()
export class PasswordResetsRepository {
  constructor(private readonly txHost: TransactionHost) {}

  /** Issues a reset and retires the user's earlier unused ones (only the newest token works). */
  @Transactional()
  async issue(row: Pick<PasswordResetEntity, 'userId' | 'tokenHash' | 'createdBy' | 'expiresAt'>): Promise<void> {
    const m = this.txHost.tx;
    await m.update(PasswordResetEntity, { userId: row.userId, usedAt: IsNull() }, { usedAt: () => 'now()' });
    await m.insert(PasswordResetEntity, row);
  }

  /** Whether the token is unused and not expired (a cheap look before the new password is hashed). */
  async isUsable(tokenHash: string): Promise<boolean> {
    const rows = (await this.txHost.tx.query(
      `SELECT 1 FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`,
      [tokenHash],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Marks the token used if it is unused and not expired; the user id, or null. Single use under
   * races; runs in the caller's transaction.
   */
  async consume(tokenHash: string): Promise<string | null> {
    const rows = (await this.txHost.tx.query(
      `UPDATE password_resets SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id`,
      [tokenHash],
    )) as [{ user_id: string }[], number];
    return rows[0]?.[0]?.user_id ?? null;
  }
}
