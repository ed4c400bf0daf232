import type { DataSource } from 'typeorm';

const MIGRATION_LOCK_KEY = 7_203_114_001; // arbitrary constant shared by every replica

/**
 * Runs pending migrations while holding a session-level advisory lock, so replicas that start
 * together run them once: the others wait, then find nothing pending.
 */
export async function runMigrationsLocked(ds: DataSource): Promise<string[]> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
