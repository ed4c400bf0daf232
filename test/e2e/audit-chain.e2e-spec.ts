import { AuditService } from '@libs/audit';
import { AuditRetentionJob } from 'src/modules/audit-log/audit-retention.job';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

interface Report {
  ok: boolean;
  checked: number;
  unchained: number;
  first_broken: { seq: number; id: string | null; reason: string } | null;
  from_checkpoint: { seq: number; cut_at: string } | null;
}

describe('audit: hash chain, verification and retention', () => {
  let t: TestApp;
  let t2: TestApp;
  let ds: DataSource;

  const verify = async (who: TestUser): Promise<Report> =>
    (await t.http().get('/api/v1/policies/audit/verify').set(who.auth).expect(200)).body as Report;
  const seqs = async (orgId: string): Promise<{ id: string; seq: number; ts: Date }[]> =>
    (await ds.query(`SELECT id, seq::int AS seq, ts FROM audit_log WHERE org_id = $1 ORDER BY seq`, [orgId])) as {
      id: string;
      seq: number;
      ts: Date;
    }[];
  /** bypasses the append-only trigger the way only the retention job may (a superuser session here) */
  const tamper = async (sql: string, params: unknown[]) =>
    ds.transaction(async (em) => {
      await em.query(`SELECT set_config('agentcy.audit_retention', 'on', true)`);
      await em.query(sql, params);
    });
  const record = (audit: AuditService, orgId: string, i: number) =>
    audit.record({
      orgId,
      category: 'policy',
      action: 'chat.tool.execute',
      result: i % 3 === 0 ? 'denied' : 'success',
      actor: null,
      target: { type: 'tool', connector: 'kubernetes', tool: `tool_${i}` },
      details: { i, nested: { b: [1, 2, { z: true, a: null }], a: 'x' } },
    });

  beforeAll(async () => {
    const env = { AGENTCY_FEATURES_POLICIES: 'true' };
    t = await startTestApp(env);
    t2 = await startTestApp(env);
    ds = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t2.close();
    await t.close();
  });

  it('the database refuses UPDATE and DELETE of audit entries', async () => {
    const owner = await registerOwner(t, 'chain-ro');
    const [first] = await seqs(owner.orgId);
    await expect(ds.query(`UPDATE audit_log SET action = 'x' WHERE id = $1`, [first.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(ds.query(`DELETE FROM audit_log WHERE id = $1`, [first.id])).rejects.toThrow(/append-only/);
  });

  it('concurrent writers of one org (two app instances, HTTP and direct) build one gap-free, valid chain', async () => {
    const owner = await registerOwner(t, 'chain-conc');
    const a = t.app.get(AuditService);
    const b = t2.app.get(AuditService);
    await Promise.all([
      ...Array.from({ length: 120 }, (_, i) => record(i % 2 ? a : b, owner.orgId, i)),
      // audited requests (400s are audited too) through both instances
      ...Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? t : t2).http().post('/api/v1/api-keys').set(owner.auth).send({ name: '' }).expect(400),
      ),
    ]);
    const rows = await seqs(owner.orgId);
    expect(rows.length).toBeGreaterThanOrEqual(151);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const links = (await ds.query(
      `SELECT seq::int AS seq, prev_hash, hash FROM audit_log WHERE org_id = $1 ORDER BY seq`,
      [owner.orgId],
    )) as { seq: number; prev_hash: string; hash: string }[];
    expect(links[0].prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < links.length; i++) {
      expect(links[i].prev_hash).toBe(links[i - 1].hash);
    }
    const report = await verify(owner);
    expect(report).toMatchObject({ ok: true, first_broken: null, unchained: 0, from_checkpoint: null });
    // verify itself is not a mutating request: nothing new was written between
    expect(report.checked).toBe((await seqs(owner.orgId)).length);
  });

  it('a row edited in SQL is reported as hash_mismatch at its seq; restoring it makes the chain whole again', async () => {
    const owner = await registerOwner(t, 'chain-tamper');
    const audit = t.app.get(AuditService);
    for (let i = 0; i < 8; i++) {
      await record(audit, owner.orgId, i);
    }
    const rows = await seqs(owner.orgId);
    const victim = rows[Math.floor(rows.length / 2)];
    const [{ details }] = (await ds.query(`SELECT details FROM audit_log WHERE id = $1`, [victim.id])) as {
      details: unknown;
    }[];
    await tamper(`UPDATE audit_log SET details = '{"i": 999}' WHERE id = $1`, [victim.id]);
    expect(await verify(owner)).toMatchObject({
      ok: false,
      first_broken: { seq: victim.seq, id: victim.id, reason: 'hash_mismatch' },
    });
    await tamper(`UPDATE audit_log SET details = $2 WHERE id = $1`, [victim.id, JSON.stringify(details)]);
    expect(await verify(owner)).toMatchObject({ ok: true, first_broken: null });
  });

  it('a deleted middle row is a seq_gap at the next entry; a deleted tail is a gap too', async () => {
    const owner = await registerOwner(t, 'chain-del');
    const audit = t.app.get(AuditService);
    for (let i = 0; i < 6; i++) {
      await record(audit, owner.orgId, i);
    }
    const rows = await seqs(owner.orgId);
    const last = rows[rows.length - 1];
    await tamper(`DELETE FROM audit_log WHERE id = $1`, [last.id]);
    expect(await verify(owner)).toMatchObject({
      ok: false,
      first_broken: { seq: last.seq, id: null, reason: 'seq_gap' },
    });
    const middle = rows[3];
    await tamper(`DELETE FROM audit_log WHERE id = $1`, [middle.id]);
    expect(await verify(owner)).toMatchObject({
      ok: false,
      first_broken: { seq: middle.seq + 1, id: rows[4].id, reason: 'seq_gap' },
    });
  });

  it('a row renumbered into the gap of a deleted one breaks at prev_mismatch', async () => {
    const owner = await registerOwner(t, 'chain-renum');
    const audit = t.app.get(AuditService);
    for (let i = 0; i < 5; i++) {
      await record(audit, owner.orgId, i);
    }
    const rows = await seqs(owner.orgId);
    const k = rows.length - 2;
    await tamper(`DELETE FROM audit_log WHERE id = $1`, [rows[k].id]);
    await tamper(`UPDATE audit_log SET seq = seq - 1 WHERE org_id = $1 AND seq > $2`, [owner.orgId, rows[k].seq]);
    await tamper(`UPDATE audit_seq SET seq = seq - 1 WHERE org_key = $1`, [owner.orgId]);
    expect(await verify(owner)).toMatchObject({
      ok: false,
      first_broken: { seq: rows[k].seq, id: rows[k + 1].id, reason: 'prev_mismatch' },
    });
  });

  it('retention cuts before a signed checkpoint; verify starts there and new entries keep chaining; a forged checkpoint is refused', async () => {
    const owner = await registerOwner(t, 'chain-ret');
    const audit = t.app.get(AuditService);
    for (let i = 0; i < 6; i++) {
      await record(audit, owner.orgId, i);
    }
    const before = await seqs(owner.orgId);
    await new Promise((r) => setTimeout(r, 20));
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) {
      await record(audit, owner.orgId, 100 + i);
    }
    const cuts = await t.app.get(AuditRetentionJob).cutBefore(cutoff);
    const mine = cuts.find((c) => c.orgKey === owner.orgId);
    expect(mine).toMatchObject({ seq: before[before.length - 1].seq, deleted: before.length });
    const left = await seqs(owner.orgId);
    expect(left.map((r) => r.seq)).toEqual([1, 2, 3].map((n) => before.length + n));

    const report = await verify(owner);
    expect(report).toMatchObject({
      ok: true,
      checked: 3,
      first_broken: null,
      from_checkpoint: { seq: before[before.length - 1].seq },
    });
    await record(audit, owner.orgId, 200);
    expect(await verify(owner)).toMatchObject({ ok: true, checked: 4 });

    // someone with SQL access hides more entries behind a checkpoint of their own: its signature does not hold
    const [cp] = (await ds.query(`SELECT seq::int AS seq, hash FROM audit_log WHERE org_id = $1 ORDER BY seq LIMIT 1`, [
      owner.orgId,
    ])) as { seq: number; hash: string }[];
    await tamper(`DELETE FROM audit_log WHERE org_id = $1 AND seq <= $2`, [owner.orgId, cp.seq]);
    await ds.query(
      `INSERT INTO audit_checkpoints (org_key, org_id, seq, hash, cut_at, signature) VALUES ($1, $1, $2, $3, now(), $4)`,
      [owner.orgId, cp.seq, cp.hash, 'f'.repeat(64)],
    );
    expect(await verify(owner)).toMatchObject({
      ok: false,
      first_broken: { seq: cp.seq, reason: 'checkpoint_invalid' },
    });
  });

  it('a cut of every entry leaves a chain that verifies and continues from the checkpoint', async () => {
    const owner = await registerOwner(t, 'chain-all');
    const audit = t.app.get(AuditService);
    await record(audit, owner.orgId, 1);
    await new Promise((r) => setTimeout(r, 10));
    await t.app.get(AuditRetentionJob).cutBefore(new Date());
    expect(await seqs(owner.orgId)).toEqual([]);
    expect(await verify(owner)).toMatchObject({ ok: true, checked: 0 });
    await record(audit, owner.orgId, 2);
    expect(await verify(owner)).toMatchObject({ ok: true, checked: 1 });
  });
});
