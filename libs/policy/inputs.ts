import type { Principal } from '@libs/auth/principal';
import type { ToolGateInput } from '@libs/tool-gate/tool-gate.types';
import { singular } from './actions';
import { INSTANCE_MODE } from './policy-enforcer';
import type { PolicyInput } from './policy-input';

export interface HttpFacts {
  method: string;
  /** route template without the global prefix, e.g. `/sources/:id/sync` */
  path: string;
  params: Record<string, string>;
  ip: string | null;
  requestId: string | null;
  realm?: string | null;
}

/**
 * The input of an HTTP decision: resource `{ path, method, params, id?, <domain>_id? }` (the
 * route's `:id` also under the domain's name, e.g. `source_id`, plus every other path parameter).
 */
export function httpInput(p: Principal, action: string, http: HttpFacts, now = new Date()): PolicyInput {
  const resource: Record<string, unknown> = { path: http.path, method: http.method, params: http.params };
  for (const [k, v] of Object.entries(http.params)) {
    if (k === 'id') {
      resource.id = v;
      const domain = http.path.split('/').filter(Boolean)[0];
      if (domain) {
        resource[`${singular(domain)}_id`] = v;
      }
    } else if (!(k in resource)) {
      resource[k] = v;
    }
  }
  return {
    subject: {
      user_id: p.userId,
      org_id: p.orgId,
      role: p.role,
      channel: p.apiKeyId ? 'api' : 'ui',
      api_key_id: p.apiKeyId ?? null,
    },
    action,
    resource,
    context: { approval_granted: false, ip: http.ip, request_id: http.requestId, realm: http.realm ?? null },
    env: { now: now.toISOString(), instance_mode: INSTANCE_MODE },
  };
}

const CHANNEL_OF_ENTRY: Record<ToolGateInput['entry'], string | null> = {
  chat: null,
  manual: null,
  direct: null,
  agent_run: null,
  incoming: 'webchat',
  task: 'task',
  pipeline: 'pipeline',
};

/** The tool's own name: a catalog tool carries it; else the qualified name without its `<source|connector>.` qualifier. */
function bareToolName(t: ToolGateInput['tool']): string {
  const own = (t as { name?: unknown }).name;
  if (typeof own === 'string' && own) {
    return own;
  }
  for (const q of [t.sourceName, t.connector]) {
    if (t.qualifiedName.startsWith(`${q}.`)) {
      return t.qualifiedName.slice(q.length + 1);
    }
  }
  return t.qualifiedName.slice(t.qualifiedName.indexOf('.') + 1);
}

/**
 * The input of a tool-call decision (action `chat.tool.execute`): resource `{ connector, tool:
 * "<connector>.<tool>", tool_name, source, qualified_name, tool_effect, requires_approval }` plus
 * the ids locating the call; context `{ approval_granted: false, entry, agent?, request_id, ip }`.
 */
export function toolInput(g: ToolGateInput, now = new Date()): PolicyInput {
  const t = g.tool;
  const bare = bareToolName(t);
  const userChannel = g.caller.apiKeyId ? 'api' : 'ui';
  return {
    subject: {
      user_id: g.caller.userId,
      org_id: g.orgId,
      role: g.caller.role,
      channel: CHANNEL_OF_ENTRY[g.entry] ?? (g.caller.userId ? userChannel : 'worker'),
      api_key_id: g.caller.apiKeyId ?? null,
    },
    action: 'chat.tool.execute',
    resource: {
      ...(g.context ?? {}),
      connector: t.connector,
      tool: `${t.connector}.${bare}`,
      tool_name: bare,
      source: t.sourceName,
      qualified_name: t.qualifiedName,
      tool_effect: t.effect,
      requires_approval: t.requiresApproval,
    },
    context: {
      approval_granted: false,
      entry: g.entry,
      agent: g.agent?.name ?? null,
      request_id: g.requestId ?? null,
      ip: g.ip ?? null,
    },
    env: { now: now.toISOString(), instance_mode: INSTANCE_MODE },
  };
}
