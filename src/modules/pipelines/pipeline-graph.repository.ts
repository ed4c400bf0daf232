import { Neo4jService } from '@libs/graph/neo4j.service';
import { Injectable } from '@nestjs/common';

export interface RevertCounts {
  restored: number;
  archived: number;
}

/**
 * Graph side of a pipeline revert, on the properties GraphWriter keeps on every node and edge of a
 * source (`created_at`, `archived_at`, epoch ms): what was archived after the cutoff comes back if it
 * existed at the cutoff, and what was created after the cutoff is archived. Limited to the
 * pipeline's realm (the realm its runs write), so the source's own syncs into another realm are
 * never touched.
 */
@Injectable()
export class PipelineGraphRepository {
  constructor(private readonly neo4j: Neo4jService) {}

  async revertSource(orgId: string, sourceId: string, realm: string, cutoff: number): Promise<RevertCounts> {
    const p = { org: orgId, src: sourceId, realm, cutoff, now: Date.now() };
    return this.neo4j.writeTx(async (tx) => {
      const restored = await tx.run(
        `MATCH (n:Entity {org_id: $org, source_id: $src})
         WHERE n.realm = $realm AND n.archived_at > $cutoff AND n.created_at <= $cutoff
         SET n.archived_at = null RETURN count(n) AS c`,
        p,
      );
      await tx.run(
        `MATCH (:Entity {org_id: $org, source_id: $src})-[r]->()
         WHERE r.source_id = $src AND r.realm = $realm AND r.archived_at > $cutoff AND r.created_at <= $cutoff
         SET r.archived_at = null`,
        p,
      );
      const archived = await tx.run(
        `MATCH (n:Entity {org_id: $org, source_id: $src})
         WHERE n.realm = $realm AND n.archived_at IS NULL AND n.created_at > $cutoff
         SET n.archived_at = $now RETURN count(n) AS c`,
        p,
      );
      await tx.run(
        `MATCH (:Entity {org_id: $org, source_id: $src})-[r]->()
         WHERE r.source_id = $src AND r.realm = $realm AND r.archived_at IS NULL AND r.created_at > $cutoff
         SET r.archived_at = $now`,
        p,
      );
      return {
        restored: Number(restored.records[0]?.get('c') ?? 0),
        archived: Number(archived.records[0]?.get('c') ?? 0),
      };
    });
  }
}
