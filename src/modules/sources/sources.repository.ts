import { entityRows, EntityRows } from '@libs/database/entity-rows';
import { ConflictException } from '@libs/errors';
import { paginate, paginateSql, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, QueryFailedError, Repository } from 'typeorm';
import { OAuthStateEntity } from './oauth-state.entity';
import { SourceEntity } from './source.entity';
import type { SourcesContract, SourceSummary, SourceSyncHealth } from './sources.contract';
import { ACTIVE_JOB_STATUSES, SyncJobEntity, type JobStatus } from './sync-job.entity';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: string): boolean {
  return UUID_RE.test(v);
}

function uniqueViolation(err: unknown, index: string): boolean {
  const e = err as QueryFailedError & { driverError?: { code?: string; constraint?: string } };
  return e instanceof QueryFailedError && e.driverError?.code === '23505' && e.driverError?.constraint === index;
}

export interface JobFilter {
  sourceId?: string;
  status?: JobStatus;
  since?: Date;
}

/** The only code touching the sources, sync_jobs and oauth_states tables. Every method is org-scoped. */
@Injectable()
export class SourcesRepository implements SourcesContract {
  /** columns and row → entity for the one-statement list, built on first use */
  private listRows?: EntityRows<SourceEntity>;

  constructor(
    @InjectRepository(SourceEntity) private readonly sources: Repository<SourceEntity>,
    @InjectRepository(SyncJobEntity) private readonly jobs: Repository<SyncJobEntity>,
    @InjectRepository(OAuthStateEntity) private readonly states: Repository<OAuthStateEntity>,
    private readonly ds: DataSource,
  ) {}

  findSource(orgId: string, id: string): Promise<SourceEntity | null> {
    if (!isUuid(id)) {
      return Promise.resolve(null);
    }
    return this.sources.findOne({ where: { orgId, id } });
  }

  findSourceByName(orgId: string, name: string): Promise<SourceEntity | null> {
    return this.sources
      .createQueryBuilder('s')
      .where('s.org_id = :orgId AND lower(s.name) = lower(:name)', { orgId, name })
      .getOne();
  }

  listSources<R>(
    orgId: string,
    q: PageQuery & { type?: string; realm?: string; status?: string },
    map: (s: SourceEntity) => R,
  ): Promise<Page<R>> {
    const params: unknown[] = [orgId];
    const where = ['s.org_id = $1'];
    for (const [column, value] of [
      ['s.source_type', q.type],
      ['s.realm', q.realm],
      ['s.status', q.status],
    ] as const) {
      if (value) {
        where.push(`${column} = $${params.push(value)}`);
      }
    }
    const rows = (this.listRows ??= entityRows(this.ds, SourceEntity, 's'));
    return paginateSql((sql, p) => this.ds.query(sql, p), q, {
      scope: `sources:${orgId}:${q.type ?? ''}:${q.realm ?? ''}:${q.status ?? ''}`,
      columns: rows.columns,
      table: 'sources',
      alias: 's',
      where,
      params,
      map: (row) => map(rows.map(row)),
    });
  }

  listEnabledSources(orgId: string): Promise<SourceEntity[]> {
    return this.sources.find({ where: { orgId, enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Every enabled source with a schedule, across orgs (the scheduler only). */
  /** Enabled sources with a schedule, of orgs that are neither disabled nor deleted. */
  listScheduledSources(): Promise<SourceEntity[]> {
    return this.sources
      .createQueryBuilder('s')
      .innerJoin('organizations', 'o', 'o.id = s.org_id AND o.disabled_at IS NULL AND o.deleted_at IS NULL')
      .where('s.enabled = true AND s.schedule IS NOT NULL')
      .getMany();
  }

  listAllSources(orgId: string): Promise<SourceEntity[]> {
    return this.sources.find({ where: { orgId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  // ---- SourcesContract (graph and realms)

  async describeSources(orgId: string, ids: string[]): Promise<Map<string, SourceSummary>> {
    const uuids = ids.filter(isUuid);
    if (!uuids.length) {
      return new Map();
    }
    const rows = await this.sources.find({
      select: { id: true, sourceType: true, name: true },
      where: { orgId, id: In(uuids) },
    });
    return new Map(rows.map((r) => [r.id, { connector: r.sourceType, name: r.name }]));
  }

  async sourceIdsMatching(orgId: string, refs: string[]): Promise<string[]> {
    if (!refs.length) {
      return [];
    }
    const rows = await this.sources
      .createQueryBuilder('s')
      .select('s.id', 'id')
      .where('s.org_id = :orgId', { orgId })
      .andWhere('(s.source_type IN (:...refs) OR s.name IN (:...refs) OR s.id::text IN (:...refs))', { refs })
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  async sourceCountsByRealm(orgId: string): Promise<Record<string, number>> {
    const rows = await this.sources
      .createQueryBuilder('s')
      .select('s.realm', 'realm')
      .addSelect('count(*)::int', 'c')
      .where('s.org_id = :orgId', { orgId })
      .groupBy('s.realm')
      .getRawMany<{ realm: string | null; c: number }>();
    return Object.fromEntries(rows.filter((r) => r.realm).map((r) => [r.realm as string, Number(r.c)]));
  }

  async moveRealmSourcesToDefault(orgId: string, realm: string): Promise<void> {
    await this.sources.update({ orgId, realm }, { realm: 'default' });
  }

  async syncHealth(orgId: string): Promise<SourceSyncHealth[]> {
    const rows = (await this.sources.query(
      `SELECT s.id, s.name, s.source_type AS connector, s.enabled, s.schedule,
         (SELECT count(*)::int FROM sync_jobs j
           WHERE j.source_id = s.id AND j.status = 'failed'
             AND j.created_at > COALESCE(
               (SELECT max(k.created_at) FROM sync_jobs k WHERE k.source_id = s.id AND k.status = 'succeeded'),
               '-infinity'::timestamptz)) AS failures
       FROM sources s WHERE s.org_id = $1 ORDER BY s.created_at, s.id`,
      [orgId],
    )) as (Omit<SourceSyncHealth, 'failuresSinceSuccess'> & { failures: number })[];
    return rows.map(({ failures, ...r }) => ({ ...r, failuresSinceSuccess: failures }));
  }

  async insertSource(s: Partial<SourceEntity>): Promise<SourceEntity> {
    try {
      return await this.sources.save(this.sources.create(s));
    } catch (err) {
      if (uniqueViolation(err, 'sources_org_name_uq')) {
        throw new ConflictException(`A source named "${s.name}" already exists`, { field: 'name' }, 'already_exists');
      }
      throw err;
    }
  }

  async saveSource(s: SourceEntity): Promise<SourceEntity> {
    try {
      return await this.sources.save(s);
    } catch (err) {
      if (uniqueViolation(err, 'sources_org_name_uq')) {
        throw new ConflictException(`A source named "${s.name}" already exists`, { field: 'name' }, 'already_exists');
      }
      throw err;
    }
  }

  async setSourceStatus(
    orgId: string,
    id: string,
    patch: Partial<Pick<SourceEntity, 'status' | 'statusDetail' | 'lastJobId' | 'syncCursor'>>,
  ): Promise<void> {
    await this.sources.update({ orgId, id }, patch as never);
  }

  async deleteSource(orgId: string, id: string): Promise<void> {
    await this.sources.delete({ orgId, id });
  }

  // ---- jobs

  async insertJob(j: Partial<SyncJobEntity>): Promise<SyncJobEntity> {
    try {
      return await this.jobs.save(this.jobs.create(j));
    } catch (err) {
      if (uniqueViolation(err, 'sync_jobs_one_active_uq')) {
        const active = await this.activeJob(j.orgId!, j.sourceId!);
        throw new ConflictException(
          'A sync of this source is already queued or running',
          { job_id: active?.id ?? null, status: active?.status ?? null },
          'sync_in_progress',
        );
      }
      throw err;
    }
  }

  activeJob(orgId: string, sourceId: string): Promise<SyncJobEntity | null> {
    return this.jobs.findOne({ where: { orgId, sourceId, status: In(ACTIVE_JOB_STATUSES) } });
  }

  findJob(orgId: string, jobId: string, sourceId?: string): Promise<SyncJobEntity | null> {
    if (!isUuid(jobId)) {
      return Promise.resolve(null);
    }
    return this.jobs.findOne({ where: { orgId, id: jobId, ...(sourceId ? { sourceId } : {}) } });
  }

  /** Realms that succeeded jobs of the source wrote with a realm override (pipeline copies, docs/pipelines.md). */
  async overrideRealms(orgId: string, sourceId: string): Promise<string[]> {
    const rows = await this.jobs
      .createQueryBuilder('j')
      .select('DISTINCT j.realm', 'realm')
      .where('j.org_id = :orgId AND j.source_id = :sourceId', { orgId, sourceId })
      .andWhere("j.realm IS NOT NULL AND j.status = 'succeeded'")
      .getRawMany<{ realm: string }>();
    return rows.map((r) => r.realm).sort();
  }

  /** Job by id without org (queue processor; the payload carries the org and is checked against it). */
  findJobById(jobId: string): Promise<SyncJobEntity | null> {
    return this.jobs.findOne({ where: { id: jobId } });
  }

  findSourceById(id: string): Promise<SourceEntity | null> {
    return this.sources.findOne({ where: { id } });
  }

  /** Updates a job only while it is in one of `from` (guards against racing cancel/finish). Returns whether it changed. */
  async transitionJob(jobId: string, from: JobStatus[], patch: Partial<SyncJobEntity>): Promise<boolean> {
    const r = await this.jobs
      .createQueryBuilder()
      .update(SyncJobEntity)
      .set(patch as never)
      .where('id = :jobId AND status IN (:...from)', { jobId, from })
      .execute();
    return (r.affected ?? 0) > 0;
  }

  async updateJob(jobId: string, patch: Partial<SyncJobEntity>): Promise<void> {
    await this.jobs.update({ id: jobId }, patch as never);
  }

  listJobs<R>(
    orgId: string,
    f: JobFilter,
    q: PageQuery,
    map: (j: SyncJobEntity) => R,
    scopeName = 'jobs',
  ): Promise<Page<R>> {
    const qb = this.jobs.createQueryBuilder('j').where('j.org_id = :orgId', { orgId });
    if (f.sourceId) {
      qb.andWhere('j.source_id = :sourceId', { sourceId: f.sourceId });
    }
    if (f.status) {
      qb.andWhere('j.status = :status', { status: f.status });
    }
    if (f.since) {
      qb.andWhere('j.created_at >= :since', { since: f.since });
    }
    return paginate(qb, q, {
      scope: `${scopeName}:${orgId}:${f.sourceId ?? ''}:${f.status ?? ''}:${f.since?.toISOString() ?? ''}`,
      map,
    });
  }

  jobsSince(orgId: string, sourceId: string, since: Date): Promise<SyncJobEntity[]> {
    return this.jobs
      .createQueryBuilder('j')
      .where('j.org_id = :orgId AND j.source_id = :sourceId AND j.created_at >= :since', { orgId, sourceId, since })
      .orderBy('j.created_at', 'DESC')
      .getMany();
  }

  jobsByIds(ids: string[]): Promise<SyncJobEntity[]> {
    const valid = ids.filter(Boolean);
    if (!valid.length) {
      return Promise.resolve([]);
    }
    return this.jobs.find({ where: { id: In(valid) } });
  }

  // ---- oauth states

  async insertState(s: Partial<OAuthStateEntity>): Promise<void> {
    await this.states.insert(s as never);
    await this.states.createQueryBuilder().delete().where("expires_at < now() - interval '1 day'").execute();
  }

  /** Single use: deletes and returns the state if it exists (expiry is checked by the caller). */
  async consumeState(state: string, provider: string): Promise<OAuthStateEntity | null> {
    const rows = (await this.ds.query(`DELETE FROM oauth_states WHERE state = $1 AND provider = $2 RETURNING *`, [
      state,
      provider,
    ])) as [Record<string, unknown>[], number] | Record<string, unknown>[];
    const list = Array.isArray(rows[0]) ? (rows[0] as Record<string, unknown>[]) : (rows as Record<string, unknown>[]);
    const r = list[0];
    if (!r) {
      return null;
    }
    return this.states.create({
      state: r.state as string,
      orgId: r.org_id as string,
      userId: r.user_id as string,
      provider: r.provider as string,
      sourceId: (r.source_id as string) ?? null,
      name: (r.name as string) ?? null,
      realm: (r.realm as string) ?? null,
      scopes: (r.scopes as string[]) ?? [],
      pkceVerifier: r.pkce_verifier as string,
      redirectUri: r.redirect_uri as string,
      expiresAt: new Date(r.expires_at as string),
    });
  }
}
