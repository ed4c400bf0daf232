import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { SAFE_IDENT_RE } from '@libs/graph/graph-writer';
import type { TargetTable } from './context-pipeline.entity';

export type MappedRecord =
  | { kind: 'event'; ts: string; data: Record<string, unknown> }
  | { kind: 'node'; node: GraphNodeInput }
  | { kind: 'edge'; edge: GraphEdgeInput }
  | { kind: 'error'; message: string };

/** Labels the graph module uses itself; a record may not claim them. */
const RESERVED_LABELS = new Set(['Entity', 'StagedBatch', 'Staged', 'StagedEdge']);
const MAX_KEY = 512;

const fail = (message: string): MappedRecord => ({ kind: 'error', message });

function keyOf(v: unknown): string | null {
  if (typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY) {
    return v;
  }
  if (typeof v === 'number' && Number.isFinite(v)) {
    return String(v);
  }
  return null;
}

/** `ts|timestamp|time`: an ISO string or epoch seconds/milliseconds; absent → now. */
function timestampOf(o: Record<string, unknown>, now: Date): string | null {
  const raw = o.ts ?? o.timestamp ?? o.time;
  if (raw === undefined || raw === null) {
    return now.toISOString();
  }
  let ms = NaN;
  if (typeof raw === 'string') {
    ms = Date.parse(raw);
  } else if (typeof raw === 'number' && Number.isFinite(raw)) {
    ms = raw >= 1e11 ? raw : raw * 1000;
  }
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function without(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!keys.includes(k)) {
      out[k] = v;
    }
  }
  return out;
}

/** Parses one NDJSON line into what the pipeline's target table stores (spec §6.3 "Record mapping"). */
export function mapRecord(target: TargetTable, line: string, now = new Date()): MappedRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return fail(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('a record must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  if (target === 'context_events') {
    const ts = timestampOf(o, now);
    return ts ? { kind: 'event', ts, data: o } : fail('ts/timestamp/time is not a valid timestamp');
  }
  if (target === 'context_nodes') {
    const keyField = o.key !== undefined ? 'key' : 'id';
    const key = keyOf(o[keyField]);
    if (!key) {
      return fail(`key (or id) must be a non-empty string of at most ${MAX_KEY} characters or a number`);
    }
    const labels = o.labels === undefined ? ['Record'] : typeof o.labels === 'string' ? [o.labels] : o.labels;
    if (!Array.isArray(labels) || labels.length === 0) {
      return fail('labels must be a non-empty array of strings');
    }
    for (const l of labels) {
      if (typeof l !== 'string' || !SAFE_IDENT_RE.test(l) || RESERVED_LABELS.has(l)) {
        return fail(`label ${JSON.stringify(l)} is not allowed (letters, digits, _; not Entity)`);
      }
    }
    const props = without(o, [keyField, 'labels']);
    const name = typeof o.name === 'string' && o.name ? o.name : key;
    return {
      kind: 'node',
      node: {
        label: labels[0] as string,
        key,
        name,
        description: typeof o.description === 'string' ? o.description : undefined,
        properties: { ...props, labels: labels as string[] },
      },
    };
  }
  const from = keyOf(o.from);
  const to = keyOf(o.to);
  if (typeof o.type !== 'string' || !SAFE_IDENT_RE.test(o.type)) {
    return fail('type must be a relationship type (letters, digits, _)');
  }
  if (!from || !to) {
    return fail('from and to must be node keys');
  }
  return {
    kind: 'edge',
    edge: { type: o.type, fromKey: from, toKey: to, properties: without(o, ['type', 'from', 'to']) },
  };
}
