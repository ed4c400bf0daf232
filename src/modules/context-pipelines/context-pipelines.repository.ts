import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository } from 'typeorm';
import {
  ContextEventEntity,
  ContextPipelineEntity,
  ContextPipelineRunEntity,
  ContextPipelineTokenEntity,
} from './context-pipeline.entity';

export interface EventRow {
  ts: string;
  data: Record<string, unknown>;
}

/** The only code touching the context pipeline tables; every method but the token lookup is scoped to an org. */
@Injectable()
export class ContextPipelinesRepository {
  constructor(
    @InjectRepository(ContextPipelineEntity) private readonly pipelines: Repository<ContextPipelineEntity>,
    @InjectRepository(ContextPipelineTokenEntity) private readonly tokens: Repository<ContextPipelineTokenEntity>,
    @InjectRepository(ContextPipelineRunEntity) private readonly runs: Repository<ContextPipelineRunEntity>,
    @InjectRepository(ContextEventEntity) private readonly events: Repository<ContextEventEntity>,
  ) {}

  async insertPipeline(row: Omit<ContextPipelineEntity, 'createdAt' | 'updatedAt'>): Promise<ContextPipelineEntity> {
    await this.pipelines.insert(row);
    return (await this.findPipeline(row.orgId, row.id))!;
  }

  findPipeline(orgId: string, id: string): Promise<ContextPipelineEntity | null> {
    return this.pipelines.findOne({ where: { orgId, id } });
  }

  async nameTaken(orgId: string, name: string, exceptId?: string): Promise<boolean> {
    const qb = this.pipelines
      .createQueryBuilder('p')
      .where('p.org_id = :orgId', { orgId })
      .andWhere('lower(p.name) = lower(:name)', { name });
    if (exceptId) {
      qb.andWhere('p.id <> :exceptId', { exceptId });
    }
    return (await qb.getCount()) > 0;
  }

  listPipelines<R>(orgId: string, q: PageQuery, map: (e: ContextPipelineEntity) => R): Promise<Page<R>> {
    const qb = this.pipelines.createQueryBuilder('p').where('p.org_id = :orgId', { orgId });
    return paginate(qb, q, { scope: `context-pipelines:${orgId}`, map });
  }

  async updatePipeline(orgId: string, id: string, patch: Partial<ContextPipelineEntity>): Promise<void> {
    await this.pipelines.update({ orgId, id }, patch);
  }

  async deletePipeline(orgId: string, id: string): Promise<void> {
    await this.pipelines.delete({ orgId, id });
  }

  async insertToken(row: Omit<ContextPipelineTokenEntity, 'createdAt'>): Promise<ContextPipelineTokenEntity> {
    await this.tokens.insert(row);
    return (await this.findToken(row.orgId, row.pipelineId, row.id))!;
  }

  findToken(orgId: string, pipelineId: string, id: string): Promise<ContextPipelineTokenEntity | null> {
    return this.tokens.findOne({ where: { orgId, pipelineId, id } });
  }

  /** Install-wide lookup by token hash (with its sealed secret), for ingest authentication only. */
  findTokenByHash(tokenHash: string): Promise<ContextPipelineTokenEntity | null> {
    return this.tokens
      .createQueryBuilder('t')
      .addSelect('t.signingSecretSealed')
      .where('t.token_hash = :tokenHash', { tokenHash })
      .getOne();
  }

  listTokens<R>(orgId: string, pipelineId: string, q: PageQuery, map: (e: ContextPipelineTokenEntity) => R) {
    const qb = this.tokens
      .createQueryBuilder('t')
      .where('t.org_id = :orgId', { orgId })
      .andWhere('t.pipeline_id = :pipelineId', { pipelineId });
    return paginate(qb, q, { scope: `context-pipeline-tokens:${orgId}:${pipelineId}`, map });
  }

  async revokeToken(orgId: string, pipelineId: string, id: string): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('org_id = :orgId AND pipeline_id = :pipelineId AND id = :id AND revoked_at IS NULL', {
        orgId,
        pipelineId,
        id,
      })
      .execute();
  }

  /** At most one write per token and minute. */
  async touchToken(id: string): Promise<void> {
    await this.tokens.query(
      `UPDATE context_pipeline_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /** One statement per batch: rows travel as one jsonb parameter. */
  async insertEvents(orgId: string, pipelineId: string, realm: string, rows: EventRow[]): Promise<void> {
    if (!rows.length) {
      return;
    }
    await this.events.query(
      `INSERT INTO context_events (org_id, pipeline_id, realm, ts, received_at, data)
       SELECT $1, $2, $3, (r->>'ts')::timestamptz, now(), r->'data' FROM jsonb_array_elements($4::jsonb) r`,
      [orgId, pipelineId, realm, JSON.stringify(rows)],
    );
  }

  countEvents(orgId: string, pipelineId: string): Promise<number> {
    return this.events.count({ where: { orgId, pipelineId } });
  }

  /** Adds one request's counts to the current 1-minute window. */
  async addToWindow(orgId: string, pipelineId: string, c: { accepted: number; rejected: number; bytes: number }) {
    await this.runs.query(
      `INSERT INTO context_pipeline_runs (pipeline_id, org_id, window_start, accepted, rejected, bytes, requests)
       VALUES ($1, $2, date_trunc('minute', now()), $3, $4, $5, 1)
       ON CONFLICT (pipeline_id, window_start) DO UPDATE SET
         accepted = context_pipeline_runs.accepted + EXCLUDED.accepted,
         rejected = context_pipeline_runs.rejected + EXCLUDED.rejected,
         bytes = context_pipeline_runs.bytes + EXCLUDED.bytes,
         requests = context_pipeline_runs.requests + 1`,
      [pipelineId, orgId, c.accepted, c.rejected, c.bytes],
    );
  }

  listRuns<R>(orgId: string, pipelineId: string, q: PageQuery, map: (e: ContextPipelineRunEntity) => R) {
    const qb = this.runs
      .createQueryBuilder('r')
      .where('r.org_id = :orgId', { orgId })
      .andWhere('r.pipeline_id = :pipelineId', { pipelineId });
    return paginate(qb, q, {
      scope: `context-pipeline-runs:${orgId}:${pipelineId}`,
      map,
      sortProperty: 'windowStart',
    });
  }
}
