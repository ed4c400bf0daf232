/**
 * `input_template` rendering (tasks-and-pipelines.md §2.3): every string leaf is rendered;
 * `{{ trigger.body.alerts[0].labels.alertname }}` is a path into the trigger context; a missing
 * path renders as '', an object/array as compact JSON, a number/boolean as its text. No helpers,
 * partials or code: anything between the braces other than a path is a compile error.
 */

/** One step of a path: a property name or an array index. */
type Step = string | number;

export class TemplateError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;
const MAX_DEPTH = 32;

/** Parses `trigger.a.b[0]["c d"]` into steps; throws a message on bad syntax. */
export function parsePath(expr: string): Step[] {
  const src = expr.trim();
  const steps: Step[] = [];
  const first = IDENT.exec(src);
  if (!first) {
    throw new Error(`"${src}" is not a path (expected e.g. trigger.body.field)`);
  }
  steps.push(first[0]);
  let i = first[0].length;
  while (i < src.length) {
    const rest = src.slice(i);
    if (rest[0] === '.') {
      const m = IDENT.exec(rest.slice(1));
      if (!m) {
        throw new Error(`bad path "${src}": expected a name after "."`);
      }
      steps.push(m[0]);
      i += 1 + m[0].length;
      continue;
    }
    const idx = /^\[(\d{1,9})\]/.exec(rest);
    if (idx) {
      steps.push(Number(idx[1]));
      i += idx[0].length;
      continue;
    }
    const quoted = /^\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\]/.exec(rest);
    if (quoted) {
      steps.push(quoted[1] ?? quoted[2]);
      i += quoted[0].length;
      continue;
    }
    throw new Error(`bad path "${src}" at "${rest.slice(0, 20)}"`);
  }
  if (steps[0] !== 'trigger') {
    throw new Error(`path "${src}" must start with "trigger."`);
  }
  return steps;
}

type Part = { text: string } | { path: Step[] };

/** Splits one string into text and paths; throws on unbalanced braces or a bad path. */
export function compileString(s: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf('{{', i);
    const strayClose = s.indexOf('}}', i);
    if (open < 0) {
      if (strayClose >= 0) {
        throw new Error(`unbalanced braces: "}}" without "{{" at offset ${strayClose}`);
      }
      parts.push({ text: s.slice(i) });
      break;
    }
    if (strayClose >= 0 && strayClose < open) {
      throw new Error(`unbalanced braces: "}}" without "{{" at offset ${strayClose}`);
    }
    if (open > i) {
      parts.push({ text: s.slice(i, open) });
    }
    const close = s.indexOf('}}', open + 2);
    if (close < 0) {
      throw new Error(`unbalanced braces: "{{" at offset ${open} is never closed`);
    }
    const inner = s.slice(open + 2, close);
    if (inner.includes('{{')) {
      throw new Error(`unbalanced braces: nested "{{" at offset ${open}`);
    }
    parts.push({ path: parsePath(inner) });
    i = close + 2;
  }
  return parts;
}

/** Visits every string leaf with its JSON path (`input_template.a.b[0]`). */
function walk(value: unknown, at: string, depth: number, fn: (s: string, at: string) => unknown): unknown {
  if (depth > MAX_DEPTH) {
    throw new TemplateError(at, 'template nested too deeply');
  }
  if (typeof value === 'string') {
    return fn(value, at);
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => walk(v, `${at}[${i}]`, depth + 1, fn));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = walk(v, `${at}.${k}`, depth + 1, fn);
    }
    return out;
  }
  return value;
}

/** Throws TemplateError (with the JSON path of the leaf) when any string leaf does not compile. */
export function compileTemplate(template: Record<string, unknown>, field = 'input_template'): void {
  walk(template, field, 0, (s, at) => {
    try {
      compileString(s);
    } catch (err) {
      throw new TemplateError(at, (err as Error).message);
    }
    return s;
  });
}

function lookup(ctx: unknown, steps: Step[]): unknown {
  let cur: unknown = ctx;
  for (const step of steps) {
    if (cur === null || cur === undefined) {
      return undefined;
    }
    if (typeof step === 'number') {
      cur = Array.isArray(cur) ? cur[step] : undefined;
    } else if (typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, step)) {
      cur = (cur as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) {
    return '';
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'object') {
    return JSON.stringify(v);
  }
  return String(v as number | boolean);
}

/** Renders every string leaf against `{ trigger }`. The template must compile (checked at write time). */
export function renderTemplate(template: Record<string, unknown>, trigger: unknown): Record<string, unknown> {
  const ctx = { trigger };
  return walk(template, 'input_template', 0, (s) =>
    compileString(s)
      .map((p) => ('text' in p ? p.text : show(lookup(ctx, p.path))))
      .join(''),
  ) as Record<string, unknown>;
}

/** The run's user message: the rendered `instruction`, the other keys as a JSON block. */
export function runMessage(input: Record<string, unknown>, taskName: string | null): string {
  const { instruction, ...rest } = input;
  const head =
    typeof instruction === 'string' && instruction.trim()
      ? instruction
      : `Run ${taskName ? `the task "${taskName}"` : 'this automation'}.`;
  if (!Object.keys(rest).length) {
    return head;
  }
  return `${head}\n\nContext (JSON):\n\`\`\`json\n${JSON.stringify(rest)}\n\`\`\``;
}
