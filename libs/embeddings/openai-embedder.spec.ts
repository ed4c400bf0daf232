import { AppConfig } from '@libs/config';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAiCompatibleEmbedder } from './openai-embedder';
import { dot } from './vectors';

describe('OpenAiCompatibleEmbedder', () => {
  let server: Server;
  let base: string;
  const seen: { auth?: string; body: { model: string; input: string[]; dimensions?: number } }[] = [];
  let dims = 3;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { model: string; input: string[] };
        seen.push({ auth: req.headers.authorization, body });
        if (req.url !== '/v1/embeddings') {
          res.writeHead(404).end();
          return;
        }
        // reversed order: the client must sort by index
        const data = body.input
          .map((t, index) => ({ index, embedding: Array.from({ length: dims }, (_, d) => (d === 0 ? t.length : 1)) }))
          .reverse();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  const embedder = (extra: Record<string, string> = {}) =>
    new OpenAiCompatibleEmbedder(
      AppConfig.fromEnv({
        ...process.env,
        EMBEDDINGS_BASE_URL: base,
        EMBEDDINGS_MODEL: 'tiny-embed',
        EMBEDDINGS_API_KEY: 'sk-test',
        EMBEDDINGS_DIMENSIONS: '3',
        ...extra,
      }),
    );

  it('posts batches to <base>/embeddings and returns unit vectors in input order', async () => {
    seen.length = 0;
    const e = embedder();
    expect(e.model).toBe('openai:tiny-embed');
    expect(e.dimensions).toBe(3);
    const texts = Array.from({ length: 70 }, (_, i) => 'x'.repeat(i + 1));
    const out = await e.embed(texts);
    expect(out).toHaveLength(70);
    expect(seen.map((s) => s.body.input.length)).toEqual([64, 6]);
    expect(seen[0]).toMatchObject({ auth: 'Bearer sk-test', body: { model: 'tiny-embed', dimensions: 3 } });
    for (const v of out) {
      expect(Math.abs(dot(v, v) - 1)).toBeLessThan(1e-6);
    }
    // the first component grows with the text length: order kept
    expect(out[69][0]).toBeGreaterThan(out[0][0]);
  });

  it('fails on a wrong vector size or an error status', async () => {
    dims = 5;
    await expect(embedder().embed(['a'])).rejects.toThrow(/3 dimensions/);
    dims = 3;
    await expect(embedder({ EMBEDDINGS_BASE_URL: base.replace('/v1/', '/nope/') }).embed(['a'])).rejects.toThrow(
      /answered 404/,
    );
  });
});
