import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  ACTIVE_RUN_STATUSES,
  PipelineEntity,
  PipelineRunEntity,
  type LastFire,
  type RunStatus,
} from './pipeline.entity';
import { PipelineRunsContract } from './pipelines.contract';

const isUniqueViolation = (e: unknown, index: string) =>
  e instanceof QueryFailedError &&
  (e as QueryFailedError & { driverError?: { code?: string; constraint?: string } }).driverError?.code === '23505' &&
  (e as QueryFailedError & { driverError?: { constraint?: string } }).driverError?.constraint === index;

/** The only code touching `pipelines` and `pipeline_runs`; every method is scoped to an org. */
@Injectable()
export class PipelinesRepository implements PipelineRunsContract {
  constructor(
    @InjectRepository(PipelineEntity) private readonly pipelines: Repository<PipelineEntity>,
    @InjectRepository(PipelineRunEntity) private readonly runs: Repository<PipelineRunEntity>,
  ) {}

  /** Inserts the pipeline; false when the name is taken in the org. */
  async insertPipeline(row: Omit<PipelineEntity, 'createdAt' | 'updatedAt'>): Promise<boolean> {
    try {
      await this.pipelines.insert(row as QueryDeepPartialEntity<PipelineEntity>);
      return true;
    } catch (e) {
      if (isUniqueViolation(e, 'pipelines_org_name_uq')) {
        return false;
      }
      throw e;
    }
  }

  findPipeline(orgId: string, id: string): Promise<PipelineEntity | null> {
    return this.pipelines.findOne({ where: { orgId, id } });
  }

  listPipelines<R>(orgId: string, q: PageQuery, map: (e: PipelineEntity) => R): Promise<Page<R>> {
    const qb = this.pipelines.createQueryBuilder('p').where('p.org_id = :orgId', { orgId });
    return paginate(qb, q, { scope: `pipelines:${orgId}`, map });
  }

  /** Updates the pipeline and bumps its version; false when the new name is taken. */
  async updatePipeline(orgId: string, id: string, patch: Partial<PipelineEntity>): Promise<boolean> {
    try {
      await this.pipelines
        .createQueryBuilder()
        .update()
        .set({ ...patch, version: () => 'version + 1' } as QueryDeepPartialEntity<PipelineEntity>)
        .where('org_id = :orgId AND id = :id', { orgId, id })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e, 'pipelines_org_name_uq')) {
        return false;
      }
      throw e;
    }
  }

  async deletePipeline(orgId: string, id: string): Promise<void> {
    await this.pipelines.delete({ orgId, id });
  }

  /**
   * Inserts a run: `active_run` when the pipeline already has an active run, `duplicate_tick` when
   * a run of the same scheduled tick exists (another process fired it).
   */
  async insertRun(row: Omit<PipelineRunEntity, 'createdAt'>): Promise<'inserted' | 'active_run' | 'duplicate_tick'> {
    try {
      await this.runs.insert(row as QueryDeepPartialEntity<PipelineRunEntity>);
      return 'inserted';
    } catch (e) {
      if (isUniqueViolation(e, 'pipeline_runs_one_active_uq')) {
        return 'active_run';
      }
      if (isUniqueViolation(e, 'pipeline_runs_tick_uq')) {
        return 'duplicate_tick';
      }
      throw e;
    }
  }

  /** Records a scheduled fire on the pipeline (no version bump); `skipped` counts it. */
  async recordFire(orgId: string, id: string, fire: LastFire, skipped: boolean): Promise<void> {
    await this.pipelines
      .createQueryBuilder()
      .update()
      .set({
        lastFire: fire,
        ...(skipped ? { firesSkipped: () => 'fires_skipped + 1' } : {}),
        updatedAt: () => 'updated_at',
      } as QueryDeepPartialEntity<PipelineEntity>)
      .where('org_id = :orgId AND id = :id', { orgId, id })
      .execute();
  }

  /**
   * Deletes finished runs of one pipeline (or of every pipeline when `pipelineId` is null) beyond
   * the `max` newest and those finished before `before`; active runs are never touched.
   */
  async pruneRuns(pipelineId: string | null, max: number, before: Date): Promise<number> {
    const finished = `status NOT IN ('validating', 'running', 'finalizing')`;
    // the pg driver answers a DELETE with [rows, affected]
    const res: unknown = await this.runs.query(
      `DELETE FROM pipeline_runs d USING (
         SELECT id, COALESCE(finished_at, created_at) AS ended,
                row_number() OVER (PARTITION BY pipeline_id ORDER BY created_at DESC, id DESC) AS n
           FROM pipeline_runs
          WHERE ${finished} AND ($1::varchar IS NULL OR pipeline_id = $1)
       ) f
       WHERE d.id = f.id AND (f.n > $2 OR f.ended < $3)`,
      [pipelineId, max, before],
    );
    return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
  }

  findRun(orgId: string, pipelineId: string, id: string): Promise<PipelineRunEntity | null> {
    return this.runs.findOne({ where: { orgId, pipelineId, id } });
  }

  findRunById(orgId: string, id: string): Promise<PipelineRunEntity | null> {
    return this.runs.findOne({ where: { orgId, id } });
  }

  async runExists(orgId: string, runId: string): Promise<boolean> {
    return runId.length <= 40 && (await this.runs.exist({ where: { orgId, id: runId } }));
  }

  activeRun(orgId: string, pipelineId: string): Promise<PipelineRunEntity | null> {
    return this.runs.findOne({ where: { orgId, pipelineId, status: In(ACTIVE_RUN_STATUSES) } });
  }

  /** Succeeded runs that finished after `after` (the runs a revert undoes). */
  async runsFinishedAfter(orgId: string, pipelineId: string, after: Date): Promise<PipelineRunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where('r.org_id = :orgId AND r.pipeline_id = :pipelineId', { orgId, pipelineId })
      .andWhere('r.finished_at > :after', { after })
      .getMany();
  }

  listRuns<R>(orgId: string, pipelineId: string, q: PageQuery, map: (e: PipelineRunEntity) => R): Promise<Page<R>> {
    const qb = this.runs
      .createQueryBuilder('r')
      .where('r.org_id = :orgId AND r.pipeline_id = :pipelineId', { orgId, pipelineId });
    return paginate(qb, q, { scope: `pipeline-runs:${orgId}:${pipelineId}`, map });
  }

  /**
   * Applies `patch` only while the run is active (and, with `owner`, still owned by that replica);
   * false when it is finished (e.g. cancelled meanwhile) or another replica took it over.
   */
  async updateActiveRun(id: string, patch: Partial<PipelineRunEntity>, owner?: string): Promise<boolean> {
    const qb = this.runs
      .createQueryBuilder()
      .update()
      .set(patch as QueryDeepPartialEntity<PipelineRunEntity>)
      .where('id = :id AND status IN (:...active)', { id, active: ACTIVE_RUN_STATUSES });
    if (owner !== undefined) {
      qb.andWhere('owner_instance = :owner', { owner });
    }
    const r = await qb.execute();
    return (r.affected ?? 0) > 0;
  }

  /** Active runs that record their replica, across orgs (the run sweeper judges their owners). */
  activeOwnedRuns(): Promise<PipelineRunEntity[]> {
    return this.runs
      .createQueryBuilder('r')
      .where('r.status IN (:...active) AND r.owner_instance IS NOT NULL', { active: ACTIVE_RUN_STATUSES })
      .orderBy('r.created_at', 'ASC')
      .getMany();
  }

  /**
   * Hands an active run from the replica `from` (gone) to `to`, in one conditional UPDATE: of two
   * sweepers racing for the same run, exactly one gets true.
   */
  async claimRun(id: string, from: string, to: string): Promise<boolean> {
    const r = await this.runs
      .createQueryBuilder()
      .update()
      .set({ ownerInstance: to } as QueryDeepPartialEntity<PipelineRunEntity>)
      .where('id = :id AND status IN (:...active) AND owner_instance = :from', {
        id,
        from,
        active: ACTIVE_RUN_STATUSES,
      })
      .execute();
    return (r.affected ?? 0) > 0;
  }

  async updateRun(id: string, patch: Partial<PipelineRunEntity> & { status?: RunStatus }): Promise<void> {
    await this.runs.update({ id }, patch as QueryDeepPartialEntity<PipelineRunEntity>);
  }
}
