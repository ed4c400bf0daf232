/**
 * Turns texts into unit-length vectors. One implementation per process, chosen by configuration:
 * an OpenAI-compatible endpoint when EMBEDDINGS_* is set, else the built-in local model
 * (all-MiniLM-L6-v2 run with onnxruntime-node). Exported by `EmbeddingsModule` (libs/embeddings).
 */
export abstract class Embedder {
  /** e.g. `builtin:all-minilm-l6-v2-q` or `openai:text-embedding-3-small` */
  abstract readonly model: string;
  abstract readonly dimensions: number;
  /** One vector per text, same order; each L2-normalised (cosine = dot product). */
  abstract embed(texts: string[]): Promise<Float32Array[]>;
}
