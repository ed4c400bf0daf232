import { CypherRejectedError, guardCypher, tokenize } from './cypher-guard';

function reason(q: string): string {
  try {
    guardCypher(q);
  } catch (e) {
    if (e instanceof CypherRejectedError) {
      return e.reason;
    }
    throw e;
  }
  throw new Error(`not rejected: ${q}`);
}

const ORG = 'n.org_id = $__org_id AND n.archived_at IS NULL';

describe('cypher guard', () => {
  it('injects the org filter into a MATCH without WHERE', () => {
    const g = guardCypher('MATCH (n) RETURN count(n)');
    expect(g.query.replace(/\s+/g, ' ')).toBe(`MATCH (n) WHERE ${ORG} RETURN count(n)`);
  });

  it('wraps an existing WHERE so OR cannot escape the filter', () => {
    const g = guardCypher("MATCH (n) WHERE n.org_id = 'x' OR true RETURN n");
    expect(g.query.replace(/\s+/g, ' ')).toBe(`MATCH (n) WHERE ( n.org_id = $__s1 OR true ) AND ${ORG} RETURN n`);
    expect(g.params).toEqual({ __s1: 'x' });
  });

  it('names anonymous nodes and relationships and filters them all', () => {
    const q = guardCypher('MATCH (:A)-[:T]->() RETURN 1').query;
    expect(q).toContain('__n1 :A');
    expect(q).toMatch(/__n1\.org_id = \$__org_id/);
    expect(q).toMatch(/__n2\.org_id = \$__org_id/);
    expect(q).toMatch(/\[ __r3 :T\]/);
  });

  it('adds a path variable and an all-nodes predicate for variable-length patterns', () => {
    const q = guardCypher('MATCH (a)-[*1..3]->(b) RETURN b').query;
    expect(q).toMatch(/__p\d+ = \(a\)-\[\*1\.\.3\]->\(b\)/);
    expect(q).toMatch(/all\(__x\d+ IN nodes\(__p\d+\) WHERE __x\d+\.org_id = \$__org_id/);
  });

  it('rewrites pattern predicates to EXISTS subqueries and filters pattern comprehensions', () => {
    expect(guardCypher('MATCH (n) WHERE (n)-->() RETURN n').query).toMatch(
      /EXISTS \{ MATCH \(n\)- \[__r\d+\] ->\( __n\d+ \) WHERE n\.org_id/,
    );
    expect(guardCypher('RETURN [(a)-->(b) | b]').query).toMatch(
      /WHERE a\.org_id = \$__org_id .* b\.org_id = \$__org_id .* \| b\]/,
    );
  });

  it('lifts string literals into parameters and drops comments', () => {
    const g = guardCypher("MATCH (n) /* c */ WHERE n.name = 'it\\'s' // x\nRETURN n");
    expect(g.query).not.toContain('/*');
    expect(g.query).not.toContain("'");
    expect(Object.values(g.params)).toEqual(["it's"]);
  });

  it('keeps STARTS WITH inside the WHERE', () => {
    expect(guardCypher("MATCH (n) WHERE n.name STARTS WITH 'a' RETURN n").query.replace(/\s+/g, ' ')).toMatch(
      /\( n\.name STARTS WITH \$__s1 \) AND n\.org_id/,
    );
  });

  it.each([
    ['CALL db.labels()', 'forbidden_keyword'],
    ['MATCH (n) CALL { MATCH (m) RETURN m } RETURN m', 'forbidden_keyword'],
    ['MATCH (n) WHERE EXISTS { MATCH (m) } RETURN n', 'forbidden_keyword'],
    ['RETURN COUNT { MATCH (m) }', 'subquery'],
    ['RETURN COLLECT { MATCH (m) RETURN m }', 'subquery'],
    ['RETURN {a: EXISTS { MATCH (m) }}', 'forbidden_keyword'],
    ['USE system SHOW DATABASES', 'forbidden_keyword'],
    ["LOAD CSV FROM 'x' AS l RETURN l", 'forbidden_keyword'],
    ['CREATE (n)', 'forbidden_keyword'],
    ['MATCH (n) SET n.a = 1', 'forbidden_keyword'],
    ['MATCH (n) RETURN n; MATCH (m) RETURN m', 'multiple_statements'],
    ['RETURN apoc.version()', 'function_not_allowed'],
    ['RETURN `apoc.version`()', 'function_not_allowed'],
    ['RETURN foo(1)', 'function_not_allowed'],
    ['MATCH (a) ((x)-->(y)){1,3} (b) RETURN b', 'unsupported_pattern'],
    ['MATCH (a)-->+(b) RETURN b', 'unsupported_pattern'],
    ['MATCH (n IS X)-->(m) RETURN m', 'unsupported_pattern'],
    ['MATCH (n) WHERE (n IS X)-->() RETURN n', 'unsupported_pattern'],
    ['RETURN shortestPath((a)-[*]-(b))', 'unsupported_pattern'],
    ['MATCH (a)\u2013(b) RETURN b', 'non_ascii'],
    ['MATCH (n) RETURN $__org_id', 'reserved_name'],
    ['MATCH (__n1) RETURN __n1', 'reserved_name'],
    ["RETURN 'x", 'unterminated_string'],
    ['RETURN 1 /* x', 'unterminated_comment'],
    ['MATCH (n RETURN n', 'unbalanced_brackets'],
    ['EXPLAIN MATCH (n) RETURN n', 'forbidden_keyword'],
    ['FOO (n)', 'clause_not_allowed'],
  ])('rejects %s', (q, why) => {
    expect(reason(q)).toBe(why);
  });

  it('allows labels and property keys that look like keywords', () => {
    expect(() => guardCypher('MATCH (n:Database)-[:CREATE]->(m) RETURN n.set, m.call')).not.toThrow();
  });

  it('tokenizes escaped backticks and strings', () => {
    const toks = tokenize("`a``b` 'c\\'d' \"e\"");
    expect(toks.map((t) => [t.type, t.text])).toEqual([
      ['quoted', 'a`b'],
      ['string', "c'd"],
      ['string', 'e'],
    ]);
  });
});
