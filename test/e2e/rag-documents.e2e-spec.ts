import { CatalogMetaTools } from 'src/modules/chat/tools/catalog-meta-tools';
import { META_TOOLS, RAG_SEARCH } from 'src/modules/chat/tools/meta-tools';
import type { ToolRunContext } from 'src/modules/chat/tools/tool-call.types';
import { RagIndexService } from 'src/modules/rag/rag-index.service';
import { RagSearchContract } from 'src/modules/rag/rag.contract';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { tinyPdf } from '../fixtures/rag-eval/tiny-pdf';
import { startTestApp, type TestApp } from '../setup/test-app';

const LONG_TEXT = Array.from(
  { length: 40 },
  (_, i) =>
    `Paragraph ${i} of the storage handbook explains volume ${i} snapshots, retention windows and restore drills for cluster ${i}.`,
).join('\n\n');

describe('/rag documents, search, answers (built-in embedding model)', () => {
  let t: TestApp;
  let owner: TestUser;

  const post = (u: TestUser, path: string, body: unknown) =>
    t
      .http()
      .post(`/api/v1/rag${path}`)
      .set(u.auth)
      .send(body as object);
  const ingest = async (u: TestUser, body: Record<string, unknown>) => {
    const res = await post(u, '/documents', body);
    expect({ status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({ status: 201 });
    return res.body as { id: string; chunk_count: number; realm: string; title: string };
  };

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'rag');
  });
  afterAll(() => t.close());

  it('ingests text into overlapping chunks, lists, reads and deletes it', async () => {
    const doc = await ingest(owner, { title: 'Storage handbook', content: LONG_TEXT, realm: 'infrastructure' });
    expect(doc).toMatchObject({ title: 'Storage handbook', realm: 'infrastructure', content_type: 'text' });
    expect(doc.id).toMatch(/^ragdoc_[0-9a-f]{32}$/);
    expect(doc.chunk_count).toBeGreaterThan(3);

    const full = await t.http().get(`/api/v1/rag/documents/${doc.id}`).set(owner.auth).expect(200);
    const chunks = full.body.chunks as { ord: number; text: string }[];
    expect(chunks.map((c) => c.ord)).toEqual(chunks.map((_, i) => i));
    for (let i = 1; i < chunks.length; i++) {
      // overlap: the start of a chunk repeats the end of the previous one
      const head = chunks[i].text.slice(0, 40);
      expect(chunks[i - 1].text).toContain(head);
    }
    expect(chunks.map((c) => c.text).join(' ')).toContain('cluster 39');

    const list = await t.http().get('/api/v1/rag/documents?limit=1').set(owner.auth).expect(200);
    expect(list.body.items[0].id).toBe(doc.id);
    expect(list.body.total).toBeGreaterThanOrEqual(1);

    const hit = await post(owner, '/search', { query: 'restore drills for cluster 17', top_k: 3 }).expect(200);
    expect(hit.body.hits[0]).toMatchObject({ document_id: doc.id, title: 'Storage handbook', labels: ['RagChunk'] });
    expect(hit.body.hits[0].snippet).toContain('cluster 17');

    await t.http().delete(`/api/v1/rag/documents/${doc.id}`).set(owner.auth).expect(204);
    await t.http().get(`/api/v1/rag/documents/${doc.id}`).set(owner.auth).expect(404);
    const after = await post(owner, '/search', { query: 'restore drills for cluster 17' }).expect(200);
    expect(after.body.hits.filter((h: { document_id: string }) => h.document_id === doc.id)).toEqual([]);
  });

  it('ingests markdown, HTML (JSON) and PDF (multipart and raw body) as searchable text', async () => {
    const md = await ingest(owner, {
      title: 'Release notes',
      content_type: 'markdown',
      content: '# Release 4.2\n\n- **Dark mode** for the [dashboard](http://x)\n- Faster `csv` export',
    });
    const html = await ingest(owner, {
      title: 'Cafeteria menu',
      content_type: 'html',
      content:
        '<html><head><style>.x{}</style><script>var secret=1</script></head><body><h1>Menu</h1><p>Friday: lentil soup &amp; focaccia</p></body></html>',
    });
    const pdfRes = await t
      .http()
      .post('/api/v1/rag/documents')
      .set(owner.auth)
      .field('realm', 'development')
      .attach('file', tinyPdf(['Onboarding guide', 'New engineers request VPN access on day one.'], 'Onboarding'), {
        filename: 'onboarding.pdf',
        contentType: 'application/pdf',
      })
      .expect(201);
    expect(pdfRes.body).toMatchObject({
      title: 'Onboarding',
      content_type: 'pdf',
      source_type: 'upload',
      filename: 'onboarding.pdf',
      realm: 'development',
    });
    const raw = await t
      .http()
      .post('/api/v1/rag/documents?title=Parking%20rules&filename=parking.pdf')
      .set(owner.auth)
      .set('content-type', 'application/pdf')
      .send(tinyPdf(['Visitors park on level minus two.']))
      .expect(201);
    expect(raw.body).toMatchObject({ title: 'Parking rules', content_type: 'pdf', realm: 'default' });

    const htmlDoc = await t.http().get(`/api/v1/rag/documents/${html.id}`).set(owner.auth).expect(200);
    expect(htmlDoc.body.chunks[0].text).toContain('lentil soup & focaccia');
    expect(htmlDoc.body.chunks[0].text).not.toContain('secret');

    const cases: [string, string][] = [
      ['dark mode for the dashboard', md.id],
      ['what soup is served on Friday', html.id],
      ['when do new engineers get VPN access', pdfRes.body.id],
      ['where do visitors park', raw.body.id],
    ];
    for (const [query, id] of cases) {
      const res = await post(owner, '/search', { query, top_k: 3 }).expect(200);
      expect({ query, first: res.body.hits[0]?.document_id }).toEqual({ query, first: id });
    }
  });

  it('keeps realms apart: a search in one realm never returns another realm’s documents', async () => {
    const org = await registerOwner(t, 'ragrealm');
    const infra = await ingest(org, {
      title: 'Kafka retention',
      content: 'Kafka topic retention is seven days on the shared cluster.',
      realm: 'infrastructure',
    });
    const crm = await ingest(org, {
      title: 'Kafka (the author)',
      content: 'Franz Kafka wrote The Trial; retention of customers is a CRM topic.',
      realm: 'crm',
    });
    const inCrm = await post(org, '/search', { query: 'Kafka topic retention', realms: ['crm'] }).expect(200);
    expect(inCrm.body.hits.map((h: { document_id: string }) => h.document_id)).toEqual([crm.id]);
    expect(inCrm.body.hits[0].realm).toBe('crm');
    const all = await post(org, '/search', { query: 'Kafka topic retention' }).expect(200);
    expect(all.body.hits[0].document_id).toBe(infra.id);
    const listed = await t.http().get('/api/v1/rag/documents?realm=crm').set(org.auth).expect(200);
    expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([crm.id]);
    // unknown realm on ingest
    const bad = await post(org, '/documents', { title: 'x', content: 'y', realm: 'nowhere' }).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('never returns another org’s documents, even with the same text', async () => {
    const a = await registerOwner(t, 'raga');
    const b = await registerOwner(t, 'ragb');
    const text = 'The launch code for project Nightingale is stored in the blue vault.';
    const docA = await ingest(a, { title: 'Nightingale', content: text });
    const docB = await ingest(b, { title: 'Nightingale', content: text });
    for (const [u, mine] of [
      [a, docA.id],
      [b, docB.id],
    ] as const) {
      for (const path of ['/search', '/hybrid']) {
        const res = await post(u, path, { query: 'Nightingale launch code', top_k: 50 }).expect(200);
        expect(res.body.hits.map((h: { document_id: string }) => h.document_id)).toEqual([mine]);
      }
      const ans = await post(u, '/answer', { question: 'Where is the Nightingale launch code?' }).expect(200);
      expect(ans.body.citations.map((c: { document_id: string }) => c.document_id)).toEqual([mine]);
    }
    await t.http().get(`/api/v1/rag/documents/${docB.id}`).set(a.auth).expect(404);
    await t.http().delete(`/api/v1/rag/documents/${docB.id}`).set(a.auth).expect(404);
    await t.http().get(`/api/v1/rag/documents/${docB.id}`).set(b.auth).expect(200);
    const listA = await t.http().get('/api/v1/rag/documents').set(a.auth).expect(200);
    expect(listA.body.items.map((d: { id: string }) => d.id)).toEqual([docA.id]);
    // the chat tool's contract is org-scoped too
    const contract = t.app.get(RagSearchContract, { strict: false });
    const viaTool = await contract.searchForOrg(b.orgId, 'Nightingale launch code', { topK: 10 });
    expect(viaTool.hits.map((h) => h.document_id)).toEqual([docB.id]);
  });

  it('hybrid search ranks the document with the exact error code first', async () => {
    const org = await registerOwner(t, 'raghyb');
    const docs = [
      ['Checkout latency', 'The checkout service is slow when the payment provider answers late; requests time out.'],
      ['Checkout retries', 'Checkout retries failed payment calls three times with backoff before giving up.'],
      ['Connection resets', 'Sporadic ERR_CONN_RESET errors from the edge proxy were traced to idle timeouts.'],
      ['Checkout dashboards', 'Grafana dashboards show checkout error rates and connection counts per pod.'],
    ];
    const ids: string[] = [];
    for (const [title, content] of docs) {
      ids.push((await ingest(org, { title, content })).id);
    }
    const res = await post(org, '/hybrid', {
      query: 'ERR_CONN_RESET checkout',
      text_weight: 0.4,
      vector_weight: 0.6,
      top_k: 4,
    }).expect(200);
    expect(res.body.hits[0].document_id).toBe(ids[2]);
    expect(res.body.hits[0].text_score).toEqual(expect.any(Number));
    expect(res.body.hits[0].vector_score).toEqual(expect.any(Number));
    expect(res.body.took_ms).toEqual(expect.any(Number));
    // text only: the literal token decides
    const textOnly = await post(org, '/hybrid', { query: 'ERR_CONN_RESET', text_weight: 1, vector_weight: 0 }).expect(
      200,
    );
    expect(textOnly.body.hits[0].document_id).toBe(ids[2]);
  });

  it('answers a question with citations (offline provider: extractive, deterministic)', async () => {
    const org = await registerOwner(t, 'ragans');
    const doc = await ingest(org, {
      title: 'Checkout runbook',
      content:
        'To restart the checkout service, run kubectl rollout restart deployment/checkout in the shop namespace. ' +
        'Check the pods afterwards. The service owner is the payments team.',
    });
    await ingest(org, { title: 'Holiday policy', content: 'Employees get 28 days of paid holiday per year.' });
    const body = { question: 'How do I restart the checkout service?', top_k: 2 };
    const res = await post(org, '/answer', body).expect(200);
    expect(res.body.provider).toBe('offline');
    expect(res.body.answer).toContain('kubectl rollout restart deployment/checkout');
    expect(res.body.answer).toContain('[1]');
    expect(res.body.citations[0]).toMatchObject({ document_id: doc.id, title: 'Checkout runbook', chunk: 0 });
    expect(res.body.citations[0].snippet).toContain('restart the checkout service');
    const again = await post(org, '/answer', body).expect(200);
    expect(again.body).toEqual(res.body);

    const empty = await registerOwner(t, 'ragempty');
    const none = await post(empty, '/answer', { question: 'anything?' }).expect(200);
    expect(none.body.citations).toEqual([]);
  });

  it('reindexes in the background and reports status', async () => {
    const org = await registerOwner(t, 'ragidx');
    await ingest(org, { title: 'A', content: LONG_TEXT });
    await ingest(org, { title: 'B', content: 'Short note about backups.' });
    const before = await t.http().get('/api/v1/rag/status').set(org.auth).expect(200);
    expect(before.body).toMatchObject({
      model: 'builtin:all-minilm-l6-v2-q',
      dims: 384,
      documents: 2,
      pending: 0,
      reindexing: false,
    });
    expect(before.body.indexed_chunks).toBe(before.body.chunks);
    expect(before.body.last_indexed_at).toEqual(expect.any(String));

    const admin = await addMember(t, org, 'admin');
    const member = await addMember(t, org, 'member');
    await post(member, '/reindex', {}).expect(403);
    const job = await post(admin, '/reindex', {}).expect(202);
    expect(job.body).toMatchObject({ job_id: expect.stringMatching(/^ragjob_/), status: 'running' });
    expect(job.body.pending).toBe(before.body.chunks);
    await t.app.get(RagIndexService, { strict: false }).idle(org.orgId);
    const after = await t.http().get('/api/v1/rag/status').set(org.auth).expect(200);
    expect(after.body).toMatchObject({ pending: 0, reindexing: false, indexed_chunks: before.body.chunks });
    expect(after.body.last_indexed_at >= before.body.last_indexed_at).toBe(true);
    const still = await post(org, '/search', { query: 'restore drills for cluster 5', top_k: 1 }).expect(200);
    expect(still.body.hits[0].title).toBe('A');
    // one realm only
    const realmJob = await post(admin, '/reindex', { realm: 'crm' }).expect(202);
    expect(realmJob.body.pending).toBe(0);
  });

  it('checks roles and input', async () => {
    const viewer = await addMember(t, owner, 'viewer');
    await post(viewer, '/documents', { title: 'x', content: 'y' }).expect(403);
    await post(viewer, '/search', { query: 'anything' }).expect(200);
    const cases: unknown[] = [
      { title: 'x' },
      { title: ' ', content: 'y' },
      { title: 'x', content: 'y', content_type: 'pdf' },
      { title: 'x', content: 'y', extra: 1 },
    ];
    for (const body of cases) {
      const res = await post(owner, '/documents', body).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    await post(owner, '/search', { query: '' }).expect(400);
    await post(owner, '/search', { query: 'x', top_k: 1000 }).expect(400);
    await post(owner, '/hybrid', { query: 'x', text_weight: -1 }).expect(400);
    await post(owner, '/search', { query: 'x', realms: ['../etc'] }).expect(400);
    // Lucene syntax is plain text
    await post(owner, '/search', { query: 'title:(a OR b) AND c~ "unterminated' }).expect(200);
    const notPdf = await t
      .http()
      .post('/api/v1/rag/documents?title=bad')
      .set(owner.auth)
      .set('content-type', 'application/pdf')
      .send(Buffer.from('%PDF-1.4 nothing else'))
      .expect(400);
    expect(notPdf.body.error.code).toBe('validation_failed');
    await t
      .http()
      .post('/api/v1/rag/documents?title=img')
      .set(owner.auth)
      .set('content-type', 'image/png')
      .send(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))
      .expect(400);
    await t.http().get('/api/v1/rag/documents/not-an-id').set(owner.auth).expect(404);
  });
});

describe('/rag when the feature is off', () => {
  it('answers 404 feature_disabled when an org switches rag off, and the chat tool refuses', async () => {
    const t = await startTestApp();
    try {
      const org = await registerOwner(t, 'ragoff');
      await t.http().get('/api/v1/rag/status').set(org.auth).expect(200);
      await t.http().put('/api/v1/settings/features').set(org.auth).send({ rag: false }).expect(200);
      for (const [method, path] of [
        ['get', '/status'],
        ['get', '/documents'],
        ['post', '/search'],
        ['post', '/documents'],
      ] as const) {
        const res = await t.http()[method](`/api/v1/rag${path}`).set(org.auth).send({ query: 'x' });
        expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
          path,
          status: 404,
          code: 'feature_disabled',
        });
      }
      await expect(
        t.app.get(RagSearchContract, { strict: false }).searchForOrg(org.orgId, 'x', {}),
      ).rejects.toMatchObject({ code: 'feature_disabled' });
      const other = await registerOwner(t, 'ragon');
      await t.http().get('/api/v1/rag/status').set(other.auth).expect(200);
      const health = await t
        .http()
        .get('/api/v1/health')
        .expect((r) => expect([200, 503]).toContain(r.status));
      expect(health.body.features.rag).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('answers 404 feature_disabled everywhere with AGENTCY_FEATURES_RAG=false, and /health says so', async () => {
    const t = await startTestApp({ AGENTCY_FEATURES_RAG: 'false' });
    try {
      const org = await registerOwner(t, 'ragenv');
      const res = await t.http().post('/api/v1/rag/search').set(org.auth).send({ query: 'x' }).expect(404);
      expect(res.body.error.code).toBe('feature_disabled');
      const health = await t.http().get('/api/v1/health');
      expect(health.body.features.rag).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe('chat tool rag_search', () => {
  it('is offered to the model and searches the org’s documents in the conversation’s realm', async () => {
    const t = await startTestApp();
    try {
      expect(META_TOOLS.map((x) => x.name)).toContain(RAG_SEARCH);
      const org = await registerOwner(t, 'ragtool');
      const other = await registerOwner(t, 'ragtool');
      const body = (realm: string) => ({
        title: `Deploy freeze (${realm})`,
        content: 'Deploys are frozen from December 20 to January 3.',
        realm,
      });
      const dev = await t.http().post('/api/v1/rag/documents').set(org.auth).send(body('development')).expect(201);
      const crm = await t.http().post('/api/v1/rag/documents').set(org.auth).send(body('crm')).expect(201);
      await t.http().post('/api/v1/rag/documents').set(other.auth).send(body('development')).expect(201);
      const tools = t.app.get(CatalogMetaTools, { strict: false });
      const ctx = (realm: string | null) => ({ orgId: org.orgId, conversationRealm: realm }) as ToolRunContext;
      const inDev = await tools.ragSearch(ctx('development'), 'when are deploys frozen', 5);
      expect(inDev.hits.map((h) => h.document_id)).toEqual([dev.body.id]);
      expect(inDev.hits[0]).toMatchObject({ title: 'Deploy freeze (development)', chunk: 0, realm: 'development' });
      const all = await tools.ragSearch(ctx(null), 'when are deploys frozen', 5);
      expect(all.hits.map((h) => h.document_id).sort()).toEqual([dev.body.id, crm.body.id].sort());
      await expect(tools.ragSearch(ctx(null), '  ', 5)).rejects.toMatchObject({ code: 'invalid_arguments' });
      await t.http().put('/api/v1/settings/features').set(org.auth).send({ rag: false }).expect(200);
      await expect(tools.ragSearch(ctx(null), 'deploys', 5)).rejects.toMatchObject({ code: 'feature_disabled' });
    } finally {
      await t.close();
    }
  });
});
