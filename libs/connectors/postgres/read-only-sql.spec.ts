import { ToolExecutionError } from '../connector';
import { plainSelect } from './read-only-sql';

async function refusal(sql: string) {
  const err = await plainSelect(sql).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ToolExecutionError);
  const e = err as ToolExecutionError;
  expect(e.code).toBe('invalid_arguments');
  return { reason: e.details.reason, message: e.message, details: e.details };
}

describe('plainSelect (libpg_query classification of the postgres read tool)', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['SELECT 1;', 'SELECT 1'],
    ['  select id from app.users where id = $1 ;  ', '  select id from app.users where id = $1 '],
    ['VALUES (1), (2)', 'VALUES (1), (2)'],
    ['TABLE app.users', 'TABLE app.users'],
    ['(SELECT 1) UNION ALL (SELECT 2)', '(SELECT 1) UNION ALL (SELECT 2)'],
    ['WITH x AS (SELECT 1 AS a) SELECT * FROM x', 'WITH x AS (SELECT 1 AS a) SELECT * FROM x'],
    ["SELECT 'é; DELETE FROM t' AS s;", "SELECT 'é; DELETE FROM t' AS s"],
    ['SELECT 1 -- trailing comment', 'SELECT 1 -- trailing comment'],
  ])('accepts %j', async (sql, text) => {
    await expect(plainSelect(sql)).resolves.toBe(text);
  });

  it.each([
    ["COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", 'not_a_select', /COPY is not allowed/],
    ['SELECT 1; SELECT 2', 'multiple_statements', /exactly one statement; got 2/],
    ["SELECT 1; COPY t TO PROGRAM 'x'", 'multiple_statements', /exactly one/],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', 'data_modifying_cte', /DELETE is not allowed/],
    [
      'WITH a AS (SELECT 1), b AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT * FROM a',
      'data_modifying_cte',
      /INSERT/,
    ],
    ['SELECT * FROM (WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT * FROM u) s', 'data_modifying_cte', /UPDATE/],
    ['SELECT * INTO t2 FROM t', 'select_into', /SELECT … INTO/],
    ['SELECT * FROM t FOR UPDATE', 'locking_clause', /FOR UPDATE/],
    ['SELECT * FROM (SELECT * FROM t FOR SHARE) s', 'locking_clause', /FOR UPDATE\/SHARE/],
    ['INSERT INTO t VALUES (1)', 'not_a_select', /INSERT is not allowed/],
    ['SET statement_timeout = 0', 'not_a_select', /SET is not allowed/],
    ['DO $$ BEGIN PERFORM 1; END $$', 'not_a_select', /DO is not allowed/],
    ['CALL p()', 'not_a_select', /CALL is not allowed/],
    ['COMMIT', 'not_a_select', /transaction statement/],
    ['EXPLAIN ANALYZE DELETE FROM t', 'not_a_select', /EXPLAIN/],
    ['CREATE TABLE x AS SELECT 1', 'not_a_select', /CREATE TABLE AS/],
    ['SELEC 1', 'syntax_error', /syntax error/],
    [' ; ', 'empty', /no statement/],
    ['-- only a comment', 'empty', /no statement/],
  ])('refuses %j (%s)', async (sql, reason, message) => {
    const r = await refusal(sql);
    expect(r.reason).toBe(reason);
    expect(r.message).toMatch(message);
    expect(r.details.fields).toEqual([{ field: 'args.sql', errors: [r.message] }]);
  });

  it('refuses an over-long text before parsing it', async () => {
    expect((await refusal(`SELECT ${'1+'.repeat(60_000)}1`)).reason).toBe('too_long');
  });
});
