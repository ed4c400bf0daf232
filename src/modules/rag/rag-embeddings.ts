import { Embedder } from '@libs/embeddings';
import { AppException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import { RagRepository } from './rag.repository';

/** The embedder as `/rag` uses it: index ready first, a failing embedder is a 503 `embeddings_unavailable`. */
@Injectable()
export class RagEmbeddings {
  private readonly logger = new Logger(RagEmbeddings.name);

  constructor(
    private readonly embedder: Embedder,
    private readonly repo: RagRepository,
  ) {}

  get model(): string {
    return this.embedder.model;
  }

  get dimensions(): number {
    return this.embedder.dimensions;
  }

  ready(): Promise<void> {
    return this.repo.ready(this.embedder.dimensions);
  }

  async embed(texts: string[]): Promise<number[][]> {
    try {
      const vectors = await this.embedder.embed(texts);
      return vectors.map((v) => Array.from(v));
    } catch (err) {
      this.logger.error(`embedding failed: ${(err as Error).message}`);
      // the reason (paths, endpoint answers) is the operator's business: logged, not returned
      throw new AppException(503, 'embeddings_unavailable', 'The embedding model is not available');
    }
  }
}
