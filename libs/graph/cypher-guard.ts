/**
 * Tenant guard for user-supplied Cypher (POST /graph/cypher). See docs/graph-tenancy.md.
 *
 * The query is tokenized (strings, backtick identifiers, comments handled), checked against an
 * allow-list of clauses and functions, and rewritten so that every node the query can bind is
 * filtered by `org_id = $__org_id` (and `archived_at IS NULL` unless archived data is requested):
 *  - MATCH / OPTIONAL MATCH: every node pattern gets a variable; the clause's WHERE becomes
 *    `WHERE (<original>) AND <filters>` (a WHERE is created when absent); patterns with a
 *    variable-length relationship get a path variable and an `all(x IN nodes(p) ...)` filter;
 *  - pattern comprehensions `[(a)-->(b) WHERE .. | ..]`: same, injected into their own WHERE;
 *  - pattern predicates in expressions `(a)-->(b)`: rewritten to
 *    `EXISTS { MATCH (a)-->(b) WHERE <filters> }`;
 *  - everything else that could reach storage is rejected: CALL (procedures and subqueries),
 *    EXISTS/COUNT/COLLECT subqueries, write clauses, LOAD CSV, USE, USING, EXPLAIN/PROFILE,
 *    namespaced or unknown functions, quantified path patterns, several statements, non-ASCII
 *    characters outside literals.
 * String literals are lifted into parameters and comments dropped, so the text sent to Neo4j is
 * exactly what was analysed.
 */

import { CypherRejectedError, reject, tokenize, type Tok } from './cypher-tokens';
import { CLAUSE_STARTS, FORBIDDEN, FUNCTIONS, NAMESPACED_FUNCTIONS, NON_FUNCTION_KEYWORDS } from './cypher-vocabulary';

export { CypherRejectedError, tokenize };

export interface GuardOptions {
  /** parameter name holding the caller's org id (default __org_id) */
  orgParam?: string;
  includeArchived?: boolean;
  /** when set, nodes are also filtered by `realm IN $<realmParam>` */
  realmParam?: string;
}

export interface GuardedQuery {
  query: string;
  /** parameters created by the guard (lifted string literals); the caller adds org/realm */
  params: Record<string, string>;
}

const MAX_QUERY_LENGTH = 20_000;

const SIMPLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// ---------------------------------------------------------------- rewriting

interface NodeInfo {
  start: number; // index of '('
  end: number; // index of ')'
  variable?: string; // existing variable
  generated?: string;
  /** expression regions (property maps, inline WHERE) scanned once the chain is accepted */
  regions: [number, number][];
}

interface RelInfo {
  start: number;
  end: number; // last token index of the relationship
  variable?: string;
  varLength: boolean;
  regions: [number, number][];
}

interface ChainInfo {
  start: number;
  end: number; // index of last ')'
  nodes: NodeInfo[];
  rels: RelInfo[];
}

class Guard {
  private readonly toks: Tok[];
  private readonly match: number[]; // matching bracket index, -1 otherwise
  private readonly before: string[][];
  private readonly after: string[][];
  private readonly replace: (string | undefined)[];
  private counter = 0;
  private readonly params: Record<string, string> = {};
  private readonly orgParam: string;

  constructor(
    private readonly src: string,
    private readonly opts: GuardOptions,
  ) {
    this.orgParam = opts.orgParam ?? '__org_id';
    this.toks = tokenize(src);
    this.match = new Array(this.toks.length).fill(-1);
    this.before = this.toks.map(() => []);
    this.after = this.toks.map(() => []);
    this.replace = this.toks.map(() => undefined);
  }

  private t(i: number): Tok | undefined {
    return this.toks[i];
  }

  private isP(i: number, text: string): boolean {
    const t = this.toks[i];
    return !!t && t.type === 'punct' && t.text === text;
  }

  private isKw(i: number, kw: string): boolean {
    const t = this.toks[i];
    return !!t && t.type === 'ident' && t.upper === kw;
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `__${prefix}${this.counter}`;
  }

  run(): GuardedQuery {
    if (this.src.length > MAX_QUERY_LENGTH) {
      reject('too_long', `Query longer than ${MAX_QUERY_LENGTH} characters`);
    }
    let toks = this.toks;
    // one statement: an optional trailing ';'
    const semis = toks.map((t, i) => (t.type === 'punct' && t.text === ';' ? i : -1)).filter((i) => i >= 0);
    if (semis.length > 1 || (semis.length === 1 && semis[0] !== toks.length - 1)) {
      reject('multiple_statements', 'Only one statement is allowed');
    }
    if (semis.length === 1) {
      toks.pop();
      this.before.pop();
      this.after.pop();
      this.replace.pop();
      this.match.pop();
    }
    toks = this.toks;
    if (toks.length === 0) {
      reject('empty', 'Empty query');
    }
    this.matchBrackets();
    this.checkWords();
    this.clauses();
    return { query: this.emit(), params: this.params };
  }

  private matchBrackets() {
    const stack: number[] = [];
    const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    this.toks.forEach((t, i) => {
      if (t.type !== 'punct') {
        return;
      }
      if (t.text === '(' || t.text === '[' || t.text === '{') {
        stack.push(i);
      } else if (t.text in pairs) {
        const open = stack.pop();
        if (open === undefined || this.toks[open].text !== pairs[t.text]) {
          reject('unbalanced_brackets', `Unbalanced '${t.text}'`, t.start);
        }
        this.match[open] = i;
        this.match[i] = open;
      }
    });
    if (stack.length) {
      reject(
        'unbalanced_brackets',
        `Unclosed '${this.toks[stack[stack.length - 1]].text}'`,
        this.toks[stack[stack.length - 1]].start,
      );
    }
  }

  private checkWords() {
    this.toks.forEach((t, i) => {
      if (t.type === 'param' && t.text.startsWith('__')) {
        reject('reserved_name', 'Parameter names starting with __ are reserved', t.start);
      }
      if ((t.type === 'ident' || t.type === 'quoted') && t.text.startsWith('__')) {
        reject('reserved_name', 'Names starting with __ are reserved', t.start);
      }
      if (t.type !== 'ident') {
        return;
      }
      if ((t.upper === 'COUNT' || t.upper === 'COLLECT') && this.isP(i + 1, '{')) {
        reject('subquery', `${t.upper} { } subqueries are not allowed`, t.start);
      }
      const prev = this.toks[i - 1];
      // property keys (n.set) and labels/types (:Database) are plain names; EXISTS after ':' could
      // still start a subquery as a map value ({k: EXISTS {..}}), so it is never exempt
      if (prev && prev.type === 'punct' && prev.text === '.') {
        return;
      }
      if (prev && prev.type === 'punct' && prev.text === ':' && t.upper !== 'EXISTS') {
        return;
      }
      if (FORBIDDEN.has(t.upper)) {
        reject('forbidden_keyword', `${t.upper} is not allowed in read-only graph queries`, t.start);
      }
    });
  }

  /** Walks top-level clauses. */
  private clauses() {
    const n = this.toks.length;
    let i = 0;
    const expectClause = true;
    while (i < n) {
      const t = this.toks[i];
      if (!expectClause) {
        throw new Error('unreachable');
      }
      if (t.type !== 'ident' || !CLAUSE_STARTS.has(t.upper)) {
        reject(
          'clause_not_allowed',
          `Clause '${t.type === 'ident' ? t.upper : t.text}' is not allowed; use MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN, UNION`,
          t.start,
        );
      }
      if (t.upper === 'UNION') {
        i++;
        if (this.isKw(i, 'ALL')) {
          i++;
        }
        if (i >= n) {
          reject('syntax', 'UNION must be followed by a query');
        }
        continue;
      }
      if (t.upper === 'OPTIONAL' || t.upper === 'MATCH') {
        let j = i + 1;
        if (t.upper === 'OPTIONAL') {
          if (!this.isKw(j, 'MATCH')) {
            reject('syntax', 'OPTIONAL must be followed by MATCH', t.start);
          }
          j++;
        }
        i = this.matchClause(j);
        continue;
      }
      // WITH / RETURN / UNWIND: an expression region up to the next clause keyword
      const end = this.regionEnd(i + 1, false);
      this.scanExpr(i + 1, end);
      i = end;
    }
  }

  /** `STARTS WITH` / `ENDS WITH`: this WITH is an operator, not a clause. */
  private isOperatorWith(i: number): boolean {
    return this.isKw(i, 'WITH') && (this.isKw(i - 1, 'STARTS') || this.isKw(i - 1, 'ENDS'));
  }

  /** First top-level index >= from that starts a clause (or WHERE when stopAtWhere). */
  private regionEnd(from: number, stopAtWhere: boolean): number {
    let i = from;
    while (i < this.toks.length) {
      const t = this.toks[i];
      if (
        t.type === 'ident' &&
        (CLAUSE_STARTS.has(t.upper) || (stopAtWhere && t.upper === 'WHERE')) &&
        !this.isOperatorWith(i)
      ) {
        return i;
      }
      if (t.type === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) {
        i = this.match[i] + 1;
        continue;
      }
      i++;
    }
    return i;
  }

  private filtersFor(nodeVars: string[], relVars: string[], pathVars: string[]): string[] {
    const org = `$${this.orgParam}`;
    const out: string[] = [];
    for (const v of nodeVars) {
      out.push(`${v}.org_id = ${org}`);
      if (!this.opts.includeArchived) {
        out.push(`${v}.archived_at IS NULL`);
      }
      if (this.opts.realmParam) {
        out.push(`${v}.realm IN $${this.opts.realmParam}`);
      }
    }
    for (const r of relVars) {
      if (!this.opts.includeArchived) {
        out.push(`${r}.archived_at IS NULL`);
      }
    }
    for (const p of pathVars) {
      const x = this.fresh('x');
      let pred = `${x}.org_id = ${org}`;
      if (!this.opts.includeArchived) {
        pred += ` AND ${x}.archived_at IS NULL`;
      }
      if (this.opts.realmParam) {
        pred += ` AND ${x}.realm IN $${this.opts.realmParam}`;
      }
      out.push(`all(${x} IN nodes(${p}) WHERE ${pred})`);
      if (!this.opts.includeArchived) {
        const y = this.fresh('y');
        out.push(`all(${y} IN relationships(${p}) WHERE ${y}.archived_at IS NULL)`);
      }
    }
    return out;
  }

  /** Variables of a parsed chain; anonymous elements get generated names. Also scans its inner expressions. */
  private nameChain(chain: ChainInfo): { nodes: string[]; rels: string[] } {
    for (const el of [...chain.nodes, ...chain.rels]) {
      for (const [a, b] of el.regions) {
        this.scanExpr(a, b);
      }
    }
    const nodes: string[] = [];
    const rels: string[] = [];
    for (const nd of chain.nodes) {
      if (nd.variable) {
        nodes.push(nd.variable);
      } else {
        const v = this.fresh('n');
        nd.generated = v;
        this.after[nd.start].push(v);
        nodes.push(v);
      }
    }
    for (const r of chain.rels) {
      if (r.varLength) {
        continue;
      } // covered by the path predicate
      if (r.variable) {
        rels.push(r.variable);
      } else {
        const v = this.fresh('r');
        const open = this.findRelBracket(r);
        if (open >= 0) {
          this.after[open].push(v);
        } else {
          // -- / --> / <-- : put [v] after the first dash
          const firstDash = this.isP(r.start, '<') ? r.start + 1 : r.start;
          this.after[firstDash].push(`[${v}]`);
        }
        rels.push(v);
      }
    }
    return { nodes, rels };
  }

  private findRelBracket(r: RelInfo): number {
    for (let i = r.start; i <= r.end; i++) {
      if (this.isP(i, '[')) {
        return i;
      }
    }
    return -1;
  }

  /** MATCH pattern list [WHERE expr]; returns the index after the clause. */
  private matchClause(from: number): number {
    const patEnd = this.regionEnd(from, true);
    if (patEnd === from) {
      reject('syntax', 'MATCH needs a pattern', this.toks[from - 1].start);
    }
    const nodeVars: string[] = [];
    const relVars: string[] = [];
    const pathVars: string[] = [];
    let i = from;
    for (;;) {
      // [path =] [shortestPath|allShortestPaths (] chain [)]
      let pathVar: string | undefined;
      const partStart = i;
      const t = this.t(i);
      if (t && (t.type === 'ident' || t.type === 'quoted') && this.isP(i + 1, '=')) {
        if (t.type === 'ident' && !SIMPLE_NAME.test(t.text)) {
          reject('syntax', 'Invalid path variable', t.start);
        }
        pathVar = t.type === 'quoted' ? this.quote(t.text) : t.text;
        i += 2;
      }
      let chain: ChainInfo | undefined;
      const ft = this.t(i);
      if (
        ft &&
        ft.type === 'ident' &&
        (ft.upper === 'SHORTESTPATH' || ft.upper === 'ALLSHORTESTPATHS') &&
        this.isP(i + 1, '(')
      ) {
        const close = this.match[i + 1];
        chain = this.parseChain(i + 2, true);
        if (!chain || chain.end + 1 !== close || chain.rels.length === 0) {
          reject('unsupported_pattern', `Unsupported ${ft.text} pattern`, ft.start);
        }
        i = close + 1;
      } else {
        chain = this.parseChain(i, true);
        if (!chain) {
          reject('unsupported_pattern', 'Unsupported or malformed pattern in MATCH', this.t(i)?.start);
        }
        i = chain.end + 1;
      }
      const named = this.nameChain(chain);
      nodeVars.push(...named.nodes);
      relVars.push(...named.rels);
      if (chain.rels.some((r) => r.varLength)) {
        if (!pathVar) {
          pathVar = this.fresh('p');
          this.before[partStart].push(`${pathVar} =`);
        }
        pathVars.push(pathVar);
      }
      if (i < patEnd && this.isP(i, ',')) {
        i++;
        continue;
      }
      break;
    }
    if (i !== patEnd) {
      reject('unsupported_pattern', 'Unexpected tokens after the MATCH pattern', this.t(i)?.start);
    }
    const filters = this.filtersFor(unique(nodeVars), unique(relVars), pathVars).join(' AND ');
    if (this.isKw(patEnd, 'WHERE')) {
      const end = this.regionEnd(patEnd + 1, false);
      if (end === patEnd + 1) {
        reject('syntax', 'Empty WHERE', this.toks[patEnd].start);
      }
      this.scanExpr(patEnd + 1, end);
      this.before[patEnd + 1].unshift('(');
      this.after[end - 1].push(`) AND ${filters}`);
      return end;
    }
    if (patEnd < this.toks.length) {
      this.before[patEnd].push(`WHERE ${filters}`);
    } else {
      this.after[patEnd - 1].push(`WHERE ${filters}`);
    }
    return patEnd;
  }

  private quote(name: string): string {
    return '`' + name.replace(/`/g, '``') + '`';
  }

  /**
   * Parses `(node) (rel (node))*` starting at index i. Returns undefined when the tokens at i do
   * not form a node pattern (so the caller can treat them as an expression). In strict mode
   * (MATCH) anything unexpected after a node is an error.
   */
  private parseChain(i: number, strict: boolean): ChainInfo | undefined {
    const first = this.parseNode(i, strict);
    if (!first) {
      return undefined;
    }
    const chain: ChainInfo = { start: i, end: first.end, nodes: [first], rels: [] };
    let j = first.end + 1;
    for (;;) {
      const rel = this.parseRel(j);
      if (!rel) {
        break;
      }
      const nd = this.parseNode(rel.end + 1, true);
      if (!nd) {
        if (strict) {
          reject(
            'unsupported_pattern',
            'A relationship must be followed by a node pattern',
            this.t(rel.end + 1)?.start,
          );
        }
        return undefined;
      }
      chain.rels.push(rel);
      chain.nodes.push(nd);
      chain.end = nd.end;
      j = nd.end + 1;
    }
    // quantifiers / parenthesised path patterns
    const nx = this.t(chain.end + 1);
    if (nx && nx.type === 'punct' && (nx.text === '{' || nx.text === '+' || nx.text === '*' || nx.text === '(')) {
      if (strict || chain.rels.length > 0) {
        reject('unsupported_pattern', 'Quantified or parenthesised path patterns are not supported', nx.start);
      }
    }
    return chain;
  }

  private parseNode(i: number, strict: boolean): NodeInfo | undefined {
    if (!this.isP(i, '(')) {
      return undefined;
    }
    const close = this.match[i];
    let j = i + 1;
    const info: NodeInfo = { start: i, end: close, regions: [] };
    const fail = (msg: string): undefined => {
      if (strict) {
        reject('unsupported_pattern', msg, this.t(j)?.start);
      }
      return undefined;
    };
    const t = this.t(j);
    if (t && (t.type === 'ident' || t.type === 'quoted') && j < close && !(t.type === 'ident' && t.upper === 'WHERE')) {
      if (t.type === 'ident' && NON_FUNCTION_KEYWORDS.has(t.upper) && !['END'].includes(t.upper)) {
        return fail('Keyword used as a node variable');
      }
      info.variable = t.type === 'quoted' ? this.quote(t.text) : t.text;
      j++;
    }
    if (this.isP(j, ':')) {
      j++;
      for (;;) {
        while (this.isP(j, '!')) {
          j++;
        }
        const lt = this.t(j);
        if (lt && (lt.type === 'ident' || lt.type === 'quoted' || (lt.type === 'punct' && lt.text === '%'))) {
          j++;
        } else {
          return fail('Malformed label expression');
        }
        if (this.isP(j, '|') || this.isP(j, '&') || this.isP(j, ':')) {
          j++;
          continue;
        }
        break;
      }
    }
    if (this.isP(j, '{')) {
      const mclose = this.match[j];
      info.regions.push([j + 1, mclose]);
      j = mclose + 1;
    } else if (this.t(j)?.type === 'param') {
      j++;
    }
    if (this.isKw(j, 'WHERE')) {
      if (j + 1 >= close) {
        return fail('Empty WHERE in node pattern');
      }
      info.regions.push([j + 1, close]);
      j = close;
    }
    if (j !== close) {
      return fail('Unsupported node pattern');
    }
    return info;
  }

  /** `-[...]->`, `<-[...]-`, `--`, `-->`, `<--`, `<-->`; undefined if no relationship starts at i. */
  private parseRel(i: number): RelInfo | undefined {
    let j = i;
    const start = i;
    if (this.isP(j, '<') && this.isP(j + 1, '-')) {
      j += 2;
    } else if (this.isP(j, '-') && (this.isP(j + 1, '-') || this.isP(j + 1, '[') || (this.isP(j + 1, '>') && false))) {
      j += 1;
    } else {
      return undefined;
    }
    const rel: RelInfo = { start, end: -1, varLength: false, regions: [] };
    if (this.isP(j, '[')) {
      const close = this.match[j];
      let k = j + 1;
      const t = this.t(k);
      if (
        t &&
        (t.type === 'ident' || t.type === 'quoted') &&
        k < close &&
        !(t.type === 'ident' && t.upper === 'WHERE')
      ) {
        rel.variable = t.type === 'quoted' ? this.quote(t.text) : t.text;
        k++;
      }
      if (this.isP(k, ':')) {
        k++;
        for (;;) {
          while (this.isP(k, '!')) {
            k++;
          }
          const lt = this.t(k);
          if (lt && (lt.type === 'ident' || lt.type === 'quoted' || (lt.type === 'punct' && lt.text === '%'))) {
            k++;
          } else {
            reject('unsupported_pattern', 'Malformed relationship type expression', lt?.start);
          }
          if (this.isP(k, '|') || this.isP(k, '&')) {
            k++;
            if (this.isP(k, ':')) {
              k++;
            }
            continue;
          }
          break;
        }
      }
      if (this.isP(k, '*')) {
        rel.varLength = true;
        k++;
        if (this.t(k)?.type === 'number') {
          if (!/^\d+$/.test(this.t(k)!.text)) {
            reject('unsupported_pattern', 'Invalid path length', this.t(k)!.start);
          }
          k++;
        }
        if (this.isP(k, '..')) {
          k++;
          if (this.t(k)?.type === 'number') {
            if (!/^\d+$/.test(this.t(k)!.text)) {
              reject('unsupported_pattern', 'Invalid path length', this.t(k)!.start);
            }
            k++;
          }
        }
      }
      if (this.isP(k, '{')) {
        const mclose = this.match[k];
        rel.regions.push([k + 1, mclose]);
        k = mclose + 1;
      } else if (this.t(k)?.type === 'param') {
        k++;
      }
      if (this.isKw(k, 'WHERE')) {
        rel.regions.push([k + 1, close]);
        k = close;
      }
      if (k !== close) {
        reject('unsupported_pattern', 'Unsupported relationship pattern', this.t(k)?.start);
      }
      j = close + 1;
      if (!this.isP(j, '-')) {
        reject('unsupported_pattern', 'Malformed relationship pattern', this.t(j)?.start);
      }
      j++;
    } else {
      // second dash of "--"
      if (!this.isP(j, '-')) {
        return undefined;
      }
      j++;
    }
    if (this.isP(j, '>')) {
      j++;
    }
    rel.end = j - 1;
    // quantifier on a relationship (GPM)
    const q = this.t(j);
    if (q && q.type === 'punct' && (q.text === '{' || q.text === '+' || q.text === '*')) {
      reject('unsupported_pattern', 'Quantified relationships are not supported', q.start);
    }
    return rel;
  }

  /** Scans an expression region [from, to): functions, subqueries, pattern comprehensions and predicates. */
  private scanExpr(from: number, to: number) {
    let i = from;
    while (i < to) {
      const t = this.toks[i];
      if ((t.type === 'ident' || t.type === 'quoted') && this.isP(i + 1, '(')) {
        this.checkFunction(i);
        i++;
        continue;
      }
      if (t.type === 'punct' && t.text === '[') {
        const handled = this.tryComprehension(i);
        if (handled >= 0) {
          i = handled;
          continue;
        }
        i++;
        continue;
      }
      if (t.type === 'punct' && t.text === '(') {
        const chain = this.tryPredicate(i);
        if (chain) {
          i = chain + 1;
          continue;
        }
        i++;
        continue;
      }
      if (t.type === 'punct' && (t.text === ')' || t.text === ']')) {
        // a relationship arrow here means a pattern we could not parse
        if (
          (this.isP(i + 1, '-') && (this.isP(i + 2, '-') || this.isP(i + 2, '[') || this.isP(i + 2, '>'))) ||
          (this.isP(i + 1, '<') && this.isP(i + 2, '-'))
        ) {
          reject('unsupported_pattern', 'Unsupported pattern expression', this.toks[i + 1].start);
        }
      }
      if (t.type === 'ident' && (t.upper === 'SHORTESTPATH' || t.upper === 'ALLSHORTESTPATHS')) {
        reject('unsupported_pattern', `${t.text} is only allowed in MATCH`, t.start);
      }
      i++;
    }
  }

  private checkFunction(i: number) {
    const t = this.toks[i];
    if (t.type === 'ident' && NON_FUNCTION_KEYWORDS.has(t.upper)) {
      return;
    }
    let name = t.text.toLowerCase();
    let k = i;
    let namespaced = false;
    while (
      k >= 2 &&
      this.isP(k - 1, '.') &&
      (this.toks[k - 2].type === 'ident' || this.toks[k - 2].type === 'quoted')
    ) {
      name = `${this.toks[k - 2].text.toLowerCase()}.${name}`;
      k -= 2;
      namespaced = true;
    }
    if (t.type === 'ident' && (t.upper === 'SHORTESTPATH' || t.upper === 'ALLSHORTESTPATHS')) {
      reject('unsupported_pattern', `${t.text} is only allowed in MATCH`, t.start);
    }
    if (namespaced ? !NAMESPACED_FUNCTIONS.has(name) : t.type === 'quoted' || !FUNCTIONS.has(name)) {
      reject('function_not_allowed', `Function ${name}() is not allowed`, t.start);
    }
  }

  /** `[ [p =] chain [WHERE ..] | .. ]`; returns the index after ']' when it was a pattern comprehension. */
  private tryComprehension(i: number): number {
    const close = this.match[i];
    let j = i + 1;
    let pathVar: string | undefined;
    const t = this.t(j);
    if (t && (t.type === 'ident' || t.type === 'quoted') && this.isP(j + 1, '=') && this.isP(j + 2, '(')) {
      pathVar = t.type === 'quoted' ? this.quote(t.text) : t.text;
      j += 2;
    }
    if (!this.isP(j, '(')) {
      return -1;
    }
    const chain = this.parseChain(j, false);
    if (!chain) {
      return -1;
    }
    let k = chain.end + 1;
    // a single node is only a comprehension when WHERE or '|' follows (otherwise a list literal)
    if (chain.rels.length === 0 && !this.isKw(k, 'WHERE') && !this.isP(k, '|')) {
      return -1;
    }
    let whereAt = -1;
    if (this.isKw(k, 'WHERE')) {
      whereAt = k;
      k++;
    }
    // find '|' at this level
    let bar = -1;
    for (let m = k; m < close; m++) {
      const tk = this.toks[m];
      if (tk.type === 'punct' && (tk.text === '(' || tk.text === '[' || tk.text === '{')) {
        m = this.match[m];
        continue;
      }
      if (tk.type === 'punct' && tk.text === '|') {
        bar = m;
        break;
      }
    }
    if (bar < 0) {
      reject('unsupported_pattern', 'Pattern comprehension without a projection', this.toks[i].start);
    }
    if (whereAt < 0 && bar !== chain.end + 1) {
      reject('unsupported_pattern', 'Unexpected tokens in pattern comprehension', this.t(chain.end + 1)?.start);
    }
    const named = this.nameChain(chain);
    const pathVars: string[] = [];
    if (chain.rels.some((r) => r.varLength)) {
      if (!pathVar) {
        pathVar = this.fresh('p');
        this.before[j].push(`${pathVar} =`);
      }
      pathVars.push(pathVar);
    }
    const filters = this.filtersFor(unique(named.nodes), unique(named.rels), pathVars).join(' AND ');
    if (whereAt >= 0) {
      if (whereAt + 1 >= bar) {
        reject('syntax', 'Empty WHERE', this.toks[whereAt].start);
      }
      this.scanExpr(whereAt + 1, bar);
      this.before[whereAt + 1].unshift('(');
      this.before[bar].push(`) AND ${filters}`);
    } else {
      this.before[bar].push(`WHERE ${filters}`);
    }
    this.scanExpr(bar + 1, close);
    return close + 1;
  }

  /** A pattern predicate `(a)-->(b)` in an expression → EXISTS { MATCH .. WHERE filters }. Returns its last index. */
  private tryPredicate(i: number): number | undefined {
    const chain = this.parseChain(i, false);
    if (!chain || chain.rels.length === 0) {
      return undefined;
    }
    const named = this.nameChain(chain);
    let pathVar: string | undefined;
    if (chain.rels.some((r) => r.varLength)) {
      pathVar = this.fresh('p');
    }
    const filters = this.filtersFor(unique(named.nodes), unique(named.rels), pathVar ? [pathVar] : []).join(' AND ');
    this.before[chain.start].push(`EXISTS { MATCH${pathVar ? ` ${pathVar} =` : ''}`);
    this.after[chain.end].push(`WHERE ${filters} }`);
    return chain.end;
  }

  private render(i: number): string {
    const t = this.toks[i];
    switch (t.type) {
      case 'string': {
        const name = this.fresh('s');
        this.params[name] = t.text;
        return ` $${name} `;
      }
      case 'quoted':
        return this.quote(t.text);
      case 'param':
        return `$${t.text}`;
      default:
        return t.text;
    }
  }

  private emit(): string {
    let out = '';
    for (let i = 0; i < this.toks.length; i++) {
      const t = this.toks[i];
      const gap = i > 0 && t.start > this.toks[i - 1].end ? ' ' : '';
      out += gap;
      if (this.before[i].length) {
        out += ` ${this.before[i].join(' ')} `;
      }
      out += this.replace[i] ?? this.render(i);
      if (this.after[i].length) {
        out += ` ${this.after[i].join(' ')} `;
      }
    }
    return out.trim();
  }
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Validates and rewrites a read query so it can only see the caller's org. Throws CypherRejectedError. */
export function guardCypher(query: string, opts: GuardOptions = {}): GuardedQuery {
  return new Guard(query, opts).run();
}
