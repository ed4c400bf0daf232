import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerOwner } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';

interface EvalDoc {
  id: string;
  title: string;
  content: string;
}
interface EvalQuery {
  query: string;
  expected: string;
}

const dir = join(__dirname, '../fixtures/rag-eval');
const DOCS = JSON.parse(readFileSync(join(dir, 'documents.json'), 'utf8')) as EvalDoc[];
const QUERIES = JSON.parse(readFileSync(join(dir, 'queries.json'), 'utf8')) as EvalQuery[];

/**
 * Retrieval quality of POST /rag/search with the built-in model on the labelled set in
 * test/fixtures/rag-eval (figures in docs/rag.md): recall@5 and MRR over document ids.
 */
describe('/rag retrieval quality (labelled set, built-in model)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reaches recall@5 >= 0.8', async () => {
    const org = await registerOwner(t, 'rageval');
    const idOf = new Map<string, string>();
    for (const d of DOCS) {
      const res = await t
        .http()
        .post('/api/v1/rag/documents')
        .set(org.auth)
        .send({ title: d.title, content: d.content })
        .expect(201);
      idOf.set(res.body.id, d.id);
    }
    const measure = async (path: string, extra: Record<string, number>) => {
      let found = 0;
      let reciprocal = 0;
      const misses: string[] = [];
      for (const q of QUERIES) {
        const res = await t
          .http()
          .post(`/api/v1/rag/${path}`)
          .set(org.auth)
          .send({ query: q.query, top_k: 5, ...extra })
          .expect(200);
        const ranked = [...new Set((res.body.hits as { document_id: string }[]).map((h) => idOf.get(h.document_id)))];
        const rank = ranked.indexOf(q.expected) + 1;
        if (rank > 0 && rank <= 5) {
          found++;
          reciprocal += 1 / rank;
        } else {
          misses.push(`${q.query} → ${ranked.join(', ')}`);
        }
      }
      return { recallAt5: found / QUERIES.length, mrr: reciprocal / QUERIES.length, misses };
    };
    const search = await measure('search', {});
    // for docs/rag.md: each side alone
    const vectorOnly = await measure('hybrid', { vector_weight: 1, text_weight: 0 });
    const textOnly = await measure('hybrid', { vector_weight: 0, text_weight: 1 });
    const fmt = (m: { recallAt5: number; mrr: number }) =>
      `recall@5 = ${m.recallAt5.toFixed(3)}, MRR@5 = ${m.mrr.toFixed(3)}`;
    process.stdout.write(
      `rag-eval: ${DOCS.length} documents, ${QUERIES.length} queries\n` +
        `  /rag/search (fused):  ${fmt(search)}\n  vector only:          ${fmt(vectorOnly)}\n` +
        `  full-text only:       ${fmt(textOnly)}\n` +
        (search.misses.length ? `  misses of /rag/search:\n    ${search.misses.join('\n    ')}\n` : ''),
    );
    expect(QUERIES.length).toBeGreaterThanOrEqual(30);
    expect(search.recallAt5).toBeGreaterThanOrEqual(0.8);
  });
});
