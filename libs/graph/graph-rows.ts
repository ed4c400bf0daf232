import type { GraphNodeInput } from '@libs/connectors/connector';
import { hash } from 'node:crypto';

/*
 * What one node or edge of a run becomes before GraphWriter stages it: checked labels and types,
 * flattened properties (reserved names prefixed), the full-text `search_text`, and the content
 * hash that lets a re-sync skip rewriting unchanged rows.
 */

/** Labels and relationship types cannot be parameters; they are validated against this before being spliced in. */
export const SAFE_IDENT_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const RESERVED_LABELS = new Set(['Entity', 'Staged', 'StagedEdge', 'StagedBatch', 'Memory']);
/** Properties the writer owns; connector properties with these names are stored as `prop_<name>`. */
const RESERVED_PROPS = new Set([
  'id',
  'org_id',
  'realm',
  'source_id',
  'key',
  'label',
  'name',
  'description',
  'snapshot',
  'archived_at',
  'created_at',
  'updated_at',
  'content_hash',
  'search_text',
]);

/** Upper bound of a node's `search_text` (the property values the full-text index sees). */
const SEARCH_TEXT_MAX = 8_000;

/** Property values joined for the full-text index, so search finds a row by any of its values. */
export function searchText(props: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const v of Object.values(props)) {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x === 'string' || typeof x === 'number') {
        parts.push(String(x));
      }
    }
  }
  return parts.join(' ').slice(0, SEARCH_TEXT_MAX);
}

export class GraphWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphWriteError';
  }
}

export interface WriteScope {
  orgId: string;
  sourceId: string;
  realm: string;
  /** the sync job id; becomes `snapshot` of every node/edge the run writes */
  jobId: string;
}

export interface CommitResult {
  nodesWritten: number;
  edgesWritten: number;
  edgesSkipped: number;
  nodesArchived: number;
  edgesArchived: number;
}

export function assertSafeLabel(label: string, what = 'label'): string {
  if (!SAFE_IDENT_RE.test(label) || RESERVED_LABELS.has(label)) {
    throw new GraphWriteError(`invalid ${what} "${label}" (must match ${SAFE_IDENT_RE.source} and not be reserved)`);
  }
  return label;
}

export function flatProps(props: Record<string, unknown> | undefined, node?: GraphNodeInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || k.startsWith('_')) {
      continue;
    }
    if (node && (k === 'name' || k === 'description') && v === node[k]) {
      continue;
    }
    const ok =
      ['string', 'number', 'boolean'].includes(typeof v) ||
      (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)));
    const value = ok ? v : JSON.stringify(v);
    out[RESERVED_PROPS.has(k) ? `prop_${k}` : k] = value;
  }
  return out;
}

/** Stable hash of a node/edge's content (+ realm): equal hashes mean a re-sync can skip rewriting properties. */
export function contentHash(realm: string, content: Record<string, unknown>): { hash: string; size: number } {
  const keys = Object.keys(content).sort();
  const text = JSON.stringify(keys.map((k) => [k, content[k]]));
  // one-shot hash of realm + NUL + text (the same digest as hashing the three parts in turn)
  return { hash: hash('sha1', `${realm}\0${text}`, 'base64url'), size: text.length };
}

/** A staged node as the publish statement takes it; `props` is its whole content (key, label, name, search_text, properties). */
export interface NodeRow {
  key: string;
  label: string;
  hash: string;
  props: Record<string, unknown>;
}

export interface EdgeRow {
  type: string;
  from: string;
  to: string;
  hash: string;
  props: Record<string, unknown>;
}
