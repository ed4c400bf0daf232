import { runMigrationsLocked } from '@libs/database/migrations';
import { typeormOptions } from '@libs/database/typeorm.options';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

const testUrl = process.env.DATABASE_URL!;

/** Statements TypeORM would run to make the database match the entities. */
async function pendingSchemaChanges(url: string): Promise<string[]> {
  const ds = await new DataSource(typeormOptions(url, 2)).initialize();
  try {
    const log = await ds.driver.createSchemaBuilder().log();
    return log.upQueries.map((q) => q.query);
  } finally {
    await ds.destroy();
  }
}

describe('migrations', () => {
  it('the migrated schema matches the entities (no column, table or default drift)', async () => {
    // Indexes, foreign keys and CHECK constraints are written in the migrations only (docs/conventions.md),
    // so TypeORM proposes to drop them; anything else means an entity and the migrations disagree.
    const drift = (await pendingSchemaChanges(testUrl)).filter(
      (q) => !/^(DROP INDEX|ALTER TABLE "[^"]+" DROP CONSTRAINT) /.test(q),
    );
    expect(drift).toEqual([]);
  });

  it('every migration reverts (down) and applies again on a fresh database, and replicas starting together migrate once', async () => {
    const url = testUrl.replace(/\/([^/]+)$/, `/$1_roundtrip_${process.pid}`);
    const db = new URL(url).pathname.slice(1);
    const admin = new Client({ connectionString: testUrl.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${db}"`);
    await admin.query(`CREATE DATABASE "${db}"`);
    try {
      // two "replicas" at once: the advisory lock lets one run everything, the other finds nothing pending
      const [a, b] = [
        await new DataSource(typeormOptions(url, 2)).initialize(),
        await new DataSource(typeormOptions(url, 2)).initialize(),
      ];
      const [ranA, ranB] = await Promise.all([runMigrationsLocked(a), runMigrationsLocked(b)]);
      const total = a.migrations.length;
      expect(ranA.length + ranB.length).toBe(total);
      expect([ranA.length, ranB.length].sort()).toEqual([0, total]);
      await b.destroy();

      for (let i = 0; i < total; i++) {
        await a.undoLastMigration({ transaction: 'each' });
      }
      const tables = await a.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations'`,
      );
      expect(tables).toEqual([]);
      expect(await runMigrationsLocked(a)).toHaveLength(total);
      await a.destroy();
      expect(
        (await pendingSchemaChanges(url)).filter((q) => !/^(DROP INDEX|ALTER TABLE "[^"]+" DROP CONSTRAINT) /.test(q)),
      ).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
