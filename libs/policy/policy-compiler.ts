import { cedar, type DetailedError } from './cedar';

/** One compile error of a policy source, located by line and column (1-based). */
export interface CompileError {
  line: number;
  column: number;
  message: string;
}

/** One rule (a Cedar `forbid` statement) of a policy source and what its annotations say. */
export interface CompiledRule {
  /** the statement's text */
  text: string;
  /** `@id("…")`, else `#<n>` (1-based position in the source) */
  id: string;
  /** `@message("…")`: the deny message template (`{principal.role}`, `{resource.tool}`, … are filled in) */
  message: string | null;
  /** `@approval(…)`: the rule demands an approval instead of refusing */
  approval: boolean;
  /** the actions the rule is limited to by its scope; null = any action */
  actions: string[] | null;
}

export type CompileResult = { ok: true; rules: CompiledRule[] } | { ok: false; errors: CompileError[] };

/** Maps a byte offset of `source` (Cedar reports UTF-8 offsets) to a 1-based line and column. */
export function lineColumn(source: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(source, 'utf8').subarray(0, Math.max(0, byteOffset)).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** Deepest bracket nesting a rule may use (deeper parses overflow the engine's stack; decision 0008). */
export const MAX_NESTING = 32;
/** Most tokens one statement may have (long operator chains overflow the engine's stack too). */
export const MAX_STATEMENT_TOKENS = 400;

/**
 * A lexical pre-check before the source reaches the engine: the WebAssembly parser recurses on
 * nesting and operator chains, and a stack overflow there corrupts the engine's memory for the
 * whole process (every later call fails). Strings and `//` comments are skipped.
 */
export function checkComplexity(source: string): CompileError | null {
  let depth = 0;
  let tokens = 0;
  let line = 1;
  let column = 1;
  const at = (message: string): CompileError => ({ line, column, message });
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\n') {
      line++;
      column = 1;
      continue;
    }
    column++;
    if (ch === '/' && source[i + 1] === '/') {
      while (i + 1 < source.length && source[i + 1] !== '\n') {
        i++;
      }
      continue;
    }
    if (ch === '"') {
      tokens++;
      for (i++; i < source.length && source[i] !== '"'; i++) {
        if (source[i] === '\\') {
          i++;
        } else if (source[i] === '\n') {
          line++;
          column = 1;
        }
      }
      continue;
    }
    if (/\s/.test(ch)) {
      continue;
    }
    if (/[A-Za-z0-9_]/.test(ch)) {
      while (i + 1 < source.length && /[A-Za-z0-9_]/.test(source[i + 1])) {
        i++;
        column++;
      }
    }
    if (ch === ';' && depth === 0) {
      tokens = 0;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_NESTING) {
        return at(`nesting deeper than ${MAX_NESTING} levels`);
      }
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth = Math.max(0, depth - 1);
    }
    tokens++;
    if (tokens > MAX_STATEMENT_TOKENS) {
      return at(`a statement longer than ${MAX_STATEMENT_TOKENS} tokens; split it into several rules`);
    }
  }
  return null;
}

function fromCedar(source: string, errors: DetailedError[]): CompileError[] {
  return errors.map((e) => {
    const at = e.sourceLocations?.[0]?.start ?? e.related?.[0]?.sourceLocations?.[0]?.start ?? 0;
    const detail = e.sourceLocations?.[0]?.label;
    const message = [e.message.replace(/^failed to parse policies from string: /, ''), detail, e.help]
      .filter(Boolean)
      .join('; ');
    return { ...lineColumn(source, at), message };
  });
}

function errorAt(source: string, text: string, message: string): CompileError {
  const at = source.indexOf(text);
  return { ...lineColumn(source, Buffer.byteLength(source.slice(0, Math.max(0, at)), 'utf8')), message };
}

function actionScope(json: { action: { op: string; entity?: unknown; entities?: unknown[] } }): string[] | null {
  const ids = (list: unknown[]) =>
    list.map((e) => {
      const uid = (e as { __entity?: { id: string }; id?: string }).__entity ?? (e as { id: string });
      return uid.id;
    });
  if (json.action.op === '==' && json.action.entity) {
    return ids([json.action.entity]);
  }
  if (json.action.op === 'in' && json.action.entities) {
    return ids(json.action.entities);
  }
  if (json.action.op === 'in' && json.action.entity) {
    return ids([json.action.entity]);
  }
  return null;
}

/**
 * Checks a policy source: it must parse as Cedar, hold at least one statement, and only `forbid`
 * statements (the model is default allow plus deny rules; templates are not supported).
 */
export function compilePolicy(source: string): CompileResult {
  try {
    return compileChecked(source);
  } catch (err) {
    return {
      ok: false,
      errors: [{ line: 1, column: 1, message: `the policy engine failed on this source: ${(err as Error).message}` }],
    };
  }
}

function compileChecked(source: string): CompileResult {
  if (!source.trim()) {
    return { ok: false, errors: [{ line: 1, column: 1, message: 'the policy holds no rule' }] };
  }
  const tooComplex = checkComplexity(source);
  if (tooComplex) {
    return { ok: false, errors: [tooComplex] };
  }
  const parsed = cedar.checkParsePolicySet({ staticPolicies: source });
  if (parsed.type === 'failure') {
    return { ok: false, errors: fromCedar(source, parsed.errors) };
  }
  const parts = cedar.policySetTextToParts(source);
  if (parts.type === 'failure') {
    return { ok: false, errors: fromCedar(source, parts.errors) };
  }
  const errors: CompileError[] = parts.policy_templates.map((t) =>
    errorAt(source, t, 'templates (slots such as ?principal) are not supported'),
  );
  if (!parts.policies.length && !errors.length) {
    errors.push({ line: 1, column: 1, message: 'the policy holds no rule' });
  }
  const rules: CompiledRule[] = [];
  parts.policies.forEach((text, i) => {
    const json = cedar.policyToJson(text);
    if (json.type === 'failure') {
      errors.push(...fromCedar(source, json.errors));
      return;
    }
    if (json.json.effect !== 'forbid') {
      errors.push(
        errorAt(source, text, 'only forbid rules are allowed: everything not forbidden is already permitted'),
      );
      return;
    }
    const a = json.json.annotations ?? {};
    rules.push({
      text,
      id: a.id ?? `#${i + 1}`,
      message: a.message ?? null,
      approval: 'approval' in a && a.approval !== 'false',
      actions: actionScope(json.json as never),
    });
  });
  return errors.length ? { ok: false, errors } : { ok: true, rules };
}
