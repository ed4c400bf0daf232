import { AppConfig } from '@libs/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DIMENSIONS, BUILTIN_MAX_TOKENS, BuiltinEmbedder } from './builtin-embedder';
import { dot } from './vectors';

// Runs the real model (fetched by scripts/stack-up.sh); a missing model fails this suite.
describe('BuiltinEmbedder (all-MiniLM-L6-v2, onnxruntime-node)', () => {
  const config = AppConfig.fromEnv({ ...process.env });
  const embedder = new BuiltinEmbedder(config);

  afterAll(() => embedder.onModuleDestroy());

  it('finds the model files', () => {
    expect(embedder.available()).toBe(true);
  });

  it('tokenizes with the model’s BERT WordPiece vocabulary (lower case, no accents, [CLS] … [SEP])', async () => {
    const { Tokenizer } = await import('@huggingface/tokenizers');
    const json = JSON.parse(readFileSync(join(embedder.modelDir, 'tokenizer.json'), 'utf8')) as object;
    const enc = new Tokenizer(json, {}).encode('Hello World, café timeouts');
    // bert-base-uncased ids: [CLS]=101 hello=7592 world=2088 ,=1010 cafe=7668 time=2051 ##outs=12166 [SEP]=102
    expect(enc.ids).toEqual([101, 7592, 2088, 1010, 7668, 2051, 12166, 102]);
  });

  it('gives one unit-length 384-dim vector per text, the same vector for the same text', async () => {
    const [a, b, c] = await embedder.embed(['The checkout service times out', 'The checkout service times out', 'x']);
    expect(a).toHaveLength(BUILTIN_DIMENSIONS);
    expect(c).toHaveLength(BUILTIN_DIMENSIONS);
    expect(Math.abs(dot(a, a) - 1)).toBeLessThan(1e-4);
    expect(Array.from(a)).toEqual(Array.from(b));
    // alone or in a batch with padding: same vector
    const [alone] = await embedder.embed(['The checkout service times out']);
    expect(dot(alone, a)).toBeGreaterThan(0.9999);
  });

  it('puts similar texts closer than unrelated ones', async () => {
    const [q, near, far] = await embedder.embed([
      'How do I reset my password?',
      'Steps to recover a forgotten account password',
      'The quarterly revenue grew by twelve percent in Europe',
    ]);
    expect(dot(q, near)).toBeGreaterThan(dot(q, far) + 0.2);
  });

  it('handles empty input, empty strings and texts longer than the model window', async () => {
    expect(await embedder.embed([])).toEqual([]);
    const long = 'word '.repeat(BUILTIN_MAX_TOKENS * 3);
    const [e, l] = await embedder.embed(['', long]);
    expect(e).toHaveLength(BUILTIN_DIMENSIONS);
    expect(Math.abs(dot(l, l) - 1)).toBeLessThan(1e-4);
  });

  it('embeds more texts than one batch in order', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `document number ${i} about topic ${i % 3}`);
    const all = await embedder.embed(texts);
    const [last] = await embedder.embed([texts[39]]);
    expect(all).toHaveLength(40);
    expect(dot(all[39], last)).toBeGreaterThan(0.9999);
  });
});

describe('missing model', () => {
  it('fails with a clear error naming the folder', async () => {
    const cfg = AppConfig.fromEnv({ ...process.env, EMBEDDINGS_MODEL_DIR: '/nonexistent/model-dir' });
    const e = new BuiltinEmbedder(cfg);
    await expect(e.embed(['x'])).rejects.toThrow(/\/nonexistent\/model-dir/);
  });
});
