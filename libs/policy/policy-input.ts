import type { CedarValueJson, EntityJson } from './cedar';

/** The input document of policies.md §2: who, what, on what, in which circumstances. */
export interface PolicyInput {
  subject: {
    user_id: string | null;
    org_id: string;
    role: string | null;
    /** `ui | api | cli | sdk | worker | slack | whatsapp | webchat | email | sms | task | pipeline | voice` */
    channel: string;
    external_id?: string | null;
    api_key_id?: string | null;
  };
  action: string;
  resource: Record<string, unknown>;
  context: Record<string, unknown>;
  env: { now: string; instance_mode: string };
}

export interface CedarRequest {
  principal: { type: string; id: string };
  action: { type: string; id: string };
  resource: { type: string; id: string };
  context: Record<string, CedarValueJson>;
  entities: EntityJson[];
}

export const USER_TYPE = 'Agentcy::User';
export const SERVICE_TYPE = 'Agentcy::Service';
export const ACTION_TYPE = 'Agentcy::Action';
export const RESOURCE_TYPE = 'Agentcy::Resource';

/**
 * Cedar values have no null and no fractions: nulls are dropped, fractions become strings, dates
 * ISO strings; anything else unrepresentable becomes its string form.
 */
export function toCedarValue(v: unknown): CedarValueJson | undefined {
  if (v === null || v === undefined) {
    return undefined;
  }
  if (typeof v === 'string' || typeof v === 'boolean') {
    return v;
  }
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) ? v : String(v);
  }
  if (v instanceof Date) {
    return v.toISOString();
  }
  if (Array.isArray(v)) {
    return v.map(toCedarValue).filter((x): x is CedarValueJson => x !== undefined);
  }
  if (typeof v === 'object') {
    return toCedarRecord(v as Record<string, unknown>);
  }
  return String(v as string);
}

export function toCedarRecord(obj: Record<string, unknown>): Record<string, CedarValueJson> {
  const out: Record<string, CedarValueJson> = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = toCedarValue(v);
    if (c !== undefined) {
      out[k] = c;
    }
  }
  return out;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const clocks = new Map<string, Intl.DateTimeFormat | null>();

function clockFormat(timeZone: string): Intl.DateTimeFormat | null {
  let f = clocks.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      });
    } catch {
      f = null; // unknown zone: UTC
    }
    if (clocks.size > 1000) {
      clocks.clear();
    }
    clocks.set(timeZone, f);
  }
  return f;
}

/**
 * `hour`, `minute` and `weekday` (0 = Sunday) of `now` in the org's time zone (UTC when unknown):
 * Cedar has no clock functions on strings.
 */
export function clockOf(now: string, timeZone = 'UTC'): { hour: number; minute: number; weekday: number } {
  const d = new Date(now);
  if (Number.isNaN(d.getTime())) {
    return { hour: 0, minute: 0, weekday: 0 };
  }
  const f = timeZone === 'UTC' ? null : clockFormat(timeZone);
  if (!f) {
    return { hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
  }
  const parts = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { hour: Number(parts.hour), minute: Number(parts.minute), weekday: WEEKDAYS.indexOf(parts.weekday) };
}

/**
 * The Cedar request for an input document (docs/decisions/0008): principal `Agentcy::User::"<user_id>"`
 * (or `Agentcy::Service::"<channel>"` for a caller without a user) with the subject's fields as
 * attributes; action `Agentcy::Action::"<action>"`; resource `Agentcy::Resource::"<id>"` with the
 * resource fields; context = the input's context plus `env` (`now`, `instance_mode`) and the clock
 * of `now` (`hour`, `minute`, `weekday`) in the org's time zone (`time_zone`).
 */
export function toCedarRequest(input: PolicyInput, approvalGranted?: boolean, timeZone = 'UTC'): CedarRequest {
  const s = input.subject;
  const principal = s.user_id ? { type: USER_TYPE, id: s.user_id } : { type: SERVICE_TYPE, id: s.channel };
  const resourceId = String(input.resource.id ?? input.resource.tool ?? input.resource.path ?? input.action);
  const resource = { type: RESOURCE_TYPE, id: resourceId };
  const subjectAttrs = toCedarRecord({ ...s, user_id: s.user_id ?? '', role: s.role ?? 'none' });
  const context = toCedarRecord({
    approval_granted: false,
    ...input.context,
    ...(approvalGranted !== undefined ? { approval_granted: approvalGranted } : {}),
    now: input.env.now,
    instance_mode: input.env.instance_mode,
    time_zone: timeZone,
    ...clockOf(input.env.now, timeZone),
  });
  return {
    principal,
    action: { type: ACTION_TYPE, id: input.action },
    resource,
    context,
    entities: [
      { uid: principal, attrs: subjectAttrs, parents: [] },
      { uid: resource, attrs: toCedarRecord(input.resource), parents: [] },
    ],
  };
}

function lookup(input: PolicyInput, path: string): unknown {
  const [head, ...rest] = path.split('.');
  const roots: Record<string, unknown> = {
    principal: input.subject,
    subject: input.subject,
    action: input.action,
    resource: input.resource,
    context: input.context,
    env: input.env,
  };
  let cur: unknown = roots[head];
  for (const key of rest) {
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

/** Fills `{principal.role}`, `{resource.tool}`, `{action}`, `{context.x}` … of a `@message` from the input. */
export function formatMessage(template: string, input: PolicyInput): string {
  return template.replace(/\{([a-z_]+(?:\.[a-z_0-9]+)*)\}/gi, (whole, path: string) => {
    const v = lookup(input, path);
    return v === undefined || v === null ? whole : typeof v === 'object' ? JSON.stringify(v) : String(v as string);
  });
}
