import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TestApp } from '../setup/test-app';

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** The non-superuser login role postgres sources use in tests (created by the global setup). */
export const PG_READER = 'agentcy_reader';

/** Connection string of a scratch database as the reader role. */
export function readerUrl(db: string): string {
  return `postgres://${PG_READER}@127.0.0.1:5432/${db}`;
}

/** Own Redis prefix per suite: queues are per prefix, so parallel suites never run each other's jobs. */
export function suitePrefix(tag: string): string {
  return `${process.env.REDIS_PREFIX ?? 'agentcy-test'}-${tag}`;
}

export function testUploadDir(): string {
  return mkdtempSync(join(tmpdir(), 'agentcy-uploads-'));
}

/** Creates a throw-away database with an `app` schema (users, orders → users FK, rows) the reader role may read; returns the superuser URL. */
export async function createScratchDb(name: string): Promise<string> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(`
    CREATE SCHEMA app;
    CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL, name text);
    COMMENT ON TABLE app.users IS 'people who log in';
    CREATE TABLE app.orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES app.users(id), total numeric(10,2), created_at timestamptz DEFAULT now());
    INSERT INTO app.users VALUES (1, 'ada@example.test', 'Ada'), (2, 'bob@example.test', 'Bob'), (3, 'cy@example.test', 'Cy');
    INSERT INTO app.orders VALUES (10, 1, 12.5), (11, 1, 3.2), (12, 2, 99);
    GRANT USAGE ON SCHEMA app TO ${PG_READER};
    GRANT SELECT ON ALL TABLES IN SCHEMA app TO ${PG_READER};
  `);
  await c.end();
  return url;
}

export async function dropScratchDb(name: string): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [name],
  );
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.end();
}

export async function waitForJob(
  t: TestApp,
  auth: Record<string, string>,
  sourceId: string,
  jobId: string,
  until: string[] = ['succeeded', 'failed', 'cancelled'],
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const r = await t.http().get(`/api/v1/sources/${sourceId}/jobs/${jobId}`).set(auth);
    if (r.status !== 200) {
      throw new Error(`job fetch failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
    last = r.body;
    if (until.includes(r.body.status)) {
      return r.body;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${jobId} did not reach ${until.join('/')} in time; last: ${JSON.stringify(last)}`);
}
