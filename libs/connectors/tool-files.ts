/**
 * How a connector tool returns a file (docs/connectors.md "Files from tools"): its result is a
 * `ToolFile`, or an object whose top-level `files` array holds `ToolFile` instances. The chat tool
 * runner stores each one as an artifact (ARTIFACT_MAX_BYTES) and puts a reference
 * `{ artifact_id, name, content_type, size_bytes }` in its place, so the bytes never reach the
 * stored tool result or the model.
 *
 * Only instances count: JSON from a remote API (openapi, MCP, ...) can never create artifacts by
 * having a `files` field; a connector that wants to keep a remote file wraps it in a `ToolFile`.
 */
export class ToolFile {
  constructor(
    /** file name as produced (sanitised by the artifact store) */
    readonly name: string,
    readonly content: Buffer,
    /** the connector's claim about the type; recorded, never served (the store sniffs the bytes) */
    readonly contentType?: string,
    readonly description?: string,
  ) {}

  static text(name: string, text: string, contentType = 'text/plain; charset=utf-8', description?: string): ToolFile {
    return new ToolFile(name, Buffer.from(text, 'utf8'), contentType, description);
  }

  static base64(name: string, contentBase64: string, contentType?: string, description?: string): ToolFile {
    return new ToolFile(name, Buffer.from(contentBase64, 'base64'), contentType, description);
  }
}

/** The `ToolFile`s a tool result carries (empty for a result without any). */
export function toolFilesOf(result: unknown): ToolFile[] {
  if (result instanceof ToolFile) {
    return [result];
  }
  const files = (result as { files?: unknown } | null)?.files;
  if (!result || typeof result !== 'object' || !Array.isArray(files)) {
    return [];
  }
  return files.filter((f): f is ToolFile => f instanceof ToolFile);
}

/**
 * The result with each `ToolFile` replaced by `replace(file)` (what was stored instead of the
 * bytes); a bare `ToolFile` result becomes `{ files: [ref] }`.
 */
export function replaceToolFiles(result: unknown, refs: Map<ToolFile, unknown>): unknown {
  if (result instanceof ToolFile) {
    return { files: [refs.get(result) ?? null] };
  }
  const r = result as Record<string, unknown> & { files: unknown[] };
  return { ...r, files: r.files.map((f) => (f instanceof ToolFile ? (refs.get(f) ?? null) : f)) };
}
