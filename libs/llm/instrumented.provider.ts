import type { LlmMetrics } from '@libs/metrics/llm-metrics';
import type { LlmProvider, LlmRequest, LlmStreamEvent, LlmUsage } from './llm.port';

/**
 * Times every `stream()` call of a provider (start to its `finish` event, or to the error) and
 * counts the tokens that event reports. It wraps the LlmProvider port rather than the ai-sdk model
 * (`wrapLanguageModel`), so the offline provider and any future non-SDK provider are measured too.
 */
export function instrumentLlm(provider: LlmProvider, metrics: LlmMetrics): LlmProvider {
  return {
    name: provider.name,
    model: provider.model,
    stream: (request) => timedStream(provider, request, metrics),
  };
}

async function* timedStream(
  provider: LlmProvider,
  request: LlmRequest,
  metrics: LlmMetrics,
): AsyncGenerator<LlmStreamEvent> {
  const started = process.hrtime.bigint();
  let observed = false;
  const observe = (usage?: LlmUsage) => {
    observed = true;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.observe(provider.name, request.model || provider.model, seconds, usage);
  };
  try {
    for await (const event of provider.stream(request)) {
      if (event.type === 'finish' && !observed) {
        observe(event.usage);
      }
      yield event;
    }
  } finally {
    if (!observed) {
      observe(); // failed or abandoned before its finish event
    }
  }
}
