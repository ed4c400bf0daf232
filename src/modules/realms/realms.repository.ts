import { GraphSchemaService, graphUnavailable, Neo4jService } from '@libs/graph';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { RealmEntity } from './realm.entity';

export interface RealmUsage {
  nodes: number;
  edges: number;
  sources: number;
}

const UNDEFINED_TABLE = '42P01';
const UNIQUE_VIOLATION = '23505';

function pgCode(err: unknown): string | undefined {
  return err instanceof QueryFailedError
    ? (err.driverError as { code?: string })?.code
    : (err as { code?: string })?.code;
}

/** Realm rows (PostgreSQL) plus per-realm usage counts (Neo4j + the sources table). */
@Injectable()
export class RealmsRepository {
  private readonly logger = new Logger(RealmsRepository.name);

  constructor(
    @InjectRepository(RealmEntity) private readonly repo: Repository<RealmEntity>,
    private readonly ds: DataSource,
    private readonly neo4j: Neo4jService,
    private readonly schema: GraphSchemaService,
  ) {}

  listCustom(orgId: string): Promise<RealmEntity[]> {
    return this.repo.find({ where: { orgId }, order: { name: 'ASC' } });
  }

  findByName(orgId: string, name: string): Promise<RealmEntity | null> {
    return this.repo.findOne({ where: { orgId, name } });
  }

  findById(orgId: string, id: string): Promise<RealmEntity | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      return Promise.resolve(null);
    }
    return this.repo.findOne({ where: { orgId, id } });
  }

  /** Inserts; returns null when the name is taken (unique index). */
  async insert(
    orgId: string,
    name: string,
    description: string | null,
    createdBy: string | null,
  ): Promise<RealmEntity | null> {
    try {
      return await this.repo.save(this.repo.create({ orgId, name, description, createdBy }));
    } catch (err) {
      if (pgCode(err) === UNIQUE_VIOLATION) {
        return null;
      }
      throw err;
    }
  }

  async updateDescription(orgId: string, id: string, description: string | null): Promise<RealmEntity | null> {
    await this.repo.update({ orgId, id }, { description });
    return this.findById(orgId, id);
  }

  async delete(orgId: string, id: string): Promise<void> {
    await this.repo.delete({ orgId, id });
  }

  async orgCreatedAt(orgId: string): Promise<Date | null> {
    const rows = (await this.ds.query(`SELECT created_at FROM organizations WHERE id = $1`, [orgId])) as {
      created_at: Date;
    }[];
    return rows[0]?.created_at ?? null;
  }

  /** Sources per realm; 0 when the sources table does not exist (yet). */
  async sourceCounts(orgId: string): Promise<Record<string, number>> {
    try {
      const rows = (await this.ds.query(
        `SELECT realm, count(*)::int AS c FROM sources WHERE org_id = $1 GROUP BY realm`,
        [orgId],
      )) as { realm: string | null; c: number }[];
      return Object.fromEntries(rows.filter((r) => r.realm).map((r) => [r.realm as string, Number(r.c)]));
    } catch (err) {
      if (pgCode(err) === UNDEFINED_TABLE) {
        return {};
      }
      throw err;
    }
  }

  /** Live node and edge counts per realm from the graph (org-filtered). */
  async graphCounts(orgId: string): Promise<{ nodes: Record<string, number>; edges: Record<string, number> }> {
    await this.schema.ready();
    const [n, e] = await Promise.all([
      this.neo4j.read(
        `MATCH (n:Entity) WHERE n.org_id = $org AND n.archived_at IS NULL RETURN n.realm AS realm, count(*) AS c`,
        { org: orgId },
      ),
      this.neo4j.read(
        `MATCH (a:Entity)-[r]->(b) WHERE a.org_id = $org AND r.archived_at IS NULL AND a.archived_at IS NULL AND b.archived_at IS NULL RETURN r.realm AS realm, count(*) AS c`,
        { org: orgId },
      ),
    ]).catch(graphUnavailable);
    const toMap = (recs: typeof n.records) =>
      Object.fromEntries(
        recs.filter((r) => r.get('realm') !== null).map((r) => [String(r.get('realm')), Number(r.get('c'))]),
      );
    return { nodes: toMap(n.records), edges: toMap(e.records) };
  }

  /** Archives the realm's live nodes and edges (DELETE ?force=true). */
  async archiveGraph(orgId: string, realm: string): Promise<number> {
    const now = Date.now();
    const res = await this.neo4j.write(
      `MATCH (n:Entity) WHERE n.org_id = $org AND n.realm = $realm AND n.archived_at IS NULL
       SET n.archived_at = $now, n.updated_at = $now
       RETURN count(n) AS c`,
      { org: orgId, realm, now },
    );
    await this.neo4j.write(
      `MATCH (a:Entity)-[r]-() WHERE a.org_id = $org AND r.realm = $realm AND r.archived_at IS NULL
       SET r.archived_at = $now`,
      { org: orgId, realm, now },
    );
    return Number(res.records[0]?.get('c') ?? 0);
  }

  /** Moves sources of the realm to `default` (their realm column is NOT NULL). */
  async resetSourceRealm(orgId: string, realm: string): Promise<void> {
    try {
      await this.ds.query(`UPDATE sources SET realm = 'default', updated_at = now() WHERE org_id = $1 AND realm = $2`, [
        orgId,
        realm,
      ]);
    } catch (err) {
      if (pgCode(err) === UNDEFINED_TABLE) {
        return;
      }
      this.logger.warn(`could not reset sources of realm ${realm}: ${(err as Error).message}`);
    }
  }
}
