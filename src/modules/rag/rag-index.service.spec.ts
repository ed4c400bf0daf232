import type { Principal } from '@libs/auth/principal';
import type { RagDocumentsService } from './rag-documents.service';
import type { RagEmbeddings } from './rag-embeddings';
import { RagIndexService } from './rag-index.service';
import type { RagRepository } from './rag.repository';

/** An in-memory stand-in for the chunk store: 150 chunks, pending until embedded by `model`. */
function fakeRepo() {
  const chunks = Array.from({ length: 150 }, (_, i) => ({
    id: `c${String(i).padStart(3, '0')}`,
    text: `t${i}`,
    title: 'T',
    model: 'old' as string | null,
    pending: false,
    at: null as string | null,
  }));
  const isPending = (c: (typeof chunks)[number], model: string) => c.pending || c.model !== model;
  const repo = {
    ready: jest.fn(),
    markPending: jest.fn(async () => {
      chunks.forEach((c) => (c.pending = true));
      return chunks.length;
    }),
    counts: jest.fn(async (_org: string, model: string) => {
      const pending = chunks.filter((c) => isPending(c, model)).length;
      return {
        documents: 1,
        chunks: chunks.length,
        indexedChunks: chunks.length - pending,
        pending,
        lastIndexedAt:
          chunks
            .map((c) => c.at)
            .sort()
            .pop() ?? null,
      };
    }),
    pendingChunks: jest.fn(async (_org: string, model: string, limit: number) =>
      chunks.filter((c) => isPending(c, model)).slice(0, limit),
    ),
    setEmbeddings: jest.fn(async (_org: string, model: string, rows: { id: string }[]) => {
      for (const r of rows) {
        const c = chunks.find((x) => x.id === r.id)!;
        Object.assign(c, { model, pending: false, at: '2026-12-06T00:00:00.000Z' });
      }
    }),
  };
  return repo;
}

describe('RagIndexService', () => {
  const p = { orgId: 'org-1', userId: 'u1', role: 'admin' } as Principal;

  it('marks chunks pending, re-embeds them in batches in the background, and reports status', async () => {
    const repo = fakeRepo();
    const embeddings = {
      model: 'builtin:x',
      dimensions: 3,
      ready: jest.fn(),
      embed: jest.fn(async (texts: string[]) => texts.map(() => [1, 0, 0])),
    };
    const docs = { assertRealm: jest.fn() };
    const svc = new RagIndexService(
      repo as unknown as RagRepository,
      embeddings as unknown as RagEmbeddings,
      docs as unknown as RagDocumentsService,
    );
    const job = await svc.reindex(p, 'crm');
    expect(docs.assertRealm).toHaveBeenCalledWith('org-1', 'crm', 'realm');
    expect(repo.markPending).toHaveBeenCalledWith('org-1', 'crm');
    expect(job).toMatchObject({ job_id: expect.stringMatching(/^ragjob_/), status: 'running', pending: 150 });
    expect((await svc.status(p)).reindexing).toBe(true);
    await svc.idle('org-1');
    expect(embeddings.embed.mock.calls.map((c) => c[0].length)).toEqual([64, 64, 22]);
    expect(embeddings.embed.mock.calls[0][0][0]).toBe('T\nt0');
    expect(await svc.status(p)).toEqual({
      model: 'builtin:x',
      dims: 3,
      documents: 1,
      chunks: 150,
      indexed_chunks: 150,
      pending: 0,
      reindexing: false,
      last_indexed_at: '2026-12-06T00:00:00.000Z',
    });
  });

  it('a failing embedder ends the run (logged); the chunks stay pending', async () => {
    const repo = fakeRepo();
    const embeddings = {
      model: 'm',
      dimensions: 3,
      ready: jest.fn(),
      embed: jest.fn().mockRejectedValue(new Error('x')),
    };
    const svc = new RagIndexService(
      repo as unknown as RagRepository,
      embeddings as unknown as RagEmbeddings,
      { assertRealm: jest.fn() } as unknown as RagDocumentsService,
    );
    await svc.reindex(p, undefined);
    await svc.idle('org-1');
    const s = await svc.status(p);
    expect(s).toMatchObject({ pending: 150, reindexing: false });
  });
});
