import { LlmAbortedError, LlmProviderError } from '../llm.errors';
import type { LlmProvider, LlmRequest, LlmStreamEvent } from '../llm.port';

/**
 * Primary provider with a fallback: when the primary fails before producing any event (server
 * down, rate limited, 5xx, bad key), the same request goes to the fallback. Once the primary has
 * streamed something, its errors propagate (the caller already saw partial output). Aborts never
 * fall back. `name`/`model` are the primary's.
 */
export class FallbackLlmProvider implements LlmProvider {
  constructor(
    private readonly primary: LlmProvider,
    private readonly fallback: () => LlmProvider,
  ) {}

  get name(): string {
    return this.primary.name;
  }

  get model(): string {
    return this.primary.model;
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    let started = false;
    try {
      for await (const ev of this.primary.stream(request)) {
        started = true;
        yield ev;
      }
      return;
    } catch (err) {
      if (started || err instanceof LlmAbortedError || request.signal?.aborted || !(err instanceof LlmProviderError)) {
        throw err;
      }
    }
    yield* this.fallback().stream(request);
  }
}
