import { QueryFailedError, type DataSource } from 'typeorm';

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * A hot statement as a named prepared statement on TypeORM's pg pool: PostgreSQL parses and plans it
 * once per connection, and no QueryRunner or query builder is built per call. Outside transactions
 * only (it never joins `txHost.tx`). Driver errors surface as TypeORM's `QueryFailedError`, as from
 * `DataSource.query`. `name` must be unique in the process for this text.
 */
export function preparedStatement<R = Record<string, unknown>>(
  dataSource: DataSource,
  name: string,
  text: string,
): (values: unknown[]) => Promise<R[]> {
  return async (values) => {
    // TypeORM's postgres driver keeps its pg.Pool as `master`
    const pool = (dataSource.driver as unknown as { master: PgPool }).master;
    try {
      return (await pool.query({ name, text, values })).rows as R[];
    } catch (err) {
      throw new QueryFailedError(text, values, err as Error);
    }
  };
}
