/** A route and the action name policies see for it (policies.md §3, `GET /policies/actions`). */
export interface RouteAction {
  method: string;
  path: string;
  action: string;
}

/** Routes whose action is not the derived one (policies.md §3 table). */
const SPECIAL: Record<string, string> = {
  'POST /chat/conversations/:id/messages': 'chat.message.send',
  'POST /chat/conversations/:id/approvals/:aid': 'chat.approval.decide',
  'POST /chat/conversations/:id/tool-calls': 'chat.tool.execute',
  'POST /graph/cypher': 'graph.cypher',
  'GET /orchestrator/status': 'orchestrator.status.read',
};

/** `sources` → `source`, `policies` → `policy`, `api-keys` → `api_key`. */
export function singular(segment: string): string {
  const s = segment.replace(/-/g, '_');
  if (s.endsWith('ies')) {
    return `${s.slice(0, -3)}y`;
  }
  if (s.endsWith('sses')) {
    return s.slice(0, -2);
  }
  if (s.endsWith('s') && !s.endsWith('ss')) {
    return s.slice(0, -1);
  }
  return s;
}

const isParam = (seg: string) => seg.startsWith(':');

/** Normalises a route template: no global prefix, `:param` segments, no trailing slash. */
export function routeTemplate(path: string, prefix = '/api/v1'): string {
  let p = path.startsWith(prefix) ? path.slice(prefix.length) : path;
  p = `/${p.split('/').filter(Boolean).join('/')}`;
  return p.replace(/\{([^}]+)\}/g, ':$1');
}

/**
 * The action name of a route (policies.md §3): domain = first segment singularized, `-` → `_`;
 * `GET /d` list, `POST /d` create, `GET /d/:id` read, `PATCH|PUT /d/:id` update, `DELETE /d/:id`
 * delete, `POST /d/:id/<verb>` `d.<verb>`. Deeper paths name every static segment:
 * `GET /sources/:id/jobs` → `source.job.list`, `POST /sources/:id/tools/:tool/execute` →
 * `source.tool.execute`, `GET /chat/conversations` → `chat.conversation.list`.
 */
export function deriveAction(method: string, path: string): string {
  const m = method.toUpperCase();
  const template = routeTemplate(path);
  const special = SPECIAL[`${m} ${template}`];
  if (special) {
    return special;
  }
  const segs = template.split('/').filter(Boolean);
  if (!segs.length) {
    return `root.${m.toLowerCase()}`;
  }
  const statics = segs.filter((s) => !isParam(s));
  const last = segs[segs.length - 1];
  const lastIsParam = isParam(last);
  const nouns = statics.map((s, i) => (i === 0 ? singular(s) : s.replace(/-/g, '_')));
  if (lastIsParam) {
    const base = nouns.map((n, i) => (i === 0 ? n : singular(n))).join('.');
    switch (m) {
      case 'GET':
        return `${base}.read`;
      case 'DELETE':
        return `${base}.delete`;
      default:
        return `${base}.update`;
    }
  }
  const head = nouns.slice(0, -1).map((n, i) => (i === 0 ? n : singular(n)));
  const tail = nouns[nouns.length - 1];
  const plural = nouns.length > 1 && singular(tail) !== tail;
  const afterParam = segs.length >= 2 && isParam(segs[segs.length - 2]);
  if (m === 'GET') {
    if (nouns.length === 1) {
      return `${nouns[0]}.list`;
    }
    return plural ? [...head, singular(tail), 'list'].join('.') : [...head, tail, 'read'].join('.');
  }
  if (m === 'POST') {
    if (nouns.length === 1) {
      return `${nouns[0]}.create`;
    }
    return plural && !afterParam ? [...head, singular(tail), 'create'].join('.') : [...head, tail].join('.');
  }
  const verb = m === 'DELETE' ? 'delete' : m === 'PUT' || m === 'PATCH' ? 'update' : m.toLowerCase();
  return [...head, plural ? singular(tail) : tail, verb].join('.');
}
