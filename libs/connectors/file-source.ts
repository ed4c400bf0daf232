import { findEgressError } from '@libs/egress/egress.errors';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ConnectorConfigError, type ConnectorContext } from './connector';

/** Where csv/json connectors read from: an http(s) URL or an uploaded file (`upl_<uuid>`). */
export interface FileSourceConfig {
  url?: string;
  file_id?: string;
  headers?: Record<string, string>;
}

export const FILE_ID_RE = /^upl_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export const FILE_SOURCE_PROPERTIES = {
  url: { type: 'string', pattern: '^https?://', maxLength: 2048, description: 'http(s) URL of the file' },
  file_id: {
    type: 'string',
    pattern: FILE_ID_RE.source,
    description: 'id of a file uploaded through POST /ingestion/upload',
  },
  headers: {
    type: 'object',
    additionalProperties: { type: 'string' },
    writeOnly: true,
    description: 'HTTP headers sent with the URL request (e.g. Authorization)',
  },
} as const;

/** Path of an uploaded file of an org; files live under `<UPLOAD_DIR>/<org_id>/<file_id>`. */
export function uploadPath(uploadDir: string, orgId: string, fileId: string): string {
  if (!FILE_ID_RE.test(fileId)) {
    throw new ConnectorConfigError('shape', 'file_id is malformed', {
      fields: [{ field: 'config.file_id', errors: ['malformed'] }],
    });
  }
  return join(uploadDir, orgId, fileId);
}

function sourceOf(
  ctx: ConnectorContext<FileSourceConfig>,
): { kind: 'url'; url: string } | { kind: 'file'; path: string } {
  const c = ctx.config;
  if (c.url && c.file_id) {
    throw new ConnectorConfigError('shape', 'Give either url or file_id, not both', {
      fields: [{ field: 'config', errors: ['url and file_id are mutually exclusive'] }],
    });
  }
  if (c.url) {
    return { kind: 'url', url: c.url };
  }
  if (c.file_id) {
    if (!ctx.uploadDir) {
      throw new ConnectorConfigError('unreachable', 'Uploads are not available in this context');
    }
    return { kind: 'file', path: uploadPath(ctx.uploadDir, ctx.orgId, c.file_id) };
  }
  throw new ConnectorConfigError('shape', 'config needs url or file_id', {
    fields: [{ field: 'config.url', errors: ['url or file_id is required'] }],
  });
}

/** Opens the configured file as a byte stream; typed ConnectorConfigError on HTTP/file failures. */
export async function openFileSource(ctx: ConnectorContext<FileSourceConfig>): Promise<Readable> {
  const src = sourceOf(ctx);
  if (src.kind === 'file') {
    try {
      const st = await stat(src.path);
      if (st.size > MAX_FILE_BYTES) {
        throw new ConnectorConfigError('shape', 'File is larger than 50 MB', { size: st.size });
      }
    } catch (err) {
      if (err instanceof ConnectorConfigError) {
        throw err;
      }
      throw new ConnectorConfigError('unreachable', `Uploaded file ${ctx.config.file_id} does not exist`, {
        file_id: ctx.config.file_id,
      });
    }
    return createReadStream(src.path);
  }
  let res: Response;
  try {
    res = await ctx.egress.fetch(src.url, {
      headers: ctx.config.headers ?? {},
      signal: ctx.signal ?? AbortSignal.timeout(30_000),
      redirect: 'follow',
    });
  } catch (err) {
    const refused = findEgressError(err);
    if (refused) {
      throw refused;
    }
    throw new ConnectorConfigError('unreachable', `Cannot fetch ${src.url}: ${(err as Error).message}`, {
      url: src.url,
    });
  }
  if (res.status === 401 || res.status === 403) {
    throw new ConnectorConfigError('credentials', `The server refused access to ${src.url} (HTTP ${res.status})`, {
      url: src.url,
      http_status: res.status,
    });
  }
  if (!res.ok || !res.body) {
    throw new ConnectorConfigError('unreachable', `Fetching ${src.url} failed with HTTP ${res.status}`, {
      url: src.url,
      http_status: res.status,
    });
  }
  const len = Number(res.headers.get('content-length') ?? 0);
  if (len > MAX_FILE_BYTES) {
    throw new ConnectorConfigError('shape', 'File is larger than 50 MB', { size: len });
  }
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
}

/** Reads the whole file (bounded by 50 MB). */
export async function readFileSource(ctx: ConnectorContext<FileSourceConfig>): Promise<Buffer> {
  const stream = await openFileSource(ctx);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_FILE_BYTES) {
      stream.destroy();
      throw new ConnectorConfigError('shape', 'File is larger than 50 MB');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Neo4j-safe property value: primitives and arrays of one primitive type; everything else becomes JSON text. */
export function toPropertyValue(v: unknown): unknown {
  if (v === null || v === undefined) {
    return undefined;
  }
  if (typeof v === 'string' || typeof v === 'boolean') {
    return v;
  }
  if (typeof v === 'number') {
    return Number.isFinite(v) ? v : String(v);
  }
  if (typeof v === 'bigint') {
    return v.toString();
  }
  if (v instanceof Date) {
    return v.toISOString();
  }
  if (Buffer.isBuffer(v)) {
    return v.toString('base64');
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      return [];
    }
    const t = typeof v[0];
    if ((t === 'string' || t === 'number' || t === 'boolean') && v.every((x) => typeof x === t)) {
      return v;
    }
    return JSON.stringify(v);
  }
  return JSON.stringify(v);
}

export const LABEL_PATTERN = '^[A-Z][A-Za-z0-9_]{0,63}$';
