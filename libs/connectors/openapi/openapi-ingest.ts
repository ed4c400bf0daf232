import { findEgressError } from '@libs/egress/egress.errors';
import type { OrgEgress } from '@libs/egress/org-egress';
import type { GraphEdgeInput, GraphNodeInput, IngestBatch, ValidationResult } from '../connector';
import type { OpenApiCtx } from './openapi-config';
import { loadSpec } from './openapi-spec';

/**
 * A base URL (configured or taken from the document's `servers`) that points somewhere the org may
 * not reach is refused up front; an unresolvable one is left for call time. Every call is checked
 * again by the guarded fetch (the document may change, DNS may answer differently).
 */
async function assertBaseUrlAllowed(egress: OrgEgress, baseUrl: string): Promise<void> {
  try {
    await egress.checkUrl(baseUrl);
  } catch (e) {
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
  }
}

/** Loads the document fresh and checks that the org may reach its base URL. */
export async function validateOpenApi(ctx: OpenApiCtx): Promise<ValidationResult> {
  const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal, fresh: true });
  await assertBaseUrlAllowed(ctx.egress, spec.baseUrl);
  return {
    ok: true as const,
    info: {
      title: spec.doc.info?.title ?? null,
      version: spec.doc.info?.version ?? null,
      openapi: spec.doc.openapi ?? spec.doc.swagger,
      base_url: spec.baseUrl,
      operations: spec.operations.length,
    },
  };
}

/** The document's schemas (with their references) and operations. */
export async function* ingestOpenApi(ctx: OpenApiCtx): AsyncIterable<IngestBatch> {
  const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal, fresh: true });
  const schemas: Record<string, any> = spec.doc.components?.schemas ?? spec.doc.definitions ?? {};
  const nodes: GraphNodeInput[] = [];
  const edges: GraphEdgeInput[] = [];
  for (const [name, s] of Object.entries<any>(schemas)) {
    // direct references only
    const direct = new Set<string>();
    JSON.stringify(s, (_k, v) => {
      if (v && typeof v === 'object' && typeof v.$ref === 'string') {
        const m = v.$ref.match(/^#\/(?:components\/schemas|definitions)\/(.+)$/);
        if (m) {
          direct.add(m[1]);
        }
      }
      return v;
    });
    nodes.push({
      label: 'Schema',
      key: `schema:${name}`,
      name,
      description: s?.description ?? undefined,
      properties: {
        type: s?.type ?? null,
        fields: Object.keys(s?.properties ?? {}),
        required_fields: Array.isArray(s?.required) ? s.required : [],
      },
    });
    for (const d of direct) {
      if (d !== name && d in schemas) {
        edges.push({ type: 'REFERENCES', fromKey: `schema:${name}`, toKey: `schema:${d}` });
      }
    }
  }
  for (const op of spec.operations) {
    nodes.push({
      label: 'Operation',
      key: `op:${op.method} ${op.path}`,
      name: op.name,
      description: op.summary,
      properties: {
        method: op.method,
        path: op.path,
        tags: op.tags,
        effect: op.effect,
        deprecated: op.deprecated,
        base_url: spec.baseUrl,
      },
    });
    for (const r of op.schemaRefs) {
      if (r in schemas) {
        edges.push({ type: 'USES_SCHEMA', fromKey: `op:${op.method} ${op.path}`, toKey: `schema:${r}` });
      }
    }
  }
  for (let i = 0; i < nodes.length; i += 500) {
    const last = i + 500 >= nodes.length;
    yield { nodes: nodes.slice(i, i + 500), edges: last ? edges : [] };
  }
}
