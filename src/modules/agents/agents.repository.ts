import { entityRows, type EntityRows } from '@libs/database/entity-rows';
import { preparedStatement } from '@libs/database/prepared-statement';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, QueryFailedError, Repository } from 'typeorm';
import { AgentEntity } from './agent.entity';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class DuplicateAgentNameError extends Error {}

/** Agents of an org; every method takes the org id. */
@Injectable()
export class AgentsRepository {
  /** the lookups of every chat send and run, prepared on first use */
  private lookup?: {
    rows: EntityRows<AgentEntity>;
    byId: (values: unknown[]) => Promise<Record<string, unknown>[]>;
    byName: (values: unknown[]) => Promise<Record<string, unknown>[]>;
  };

  constructor(@InjectRepository(AgentEntity) private readonly repo: Repository<AgentEntity>) {}

  /** By id (when it looks like a UUID) or by case-insensitive name. */
  async findByIdOrName(orgId: string, idOrName: string): Promise<AgentEntity | null> {
    const q = this.lookups();
    if (UUID_RE.test(idOrName)) {
      const byId = await q.byId([orgId, idOrName]);
      if (byId.length) {
        return q.rows.map(byId[0]);
      }
    }
    const byName = await q.byName([orgId, idOrName]);
    return byName.length ? q.rows.map(byName[0]) : null;
  }

  private lookups(): NonNullable<AgentsRepository['lookup']> {
    if (!this.lookup) {
      const ds = this.repo.manager.connection;
      const rows = entityRows(ds, AgentEntity, 'a');
      const from = `SELECT ${rows.columns} FROM agents a WHERE a.org_id = $1`;
      this.lookup = {
        rows,
        byId: preparedStatement(ds, 'agents_by_id', `${from} AND a.id = $2 LIMIT 1`),
        byName: preparedStatement(ds, 'agents_by_name', `${from} AND lower(a.name) = lower($2) LIMIT 1`),
      };
    }
    return this.lookup;
  }

  /** Whether another agent of the org has this name (case-insensitive). */
  async nameTaken(orgId: string, name: string, exceptId?: string): Promise<boolean> {
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.org_id = :orgId', { orgId })
      .andWhere('lower(a.name) = lower(:name)', { name });
    if (exceptId) {
      qb.andWhere('a.id <> :exceptId', { exceptId });
    }
    return (await qb.getCount()) > 0;
  }

  /** Inserts the org's built-in agent unless it exists (safe under concurrency). */
  async ensure(data: Partial<AgentEntity> & { orgId: string; name: string }): Promise<void> {
    await this.repo.query(
      `INSERT INTO agents (org_id, name, description, system_prompt, max_iterations, builtin)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, lower(name)) DO NOTHING`,
      [
        data.orgId,
        data.name,
        data.description ?? '',
        data.systemPrompt ?? null,
        data.maxIterations ?? 20,
        data.builtin ?? false,
      ],
    );
  }

  list<R>(orgId: string, query: PageQuery & { q?: string }, map: (a: AgentEntity) => R): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('a').where('a.org_id = :orgId', { orgId });
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        new Brackets((w) => w.where('a.name ILIKE :like', { like }).orWhere('a.description ILIKE :like', { like })),
      );
    }
    return paginate(qb, query, { scope: `agents:${orgId}:${query.q ?? ''}`, map });
  }

  async create(data: Partial<AgentEntity>): Promise<AgentEntity> {
    try {
      return await this.repo.save(this.repo.create(data));
    } catch (err) {
      throw isUniqueViolation(err) ? new DuplicateAgentNameError() : err;
    }
  }

  async save(entity: AgentEntity): Promise<AgentEntity> {
    try {
      return await this.repo.save(entity);
    } catch (err) {
      throw isUniqueViolation(err) ? new DuplicateAgentNameError() : err;
    }
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const res = await this.repo.delete({ orgId, id });
    return (res.affected ?? 0) > 0;
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof QueryFailedError &&
    (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code === '23505'
  );
}
