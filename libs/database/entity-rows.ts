import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';

/** What a plain-SQL read of an entity's table needs: its columns under an alias, and row → entity. */
export interface EntityRows<E> {
  /** `alias."column", …` for a SELECT list */
  columns: string;
  map: (row: Record<string, unknown>) => E;
}

/**
 * Reads of an entity's table with plain SQL (hot lists, see `paginateSql`) without a hand-kept
 * column list: names and value transformers come from TypeORM's own metadata, once. `omit`
 * leaves properties out of the SELECT (e.g. a password hash a list never needs).
 */
export function entityRows<E extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<E>,
  alias: string,
  omit: (keyof E & string)[] = [],
): EntityRows<E> {
  const meta = dataSource.getMetadata(target);
  const columns = meta.columns.filter((c) => !omit.includes(c.propertyName as keyof E & string));
  return {
    columns: columns.map((c) => `${alias}."${c.databaseName}"`).join(', '),
    map: (row) => {
      const entity = meta.create() as E;
      for (const c of columns) {
        const raw = row[c.databaseName];
        c.setEntityValue(entity, c.transformer ? ApplyValueTransformers.transformFrom(c.transformer, raw) : raw);
      }
      return entity;
    },
  };
}

/**
 * SQL for a `timestamptz` column as the text `Date#toISOString()` gives (UTC, milliseconds, `Z`),
 * so a hot list sends it on without parsing it into a Date first. Exact for the millisecond
 * columns of this schema (timestamp(3)) in years 1000–9999.
 */
export function isoTimestamp(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}
