import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EMBED_WORKER_SOURCE } from './embed-worker.source';
import { Embedder } from './embedder.port';

/** The model run in process; its files come from docker/models/fetch-models.sh. */
export const BUILTIN_MODEL = 'builtin:all-minilm-l6-v2-q';
export const BUILTIN_DIMENSIONS = 384;
/** Tokens per text (CLS and SEP included); all-MiniLM-L6-v2 was trained on inputs of at most 256 tokens. */
export const BUILTIN_MAX_TOKENS = 256;
const BATCH = 16;

/** Thrown when the model files are missing: a deployment error, reported as such. */
export class EmbeddingModelMissingError extends Error {
  constructor(dir: string) {
    super(
      `built-in embedding model not found in ${dir} (model.onnx + tokenizer.json); run docker/models/fetch-models.sh or set EMBEDDINGS_MODEL_DIR`,
    );
    this.name = 'EmbeddingModelMissingError';
  }
}

interface Pending {
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
  count: number;
}
type WorkerReply = { id: number; dims: number; data: Float32Array } | { id: number; error: string };

/**
 * all-MiniLM-L6-v2 (quantised ONNX from the langchain4j Maven artifact) run with onnxruntime-node
 * in one worker thread per process (embed-worker.source.ts): WordPiece tokens (tokenizer.json
 * through @huggingface/tokenizers), mean pooling over the attention mask, L2 normalisation.
 * Started lazily on first use and shared; one inference at a time with at most
 * EMBEDDINGS_THREADS CPU threads, so embedding never takes more than that from request handling.
 */
@Injectable()
export class BuiltinEmbedder extends Embedder implements OnModuleDestroy {
  readonly model = BUILTIN_MODEL;
  readonly dimensions = BUILTIN_DIMENSIONS;
  private readonly logger = new Logger(BuiltinEmbedder.name);
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly config: AppConfig) {
    super();
  }

  get modelDir(): string {
    const dir = this.config.embeddings.modelDir;
    return isAbsolute(dir) ? dir : resolve(process.cwd(), dir);
  }

  /** True when the model files are on disk (they are loaded on first use). */
  available(): boolean {
    return existsSync(join(this.modelDir, 'model.onnx')) && existsSync(join(this.modelDir, 'tokenizer.json'));
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (!texts.length) {
      return [];
    }
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      out.push(...(await this.send(texts.slice(i, i + BATCH))));
    }
    return out;
  }

  private send(texts: string[]): Promise<Float32Array[]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject, count: texts.length });
      // keeps the process alive only while a caller waits (an idle worker never holds it)
      worker.ref();
      worker.postMessage({ id, texts });
    });
  }

  private start(): Worker {
    if (this.worker) {
      return this.worker;
    }
    if (!this.available()) {
      throw new EmbeddingModelMissingError(this.modelDir);
    }
    const worker = new Worker(EMBED_WORKER_SOURCE, {
      eval: true,
      workerData: {
        ortPath: require.resolve('onnxruntime-node'),
        tokenizersPath: require.resolve('@huggingface/tokenizers'),
        modelPath: join(this.modelDir, 'model.onnx'),
        tokenizerPath: join(this.modelDir, 'tokenizer.json'),
        threads: this.config.embeddings.threads,
        maxTokens: BUILTIN_MAX_TOKENS,
      },
    });
    worker.unref();
    worker.on('message', (msg: WorkerReply) => this.reply(msg));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`embedding worker exited with code ${code}`)));
    this.worker = worker;
    this.logger.log(`embedding model ${BUILTIN_MODEL} starting from ${this.modelDir}`);
    return worker;
  }

  private reply(msg: WorkerReply) {
    const p = this.pending.get(msg.id);
    if (!p) {
      return;
    }
    this.pending.delete(msg.id);
    if (!this.pending.size) {
      this.worker?.unref();
    }
    if ('error' in msg) {
      p.reject(new Error(`embedding failed: ${msg.error}`));
      return;
    }
    const rows: Float32Array[] = [];
    for (let i = 0; i < p.count; i++) {
      rows.push(msg.data.subarray(i * msg.dims, (i + 1) * msg.dims));
    }
    p.resolve(rows);
  }

  /** The worker died: fail what waits; the next call starts a new one. */
  private fail(err: Error) {
    this.worker = undefined;
    for (const p of this.pending.values()) {
      p.reject(err);
    }
    this.pending.clear();
  }

  async onModuleDestroy(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      w.removeAllListeners('exit');
      await w.terminate();
    }
  }
}
