/** Tokens of user-supplied Cypher for the tenant guard (cypher-guard.ts): strings, backtick identifiers, comments. */

export class CypherRejectedError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly at?: number,
  ) {
    super(message);
  }
}

export function reject(reason: string, message: string, at?: number): never {
  throw new CypherRejectedError(reason, message, at);
}

export type TokType = 'ident' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

export interface Tok {
  type: TokType;
  /** source text (ident/number/punct/param), decoded value (quoted/string) */
  text: string;
  upper: string;
  start: number;
  end: number;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  '`': '`',
};

export function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = src.length;
  const push = (type: TokType, text: string, start: number, end: number) =>
    toks.push({ type, text, upper: type === 'ident' ? text.toUpperCase() : text, start, end });
  while (i < n) {
    const c = src[i];
    const code = src.charCodeAt(i);
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n' && src[i] !== '\r') {
        i++;
      }
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const close = src.indexOf('*/', i + 2);
      if (close === -1) {
        reject('unterminated_comment', 'Unterminated /* comment', i);
      }
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) {
          reject('unterminated_string', 'Unterminated string literal', start);
        }
        const ch = src[i];
        if (ch === c) {
          i++;
          break;
        }
        if (ch === '\\') {
          const nx = src[i + 1];
          if (nx === undefined) {
            reject('unterminated_string', 'Unterminated string literal', start);
          }
          if (nx === 'u' || nx === 'U') {
            const len = nx === 'u' ? 4 : 8;
            const hex = src.slice(i + 2, i + 2 + len);
            if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
              reject('invalid_escape', 'Invalid unicode escape in string literal', i);
            }
            value += String.fromCodePoint(parseInt(hex, 16));
            i += 2 + len;
            continue;
          }
          if (!(nx in ESCAPES)) {
            reject('invalid_escape', `Invalid escape sequence \\${nx} in string literal`, i);
          }
          value += ESCAPES[nx];
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      push('string', value, start, i);
      continue;
    }
    if (c === '`') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) {
          reject('unterminated_identifier', 'Unterminated backtick identifier', start);
        }
        if (src[i] === '`') {
          if (src[i + 1] === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += src[i];
        i++;
      }
      if (!value) {
        reject('empty_identifier', 'Empty backtick identifier', start);
      }
      push('quoted', value, start, i);
      continue;
    }
    if (code > 127) {
      reject('non_ascii', 'Non-ASCII characters are only allowed inside string literals and backtick identifiers', i);
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_]/.test(src[i])) {
        i++;
      }
      push('ident', src.slice(start, i), start, i);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_]/.test(src[i])) {
        i++;
      }
      if (src[i] === '.' && /[0-9]/.test(src[i + 1] ?? '')) {
        i++;
        while (i < n && /[A-Za-z0-9_]/.test(src[i])) {
          i++;
        }
      }
      if (
        (src[i - 1] === 'e' || src[i - 1] === 'E') &&
        (src[i] === '-' || src[i] === '+') &&
        /[0-9]/.test(src[i + 1] ?? '') &&
        !/^0x/i.test(src.slice(start, i))
      ) {
        i++;
        while (i < n && /[0-9]/.test(src[i])) {
          i++;
        }
      }
      push('number', src.slice(start, i), start, i);
      continue;
    }
    if (c === '$') {
      const start = i;
      i++;
      if (src[i] === '`') {
        reject('unsupported_parameter', 'Backtick-quoted parameter names are not supported', start);
      }
      const s = i;
      while (i < n && /[A-Za-z0-9_]/.test(src[i])) {
        i++;
      }
      const name = src.slice(s, i);
      if (!name) {
        reject('invalid_parameter', 'Invalid parameter', start);
      }
      push('param', name, start, i);
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['<=', '>=', '<>', '=~', '..', '+=', '!=', '||'].includes(two)) {
      push('punct', two, i, i + 2);
      i += 2;
      continue;
    }
    if ('()[]{}<>-=,.:;|*+/%^!&'.includes(c)) {
      push('punct', c, i, i + 1);
      i++;
      continue;
    }
    reject('unexpected_character', `Unexpected character '${c}'`, i);
  }
  return toks;
}
