import { TransactionHost } from '@libs/database/transaction';
import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { In, type Repository } from 'typeorm';
import { ConversationSkillEntity, SkillEntity, type SkillOrigin, type SkillStatus } from './skill.entity';

export interface SkillFilter {
  status?: SkillStatus;
  tag?: string;
  q?: string;
  origin?: SkillOrigin;
  slug?: string;
}

/** Upper bound of approved skills one search ranks (an org's catalogue, not a corpus). */
const MAX_APPROVED_SCAN = 2000;

/** The only code touching `skills` and `conversation_skills`; every method is scoped to an org. */
@Injectable()
export class SkillsRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get skills(): Repository<SkillEntity> {
    return this.txHost.tx.getRepository(SkillEntity);
  }

  private get enabled(): Repository<ConversationSkillEntity> {
    return this.txHost.tx.getRepository(ConversationSkillEntity);
  }

  findInOrg(orgId: string, id: string): Promise<SkillEntity | null> {
    return this.skills.findOne({ where: { orgId, id } });
  }

  list<R>(orgId: string, f: SkillFilter, query: PageQuery, map: (s: SkillEntity) => R): Promise<Page<R>> {
    const qb = this.skills.createQueryBuilder('s').where('s.org_id = :orgId', { orgId });
    if (f.status) {
      qb.andWhere('s.status = :status', { status: f.status });
    }
    if (f.origin) {
      qb.andWhere('s.origin = :origin', { origin: f.origin });
    }
    if (f.slug) {
      qb.andWhere('s.slug = :slug', { slug: f.slug });
    }
    if (f.tag) {
      qb.andWhere(':tag = ANY(s.tags)', { tag: f.tag.toLowerCase() });
    }
    if (f.q) {
      const like = `%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
      qb.andWhere('(s.name ILIKE :like OR s.slug ILIKE :like OR s.description ILIKE :like)', { like });
    }
    const scope = `skills:${orgId}:${f.status ?? ''}:${f.origin ?? ''}:${f.slug ?? ''}:${f.tag ?? ''}:${f.q ?? ''}`;
    return paginate(qb, query, { scope, map });
  }

  approvedBySlug(orgId: string, slug: string): Promise<SkillEntity | null> {
    return this.skills.findOne({ where: { orgId, slug, status: 'approved' } });
  }

  async approvedBySlugs(orgId: string, slugs: string[]): Promise<Map<string, SkillEntity>> {
    if (!slugs.length) {
      return new Map();
    }
    const rows = await this.skills.find({ where: { orgId, slug: In(slugs), status: 'approved' } });
    return new Map(rows.map((r) => [r.slug, r]));
  }

  /** The org's approved skills (one per slug), without their bodies. */
  listApproved(orgId: string): Promise<SkillEntity[]> {
    return this.skills.find({
      where: { orgId, status: 'approved' },
      select: ['id', 'slug', 'name', 'description', 'version', 'tags', 'charCount', 'origin'],
      order: { slug: 'ASC' },
      take: MAX_APPROVED_SCAN,
    });
  }

  async versionExists(orgId: string, slug: string, version: string): Promise<boolean> {
    return (await this.skills.count({ where: { orgId, slug, version } })) > 0;
  }

  /** Every version of a slug, oldest first. */
  versions(orgId: string, slug: string): Promise<SkillEntity[]> {
    return this.skills.find({ where: { orgId, slug }, order: { createdAt: 'ASC' } });
  }

  insert(data: Partial<SkillEntity>): Promise<SkillEntity> {
    return this.skills.save(this.skills.create(data));
  }

  /** Applies `patch` only while the row still has status `from` (one concurrent transition wins). */
  async transition(orgId: string, id: string, from: SkillStatus, patch: Partial<SkillEntity>): Promise<boolean> {
    const r = await this.skills.update({ orgId, id, status: from }, patch);
    return (r.affected ?? 0) > 0;
  }

  /** Archives the approved version of `slug`, if any (a newer version is about to be approved). */
  async archiveApproved(orgId: string, slug: string): Promise<void> {
    await this.skills.update({ orgId, slug, status: 'approved' }, { status: 'archived' });
  }

  async delete(orgId: string, id: string): Promise<void> {
    await this.skills.delete({ orgId, id });
  }

  // ---- conversation skills ----

  /** The conversation's switches in enable order. */
  conversationSwitches(orgId: string, conversationId: string): Promise<ConversationSkillEntity[]> {
    return this.enabled.find({ where: { orgId, conversationId }, order: { enabledAt: 'ASC', slug: 'ASC' } });
  }

  /** Switches a slug on (moved to the end of the enable order) or off. */
  async setSwitch(
    orgId: string,
    conversationId: string,
    slug: string,
    enabled: boolean,
    userId: string | null,
  ): Promise<void> {
    await this.txHost.tx.query(
      `INSERT INTO conversation_skills (conversation_id, slug, org_id, enabled, enabled_by, enabled_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (conversation_id, slug) DO UPDATE
         SET enabled = EXCLUDED.enabled, enabled_by = EXCLUDED.enabled_by, enabled_at = EXCLUDED.enabled_at`,
      [conversationId, slug, orgId, enabled, userId],
    );
  }

  async removeSwitch(orgId: string, conversationId: string, slug: string): Promise<void> {
    await this.enabled.delete({ orgId, conversationId, slug });
  }
}
