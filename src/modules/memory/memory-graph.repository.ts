import { Neo4jService } from '@libs/graph';
import { Injectable } from '@nestjs/common';
import type { MemoryEntity } from './memory.entity';

/**
 * The `:Memory` mirror in Neo4j: one node per entry (`id`, `org_id`, `realm`, `kind`, `text`,
 * `tags`, `name`, timestamps in epoch ms, `deleted_at`/`archived_at` once deleted) with
 * `[:MENTIONS]` edges to the `:Entity` nodes of the same org named in `subject_node_ids`
 * (ids of other orgs or unknown ids are skipped).
 */
@Injectable()
export class MemoryGraphRepository {
  constructor(private readonly neo4j: Neo4jService) {}

  /** Writes the node and replaces its MENTIONS edges; a deleted entry becomes a tombstone without edges. */
  async upsert(m: MemoryEntity): Promise<void> {
    const deletedAt = m.deletedAt ? m.deletedAt.getTime() : null;
    await this.neo4j.writeTx(async (tx) => {
      await tx.run(
        `MERGE (m:Memory {id: $id})
         ON CREATE SET m.org_id = $org
         WITH m WHERE m.org_id = $org
         SET m.realm = $realm, m.kind = $kind, m.text = $text, m.name = $name, m.label = 'Memory',
             m.tags = $tags, m.created_at = $createdAt, m.updated_at = $updatedAt,
             m.deleted_at = $deletedAt, m.archived_at = $deletedAt
         WITH m
         OPTIONAL MATCH (m)-[r:MENTIONS]->()
         DELETE r`,
        {
          id: m.id,
          org: m.orgId,
          realm: m.realm,
          kind: m.kind,
          text: m.text,
          name: m.text.length > 120 ? `${m.text.slice(0, 117)}...` : m.text,
          tags: m.tags ?? [],
          createdAt: m.createdAt.getTime(),
          updatedAt: m.updatedAt.getTime(),
          deletedAt,
        },
      );
      if (deletedAt === null && m.subjectNodeIds?.length) {
        await tx.run(
          `MATCH (m:Memory {id: $id}) WHERE m.org_id = $org
           UNWIND $subjects AS sid
           MATCH (n:Entity {id: sid}) WHERE n.org_id = $org
           MERGE (m)-[e:MENTIONS]->(n)
           SET e.org_id = $org, e.realm = $realm, e.archived_at = null`,
          { id: m.id, org: m.orgId, realm: m.realm, subjects: m.subjectNodeIds },
        );
      }
    });
  }

  /** Compaction: removes the org's `:Memory` nodes with these ids and their edges; returns how many were removed. */
  async deleteNodes(orgId: string, ids: string[]): Promise<number> {
    if (!ids.length) {
      return 0;
    }
    const res = await this.neo4j.write<{ n: number }>(
      `MATCH (m:Memory) WHERE m.id IN $ids AND m.org_id = $org
       DETACH DELETE m
       RETURN count(m) AS n`,
      { ids, org: orgId },
    );
    return res.records[0]?.get('n') ?? 0;
  }
}
