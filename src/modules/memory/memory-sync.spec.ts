import { MemorySync } from './memory-sync';
import type { MemoryEntity } from './memory.entity';

const entry = (over: Partial<MemoryEntity> = {}): MemoryEntity =>
  ({
    id: 'mem_1',
    orgId: 'o',
    kind: 'fact',
    text: 'hello',
    realm: null,
    tags: [],
    subjectNodeIds: [],
    embedding: null,
    embeddingModel: null,
    deletedAt: null,
    graphSynced: false,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...over,
  }) as MemoryEntity;

function setup(opts: { graphFails?: boolean; embedFails?: boolean; rows?: MemoryEntity[] } = {}) {
  const synced = new Map<string, boolean>();
  const embedded = new Map<string, number[]>();
  const pushed: string[] = [];
  const rows = opts.rows ?? [];
  const repo = {
    setGraphSynced: (id: string, ok: boolean) => (synced.set(id, ok), Promise.resolve()),
    setEmbedding: (id: string, v: number[]) => (embedded.set(id, v), Promise.resolve()),
    countToSync: (_o: string, all: boolean) => Promise.resolve(rows.filter((r) => all || !r.graphSynced).length),
    toSync: (_o: string, all: boolean, afterId: string, limit: number) =>
      Promise.resolve(rows.filter((r) => (all || !r.graphSynced) && r.id > afterId).slice(0, limit)),
  };
  const graph = {
    upsert: (m: MemoryEntity) => {
      if (opts.graphFails) {
        return Promise.reject(new Error('neo4j down'));
      }
      pushed.push(m.id);
      return Promise.resolve();
    },
  };
  const embedder = {
    model: 'test-model',
    dimensions: 2,
    embed: (texts: string[]) =>
      opts.embedFails
        ? Promise.reject(new Error('no model'))
        : Promise.resolve(texts.map(() => new Float32Array([1, 0]))),
  };
  const sync = new MemorySync(repo as never, graph as never, embedder as never);
  return { sync, synced, embedded, pushed };
}

describe('MemorySync', () => {
  it('records graph_synced=true after a successful push, false when the graph write fails', async () => {
    const ok = setup();
    expect(await ok.sync.push(entry())).toBe(true);
    expect(ok.synced.get('mem_1')).toBe(true);
    const down = setup({ graphFails: true });
    const m = entry();
    expect(await down.sync.push(m)).toBe(false);
    expect(down.synced.get('mem_1')).toBe(false);
    expect(m.graphSynced).toBe(false);
  });

  it('removes the node it just wrote when the row was hard-deleted meanwhile (compaction)', async () => {
    const removed: string[][] = [];
    const graph = {
      upsert: () => Promise.resolve(),
      deleteNodes: (_org: string, ids: string[]) => (removed.push(ids), Promise.resolve(ids.length)),
    };
    const repo = { setGraphSynced: () => Promise.resolve(false) };
    const sync = new MemorySync(repo as never, graph as never, {} as never);
    expect(await sync.push(entry({ deletedAt: new Date() }))).toBe(false);
    expect(removed).toEqual([['mem_1']]);
  });

  it('embeds a text, or gives no vector when the embedder fails', async () => {
    expect(await setup().sync.embed('x')).toEqual({ embedding: [1, 0], embeddingModel: 'test-model' });
    expect(await setup({ embedFails: true }).sync.embed('x')).toEqual({ embedding: null, embeddingModel: null });
  });

  it('replays unsynced entries (or all), re-embedding live ones without a vector of the current model', async () => {
    const rows = [
      entry({ id: 'mem_a' }),
      entry({ id: 'mem_b', graphSynced: true, embedding: [0, 1], embeddingModel: 'test-model' }),
      entry({ id: 'mem_c', embedding: [0, 1], embeddingModel: 'old-model' }),
      entry({ id: 'mem_d', deletedAt: new Date() }),
    ];
    const s = setup({ rows });
    expect(await s.sync.replay('o', false)).toEqual({ status: 'started', pending: 3 });
    await s.sync.onModuleDestroy();
    expect(s.pushed).toEqual(['mem_a', 'mem_c', 'mem_d']);
    expect([...s.embedded.keys()]).toEqual(['mem_a', 'mem_c']);
    const all = setup({ rows });
    await all.sync.replay('o', true);
    await all.sync.onModuleDestroy();
    expect(all.pushed).toEqual(['mem_a', 'mem_b', 'mem_c', 'mem_d']);
  });
});
