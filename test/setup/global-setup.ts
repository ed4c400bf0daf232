// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
import '../../src/register-paths';
import 'reflect-metadata';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { runMigrationsLocked } from '../../libs/database/migrations';
import { typeormOptions } from '../../libs/database/typeorm.options';

/** Once per run: a clean test database with every migration applied. */
export default async function globalSetup() {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy_test';
  const admin = new Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  const db = new URL(url).pathname.slice(1);
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [db],
  );
  await admin.query(`DROP DATABASE IF EXISTS "${db}"`);
  await admin.query(`CREATE DATABASE "${db}"`);
  // postgres sources in tests connect as this non-superuser role (roles are cluster-wide; parallel runs may race)
  await admin.query(
    `DO $$ BEGIN CREATE ROLE agentcy_reader LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
  );
  await admin.end();
  // on CI, drop the keys of earlier runs (every test file uses its own agentcy-test-* prefix);
  // locally other runs may be in progress on the same Redis, so their keys are left alone
  if (process.env.CI) {
    await dropTestKeys();
  }
  const ds = await new DataSource(typeormOptions(url, 2)).initialize();
  await runMigrationsLocked(ds);
  await ds.destroy();
}

async function dropTestKeys() {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', 'agentcy-test-*', 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
  await redis.quit();
}
