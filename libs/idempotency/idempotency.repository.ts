import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

@Injectable()
export class IdempotencyRepository {
  constructor(@InjectRepository(IdempotencyKeyEntity) private readonly repo: Repository<IdempotencyKeyEntity>) {}

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

  find(scopeHash: string): Promise<IdempotencyKeyEntity | null> {
    return this.repo.findOne({ where: { scopeHash } });
  }

  async complete(scopeHash: string, statusCode: number, response: unknown): Promise<void> {
    await this.repo.update({ scopeHash }, { state: 'completed', statusCode, response: response as object });
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
