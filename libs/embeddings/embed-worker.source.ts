/**
 * Source of the worker thread that runs the built-in model (plain JavaScript, evaluated with
 * `new Worker(source, { eval: true })`). It runs in its own thread because tokenising and pooling
 * are CPU work that would otherwise hold the API's event loop, and because onnxruntime-node's
 * native tensors must live in a plain Node realm (not a vm context such as Jest's).
 *
 * workerData: { ortPath, tokenizersPath, modelPath, tokenizerPath, threads, maxTokens }
 * in:  { id, texts: string[] }
 * out: { id, dims, data: Float32Array (texts.length × dims, each row L2-normalised) } | { id, error }
 */
export const EMBED_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const ort = require(workerData.ortPath);
const { Tokenizer } = require(workerData.tokenizersPath);

let loaded;
async function load() {
  if (!loaded) {
    loaded = (async () => {
      const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(workerData.tokenizerPath, 'utf8')), {});
      const session = await ort.InferenceSession.create(workerData.modelPath, {
        intraOpNumThreads: workerData.threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      return { tokenizer, session };
    })();
  }
  return loaded;
}

function encode(tokenizer, text) {
  const e = tokenizer.encode(text.length ? text : ' ');
  const max = workerData.maxTokens;
  if (e.ids.length <= max) return e.ids;
  return e.ids.slice(0, max - 1).concat([e.ids[e.ids.length - 1]]);
}

// One text per run: the quantised model scales activations per run, so padding or batch-mates
// would change a text's vector; one at a time, the same text always gets the same vector.
async function embedOne(tokenizer, session, text) {
  const row = encode(tokenizer, text);
  const seq = row.length;
  const ids = BigInt64Array.from(row, (id) => BigInt(id));
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [1, seq]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(seq).fill(1n), [1, seq]),
  };
  if (session.inputNames.includes('token_type_ids')) {
    feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(seq), [1, seq]);
  }
  const result = await session.run(feeds);
  const hidden = result[session.outputNames[0]];
  return { dims: hidden.dims[2], seq, h: hidden.data };
}

async function embed(texts) {
  const { tokenizer, session } = await load();
  let out;
  let dims = 0;
  for (let b = 0; b < texts.length; b++) {
    const r = await embedOne(tokenizer, session, texts[b]);
    if (!out) {
      dims = r.dims;
      out = new Float32Array(texts.length * dims);
    }
    // mean pooling over the tokens, then L2 normalisation (sentence-transformers)
    const o = b * dims;
    for (let t = 0; t < r.seq; t++) {
      for (let d = 0; d < dims; d++) out[o + d] += r.h[t * dims + d];
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      out[o + d] /= r.seq;
      norm += out[o + d] * out[o + d];
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let d = 0; d < dims; d++) out[o + d] /= norm;
  }
  return { dims, data: out };
}

let chain = Promise.resolve();
parentPort.on('message', (msg) => {
  // one inference at a time: the session's thread pool is the CPU bound
  chain = chain.then(async () => {
    try {
      const { dims, data } = await embed(msg.texts);
      parentPort.postMessage({ id: msg.id, dims, data }, [data.buffer]);
    } catch (err) {
      parentPort.postMessage({ id: msg.id, error: String((err && err.message) || err) });
    }
  });
});
`;
