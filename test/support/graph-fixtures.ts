import type { Neo4jService } from '@libs/graph';
import { randomUUID } from 'node:crypto';

/**
 * Test nodes/edges written with plain Cypher, following docs/conventions.md "Graph conventions"
 * exactly (labels :Entity:<Label>; id n_<uuid>; org_id, realm, source_id, key, label, name,
 * description, snapshot, archived_at, created_at, updated_at as epoch ms).
 */
export interface SeedNode {
  orgId: string;
  label: string;
  name: string;
  realm?: string;
  sourceId?: string;
  key?: string;
  description?: string;
  archived?: boolean;
  extraLabels?: string[];
  props?: Record<string, unknown>;
  createdAt?: number;
  updatedAt?: number;
}

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function seedNode(neo4j: Neo4jService, n: SeedNode): Promise<string> {
  const labels = [n.label, ...(n.extraLabels ?? [])];
  for (const l of labels) {
    if (!LABEL.test(l)) {
      throw new Error(`bad label ${l}`);
    }
  }
  const id = `n_${randomUUID()}`;
  const now = Date.now();
  const props = {
    ...(n.props ?? {}),
    id,
    org_id: n.orgId,
    realm: n.realm ?? 'infrastructure',
    source_id: n.sourceId ?? '00000000-0000-4000-8000-000000000001',
    key: n.key ?? `${n.label}:${n.name}:${id}`,
    label: n.label,
    name: n.name,
    description: n.description ?? null,
    snapshot: 'job-test',
    archived_at: n.archived ? now : null,
    created_at: n.createdAt ?? now,
    updated_at: n.updatedAt ?? n.createdAt ?? now,
  };
  await neo4j.write(`CREATE (n:Entity:${labels.map((l) => `\`${l}\``).join(':')}) SET n = $props`, { props });
  return id;
}

export async function seedEdge(
  neo4j: Neo4jService,
  e: {
    orgId: string;
    from: string;
    to: string;
    type: string;
    realm?: string;
    sourceId?: string;
    archived?: boolean;
    props?: Record<string, unknown>;
  },
): Promise<void> {
  if (!LABEL.test(e.type)) {
    throw new Error(`bad type ${e.type}`);
  }
  const props = {
    ...(e.props ?? {}),
    org_id: e.orgId,
    realm: e.realm ?? 'infrastructure',
    source_id: e.sourceId ?? '00000000-0000-4000-8000-000000000001',
    snapshot: 'job-test',
    archived_at: e.archived ? Date.now() : null,
  };
  const res = await neo4j.write(
    `MATCH (a:Entity {id: $from}), (b:Entity {id: $to}) CREATE (a)-[r:\`${e.type}\`]->(b) SET r = $props RETURN count(r) AS c`,
    { from: e.from, to: e.to, props },
  );
  if (Number(res.records[0]?.get('c')) !== 1) {
    throw new Error('seedEdge: endpoints not found');
  }
}

export async function wipeOrgGraph(neo4j: Neo4jService, orgId: string): Promise<void> {
  await neo4j.write(`MATCH (n:Entity) WHERE n.org_id = $org DETACH DELETE n`, { org: orgId });
}
