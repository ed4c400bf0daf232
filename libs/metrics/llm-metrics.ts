import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/** Distinct {provider, model} pairs kept as labels; later ones are reported as model `other`. */
export const MAX_LLM_MODELS = 100;

interface Children {
  duration: Histogram.Internal<'provider' | 'model'>;
  input: Counter.Internal;
  output: Counter.Internal;
}

/**
 * `llm_request_duration_seconds{provider,model}` and `llm_tokens_total{provider,model,kind}`.
 * Model names come from org settings, so the number of label sets is capped (MAX_LLM_MODELS).
 */
@Injectable()
export class LlmMetrics {
  private readonly duration: Histogram<'provider' | 'model'>;
  private readonly tokens: Counter<'provider' | 'model' | 'kind'>;
  private readonly children = new Map<string, Children>();

  constructor(metrics: MetricsRegistry) {
    this.duration = new Histogram({
      name: 'llm_request_duration_seconds',
      help: 'One model call (request to finish event or error), by provider and model',
      labelNames: ['provider', 'model'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
      registers: [metrics.registry],
    });
    this.tokens = new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens reported by the provider, by provider, model and kind (input or output)',
      labelNames: ['provider', 'model', 'kind'] as const,
      registers: [metrics.registry],
    });
  }

  observe(provider: string, model: string, seconds: number, usage?: { inputTokens: number; outputTokens: number }) {
    const c = this.childrenOf(provider, model);
    c.duration.observe(seconds);
    if (usage) {
      c.input.inc(Math.max(0, usage.inputTokens || 0));
      c.output.inc(Math.max(0, usage.outputTokens || 0));
    }
  }

  private childrenOf(provider: string, model: string): Children {
    const key = `${provider}\n${model}`;
    let c = this.children.get(key);
    if (!c) {
      if (this.children.size >= MAX_LLM_MODELS && model !== 'other') {
        return this.childrenOf(provider, 'other'); // providers are a fixed list; models are not
      }
      c = {
        duration: this.duration.labels({ provider, model }),
        input: this.tokens.labels({ provider, model, kind: 'input' }),
        output: this.tokens.labels({ provider, model, kind: 'output' }),
      };
      this.children.set(key, c);
    }
    return c;
  }
}
