import { encodeCursor } from './cursor';
import { paginateSql, SqlPageSpec } from './paginate';

type Row = { id: string; created_at: Date; __total?: number };

const spec = (over: Partial<SqlPageSpec<Row, string>> = {}): SqlPageSpec<Row, string> => ({
  scope: 'things:org-1',
  columns: 't.id, t.created_at',
  table: 'things',
  alias: 't',
  where: ['t.org_id = $1'],
  params: ['org-1'],
  map: (r) => r.id,
  ...over,
});

const rows = (n: number, total: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    created_at: new Date(Date.UTC(2026, 0, 31 - i)),
    __total: total,
  }));

describe('paginateSql', () => {
  it('reads the page and the total in one statement and hands out a cursor after the last row', async () => {
    const run = jest.fn(async () => rows(3, 7));
    const page = await paginateSql(run, { limit: 2 }, spec());
    expect(run).toHaveBeenCalledTimes(1);
    const [sql, params] = run.mock.calls[0] as unknown as [string, unknown[]];
    expect(sql).toContain('(SELECT count(*) FROM things t WHERE t.org_id = $1)::int AS __total');
    expect(sql).toMatch(/ORDER BY t\.created_at DESC, t\.id DESC LIMIT \$2$/);
    expect(params).toEqual(['org-1', 3]);
    expect(page).toMatchObject({ items: ['r0', 'r1'], total: 7 });
    expect(page.next_cursor).toEqual(expect.any(String));
  });

  it('continues after the cursor with a keyset condition, bound as parameters', async () => {
    const cursor = encodeCursor('things:org-1', { k: '2026-01-30T00:00:00.000Z', id: 'r1' });
    const run = jest.fn(async () => rows(1, 7));
    const page = await paginateSql(run, { limit: 2, cursor }, spec());
    const [sql, params] = run.mock.calls[0] as unknown as [string, unknown[]];
    expect(sql).toContain('AND (t.created_at, t.id) < ($2, $3)');
    expect(params).toEqual(['org-1', new Date('2026-01-30T00:00:00.000Z'), 'r1', 3]);
    expect(page).toEqual({ items: ['r0'], next_cursor: null, total: 7 });
  });

  it('counts apart only when a cursor points past the last row', async () => {
    const cursor = encodeCursor('things:org-1', { k: '2020-01-01T00:00:00.000Z', id: 'zz' });
    const run = jest.fn(async (sql: string) => (sql.startsWith('SELECT count(*)') ? [{ n: 5 }] : []));
    expect(await paginateSql(run, { limit: 2, cursor }, spec())).toEqual({ items: [], next_cursor: null, total: 5 });
    expect(run).toHaveBeenCalledTimes(2);
    const empty = jest.fn(async () => []);
    expect(await paginateSql(empty, { limit: 2 }, spec())).toEqual({ items: [], next_cursor: null, total: 0 });
    expect(empty).toHaveBeenCalledTimes(1);
  });
});
