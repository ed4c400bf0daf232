import { AppConfig } from '@libs/config';
import { Module } from '@nestjs/common';
import { BuiltinEmbedder } from './builtin-embedder';
import { Embedder } from './embedder.port';
import { OpenAiCompatibleEmbedder } from './openai-embedder';

/**
 * Provides `Embedder`: the install's OpenAI-compatible endpoint when EMBEDDINGS_BASE_URL and
 * EMBEDDINGS_MODEL are set, else the built-in local model (docs/rag.md). Each importer gets the
 * same choice; the built-in model is loaded once per process (a module-level instance).
 */
@Module({
  providers: [
    BuiltinEmbedder,
    {
      provide: Embedder,
      inject: [AppConfig, BuiltinEmbedder],
      useFactory: (config: AppConfig, builtin: BuiltinEmbedder): Embedder =>
        config.embeddings.baseUrl && config.embeddings.model ? new OpenAiCompatibleEmbedder(config) : builtin,
    },
  ],
  exports: [Embedder],
})
export class EmbeddingsModule {}
