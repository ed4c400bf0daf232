import { BlobStore } from '@libs/storage';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ArtifactLinkSigner } from 'src/modules/artifacts/artifact-links';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';

/** s3rver ships no type declarations; the part of its API the suite uses. */
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverServer;
const S3rver = createRequire(__filename)('s3rver') as S3rverCtor;

const MAX_BYTES = 64 * 1024;
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]),
  Buffer.alloc(200, 7),
]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
      } else {
        out.push(relative(dir, p));
      }
    }
  };
  walk(dir);
  return out;
}

interface StoreSetup {
  env: Record<string, string>;
  uploadDir: string;
  close: () => Promise<void>;
}

async function localStore(): Promise<StoreSetup> {
  const uploadDir = mkdtempSync(join(tmpdir(), 'agentcy-artifacts-'));
  return {
    env: { AGENTCY_ARTIFACT_BACKEND: 'local', UPLOAD_DIR: uploadDir },
    uploadDir,
    close: async () => rmSync(uploadDir, { recursive: true, force: true }),
  };
}

async function s3Store(): Promise<StoreSetup> {
  const uploadDir = mkdtempSync(join(tmpdir(), 'agentcy-artifacts-'));
  const s3Dir = mkdtempSync(join(tmpdir(), 'agentcy-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: s3Dir,
    silent: true,
    configureBuckets: [{ name: 'artifacts' }],
  });
  const { port } = await server.run();
  return {
    env: {
      AGENTCY_ARTIFACT_BACKEND: 's3',
      UPLOAD_DIR: uploadDir,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'artifacts',
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
    uploadDir,
    close: async () => {
      await server.close();
      rmSync(uploadDir, { recursive: true, force: true });
      rmSync(s3Dir, { recursive: true, force: true });
    },
  };
}

describe.each([
  ['local', localStore],
  ['s3', s3Store],
] as const)('artifacts on the %s store (e2e)', (kind, makeStore) => {
  let store: StoreSetup;
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;

  beforeAll(async () => {
    store = await makeStore();
    t = await startTestApp({ ...store.env, ARTIFACT_MAX_BYTES: String(MAX_BYTES) });
    a = await registerOwner(t, 'arta');
    b = await registerOwner(t, 'artb');
  });

  afterAll(async () => {
    await t?.close();
    await store?.close();
  });

  const upload = (u: TestUser, content: Buffer, filename: string, contentType: string, fields = {}) => {
    const req = t.http().post('/api/v1/artifacts').set(u.auth);
    for (const [k, v] of Object.entries(fields)) {
      req.field(k, v as string);
    }
    return req.attach('file', content, { filename, contentType });
  };
  /** the path + query of a signed link (PUBLIC_BASE_URL is not the test server) */
  const pathOf = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };
  /** raw bytes and headers of a GET (supertest would decode a text body) */
  const fetchBytes = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  it('a PNG declared as text/html is stored and served as image/png, as an attachment, with nosniff', async () => {
    const res = await upload(a, PNG, 'pic.html', 'text/html').expect(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^art_[0-9a-f]{32}$/),
      name: 'pic.html',
      mime: 'image/png',
      declared_content_type: 'text/html',
      size_bytes: PNG.length,
      sha256: sha256(PNG),
      storage: kind,
      source: { type: 'upload', conversation_id: null, task_run_id: null, tool_call_id: null },
      created_by: a.userId,
      download_url: expect.stringContaining(`/api/v1/artifacts/${res.body.id}/content?expires=`),
    });
    const meta = await t.http().get(`/api/v1/artifacts/${res.body.id}`).set(a.auth).expect(200);
    expect(meta.body.mime).toBe('image/png');

    const dl = await fetchBytes(pathOf(meta.body.download_url));
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="pic\.html"/);
    expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
    expect(dl.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.compare(dl.body, PNG)).toBe(0);

    const direct = await fetchBytes(`/api/v1/artifacts/${res.body.id}/download`, a.auth);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('image/png');
    expect(direct.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(Buffer.compare(direct.body, PNG)).toBe(0);
  });

  it('HTML declared as an image is plain text: the declared type is never served', async () => {
    const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
    const res = await upload(a, html, 'x.png', 'image/png').expect(201);
    expect(res.body.mime).toBe('text/plain; charset=utf-8');
    const dl = await t.http().get(pathOf(res.body.download_url)).expect(200);
    expect(dl.headers['content-type']).toMatch(/^text\/plain/);
    expect(dl.headers['content-disposition']).toMatch(/^attachment;/);
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
  });

  it('the size limit: exactly ARTIFACT_MAX_BYTES is accepted, one byte more is 413 and leaves nothing behind', async () => {
    const c = await registerOwner(t, 'artsize');
    const ok = await upload(c, Buffer.alloc(MAX_BYTES, 0x61), 'max.txt', 'text/plain').expect(201);
    expect(ok.body.size_bytes).toBe(MAX_BYTES);

    const res = await upload(c, Buffer.alloc(MAX_BYTES + 1, 0x61), 'big.txt', 'text/plain').expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
    const list = await t.http().get('/api/v1/artifacts').set(c.auth).expect(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([ok.body.id]);
    if (kind === 'local') {
      expect(filesUnder(join(store.uploadDir, 'artifacts', c.orgId))).toEqual([ok.body.id]);
    }
  });

  it('lists newest first with filters and pagination', async () => {
    const c = await registerOwner(t, 'artlist');
    const ids: string[] = [];
    for (const [i, fields] of [
      { conversation_id: 'conv_one' },
      { conversation_id: 'conv_one', task_run_id: 'run_1' },
      { task_run_id: 'run_1' },
      {},
    ].entries()) {
      ids.push((await upload(c, Buffer.from(`file ${i}`), `f${i}.txt`, 'text/plain', fields).expect(201)).body.id);
    }
    const all = await t.http().get('/api/v1/artifacts').set(c.auth).expect(200);
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((i: { id: string }) => i.id)).toEqual([...ids].reverse());

    const conv = await t.http().get('/api/v1/artifacts').query({ conversation_id: 'conv_one' }).set(c.auth).expect(200);
    expect(conv.body.items.map((i: { id: string }) => i.id).sort()).toEqual([ids[0], ids[1]].sort());
    const run = await t.http().get('/api/v1/artifacts').query({ task_run_id: 'run_1' }).set(c.auth).expect(200);
    expect(run.body.items.map((i: { id: string }) => i.id).sort()).toEqual([ids[1], ids[2]].sort());

    const p1 = await t.http().get('/api/v1/artifacts').query({ limit: 3 }).set(c.auth).expect(200);
    expect(p1.body.items).toHaveLength(3);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get('/api/v1/artifacts')
      .query({ limit: 3, cursor: p1.body.next_cursor })
      .set(c.auth)
      .expect(200);
    expect(p2.body.items.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    expect(p2.body.next_cursor).toBeNull();

    const bad = await t.http().get('/api/v1/artifacts').query({ task_run_id: '../x' }).set(c.auth).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('a signed link opens without credentials; expired, forged or re-dated links are refused', async () => {
    const up = await upload(a, Buffer.from('secret report'), 'r.txt', 'text/plain').expect(201);
    const link = await t.http().get(`/api/v1/artifacts/${up.body.id}/download-url`).set(a.auth).expect(200);
    expect(new Date(link.body.expires_at).getTime()).toBeGreaterThan(Date.now());
    const ok = await t.http().get(pathOf(link.body.url)).expect(200);
    expect(ok.text).toBe('secret report');

    const signer = t.app.get(ArtifactLinkSigner);
    const expired = signer.sign(up.body.id, new Date(Date.now() - 60_000));
    const gone = await t.http().get(pathOf(expired.url)).expect(403);
    expect(gone.body.error.code).toBe('link_expired');

    const u = new URL(link.body.url);
    const sig = u.searchParams.get('sig')!;
    const forged = `${u.pathname}?expires=${u.searchParams.get('expires')}&sig=${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await t.http().get(forged).expect(403)).body.error.code).toBe('link_invalid');
    const redated = `${u.pathname}?expires=${Number(u.searchParams.get('expires')) + 3600}&sig=${sig}`;
    expect((await t.http().get(redated).expect(403)).body.error.code).toBe('link_invalid');
    const missing = await t.http().get(u.pathname).expect(400);
    expect(missing.body.error.code).toBe('validation_failed');
  });

  it('another org: its ids are 404 and a signed link never opens another artifact', async () => {
    const mine = await upload(a, Buffer.from('org a data'), 'a.txt', 'text/plain').expect(201);
    const theirs = await upload(b, Buffer.from('org b data'), 'b.txt', 'text/plain').expect(201);

    for (const path of [`/api/v1/artifacts/${mine.body.id}`, `/api/v1/artifacts/${mine.body.id}/download-url`]) {
      expect((await t.http().get(path).set(b.auth).expect(404)).body.error.code).toBe('not_found');
    }
    await t.http().get(`/api/v1/artifacts/${mine.body.id}/download`).set(b.auth).expect(404);
    await t.http().delete(`/api/v1/artifacts/${mine.body.id}`).set(b.auth).expect(404);
    const bList = await t.http().get('/api/v1/artifacts').set(b.auth).expect(200);
    expect(bList.body.items.map((i: { id: string }) => i.id)).not.toContain(mine.body.id);

    // B's link with A's id swapped in: the signature covers the id
    const bLink = new URL(theirs.body.download_url);
    const swapped = `${bLink.pathname.replace(theirs.body.id, mine.body.id)}${bLink.search}`;
    expect((await t.http().get(swapped).expect(403)).body.error.code).toBe('link_invalid');
    expect(
      await t
        .http()
        .get(pathOf(mine.body.download_url))
        .then((r) => r.text),
    ).toBe('org a data');
  });

  it('hostile file names are neutralised: no path reaches the store or the headers', async () => {
    const res = await upload(a, Buffer.from('root:x:0:0'), '../../../../etc/passwd', 'text/plain').expect(201);
    expect(res.body.name).toBe('passwd');
    const named = await upload(a, Buffer.from('#!/bin/sh'), 'ok.sh', 'text/plain', {
      name: '..\\..\\evil\r\n.sh',
    }).expect(201);
    expect(named.body.name).toBe('evil.sh');
    const dl = await t.http().get(pathOf(named.body.download_url)).expect(200);
    expect(dl.headers['content-disposition']).toBe(`attachment; filename="evil.sh"; filename*=UTF-8''evil.sh`);

    const stored = t.app.get(BlobStore);
    expect(await stored.exists(`${a.orgId}/${res.body.id}`)).toBe(true);
    if (kind === 'local') {
      const files = filesUnder(store.uploadDir);
      expect(files).toContain(join('artifacts', a.orgId, res.body.id));
      expect(files.every((f) => /^artifacts\/[0-9a-f-]{36}\/art_[0-9a-f]{32}$/.test(f))).toBe(true);
    } else {
      // the bytes are in the bucket; nothing stays on local disk (the spool is emptied after each PUT)
      expect(filesUnder(store.uploadDir)).toEqual([]);
    }
  });

  it('bad uploads are 4xx envelopes and keep no blob; viewers cannot upload', async () => {
    const c = await registerOwner(t, 'artbad');
    const noFile = await t.http().post('/api/v1/artifacts').set(c.auth).field('name', 'x').expect(400);
    expect(noFile.body.error.code).toBe('validation_failed');
    const unknown = await upload(c, Buffer.from('x'), 'x.txt', 'text/plain', { owner_id: 'someone' }).expect(400);
    expect(unknown.body.error.details.fields[0]).toMatchObject({ field: 'owner_id', errors: ['unknown field'] });
    const nul = await upload(c, Buffer.from('x'), 'x.txt', 'text/plain', { description: 'a\u0000b' }).expect(400);
    expect(nul.body.error.details.fields[0].field).toBe('description');
    const twoFiles = await t
      .http()
      .post('/api/v1/artifacts')
      .set(c.auth)
      .attach('file', Buffer.from('1'), 'a.txt')
      .attach('other', Buffer.from('2'), 'b.txt');
    expect(twoFiles.status).toBe(400);
    const viewer = await addMember(t, c, 'viewer', 'artviewer');
    await upload(viewer, Buffer.from('x'), 'x.txt', 'text/plain').expect(403);
    await t.http().post('/api/v1/artifacts').attach('file', Buffer.from('x'), 'x.txt').expect(401);

    expect((await t.http().get('/api/v1/artifacts').set(c.auth).expect(200)).body.total).toBe(0);
    if (kind === 'local') {
      expect(filesUnder(store.uploadDir).filter((f) => f.includes(c.orgId))).toEqual([]);
    }
  });

  it('delete: creator or admin only; afterwards metadata, links and content are 404 and the blob is gone', async () => {
    const member = await addMember(t, a, 'member', 'artmember');
    const other = await addMember(t, a, 'member', 'artother');
    const up = await upload(member, Buffer.from('to delete'), 'd.txt', 'text/plain').expect(201);
    const denied = await t.http().delete(`/api/v1/artifacts/${up.body.id}`).set(other.auth).expect(403);
    expect(denied.body.error.code).toBe('forbidden');
    await t.http().delete(`/api/v1/artifacts/${up.body.id}`).set(member.auth).expect(204);

    await t.http().get(`/api/v1/artifacts/${up.body.id}`).set(a.auth).expect(404);
    await t.http().get(`/api/v1/artifacts/${up.body.id}/download`).set(a.auth).expect(404);
    await t.http().get(pathOf(up.body.download_url)).expect(404);
    await t.http().delete(`/api/v1/artifacts/${up.body.id}`).set(member.auth).expect(404);
    expect(await t.app.get(BlobStore).exists(`${a.orgId}/${up.body.id}`)).toBe(false);

    // an admin (here the owner) deletes a member's artifact
    const up2 = await upload(member, Buffer.from('second'), 'e.txt', 'text/plain').expect(201);
    await t.http().delete(`/api/v1/artifacts/${up2.body.id}`).set(a.auth).expect(204);

    const audit = await t.http().get('/api/v1/activity/audit').query({ limit: 200 }).set(a.auth).expect(200);
    const entries = audit.body.items as { action: string; target?: { id?: string } }[];
    const deletes = entries.filter((e) => e.action === 'artifacts.delete').map((e) => e.target?.id);
    expect(deletes).toEqual(expect.arrayContaining([up.body.id, up2.body.id]));
    const uploads = entries.filter((e) => e.action === 'artifacts.upload').map((e) => e.target?.id);
    expect(uploads).toEqual(expect.arrayContaining([up.body.id, up2.body.id]));
  });

  it('ArtifactsContract: what a task run or tool call produces is linked to it and listed', async () => {
    const contract = t.app.get(ArtifactsContract);
    const rec = await contract.record(a.orgId, {
      name: 'out/../result.json',
      content: Buffer.from('{"ok": true}'),
      declaredContentType: 'text/html',
      taskRunId: 'run_abc',
      toolCallId: 'tc_1',
      createdBy: a.userId,
    });
    expect(rec).toMatchObject({ name: 'result.json', mime: 'application/json', taskRunId: 'run_abc' });
    expect((await contract.listFor(a.orgId, { taskRunId: 'run_abc' })).map((x) => x.id)).toEqual([rec.id]);
    expect(await contract.listFor(b.orgId, { taskRunId: 'run_abc' })).toEqual([]);
    const listed = await t.http().get('/api/v1/artifacts').query({ task_run_id: 'run_abc' }).set(a.auth).expect(200);
    expect(listed.body.items[0]).toMatchObject({
      id: rec.id,
      source: { type: 'task_run', task_run_id: 'run_abc', tool_call_id: 'tc_1' },
    });
    const link = await contract.downloadUrl(a.orgId, rec.id);
    expect((await t.http().get(pathOf(link!.url)).expect(200)).text).toBe('{"ok": true}');
    expect(await contract.downloadUrl(b.orgId, rec.id)).toBeNull();
    await expect(
      contract.record(a.orgId, { name: 'big.bin', content: Buffer.alloc(MAX_BYTES + 1), taskRunId: 'run_abc' }),
    ).rejects.toMatchObject({ status: 413 });
  });
});
