import neo4j, { Node, Path, Relationship } from 'neo4j-driver';
import type { GraphEdgeDto, GraphNodeDto } from './dto/graph.dto';

/** Properties never exposed by the API. */
const HIDDEN = new Set(['org_id', 'search_text']);

function isTemporal(v: unknown): boolean {
  return (
    neo4j.isDate(v as never) ||
    neo4j.isDateTime(v as never) ||
    neo4j.isLocalDateTime(v as never) ||
    neo4j.isLocalTime(v as never) ||
    neo4j.isTime(v as never) ||
    neo4j.isDuration(v as never)
  );
}

/** Epoch ms / ISO string / Neo4j temporal → RFC 3339 string (or null). */
export function toIso(v: unknown): string | null {
  if (v === null || v === undefined) {
    return null;
  }
  if (typeof v === 'number' && Number.isFinite(v)) {
    return new Date(v).toISOString();
  }
  if (typeof v === 'string') {
    return v;
  }
  if (isTemporal(v)) {
    const s = String(v);
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? s : d.toISOString();
  }
  return null;
}

/** Driver values → plain JSON (nodes, relationships and paths become API shapes). */
export function toPlain(v: unknown): unknown {
  if (v === null || v === undefined) {
    return null;
  }
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') {
    return v;
  }
  if (typeof v === 'bigint') {
    return Number(v);
  }
  if (neo4j.isInt(v as never)) {
    return (v as { toNumber(): number }).toNumber();
  }
  if (neo4j.isNode(v as never)) {
    return toNodeDto(v as Node);
  }
  if (neo4j.isRelationship(v as never)) {
    return toEdgeDto(v as Relationship);
  }
  if (neo4j.isPath(v as never)) {
    const p = v as Path;
    const nodes = [toNodeDto(p.start), ...p.segments.map((s) => toNodeDto(s.end))];
    const edges = p.segments.map((s) => toEdgeDto(s.relationship, s.start, s.end));
    return { nodes, edges, length: p.length };
  }
  if (isTemporal(v)) {
    return String(v);
  }
  if (neo4j.isPoint(v as never)) {
    const p = v as { srid: number; x: number; y: number; z?: number };
    return { srid: Number(p.srid), x: p.x, y: p.y, ...(p.z !== undefined ? { z: p.z } : {}) };
  }
  if (Array.isArray(v)) {
    return v.map(toPlain);
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      out[k] = toPlain(val);
    }
    return out;
  }
  return String(v);
}

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

/**
 * A node's properties as a client sees them. A source property whose name the graph reserves (a csv
 * column `id` or `key`) is stored as `prop_<name>` and shown under its own name here; the graph's own
 * value stays available in the DTO's top-level field (`id`, `key`, ...).
 */
export function publicProperties(props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (!HIDDEN.has(k) && !(`prop_${k}` in props)) {
      out[k.startsWith('prop_') && k.slice(5) in props ? k.slice(5) : k] = toPlain(v);
    }
  }
  return out;
}

export function toNodeDto(node: Node): GraphNodeDto {
  const p = node.properties as Record<string, unknown>;
  const labels = node.labels.filter((l) => l !== 'Entity');
  const id = str(p.id) ?? node.elementId;
  const name = str(p.name);
  return {
    id,
    labels,
    label: str(p.label) ?? labels[0] ?? null,
    name,
    display_name: str(p.display_name) ?? name ?? str(p.title) ?? str(p.key) ?? id,
    description: str(p.description),
    realm: str(p.realm),
    source_id: str(p.source_id),
    key: str(p.key),
    source: { source_id: str(p.source_id), connector: str(p.connector) },
    properties: publicProperties(p),
    created_at: toIso(p.created_at),
    updated_at: toIso(p.updated_at),
    archived_at: toIso(p.archived_at),
  };
}

export function toEdgeDto(
  rel: Relationship,
  start?: Node,
  end?: Node,
  ids?: { from?: string; to?: string },
): GraphEdgeDto {
  const p = rel.properties as Record<string, unknown>;
  return {
    id: str(p.id) ?? rel.elementId,
    type: rel.type,
    from:
      ids?.from ??
      (start && start.elementId === rel.startNodeElementId
        ? (str(start.properties.id) ?? start.elementId)
        : end && end.elementId === rel.startNodeElementId
          ? (str(end.properties.id) ?? end.elementId)
          : rel.startNodeElementId),
    to:
      ids?.to ??
      (end && end.elementId === rel.endNodeElementId
        ? (str(end.properties.id) ?? end.elementId)
        : start && start.elementId === rel.endNodeElementId
          ? (str(start.properties.id) ?? start.elementId)
          : rel.endNodeElementId),
    realm: str(p.realm),
    source_id: str(p.source_id),
    properties: publicProperties(p),
  };
}

/** Walks a driver value and reports any node/relationship whose org_id is not `orgId`. */
export function findForeign(v: unknown, orgId: string): boolean {
  if (v === null || v === undefined || typeof v !== 'object') {
    return false;
  }
  if (neo4j.isNode(v as never) || neo4j.isRelationship(v as never)) {
    const org = (v as Node).properties.org_id;
    return org !== orgId && !(neo4j.isRelationship(v as never) && org === undefined);
  }
  if (neo4j.isPath(v as never)) {
    const p = v as Path;
    return (
      findForeign(p.start, orgId) ||
      p.segments.some((s) => findForeign(s.end, orgId) || findForeign(s.relationship, orgId))
    );
  }
  if (Array.isArray(v)) {
    return v.some((x) => findForeign(x, orgId));
  }
  if (isTemporal(v) || neo4j.isPoint(v as never) || neo4j.isInt(v as never)) {
    return false;
  }
  return Object.values(v as Record<string, unknown>).some((x) => findForeign(x, orgId));
}
