import {
  ConnectorConfigError,
  ToolExecutionError,
  type ConnectorContext,
  type GraphNodeInput,
  type IngestBatch,
} from '../connector';
import { defineConnector } from '../define-connector';
import {
  FILE_SOURCE_PROPERTIES,
  LABEL_PATTERN,
  readFileSource,
  toPropertyValue,
  type FileSourceConfig,
} from '../file-source';
import { defaultNameField } from '../record-name';

export interface JsonConfig extends FileSourceConfig {
  label?: string;
  key_field?: string;
  name_field?: string;
  description_field?: string;
  /** dot path to the array of records inside the document, e.g. `data.items` */
  records_path?: string;
}

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') {
      return undefined;
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Parses a JSON document (array, object, or `records_path`) or NDJSON into records. */
export function parseRecords(text: string, c: JsonConfig): Record<string, unknown>[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    try {
      doc = lines.map((l) => JSON.parse(l));
    } catch {
      throw new ConnectorConfigError('shape', `Invalid JSON: ${(err as Error).message}`);
    }
  }
  let records = c.records_path ? getPath(doc, c.records_path) : doc;
  if (c.records_path && records === undefined) {
    throw new ConnectorConfigError('shape', `records_path "${c.records_path}" is not in the document`, {
      fields: [{ field: 'config.records_path', errors: ['path not found'] }],
    });
  }
  if (!Array.isArray(records)) {
    records = [records];
  }
  const list = records as unknown[];
  list.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new ConnectorConfigError('shape', `Record ${i} is not an object`, { index: i });
    }
  });
  return list as Record<string, unknown>[];
}

/** Flattens nested objects into `a.b` keys (one node per record; nested arrays of objects become JSON text). */
function flatten(
  obj: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      flatten(v as Record<string, unknown>, key, out);
    } else {
      const pv = toPropertyValue(v);
      if (pv !== undefined) {
        out[key] = pv;
      }
    }
  }
  return out;
}

function recordToNode(c: JsonConfig, r: Record<string, unknown>, i: number): GraphNodeInput {
  const rawKey = c.key_field ? getPath(r, c.key_field) : `record:${i + 1}`;
  if (rawKey === undefined || rawKey === null || rawKey === '') {
    throw new ConnectorConfigError('shape', `Record ${i} has no "${c.key_field}"`, {
      index: i,
      fields: [{ field: 'config.key_field', errors: [`missing in record ${i}`] }],
    });
  }
  const nameField = c.name_field ?? defaultNameField(r);
  const name = nameField ? getPath(r, nameField) : undefined;
  const description = c.description_field ? getPath(r, c.description_field) : undefined;
  const properties = flatten(r);
  // a `name` key that names the node is the node's name, not a second `prop_name` property
  if (nameField === 'name') {
    delete properties.name;
  }
  return {
    label: c.label ?? 'Record',
    key: String(rawKey),
    name: String(name === undefined || name === null || name === '' ? rawKey : name),
    description: description === undefined || description === null ? undefined : String(description),
    properties,
  };
}

export const jsonConnector = defineConnector<JsonConfig>({
  type: 'json',
  displayName: 'JSON file',
  description: 'Objects of a JSON (array, nested array via records_path, or NDJSON) file become nodes.',
  defaultRealm: 'data',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...FILE_SOURCE_PROPERTIES,
      label: { type: 'string', pattern: LABEL_PATTERN, default: 'Record' },
      key_field: { type: 'string', minLength: 1, description: 'dot path of a stable record id (default: position)' },
      name_field: {
        type: 'string',
        minLength: 1,
        description: 'dot path of the node name (default: a `name` or else `title` key, else the key)',
      },
      description_field: { type: 'string', minLength: 1 },
      records_path: { type: 'string', minLength: 1, description: 'dot path of the records array' },
    },
    anyOf: [{ required: ['url'] }, { required: ['file_id'] }],
  },
  secretFields: ['headers'],

  async validate(ctx: ConnectorContext<JsonConfig>) {
    const records = parseRecords((await readFileSource(ctx)).toString('utf8'), ctx.config);
    if (records.length && ctx.config.key_field && getPath(records[0], ctx.config.key_field) === undefined) {
      throw new ConnectorConfigError('shape', `key_field "${ctx.config.key_field}" is not in the records`, {
        fields: [{ field: 'config.key_field', errors: ['not found in the first record'] }],
      });
    }
    return { ok: true, info: { records: records.length } };
  },

  async *ingest(ctx: ConnectorContext<JsonConfig>): AsyncIterable<IngestBatch> {
    const size = ctx.batchSize ?? 500;
    const records = parseRecords((await readFileSource(ctx)).toString('utf8'), ctx.config);
    for (let i = 0; i < records.length; i += size) {
      yield { nodes: records.slice(i, i + size).map((r, j) => recordToNode(ctx.config, r, i + j)), edges: [] };
    }
  },

  tools: [],
  unknownTool: (tool) => new ToolExecutionError('tool_not_found', `json has no tool ${tool}`),
});
