import { Neo4jService } from '@libs/graph/neo4j.service';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { suitePrefix, testUploadDir, waitForJob } from './sources-helpers';

describe('ingestion: uploads, jobs across sources, status (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let neo: Neo4jService;
  const uploadDir = testUploadDir();

  beforeAll(async () => {
    t = await startTestApp({ REDIS_PREFIX: suitePrefix('upload'), UPLOAD_DIR: uploadDir });
    neo = t.app.get(Neo4jService);
    a = await registerOwner(t, 'inga');
    b = await registerOwner(t, 'ingb');
  });

  afterAll(async () => {
    await t?.close();
  });

  const live = async (orgId: string, sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n.key AS k, n.name AS name, labels(n) AS l ORDER BY k',
        { org: orgId, src: sourceId },
      )
    ).records.map((r) => ({
      key: r.get('k') as string,
      name: r.get('name') as string,
      labels: r.get('l') as string[],
    }));

  it('a `name` (or `title`) column names the node; the other columns stay properties and are searchable', async () => {
    const csv = 'id,name,city\n1,Ada Lovelace,Londonderry\n2,Grace Hopper,Arlington\n';
    const r = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from(csv), { filename: 'people.csv', contentType: 'text/csv' })
      .field('label', 'Person')
      .expect(202);
    expect((await waitForJob(t, a.auth, r.body.source.id, r.body.job.id)).status).toBe('succeeded');
    const names = (await live(a.orgId, r.body.source.id)).map((n) => n.name).sort();
    expect(names).toEqual(['Ada Lovelace', 'Grace Hopper']);

    const found = await t.http().get('/api/v1/graph/nodes/search').query({ q: 'Ada' }).set(a.auth).expect(200);
    const ada = found.body.items.find((n: { name: string }) => n.name === 'Ada Lovelace');
    expect(ada).toBeDefined();
    expect(ada.properties).toMatchObject({ id: '1', city: 'Londonderry' });
    expect(ada.properties).not.toHaveProperty('prop_name');
    expect(ada.properties).not.toHaveProperty('search_text');

    // a property value, not only the name, finds the row; another org never sees it
    const byCity = await t.http().get('/api/v1/graph/nodes/search').query({ q: 'Arlington' }).set(a.auth).expect(200);
    expect(byCity.body.items.map((n: { name: string }) => n.name)).toContain('Grace Hopper');
    const other = await t.http().get('/api/v1/graph/nodes/search').query({ q: 'Arlington' }).set(b.auth).expect(200);
    expect(other.body.items).toEqual([]);

    const json = JSON.stringify([{ title: 'Dune', year: 1965 }]);
    const j = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from(json), { filename: 'books.json', contentType: 'application/json' })
      .expect(202);
    expect((await waitForJob(t, a.auth, j.body.source.id, j.body.job.id)).status).toBe('succeeded');
    expect((await live(a.orgId, j.body.source.id)).map((n) => n.name)).toEqual(['Dune']);
  });

  it('multipart csv upload creates an ad-hoc source, stores the file under UPLOAD_DIR and ingests it', async () => {
    const csv = 'sku,title,price\nA-1,Apple,1.5\nB-2,Banana,0.5\nC-3,Cherry,3\n';
    const r = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from(csv), { filename: 'fruit.csv', contentType: 'text/csv' })
      .field('label', 'Product')
      .field('key', 'sku')
      .field('name_field', 'title')
      .field('realm', 'catalog')
      .expect(202);
    expect(r.body.file_id).toMatch(/^upl_/);
    expect(existsSync(join(uploadDir, a.orgId, r.body.file_id))).toBe(true);
    expect(r.body.source).toMatchObject({ source_type: 'csv', realm: 'catalog', name: 'upload fruit.csv' });
    expect(r.body.source.config).toMatchObject({
      file_id: r.body.file_id,
      label: 'Product',
      key_column: 'sku',
      name_column: 'title',
    });
    expect(r.body.job).toMatchObject({ status: 'queued', trigger: 'upload', source_id: r.body.source.id });
    const job = await waitForJob(t, a.auth, r.body.source.id, r.body.job.id);
    expect(job.status).toBe('succeeded');
    const nodes = await live(a.orgId, r.body.source.id);
    expect(nodes.map((n) => n.key)).toEqual(['A-1', 'B-2', 'C-3']);
    expect(nodes[0]).toMatchObject({ name: 'Apple' });
    expect(nodes[0].labels).toEqual(expect.arrayContaining(['Entity', 'Product']));

    // re-upload into the same source: the new file supersedes the old snapshot
    const r2 = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from('sku,title,price\nA-1,Apple,1.5\n'), {
        filename: 'fruit2.csv',
        contentType: 'text/csv',
      })
      .field('source_id', r.body.source.id)
      .expect(202);
    expect(r2.body.source.id).toBe(r.body.source.id);
    const job2 = await waitForJob(t, a.auth, r.body.source.id, r2.body.job.id);
    expect(job2.stats).toMatchObject({ nodes_written: 1, nodes_archived: 2 });
    expect((await live(a.orgId, r.body.source.id)).map((n) => n.key)).toEqual(['A-1']);

    // another org cannot feed or see this source
    await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(b.auth)
      .attach('file', Buffer.from('x\n1\n'), { filename: 'x.csv' })
      .field('source_id', r.body.source.id)
      .expect(404);
  });

  it('raw JSON body upload with options as query parameters', async () => {
    const body = JSON.stringify([
      { id: 'u1', login: 'ada' },
      { id: 'u2', login: 'bob' },
    ]);
    const r = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .query({ label: 'Account', key: 'id', name_field: 'login', filename: 'accounts.json' })
      .set(a.auth)
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(202);
    expect(r.body.source.source_type).toBe('json');
    const job = await waitForJob(t, a.auth, r.body.source.id, r.body.job.id);
    expect(job.status).toBe('succeeded');
    const nodes = await live(a.orgId, r.body.source.id);
    expect(nodes.map((n) => n.name)).toEqual(['ada', 'bob']);
    expect(nodes[0].labels).toContain('Account');

    const nd = 'not,json\n';
    const csvRaw = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .query({ filename: 'raw.csv' })
      .set(a.auth)
      .set('Content-Type', 'text/csv')
      .send(nd)
      .expect(202);
    expect(csvRaw.body.source.source_type).toBe('csv');
    expect((await waitForJob(t, a.auth, csvRaw.body.source.id, csvRaw.body.job.id)).status).toBe('succeeded');
  });

  it('rejects empty uploads, bad labels and non-file sources clearly', async () => {
    const empty = await t.http().post('/api/v1/ingestion/upload').set(a.auth).field('label', 'X').expect(400);
    expect(empty.body.error.code).toBe('validation_failed');
    const badLabel = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .query({ label: 'lower' })
      .set(a.auth)
      .set('Content-Type', 'text/csv')
      .send('a\n1\n')
      .expect(400);
    expect(badLabel.body.error.code).toBe('validation_failed');
    const unknownField = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from('a\n1\n'), { filename: 'a.csv' })
      .field('bogus', '1')
      .expect(400);
    expect(unknownField.body.error.code).toBe('validation_failed');
    const badFormLabel = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from('a\n1\n'), { filename: 'a.csv' })
      .field('label', 'lower case')
      .expect(400);
    expect(badFormLabel.body.error.details.fields[0].field).toBe('label');
  });

  it('lists jobs across sources with filters, job detail, cancel of finished job, status per source, cross-org 404', async () => {
    const all = await t.http().get('/api/v1/ingestion/jobs').set(a.auth).expect(200);
    expect(all.body.total).toBeGreaterThanOrEqual(4);
    expect(all.body.items[0]).toHaveProperty('source_name');
    const succeeded = await t
      .http()
      .get('/api/v1/ingestion/jobs')
      .query({ status: 'succeeded', limit: 2 })
      .set(a.auth)
      .expect(200);
    expect(succeeded.body.items.every((j: { status: string }) => j.status === 'succeeded')).toBe(true);
    expect(succeeded.body.items).toHaveLength(2);
    const page2 = await t
      .http()
      .get('/api/v1/ingestion/jobs')
      .query({ status: 'succeeded', limit: 2, cursor: succeeded.body.next_cursor })
      .set(a.auth)
      .expect(200);
    expect(page2.body.items[0].id).not.toBe(succeeded.body.items[0].id);
    // a cursor of another filter set is refused
    await t
      .http()
      .get('/api/v1/ingestion/jobs')
      .query({ status: 'failed', cursor: succeeded.body.next_cursor })
      .set(a.auth)
      .expect(400);
    const one = all.body.items[0];
    const bySource = await t
      .http()
      .get('/api/v1/ingestion/jobs')
      .query({ source_id: one.source_id })
      .set(a.auth)
      .expect(200);
    expect(bySource.body.items.every((j: { source_id: string }) => j.source_id === one.source_id)).toBe(true);
    const future = await t
      .http()
      .get('/api/v1/ingestion/jobs')
      .query({ since: new Date(Date.now() + 3600_000).toISOString() })
      .set(a.auth)
      .expect(200);
    expect(future.body.total).toBe(0);
    const detail = await t.http().get(`/api/v1/ingestion/jobs/${one.id}`).set(a.auth).expect(200);
    expect(detail.body.id).toBe(one.id);
    await t.http().get(`/api/v1/ingestion/jobs/${one.id}`).set(b.auth).expect(404);
    const fin = await t
      .http()
      .post(`/api/v1/ingestion/jobs/${succeeded.body.items[0].id}/cancel`)
      .set(a.auth)
      .send({})
      .expect(409);
    expect(fin.body.error.code).toBe('job_not_active');
    const empty = await t.http().get('/api/v1/ingestion/jobs').set(b.auth).expect(200);
    expect(empty.body.total).toBe(0);

    const status = await t.http().get('/api/v1/ingestion/status').set(a.auth).expect(200);
    expect(status.body.total).toBeGreaterThanOrEqual(3);
    const fruit = status.body.items.find((s: { name: string }) => s.name === 'upload fruit.csv');
    expect(fruit).toMatchObject({ node_count: 1, status: 'ready', source_type: 'csv' });
    expect(fruit.last_job.status).toBe('succeeded');

    // POST /ingestion/jobs starts a sync like /sources/:id/sync
    const started = await t
      .http()
      .post('/api/v1/ingestion/jobs')
      .set(a.auth)
      .send({ source_id: fruit.source_id })
      .expect(202);
    expect(started.body.status).toBe('queued');
    await waitForJob(t, a.auth, fruit.source_id, started.body.id);
    await t.http().post('/api/v1/ingestion/jobs').set(b.auth).send({ source_id: fruit.source_id }).expect(404);
    await t.http().post('/api/v1/ingestion/jobs').set(a.auth).send({ source_id: 'nope' }).expect(400);
    await t
      .http()
      .post('/api/v1/ingestion/jobs')
      .set(a.auth)
      .send({ source_id: fruit.source_id, bogus: 1 })
      .expect(400);
    // the multipart form of POST /ingestion/jobs is an upload
    const viaJobs = await t
      .http()
      .post('/api/v1/ingestion/jobs')
      .set(a.auth)
      .attach('file', Buffer.from('k,v\nx,1\n'), { filename: 'kv.csv', contentType: 'text/csv' })
      .field('label', 'Pair')
      .field('key', 'k')
      .expect(202);
    expect(viaJobs.body).toMatchObject({
      status: 'queued',
      trigger: 'upload',
      file_id: expect.stringMatching(/^upl_/),
    });
    expect((await waitForJob(t, a.auth, viaJobs.body.source_id, viaJobs.body.id)).status).toBe('succeeded');
  });
});
