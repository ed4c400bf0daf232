import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CursorPosition, decodeCursor, encodeCursor } from './cursor';
import { DEFAULT_PAGE_LIMIT, Page, PageQuery } from './page.query';

export interface PaginateOptions<E, R> {
  /** Identifies the list and its filters; a cursor is only valid for the same scope. */
  scope: string;
  map: (row: E) => R;
  /** Sort column (property path on the root alias); default createdAt. Newest first. */
  sortProperty?: string;
  sortColumn?: string;
  direction?: 'DESC' | 'ASC';
}

/** The sort key a cursor carries, back in the type the column compares with. */
function cursorKey(pos: CursorPosition): unknown {
  return typeof pos.k === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(pos.k) ? new Date(pos.k) : pos.k;
}

/** The page of `limit` rows out of `rows` (fetched with one extra) and the cursor after it. */
function pageOf<T, R>(
  rows: T[],
  limit: number,
  scope: string,
  position: (row: T) => { key: unknown; id: unknown },
  map: (row: T) => R,
  total: number,
): Page<R> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  let next: string | null = null;
  if (hasMore && last !== undefined) {
    const { key, id } = position(last);
    const k = key instanceof Date ? key.toISOString() : (key as string | number);
    next = encodeCursor(scope, { k, id: String(id) } satisfies CursorPosition);
  }
  return { items: pageRows.map(map), next_cursor: next, total };
}

/**
 * Keyset pagination on (created_at, id), newest first: stable while rows are inserted because
 * the cursor names a position, not an offset.
 */
export async function paginate<E extends ObjectLiteral, R>(
  qb: SelectQueryBuilder<E>,
  query: PageQuery,
  opts: PaginateOptions<E, R>,
): Promise<Page<R>> {
  const alias = qb.alias;
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const prop = opts.sortProperty ?? 'createdAt';
  const column = `${alias}.${opts.sortColumn ?? prop}`;
  const dir = opts.direction ?? 'DESC';
  const total = await qb.clone().getCount();
  const pageQb = qb.clone();
  if (query.cursor) {
    const pos = decodeCursor(opts.scope, query.cursor);
    const op = dir === 'DESC' ? '<' : '>';
    pageQb.andWhere(`(${column}, ${alias}.id) ${op} (:__ck, :__cid)`, { __ck: cursorKey(pos), __cid: pos.id });
  }
  const rows = await pageQb
    .orderBy(column, dir)
    .addOrderBy(`${alias}.id`, dir)
    .take(limit + 1)
    .getMany();
  const position = (row: E) => ({
    key: (row as Record<string, unknown>)[prop],
    id: (row as Record<string, unknown>).id,
  });
  return pageOf(rows, limit, opts.scope, position, opts.map, total);
}

/** A list read with one SQL statement; the repository owns the SQL, this owns the keyset. */
export interface SqlPageSpec<Row, R> {
  /** Identifies the list and its filters; a cursor is only valid for the same scope. */
  scope: string;
  /** the SELECT list (its rows are what `map` gets) */
  columns: string;
  /** the table and the alias the columns and conditions use, e.g. `users` and `u` */
  table: string;
  alias: string;
  /** conditions ANDed together, with $1… placeholders for `params` */
  where: string[];
  params: unknown[];
  /** sort column (default `created_at`) and its direction (default newest first); ties broken by `id` */
  sortColumn?: string;
  direction?: 'DESC' | 'ASC';
  map: (row: Row) => R;
}

/** Runs SQL in the caller's transaction if any (the repository passes `txHost.tx.query`). */
export type SqlRunner = (sql: string, params: unknown[]) => Promise<unknown[]>;

/**
 * The same keyset pagination as `paginate`, for hot lists read with plain SQL: the page and the
 * total come back from ONE statement (the total as an uncorrelated sub-select, which PostgreSQL
 * computes once), so a page costs one round trip instead of two and no entity hydration.
 * Only when a cursor points past the last row (no row to carry the total) is it counted apart.
 */
export async function paginateSql<Row extends Record<string, unknown>, R>(
  run: SqlRunner,
  query: PageQuery,
  spec: SqlPageSpec<Row, R>,
): Promise<Page<R>> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const dir = spec.direction ?? 'DESC';
  const sortKey = spec.sortColumn ?? 'created_at';
  const sortColumn = `${spec.alias}.${sortKey}`;
  const idColumn = `${spec.alias}.id`;
  const from = `${spec.table} ${spec.alias}`;
  const filters = spec.where.length ? spec.where.join(' AND ') : 'TRUE';
  const params = [...spec.params];
  let keyset = '';
  if (query.cursor) {
    const pos = decodeCursor(spec.scope, query.cursor);
    params.push(cursorKey(pos), pos.id);
    keyset = ` AND (${sortColumn}, ${idColumn}) ${dir === 'DESC' ? '<' : '>'} ($${params.length - 1}, $${params.length})`;
  }
  params.push(limit + 1);
  const sql =
    `SELECT ${spec.columns}, (SELECT count(*) FROM ${from} WHERE ${filters})::int AS __total ` +
    `FROM ${from} WHERE ${filters}${keyset} ` +
    `ORDER BY ${sortColumn} ${dir}, ${idColumn} ${dir} LIMIT $${params.length}`;
  const rows = (await run(sql, params)) as (Row & { __total: number })[];
  let total = rows[0]?.__total;
  if (total === undefined) {
    total = query.cursor
      ? ((await run(`SELECT count(*)::int AS n FROM ${from} WHERE ${filters}`, spec.params)) as { n: number }[])[0].n
      : 0;
  }
  const position = (row: Row) => ({ key: row[sortKey], id: row.id });
  return pageOf(rows, limit, spec.scope, position, spec.map, total);
}

/**
 * Pages an in-memory list already sorted by (key, id), descending unless `direction: 'ASC'`; for
 * small non-SQL collections.
 */
export function paginateArray<T, R>(
  all: T[],
  query: PageQuery,
  opts: {
    scope: string;
    key: (t: T) => string | number;
    id: (t: T) => string;
    map: (t: T) => R;
    direction?: 'ASC' | 'DESC';
  },
): Page<R> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  let start = 0;
  if (query.cursor) {
    const pos = decodeCursor(opts.scope, query.cursor);
    const after = opts.direction === 'ASC';
    const idx = all.findIndex((t) => {
      const k = opts.key(t);
      const id = opts.id(t);
      return after ? k > pos.k || (k === pos.k && id > pos.id) : k < pos.k || (k === pos.k && id < pos.id);
    });
    start = idx === -1 ? all.length : idx;
  }
  const slice = all.slice(start, start + limit);
  const hasMore = start + limit < all.length;
  const last = slice[slice.length - 1];
  return {
    items: slice.map(opts.map),
    next_cursor: hasMore && last ? encodeCursor(opts.scope, { k: opts.key(last), id: opts.id(last) }) : null,
    total: all.length,
  };
}
