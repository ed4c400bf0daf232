import { SecretBox } from '@libs/crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

/** How a stored response sits in the `response` column: sealed, since bodies can carry one-time secrets. */
interface SealedResponse {
  sealed: string;
}

function isSealed(v: unknown): v is SealedResponse {
  return (
    !!v && typeof v === 'object' && Object.keys(v).length === 1 && typeof (v as SealedResponse).sealed === 'string'
  );
}

@Injectable()
export class IdempotencyRepository {
  constructor(
    @InjectRepository(IdempotencyKeyEntity) private readonly repo: Repository<IdempotencyKeyEntity>,
    private readonly box: SecretBox,
  ) {}

  /** Claims the key; false when a row already exists (the caller then replays or waits). */
  async claim(
    row: Pick<IdempotencyKeyEntity, 'scopeHash' | 'key' | 'principal' | 'route' | 'bodyHash' | 'expiresAt'>,
  ): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .insert()
      .values({ ...row, state: 'in_progress' })
      .orIgnore()
      .returning(['scope_hash'])
      .execute();
    return (res.raw as unknown[]).length === 1;
  }

  /** The row with its stored response opened. */
  async find(scopeHash: string): Promise<IdempotencyKeyEntity | null> {
    const row = await this.repo.findOne({ where: { scopeHash } });
    if (row && isSealed(row.response)) {
      row.response = this.box.openJson(Buffer.from(row.response.sealed, 'base64'));
    }
    return row;
  }

  async complete(scopeHash: string, statusCode: number, response: unknown): Promise<void> {
    const sealed: SealedResponse = { sealed: this.box.sealJson(response).toString('base64') };
    await this.repo.update({ scopeHash }, { state: 'completed', statusCode, response: sealed });
  }

  async release(scopeHash: string): Promise<void> {
    await this.repo.delete({ scopeHash, state: 'in_progress' });
  }

  async deleteExpired(scopeHash?: string): Promise<void> {
    await this.repo.delete(
      scopeHash ? { scopeHash, expiresAt: LessThan(new Date()) } : { expiresAt: LessThan(new Date()) },
    );
  }
}
