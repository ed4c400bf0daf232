import { parse } from 'csv-parse';
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
  openFileSource,
  toPropertyValue,
  type FileSourceConfig,
} from '../file-source';
import { defaultNameField } from '../record-name';

export interface CsvConfig extends FileSourceConfig {
  label?: string;
  key_column?: string;
  name_column?: string;
  description_column?: string;
  delimiter?: string;
}

function parser(c: CsvConfig) {
  return parse({
    columns: true,
    delimiter: c.delimiter ?? ',',
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: false,
  });
}

function parseError(err: unknown): ConnectorConfigError {
  if (err instanceof ConnectorConfigError) {
    return err;
  }
  const e = err as { message?: string; lines?: number; code?: string };
  return new ConnectorConfigError('shape', `CSV parse error: ${e.message ?? String(err)}`, {
    line: e.lines,
    parse_code: e.code,
  });
}

/** Checks that the configured columns exist in the header. */
function checkColumns(c: CsvConfig, columns: string[]) {
  const fields: { field: string; errors: string[] }[] = [];
  for (const k of ['key_column', 'name_column', 'description_column'] as const) {
    const col = c[k];
    if (col && !columns.includes(col)) {
      fields.push({ field: `config.${k}`, errors: [`column "${col}" is not in the header (${columns.join(', ')})`] });
    }
  }
  if (fields.length) {
    throw new ConnectorConfigError('shape', fields.map((f) => f.errors[0]).join('; '), { fields, columns });
  }
}

function rowToNode(c: CsvConfig, row: Record<string, string>, n: number): GraphNodeInput {
  const key = c.key_column ? row[c.key_column] : `row:${n}`;
  if (key === undefined || key === '') {
    throw new ConnectorConfigError('shape', `Row ${n} has an empty key column "${c.key_column}"`, { row: n });
  }
  const nameColumn = c.name_column ?? defaultNameField(row);
  const properties: Record<string, unknown> = { row_number: n };
  for (const [k, v] of Object.entries(row)) {
    const pv = toPropertyValue(v);
    // a `name` column that names the node is the node's name, not a second `prop_name` property
    if (pv !== undefined && pv !== '' && !(k === 'name' && k === nameColumn)) {
      properties[k] = pv;
    }
  }
  const name = nameColumn ? row[nameColumn] : undefined;
  return {
    label: c.label ?? 'Record',
    key: String(key),
    name: String(name === undefined || name === '' ? key : name),
    description: c.description_column ? row[c.description_column] : undefined,
    properties,
  };
}

export const csvConnector = defineConnector<CsvConfig>({
  type: 'csv',
  displayName: 'CSV file',
  description: 'Rows of a CSV file (URL or upload) become nodes; columns become properties.',
  defaultRealm: 'data',
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...FILE_SOURCE_PROPERTIES,
      label: { type: 'string', pattern: LABEL_PATTERN, default: 'Record', description: 'node label of every row' },
      key_column: { type: 'string', minLength: 1, description: 'column holding a stable row id (default: row number)' },
      name_column: {
        type: 'string',
        minLength: 1,
        description: 'column used as node name (default: a `name` or else `title` column, else the key)',
      },
      description_column: { type: 'string', minLength: 1 },
      delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',' },
    },
    anyOf: [{ required: ['url'] }, { required: ['file_id'] }],
  },
  secretFields: ['headers'],

  async validate(ctx: ConnectorContext<CsvConfig>) {
    const stream = await openFileSource(ctx);
    const p = stream.pipe(parser(ctx.config));
    try {
      let columns: string[] = [];
      let rows = 0;
      for await (const row of p) {
        columns = Object.keys(row as object);
        rows++;
        break;
      }
      if (rows === 0) {
        return { ok: true, info: { columns: [], empty: true } };
      }
      checkColumns(ctx.config, columns);
      return { ok: true, info: { columns } };
    } catch (err) {
      throw parseError(err);
    } finally {
      stream.destroy();
    }
  },

  async *ingest(ctx: ConnectorContext<CsvConfig>): AsyncIterable<IngestBatch> {
    const size = ctx.batchSize ?? 500;
    const stream = await openFileSource(ctx);
    const p = stream.pipe(parser(ctx.config));
    stream.on('error', (e) => p.destroy(e));
    let batch: GraphNodeInput[] = [];
    let n = 0;
    let checked = false;
    try {
      for await (const row of p) {
        if (!checked) {
          checkColumns(ctx.config, Object.keys(row as object));
          checked = true;
        }
        n++;
        batch.push(rowToNode(ctx.config, row as Record<string, string>, n));
        if (batch.length >= size) {
          yield { nodes: batch, edges: [] };
          batch = [];
        }
      }
    } catch (err) {
      throw parseError(err);
    } finally {
      stream.destroy();
    }
    if (batch.length) {
      yield { nodes: batch, edges: [] };
    }
  },

  tools: [],
  unknownTool: (tool) => new ToolExecutionError('tool_not_found', `csv has no tool ${tool}`),
});
