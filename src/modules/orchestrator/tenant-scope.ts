import { NotFoundException } from '@libs/errors';

/**
 * Tenant isolation over sidecar answers (OpenFang, remote CIAB). Sidecar objects carry their
 * org in `org_id` (or `tenant`); the gateway never trusts the sidecar to have applied the
 * `X-Agentcy-Org` header it was sent:
 * - one object whose org is another one, or that carries no org at all → 404;
 * - lists (a top-level array, or arrays held by the top-level object: `items`, `data`, `agents`…)
 *   keep only the caller's objects; counters beside them (`total`, `count`) are dropped, as they
 *   may count other tenants.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The org an object reports, `undefined` when it has none. */
export function ownerOf(v: unknown): string | undefined {
  if (!isObj(v)) {
    return undefined;
  }
  const owner = v.org_id ?? v.tenant ?? v.orgId;
  return typeof owner === 'string' ? owner : undefined;
}

export function ownedBy(v: unknown, orgId: string): boolean {
  return ownerOf(v) === orgId;
}

const COUNTERS = ['total', 'count', 'total_count'];

/** A list answer with only the caller's objects. */
export function filterList(body: unknown, orgId: string): unknown {
  if (Array.isArray(body)) {
    return body.filter((o) => ownedBy(o, orgId));
  }
  if (!isObj(body)) {
    return body;
  }
  if (ownerOf(body) !== undefined) {
    // an object where a list was expected: judged as one object
    return requireOwned(body, orgId, 'Resource');
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) {
      out[k] = v.filter((o) => ownedBy(o, orgId));
    } else if (!COUNTERS.includes(k)) {
      out[k] = isObj(v) && ownerOf(v) !== undefined && !ownedBy(v, orgId) ? null : v;
    }
  }
  return out;
}

/** One object of the caller's org, else 404 (never 403: another org's ids do not exist). */
export function requireOwned<T>(body: T, orgId: string, what: string): T {
  if (!ownedBy(body, orgId)) {
    throw new NotFoundException(what);
  }
  return body;
}

/** Request-body fields that name sidecar objects, and the collection each lives in. */
export const REFERENCE_FIELDS: Record<string, string> = {
  agent_id: 'agents',
  agent_ids: 'agents',
  workflow_id: 'workflows',
  workflow_ids: 'workflows',
  run_id: 'runs',
  model_id: 'models',
  trigger_id: 'triggers',
  session_id: 'sessions',
};

/** At most this many referenced ids are checked; a body naming more is refused. */
export const MAX_REFERENCES = 50;

/**
 * Every `{collection, id}` a request body names (at any depth: workflow steps name agents),
 * so the gateway can check each belongs to the caller before forwarding.
 */
export function referencedIds(body: unknown): { collection: string; id: string }[] {
  const found = new Map<string, { collection: string; id: string }>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 32) {
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x) => walk(x, depth + 1));
      return;
    }
    if (!isObj(v)) {
      return;
    }
    for (const [k, val] of Object.entries(v)) {
      const collection = REFERENCE_FIELDS[k];
      if (collection) {
        for (const id of Array.isArray(val) ? val : [val]) {
          if (typeof id === 'string' && id) {
            found.set(`${collection}/${id}`, { collection, id });
          }
        }
      } else {
        walk(val, depth + 1);
      }
    }
  };
  walk(body, 0);
  return [...found.values()];
}

/** The body as forwarded: `org_id` forced to the caller's org, `tenant` removed (a caller never picks the org). */
export function withCallerOrg(body: unknown, orgId: string): unknown {
  if (!isObj(body)) {
    return body;
  }
  const { tenant: _tenant, orgId: _orgId, ...rest } = body;
  return { ...rest, org_id: orgId };
}
