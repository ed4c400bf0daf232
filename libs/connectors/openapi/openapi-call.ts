import { findEgressError } from '@libs/egress/egress.errors';
import { ToolExecutionError } from '../connector';
import { authHeaders, type OpenApiCtx } from './openapi-config';
import type { LoadedSpec, OpenApiOperation } from './openapi-spec';

const MAX_BODY_CHARS = 64_000;

/** Calls one operation with the tool arguments; the HTTP status maps to a ToolExecutionError code. */
export async function callOperation(
  ctx: OpenApiCtx,
  spec: LoadedSpec,
  op: OpenApiOperation,
  args: Record<string, unknown>,
): Promise<unknown> {
  // arguments that are not parameters of the operation (e.g. a routing `source_id`) are not sent
  for (const r of op.inputSchema.required ?? []) {
    if (args[r] === undefined || args[r] === null || args[r] === '') {
      throw new ToolExecutionError('invalid_arguments', `\`${r}\` is required`, { field: r });
    }
  }
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = { Accept: 'application/json, */*;q=0.5', ...authHeaders(ctx.config) };
  for (const p of op.params) {
    const v = args[p.arg];
    if (v === undefined || v === null) {
      continue;
    }
    if (p.in === 'path') {
      path = path.replace(`{${p.name}}`, encodeURIComponent(String(v)));
    } else if (p.in === 'query') {
      if (Array.isArray(v)) {
        for (const x of v) {
          query.append(p.name, String(x));
        }
      } else {
        query.set(p.name, typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    } else {
      headers[p.name] = String(v);
    }
  }
  let body: string | undefined;
  if (op.hasBody && args.body !== undefined) {
    headers['Content-Type'] = op.bodyContentType ?? 'application/json';
    if (op.bodyContentType === 'application/x-www-form-urlencoded' && typeof args.body === 'object') {
      body = new URLSearchParams(
        Object.entries(args.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
    } else {
      body =
        typeof args.body === 'string' && !/json/i.test(headers['Content-Type']) ? args.body : JSON.stringify(args.body);
    }
  }
  const url = `${spec.baseUrl}${path}${query.size ? `?${query}` : ''}`;
  const signal = AbortSignal.any([
    AbortSignal.timeout(ctx.config.timeout_ms ?? 30_000),
    ...(ctx.signal ? [ctx.signal] : []),
  ]);
  const send = () => ctx.egress.fetch(url, { method: op.method, headers, body, signal });
  let res: Response;
  try {
    try {
      res = await send();
    } catch (first) {
      // a pooled keep-alive socket closed by the server under us: retry idempotent calls once
      const code = (first as any)?.cause?.code;
      if (
        signal.aborted ||
        !['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(op.method) ||
        !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code)
      ) {
        throw first;
      }
      res = await send();
    }
  } catch (e) {
    if (ctx.signal?.aborted) {
      throw e;
    }
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
    if ((e as Error)?.name === 'TimeoutError') {
      throw new ToolExecutionError('tool_timeout', `${op.method} ${url} timed out`);
    }
    throw new ToolExecutionError(
      'upstream_unreachable',
      `${op.method} ${url} failed: ${(e as any)?.cause?.code ?? (e as Error).message}`,
    );
  }
  const text = op.method === 'HEAD' ? '' : await res.text();
  const ct = res.headers.get('content-type') ?? '';
  let data: unknown = text;
  if (/json/i.test(ct) && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  const truncated = text.length > MAX_BODY_CHARS;
  if (truncated && typeof data === 'string') {
    data = data.slice(0, MAX_BODY_CHARS);
  }
  if (!res.ok) {
    const details = { status: res.status, body: typeof data === 'string' ? data.slice(0, 4000) : data };
    if (res.status === 401 || res.status === 403) {
      throw new ToolExecutionError(
        'upstream_auth_failed',
        `${op.method} ${op.path} returned HTTP ${res.status}`,
        details,
      );
    }
    if (res.status === 404) {
      throw new ToolExecutionError('not_found', `${op.method} ${op.path} returned HTTP 404`, details);
    }
    if (res.status === 429) {
      throw new ToolExecutionError('rate_limited', `${op.method} ${op.path} returned HTTP 429`, details);
    }
    if (res.status < 500) {
      throw new ToolExecutionError('upstream_rejected', `${op.method} ${op.path} returned HTTP ${res.status}`, details);
    }
    throw new ToolExecutionError('upstream_error', `${op.method} ${op.path} returned HTTP ${res.status}`, details);
  }
  return { status: res.status, content_type: ct || null, body: data, ...(truncated ? { truncated: true } : {}) };
}
