import { TransactionHost } from '@libs/database/transaction';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { WebhookSampleEntity } from './webhook-sample.entity';

/** The only code touching `webhook_samples`. */
@Injectable()
export class WebhookSamplesRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get repo(): Repository<WebhookSampleEntity> {
    return this.txHost.tx.getRepository(WebhookSampleEntity);
  }

  /** The org's samples, newest first (bounded by MAX_SAMPLES_PER_ORG). */
  list(orgId: string): Promise<WebhookSampleEntity[]> {
    return this.repo.find({ where: { orgId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  count(orgId: string): Promise<number> {
    return this.repo.count({ where: { orgId } });
  }

  find(orgId: string, id: string): Promise<WebhookSampleEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  /** False when the id or the name is taken in the org. */
  async create(data: Partial<WebhookSampleEntity>): Promise<WebhookSampleEntity | null> {
    const rows: unknown[] = await this.txHost.tx.query(
      `INSERT INTO webhook_samples (org_id, id, name, description, payload, headers, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
      [
        data.orgId,
        data.id,
        data.name,
        data.description ?? '',
        JSON.stringify(data.payload ?? null),
        data.headers ? JSON.stringify(data.headers) : null,
        data.createdBy ?? null,
      ],
    );
    return rows.length ? this.find(data.orgId!, data.id!) : null;
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    return !!(await this.repo.delete({ orgId, id })).affected;
  }
}
