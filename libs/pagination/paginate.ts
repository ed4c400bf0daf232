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
    const key = typeof pos.k === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(pos.k) ? new Date(pos.k) : pos.k;
    pageQb.andWhere(`(${column}, ${alias}.id) ${op} (:__ck, :__cid)`, { __ck: key, __cid: pos.id });
  }
  const rows = await pageQb
    .orderBy(column, dir)
    .addOrderBy(`${alias}.id`, dir)
    .take(limit + 1)
    .getMany();
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1] as Record<string, unknown> | undefined;
  let next: string | null = null;
  if (hasMore && last) {
    const raw = last[prop];
    const k = raw instanceof Date ? raw.toISOString() : (raw as string | number);
    next = encodeCursor(opts.scope, { k, id: String(last.id) } satisfies CursorPosition);
  }
  return { items: pageRows.map(opts.map), next_cursor: next, total };
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
