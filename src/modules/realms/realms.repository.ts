import { GraphSchemaService, graphUnavailable, Neo4jService } from '@libs/graph';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { RealmEntity } from './realm.entity';

export interface RealmUsage {
  nodes: number;
  edges: number;
  sources: number;
}

const UNIQUE_VIOLATION = '23505';

function pgCode(err: unknown): string | undefined {
  return err instanceof QueryFailedError
    ? (err.driverError as { code?: string })?.code
    : (err as { code?: string })?.code;
}

/** Realm rows (PostgreSQL) plus per-realm graph counts and archival (Neo4j). */
@Injectable()
export class RealmsRepository {
  constructor(
    @InjectRepository(RealmEntity) private readonly repo: Repository<RealmEntity>,
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
}
