import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Client } from 'pg';
import { registerOwner, type TestUser } from '../../factories/users';
import { startTestApp, type TestApp } from '../../setup/test-app';
import { createScratchDb, dropScratchDb, PG_ADMIN_URL, PG_READER, suitePrefix, waitForJob } from '../sources-helpers';

/**
 * A self-registered owner adds a postgres source and tries to reach the database host or other
 * tenants through it: as the superuser (or a role holding server-program/server-file rights), with
 * COPY … TO PROGRAM, stacked and data-changing statements, endless or huge queries, the API's own
 * database, and an internal address. Each attempt is refused; the database host shows nothing ran.
 */
describe('hostile tenant: postgres source', () => {
  let t: TestApp;
  let owner: TestUser;
  let admin: Client;
  let scratchAdmin: Client;
  const tag = randomUUID().slice(0, 8);
  const scratch = `agentcy_hostile_pg_${tag}`;
  const roles = {
    exec: `agentcy_h_exec_${tag}`,
    inherited: `agentcy_h_inh_${tag}`,
    group: `agentcy_h_grp_${tag}`,
    suMember: `agentcy_h_su_${tag}`,
    createrole: `agentcy_h_cr_${tag}`,
    late: `agentcy_h_late_${tag}`,
  };
  const pwned = `/tmp/agentcy-pwned-${tag}`;
  const apiDb = new URL(process.env.DATABASE_URL!).pathname.slice(1);

  beforeAll(async () => {
    await createScratchDb(scratch);
    admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${roles.exec} LOGIN; GRANT pg_execute_server_program TO ${roles.exec}`);
    // membership through a group role (NOINHERIT does not help: it can still SET ROLE)
    await admin.query(
      `CREATE ROLE ${roles.group} NOLOGIN; GRANT pg_read_server_files TO ${roles.group};
       CREATE ROLE ${roles.inherited} LOGIN NOINHERIT; GRANT ${roles.group} TO ${roles.inherited}`,
    );
    await admin.query(`CREATE ROLE ${roles.suMember} LOGIN; GRANT postgres TO ${roles.suMember}`);
    await admin.query(`CREATE ROLE ${roles.createrole} LOGIN CREATEROLE`);
    await admin.query(`CREATE ROLE ${roles.late} LOGIN`);
    scratchAdmin = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${scratch}` });
    await scratchAdmin.connect();
    await scratchAdmin.query(`CREATE TABLE app.t (id int PRIMARY KEY); INSERT INTO app.t VALUES (1), (2)`);
    await scratchAdmin.query(`GRANT SELECT ON app.t TO ${PG_READER}; GRANT USAGE ON SCHEMA app TO ${roles.late}`);
    t = await startTestApp({ REDIS_PREFIX: suitePrefix(`hostile-pg-${tag}`) });
    owner = await registerOwner(t, 'hostilepg');
  });

  afterAll(async () => {
    await t?.close();
    await scratchAdmin?.end();
    await dropScratchDb(scratch);
    await admin.query(`DROP ROLE IF EXISTS ${Object.values(roles).join(', ')}`);
    await admin.end();
  });

  const pg = (over: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: 5432,
    database: scratch,
    user: PG_READER,
    schemas: ['app'],
    ...over,
  });

  const create = (config: Record<string, unknown>, name = `pg-${randomUUID().slice(0, 6)}`) =>
    t.http().post('/api/v1/sources').set(owner.auth).send({ name, source_type: 'postgres', config });

  /** true when the path exists on the database host (asked as the superuser, who may stat files) */
  const existsOnDbHost = async (path: string) =>
    (await admin.query<{ s: unknown }>(`SELECT pg_stat_file($1, true) AS s`, [path])).rows[0].s !== null;

  describe('roles that reach the database host are refused at validation', () => {
    it('the superuser: 422 source_validation_failed, reason superuser (host fields, connection string, validate)', async () => {
      const r = await create(pg({ user: 'postgres' }));
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({
        code: 'source_validation_failed',
        details: { kind: 'scope', reason: 'superuser' },
      });
      expect(r.body.error.message).toMatch(/CONNECTOR_PG_ALLOW_SUPERUSER/);
      const cs = await create({ connection_string: `postgres://postgres@127.0.0.1:5432/${apiDb}` });
      expect(cs.status).toBe(422);
      expect(cs.body.error.details.reason).toBe('superuser');
      const v = await t
        .http()
        .post('/api/v1/sources/validate')
        .set(owner.auth)
        .send({ source_type: 'postgres', config: pg({ user: 'postgres' }) })
        .expect(422);
      expect(v.body.error.details.reason).toBe('superuser');
      const list = await t.http().get('/api/v1/sources').set(owner.auth).expect(200);
      expect(list.body.total).toBe(0);
    });

    it.each([
      ['exec', 'pg_execute_server_program'],
      ['inherited', 'pg_read_server_files'],
      ['suMember', 'superuser'],
    ] as const)('a role with %s rights: refused with reason %s', async (role, reason) => {
      const r = await create(pg({ user: roles[role] }));
      expect(r.status).toBe(422);
      expect(r.body.error).toMatchObject({ code: 'source_validation_failed', details: { reason } });
    });

    it('a CREATEROLE role on PostgreSQL < 16 (it could grant itself pg_execute_server_program)', async () => {
      const v = Number((await admin.query(`SHOW server_version_num`)).rows[0].server_version_num);
      const r = await create(pg({ user: roles.createrole }));
      if (v < 160000) {
        expect(r.status).toBe(422);
        expect(r.body.error.details.reason).toBe('createrole');
      } else {
        expect(r.status).toBe(201);
      }
    });
  });

  it('a role that gains such rights after the source was saved is refused at the next connection (tools, sync)', async () => {
    const r = await create(pg({ user: roles.late }));
    expect(r.status).toBe(201);
    await admin.query(`GRANT pg_execute_server_program TO ${roles.late}`);
    const q = await t
      .http()
      .post(`/api/v1/sources/${r.body.id}/tools/query/execute`)
      .set(owner.auth)
      .send({ args: { sql: 'SELECT 1' } });
    expect(q.status).toBe(422);
    expect(q.body.error.details).toMatchObject({
      tool_error: 'upstream_forbidden',
      reason: 'pg_execute_server_program',
    });
    const job = await t.http().post(`/api/v1/sources/${r.body.id}/sync`).set(owner.auth).send({}).expect(202);
    const done = await waitForJob(t, owner.auth, r.body.id, job.body.id);
    expect(done.status).toBe('failed');
    expect(JSON.stringify(done)).toContain('pg_execute_server_program');
  });

  describe('the read tool runs one plain SELECT, read-only, bounded', () => {
    let id: string;
    const query = (args: Record<string, unknown>, sourceId = id) =>
      t.http().post(`/api/v1/sources/${sourceId}/tools/query/execute`).set(owner.auth).send({ args });

    beforeAll(async () => {
      const r = await create(pg({ statement_timeout_ms: 500, max_rows: 50 }), 'reader');
      expect(r.status).toBe(201);
      id = r.body.id;
    });

    it('a reader role is accepted and reads what it was granted', async () => {
      const ok = await query({ sql: 'SELECT id FROM app.t ORDER BY id' }).expect(200);
      expect(ok.body.result).toMatchObject({ columns: ['id'], rows: [{ id: 1 }, { id: 2 }], truncated: false });
    });

    it('COPY … TO PROGRAM is a 400 and nothing runs on the database host', async () => {
      const r = await query({ sql: `COPY (SELECT 1) TO PROGRAM 'touch ${pwned}'` });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({
        code: 'invalid_arguments',
        details: { reason: 'not_a_select', statement: 'COPY' },
      });
      expect(r.body.error.message).toMatch(/COPY is not allowed/);
      // even the approved write tool cannot: the role has no right to run programs
      const catalog = t.app.get(ToolCatalogPort);
      const execute = (await catalog.listTools(owner.orgId)).find((x) => x.sourceId === id && x.name === 'execute')!;
      await expect(
        catalog.execute(owner.orgId, execute, { sql: `COPY (SELECT 1) TO PROGRAM 'touch ${pwned}'` }),
      ).rejects.toMatchObject({ code: 'query_failed', details: { pg_code: '42501' } });
      expect(await existsOnDbHost(pwned)).toBe(false);
    });

    it.each([
      ['SELECT 1; SELECT 2', 'multiple_statements'],
      [`SELECT 1; COPY (SELECT 1) TO PROGRAM 'touch ${pwned}'`, 'multiple_statements'],
      ['WITH d AS (DELETE FROM app.t RETURNING *) SELECT * FROM d', 'data_modifying_cte'],
      ['SELECT * INTO app.t2 FROM app.t', 'select_into'],
      ['INSERT INTO app.t VALUES (3)', 'not_a_select'],
      ['SELECT * FROM app.t FOR UPDATE', 'locking_clause'],
      ['SET statement_timeout = 0', 'not_a_select'],
      ['DO $$ BEGIN PERFORM pg_sleep(1); END $$', 'not_a_select'],
      ['CALL nothing()', 'not_a_select'],
      ['COMMIT', 'not_a_select'],
    ])('%s → 400 (%s)', async (sql, reason) => {
      const r = await query({ sql });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_arguments', details: { reason } });
    });

    it('the refused statements changed nothing', async () => {
      const rows = await scratchAdmin.query('SELECT id FROM app.t ORDER BY id');
      expect(rows.rows.map((x) => x.id)).toEqual([1, 2]);
      const t2 = await scratchAdmin.query(`SELECT to_regclass('app.t2') AS r`);
      expect(t2.rows[0].r).toBeNull();
      expect(await existsOnDbHost(pwned)).toBe(false);
    });

    it('server-file functions inside a SELECT fail by privilege', async () => {
      for (const sql of ["SELECT pg_read_file('/etc/passwd')", "SELECT lo_import('/etc/passwd')"]) {
        const r = await query({ sql });
        expect(r.status).toBe(422);
        expect(['42501', '25006']).toContain(r.body.error.details.pg_code);
      }
    });

    it('SELECT pg_sleep(60) ends at the source statement timeout', async () => {
      const started = Date.now();
      const r = await query({ sql: 'SELECT pg_sleep(60)' });
      expect(r.status).toBe(422);
      expect(r.body.error.details).toMatchObject({ tool_error: 'tool_timeout', pg_code: '57014' });
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('a 100k-row SELECT is cut at the row cap (the call may lower it, never raise it)', async () => {
      const big = await query({ sql: 'SELECT g FROM generate_series(1, 100000) g' }).expect(200);
      expect(big.body.result).toMatchObject({ row_count: 50, truncated: true });
      expect(big.body.result.rows).toHaveLength(50);
      const more = await query({ sql: 'SELECT g FROM generate_series(1, 100000) g', max_rows: 5000 }).expect(200);
      expect(more.body.result.row_count).toBe(50);
      const fewer = await query({ sql: 'SELECT g FROM generate_series(1, 100000) g', max_rows: 3 }).expect(200);
      expect(fewer.body.result).toMatchObject({ row_count: 3, truncated: true, rows: [{ g: 1 }, { g: 2 }, { g: 3 }] });
      const exact = await query({ sql: 'SELECT g FROM generate_series(1, $1::int) g', params: [50] }).expect(200);
      expect(exact.body.result).toMatchObject({ row_count: 50, truncated: false });
    });

    it("the API's own database: the reader role cannot read other tenants' users", async () => {
      const r = await create(pg({ database: apiDb, schemas: ['public'] }), 'api-db');
      expect(r.status).toBe(201);
      for (const sql of ['SELECT * FROM users', 'SELECT email, password_hash FROM public.users', 'TABLE api_keys']) {
        const q = await query({ sql }, r.body.id);
        expect(q.status).toBe(422);
        expect(q.body.error.details).toMatchObject({ tool_error: 'query_failed', pg_code: '42501' });
        expect(q.body.error.message).toMatch(/permission denied/);
      }
    });
  });

  describe('the database host must be one the egress guard allows', () => {
    let trap: Server;
    let trapPort: number;
    let reached = 0;

    beforeAll(async () => {
      trap = createServer((s) => {
        reached++;
        s.destroy();
      });
      await new Promise<void>((r) => trap.listen(0, '127.0.0.2', () => r()));
      trapPort = (trap.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((r) => trap.close(r)));

    it('127.0.0.2 (and its other spellings) → 422 egress_forbidden; the listener there sees no connection', async () => {
      for (const config of [
        pg({ host: '127.0.0.2', port: trapPort }),
        pg({ host: '::ffff:127.0.0.2', port: trapPort }),
        { connection_string: `postgres://${PG_READER}@127.0.0.2:${trapPort}/${scratch}` },
        { connection_string: `postgres://${PG_READER}@[::ffff:7f00:2]:${trapPort}/${scratch}` },
      ]) {
        const r = await create(config);
        expect(r.status).toBe(422);
        expect(r.body.error).toMatchObject({
          code: 'egress_forbidden',
          details: { address: expect.stringMatching(/127\.0\.0\.2|7f00:2/) },
        });
      }
      expect(reached).toBe(0);
    });

    it('socket paths and API-host file parameters are refused before any connection', async () => {
      for (const connection_string of [
        `postgres://postgres@/${scratch}?host=/var/run/postgresql`,
        `postgres://${PG_READER}@127.0.0.1/${scratch}?sslrootcert=/etc/passwd`,
        `postgres://${PG_READER}@127.0.0.1/${scratch}?replication=database`,
      ]) {
        const r = await create({ connection_string });
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
      }
    });
  });
});

describe('hostile tenant: postgres source with CONNECTOR_PG_ALLOW_SUPERUSER=true (operator switch)', () => {
  let t: TestApp;
  let owner: TestUser;
  const scratch = `agentcy_hostile_pgsu_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await createScratchDb(scratch);
    t = await startTestApp({ REDIS_PREFIX: suitePrefix('hostile-pg-su'), CONNECTOR_PG_ALLOW_SUPERUSER: 'true' });
    owner = await registerOwner(t, 'hostilepgsu');
  });
  afterAll(async () => {
    await t?.close();
    await dropScratchDb(scratch);
  });

  it('accepts the superuser; the read tool still refuses COPY', async () => {
    const r = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({
        name: 'su',
        source_type: 'postgres',
        config: { connection_string: `postgres://postgres@127.0.0.1:5432/${scratch}` },
      })
      .expect(201);
    const q = await t
      .http()
      .post(`/api/v1/sources/${r.body.id}/tools/query/execute`)
      .set(owner.auth)
      .send({ args: { sql: "COPY (SELECT 1) TO PROGRAM 'true'" } })
      .expect(400);
    expect(q.body.error.details.reason).toBe('not_a_select');
  });
});
