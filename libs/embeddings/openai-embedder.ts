import { AppConfig } from '@libs/config';
import { Injectable } from '@nestjs/common';
import { Embedder } from './embedder.port';
import { l2Normalize } from './vectors';

const BATCH = 64;
const TIMEOUT_MS = 30_000;

export class EmbeddingEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingEndpointError';
  }
}

/**
 * An OpenAI-compatible `POST <EMBEDDINGS_BASE_URL>/embeddings`. The endpoint is the operator's own
 * (install configuration, never an org's), so it is called directly rather than through an org's
 * egress guard.
 */
@Injectable()
export class OpenAiCompatibleEmbedder extends Embedder {
  readonly model: string;
  readonly dimensions: number;

  constructor(private readonly config: AppConfig) {
    super();
    this.model = `openai:${config.embeddings.model ?? ''}`;
    this.dimensions = config.embeddings.dimensions ?? 1536;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      out.push(...(await this.call(texts.slice(i, i + BATCH))));
    }
    return out;
  }

  private async call(input: string[]): Promise<Float32Array[]> {
    const { baseUrl, model, apiKey, dimensions } = this.config.embeddings;
    const url = `${(baseUrl ?? '').replace(/\/+$/, '')}/embeddings`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify({ model, input, ...(dimensions ? { dimensions } : {}) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!res.ok) {
      throw new EmbeddingEndpointError(`embeddings endpoint answered ${res.status}`);
    }
    const body = (await res.json()) as { data?: { index?: number; embedding?: number[] }[] };
    const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (data.length !== input.length || data.some((d) => d.embedding?.length !== this.dimensions)) {
      throw new EmbeddingEndpointError(
        `embeddings endpoint returned ${data.length} vectors for ${input.length} texts, or not ${this.dimensions} dimensions`,
      );
    }
    return data.map((d) => l2Normalize(Float32Array.from(d.embedding!)));
  }
}
