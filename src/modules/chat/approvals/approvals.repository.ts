import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApprovalEntity, ApprovalStatus } from 'src/modules/chat/chat.entity';
import { Brackets, DataSource, In, Repository } from 'typeorm';

/** The `approvals` table: creation, the conditional decision, expiry. */
@Injectable()
export class ApprovalsRepository {
  constructor(
    private readonly ds: DataSource,
    @InjectRepository(ApprovalEntity) private readonly approvals: Repository<ApprovalEntity>,
  ) {}

  async insertApproval(data: Partial<ApprovalEntity>): Promise<ApprovalEntity> {
    const row = this.approvals.create(data);
    await this.approvals.insert(row as never);
    return row;
  }

  findApproval(orgId: string, id: string): Promise<ApprovalEntity | null> {
    return this.approvals.findOne({ where: { id, orgId } });
  }

  findApprovalById(id: string): Promise<ApprovalEntity | null> {
    return this.approvals.findOne({ where: { id } });
  }

  async sealedArgs(id: string): Promise<Buffer | null> {
    const row = await this.approvals
      .createQueryBuilder('a')
      .addSelect('a.argsSealed')
      .where('a.id = :id', { id })
      .getOne();
    return row?.argsSealed ?? null;
  }

  /** The decision: a conditional UPDATE that only a pending, unexpired row passes. */
  async decide(
    orgId: string,
    id: string,
    status: 'approved' | 'denied',
    decidedBy: string | null,
    note: string | null,
  ): Promise<ApprovalEntity | null> {
    const rows = (await this.ds.query(
      `UPDATE approvals SET status = $3, decided_by = $4, decided_at = now(), note = $5, updated_at = now()
       WHERE id = $1 AND org_id = $2 AND status = 'pending' AND expires_at > now() RETURNING id`,
      [id, orgId, status, decidedBy, note],
    )) as [{ id: string }[], number];
    const updated = Array.isArray(rows[0]) ? rows[0] : (rows as unknown as { id: string }[]);
    if (!updated.length) {
      return null;
    }
    return this.findApprovalById(id);
  }

  /** Marks one approval expired if it is pending and due; returns the row when this call expired it. */
  async expireIfDue(id: string): Promise<boolean> {
    const res = await this.ds.query(
      `UPDATE approvals SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'pending' AND expires_at <= now() RETURNING id`,
      [id],
    );
    const rows = Array.isArray(res[0]) ? res[0] : res;
    return rows.length > 0;
  }

  /** Expires a pending approval regardless of its deadline (turn cancelled, conversation deleted). */
  async expirePending(id: string): Promise<boolean> {
    const res = await this.ds.query(
      `UPDATE approvals SET status = 'expired', updated_at = now() WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id],
    );
    const rows = Array.isArray(res[0]) ? res[0] : res;
    return rows.length > 0;
  }

  /** Expires every pending approval past its deadline; returns the rows it expired. */
  async expireDue(): Promise<ApprovalEntity[]> {
    const res = await this.ds.query(
      `UPDATE approvals SET status = 'expired', updated_at = now() WHERE status = 'pending' AND expires_at <= now() RETURNING id`,
    );
    const rows = (Array.isArray(res[0]) ? res[0] : res) as { id: string }[];
    if (!rows.length) {
      return [];
    }
    return this.approvals.find({ where: { id: In(rows.map((r) => r.id)) } });
  }

  async expireForConversation(conversationId: string): Promise<ApprovalEntity[]> {
    const res = await this.ds.query(
      `UPDATE approvals SET status = 'expired', updated_at = now() WHERE conversation_id = $1 AND status = 'pending' RETURNING id`,
      [conversationId],
    );
    const rows = (Array.isArray(res[0]) ? res[0] : res) as { id: string }[];
    if (!rows.length) {
      return [];
    }
    return this.approvals.find({ where: { id: In(rows.map((r) => r.id)) } });
  }

  /** Unexpired pending approvals of the org per tool (task recommendations). */
  pendingCountsByTool(orgId: string): Promise<{ tool: string; count: number }[]> {
    return this.approvals
      .createQueryBuilder('a')
      .select('a.tool', 'tool')
      .addSelect('count(*)::int', 'count')
      .where("a.org_id = :orgId AND a.status = 'pending' AND a.expires_at > now()", { orgId })
      .groupBy('a.tool')
      .getRawMany<{ tool: string; count: number }>();
  }

  pendingApprovals(conversationId: string): Promise<ApprovalEntity[]> {
    return this.approvals.find({ where: { conversationId, status: 'pending' }, order: { createdAt: 'ASC' } });
  }

  listApprovals<R>(
    orgId: string,
    f: { status?: ApprovalStatus; conversationId?: string; userId?: string | null },
    query: PageQuery,
    map: (a: ApprovalEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.approvals.createQueryBuilder('a').where('a.org_id = :orgId', { orgId });
    if (f.status) {
      qb.andWhere('a.status = :status', { status: f.status });
    }
    if (f.conversationId) {
      qb.andWhere('a.conversation_id = :cid', { cid: f.conversationId });
    }
    if (f.userId) {
      qb.andWhere(
        new Brackets((w) => {
          w.where('a.requested_by = :uid', { uid: f.userId }).orWhere(
            'a.conversation_id IN (SELECT c.id FROM conversations c WHERE c.created_by = :uid)',
            { uid: f.userId },
          );
        }),
      );
    }
    return paginate(qb, query, {
      scope: `approvals:${orgId}:${f.status ?? ''}:${f.conversationId ?? ''}:${f.userId ?? '*'}`,
      map,
    });
  }
}
