import type { ToolEffect } from '../connector';
import type { OpenApiOperation } from './openapi-spec';

/** The document's operations as tools: names, effects and argument schemas with local `$ref`s inlined. */
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

function resolveRef(doc: any, ref: string): any {
  if (!ref.startsWith('#/')) {
    return undefined;
  }
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o, k) => (o == null ? undefined : o[k]), doc);
}

/** Inlines local `$ref`s (bounded depth, cycles become `{}`) and collects component schema names. */
function inline(doc: any, node: any, refs: Set<string>, seen: string[] = [], depth = 0): any {
  if (node === null || typeof node !== 'object') {
    return node;
  }
  if (Array.isArray(node)) {
    return node.map((x) => inline(doc, x, refs, seen, depth));
  }
  if (typeof node.$ref === 'string') {
    const m = node.$ref.match(/^#\/(?:components\/schemas|definitions)\/(.+)$/);
    if (m) {
      refs.add(m[1]);
    }
    if (seen.includes(node.$ref) || depth > 8) {
      return { type: 'object', description: `recursive ${node.$ref}` };
    }
    const target = resolveRef(doc, node.$ref);
    return target === undefined ? {} : inline(doc, target, refs, [...seen, node.$ref], depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      k === 'example' ||
      k === 'examples' ||
      k === 'xml' ||
      k === 'externalDocs' ||
      k === 'discriminator' ||
      k === 'nullable'
    ) {
      continue;
    }
    // keep `properties` keys verbatim (a property may be called `example` or `nullable`)
    out[k] =
      k === 'properties' && v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, inline(doc, pv, refs, seen, depth)]))
        : inline(doc, v, refs, seen, depth);
  }
  return toJsonSchema(node, out);
}

/** OpenAPI 3.0 dialect → JSON Schema: `nullable`, boolean `exclusiveMinimum/Maximum`. */
function toJsonSchema(src: any, out: Record<string, unknown>): Record<string, unknown> {
  if (src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
    } else if (Array.isArray(out.type) && !out.type.includes('null')) {
      out.type = [...out.type, 'null'];
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) {
      out.enum = [...out.enum, null];
    }
  }
  for (const [ex, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[ex] === 'boolean') {
      if (out[ex] === true && typeof out[bound] === 'number') {
        out[ex] = out[bound];
        delete out[bound];
      } else {
        delete out[ex];
      }
    }
  }
  return out;
}

function effectOf(method: string): ToolEffect {
  if (method === 'get' || method === 'head' || method === 'options') {
    return 'read';
  }
  if (method === 'delete') {
    return 'destructive';
  }
  return 'write';
}

export function toolNameFor(method: string, path: string, operationId?: string): string {
  const raw = operationId || `${method}_${path}`;
  return raw
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 64);
}

export function buildOperations(doc: any, includeTags?: string[]): OpenApiOperation[] {
  const ops: OpenApiOperation[] = [];
  const used = new Set<string>();
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') {
      continue;
    }
    const pathItem = item.$ref ? (resolveRef(doc, item.$ref) ?? {}) : item;
    for (const method of METHODS) {
      const op = pathItem[method];
      if (!op || typeof op !== 'object') {
        continue;
      }
      const tags: string[] = Array.isArray(op.tags) ? op.tags : [];
      if (includeTags?.length && !tags.some((t) => includeTags.includes(t))) {
        continue;
      }
      const refs = new Set<string>();
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      const params: OpenApiOperation['params'] = [];
      let hasBody = false;
      let bodyContentType: string | undefined;
      const rawParams = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])]
        .map((p: any) => (p?.$ref ? resolveRef(doc, p.$ref) : p))
        .filter(Boolean);
      // operation-level parameters override path-level ones with the same name+in
      const byKey = new Map<string, any>();
      for (const p of rawParams) {
        byKey.set(`${p.in}:${p.name}`, p);
      }
      for (const p of byKey.values()) {
        if (p.in === 'body') {
          hasBody = true;
          bodyContentType = 'application/json';
          properties.body = {
            ...inline(doc, p.schema ?? {}, refs),
            ...(p.description ? { description: p.description } : {}),
          };
          if (p.required) {
            required.push('body');
          }
          continue;
        }
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') {
          continue;
        }
        if (p.in === 'header' && /^(authorization|content-type|accept)$/i.test(p.name)) {
          continue;
        }
        let arg = p.name as string;
        if (arg in properties) {
          arg = `${p.in}_${p.name}`;
        }
        const schema = p.schema
          ? inline(doc, p.schema, refs)
          : { type: p.type ?? 'string', ...(p.enum ? { enum: p.enum } : {}) };
        properties[arg] = { ...schema, ...(p.description ? { description: p.description } : {}) };
        if (p.required || p.in === 'path') {
          required.push(arg);
        }
        params.push({ arg, name: p.name, in: p.in });
      }
      const rb = op.requestBody?.$ref ? resolveRef(doc, op.requestBody.$ref) : op.requestBody;
      if (rb?.content) {
        const ct =
          Object.keys(rb.content).find((k) => /json/i.test(k)) ??
          Object.keys(rb.content).find((k) => k === 'application/x-www-form-urlencoded') ??
          Object.keys(rb.content)[0];
        if (ct) {
          hasBody = true;
          bodyContentType = ct;
          properties.body = {
            ...inline(doc, rb.content[ct]?.schema ?? {}, refs),
            ...(rb.description ? { description: rb.description } : {}),
          };
          if (rb.required) {
            required.push('body');
          }
        }
      }
      for (const r of Object.values<any>(op.responses ?? {})) {
        const resp = r?.$ref ? resolveRef(doc, r.$ref) : r;
        for (const media of Object.values<any>(resp?.content ?? {})) {
          inline(doc, media?.schema ?? {}, refs);
        }
        if (resp?.schema) {
          inline(doc, resp.schema, refs);
        }
      }
      let name = toolNameFor(method, path, op.operationId);
      for (let i = 2; used.has(name); i++) {
        name = `${toolNameFor(method, path, op.operationId)}_${i}`;
      }
      used.add(name);
      ops.push({
        name,
        method: method.toUpperCase(),
        path,
        summary: op.summary || op.description || `${method.toUpperCase()} ${path}`,
        tags,
        effect: effectOf(method),
        deprecated: op.deprecated === true,
        params,
        hasBody,
        bodyContentType,
        inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}) },
        schemaRefs: [...refs],
      });
    }
  }
  return ops;
}
