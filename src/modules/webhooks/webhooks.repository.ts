import { AppConfig } from '@libs/config';
import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDirection, WebhookEntity } from './webhook.entity';

export interface DeliveryStats {
  ok: number;
  rejected: number;
  failed: number;
  lastDeliveryAt: Date | null;
}

/** The only code touching `webhooks` and `webhook_deliveries` (also the outbound outbox). */
@Injectable()
export class WebhooksRepository {
  constructor(
    private readonly txHost: TransactionHost,
    private readonly config: AppConfig,
  ) {}

  private get hooks(): Repository<WebhookEntity> {
    return this.txHost.tx.getRepository(WebhookEntity);
  }

  private get deliveries(): Repository<WebhookDeliveryEntity> {
    return this.txHost.tx.getRepository(WebhookDeliveryEntity);
  }

  // --- webhooks ---

  async create(data: Partial<WebhookEntity>): Promise<WebhookEntity> {
    await this.hooks.insert(data as QueryDeepPartialEntity<WebhookEntity>);
    return (await this.findInOrg(data.orgId!, data.id!))!;
  }

  findInOrg(orgId: string, id: string): Promise<WebhookEntity | null> {
    return this.hooks.findOne({ where: { orgId, id } });
  }

  /** Any org: the receiver resolves `/hooks/wh_…` before it knows the org. */
  findWithSecret(id: string): Promise<WebhookEntity | null> {
    return this.hooks.createQueryBuilder('w').addSelect('w.secretSealed').where('w.id = :id', { id }).getOne();
  }

  /** Every webhook of the org, newest first (bounded by MAX_WEBHOOKS_PER_ORG). */
  listAll(orgId: string, direction?: WebhookDirection): Promise<WebhookEntity[]> {
    return this.hooks.find({
      where: { orgId, ...(direction ? { direction } : {}) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  count(orgId: string): Promise<number> {
    return this.hooks.count({ where: { orgId } });
  }

  async update(orgId: string, id: string, patch: Partial<WebhookEntity>): Promise<void> {
    await this.hooks.update({ orgId, id }, patch as QueryDeepPartialEntity<WebhookEntity>);
  }

  /** Deletes the webhook and its delivery log; false when it is not the org's. */
  async delete(orgId: string, id: string): Promise<boolean> {
    const r = await this.hooks.delete({ orgId, id });
    if (!r.affected) {
      return false;
    }
    await this.deliveries.delete({ orgId, webhookId: id });
    return true;
  }

  /** Enabled outbound subscriptions of the org listening to `event`. */
  subscribersOf(orgId: string, event: string): Promise<Pick<WebhookEntity, 'id'>[]> {
    return this.hooks
      .createQueryBuilder('w')
      .select(['w.id'])
      .where('w.org_id = :orgId', { orgId })
      .andWhere(`w.direction = 'outbound'`)
      .andWhere('w.enabled')
      .andWhere(':event = ANY(w.events)', { event })
      .getMany();
  }

  /** Per webhook: accepted/succeeded, rejected, failed/dead counts and the last delivery time. */
  async stats(orgId: string, ids: string[]): Promise<Map<string, DeliveryStats>> {
    const out = new Map<string, DeliveryStats>();
    if (!ids.length) {
      return out;
    }
    const rows: { webhook_id: string; ok: string; rejected: string; failed: string; last: Date | null }[] =
      await this.txHost.tx.query(
        `SELECT webhook_id,
                count(*) FILTER (WHERE status IN ('accepted', 'succeeded')) AS ok,
                count(*) FILTER (WHERE status = 'rejected') AS rejected,
                count(*) FILTER (WHERE status IN ('failed', 'dead')) AS failed,
                max(created_at) AS last
           FROM webhook_deliveries WHERE org_id = $1 AND webhook_id = ANY($2) GROUP BY webhook_id`,
        [orgId, ids],
      );
    for (const r of rows) {
      out.set(r.webhook_id, {
        ok: Number(r.ok),
        rejected: Number(r.rejected),
        failed: Number(r.failed),
        lastDeliveryAt: r.last,
      });
    }
    return out;
  }

  // --- deliveries ---

  async insertDelivery(row: Partial<WebhookDeliveryEntity>): Promise<void> {
    await this.insertDeliveries([row]);
  }

  async insertDeliveries(rows: Partial<WebhookDeliveryEntity>[]): Promise<void> {
    if (rows.length) {
      const deployment = this.config.redisPrefix;
      await this.deliveries.insert(
        rows.map((r) => ({ ...r, deployment })) as QueryDeepPartialEntity<WebhookDeliveryEntity>[],
      );
    }
  }

  async deliveryExists(id: string): Promise<boolean> {
    return await this.deliveries.existsBy({ id });
  }

  findDelivery(orgId: string, webhookId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOne({ where: { orgId, webhookId, id } });
  }

  listDeliveries<R>(
    orgId: string,
    webhookId: string,
    query: PageQuery & { status?: string },
    map: (d: WebhookDeliveryEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.deliveries
      .createQueryBuilder('d')
      .where('d.org_id = :orgId', { orgId })
      .andWhere('d.webhook_id = :webhookId', { webhookId });
    if (query.status) {
      qb.andWhere('d.status = :status', { status: query.status });
    }
    return paginate(qb, query, { scope: `webhook-deliveries:${orgId}:${webhookId}:${query.status ?? ''}`, map });
  }

  /**
   * Claims up to `limit` due outbound deliveries for `worker` (rows leased by a process that died
   * are due again once their lease ran out); each claim counts as an attempt.
   */
  async claimDue(worker: string, limit: number, leaseMs: number): Promise<WebhookDeliveryEntity[]> {
    // UPDATE … RETURNING comes back from the postgres driver as [rows, affected]
    const [claimed] = (await this.txHost.tx.query(
      `UPDATE webhook_deliveries d
          SET lease_until = now() + ($3 || ' milliseconds')::interval, leased_by = $1,
              attempts = d.attempts + 1, updated_at = now()
        WHERE d.id IN (
          SELECT id FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at <= now() AND deployment = $4
             AND (lease_until IS NULL OR lease_until < now())
           ORDER BY next_attempt_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING d.id`,
      [worker, limit, String(leaseMs), this.config.redisPrefix],
    )) as [{ id: string }[], number];
    if (!claimed.length) {
      return [];
    }
    return this.deliveries.find({ where: { id: In(claimed.map((c) => c.id)) } });
  }

  /** Deletes finished log rows older than `days` (at most `limit` per call); returns how many. */
  async purgeOlderThan(days: number, limit = 5000): Promise<number> {
    const [, affected] = (await this.txHost.tx.query(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries
          WHERE created_at < now() - ($1 || ' days')::interval AND status <> 'pending'
          LIMIT $2)`,
      [String(days), limit],
    )) as [unknown, number];
    return affected;
  }

  /** Writes the outcome of an attempt, unless the lease was lost (another process owns the row now). */
  async finishAttempt(id: string, worker: string, patch: Partial<WebhookDeliveryEntity>): Promise<boolean> {
    const r = await this.deliveries.update({ id, leasedBy: worker, status: 'pending' }, {
      ...patch,
      leaseUntil: null,
      leasedBy: null,
    } as QueryDeepPartialEntity<WebhookDeliveryEntity>);
    return !!r.affected;
  }
}
