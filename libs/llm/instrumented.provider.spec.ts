import { LlmMetrics } from '@libs/metrics/llm-metrics';
import { MetricsRegistry } from '@libs/metrics/metrics-registry';
import { instrumentLlm } from './instrumented.provider';
import type { LlmProvider, LlmStreamEvent } from './llm.port';

function provider(events: LlmStreamEvent[], fail?: Error): LlmProvider {
  return {
    name: 'openai',
    model: 'gpt-4o',
    async *stream() {
      yield* events;
      if (fail) {
        throw fail;
      }
    },
  };
}

async function drain(p: LlmProvider, model?: string) {
  const out: LlmStreamEvent[] = [];
  for await (const e of p.stream({ messages: [], tools: [], model })) {
    out.push(e);
  }
  return out;
}

describe('instrumentLlm', () => {
  it('passes events through and records one call with the usage of its finish event', async () => {
    const registry = new MetricsRegistry();
    const events: LlmStreamEvent[] = [
      { type: 'text_delta', delta: 'hi' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 3 } },
    ];
    const p = instrumentLlm(provider(events), new LlmMetrics(registry));
    expect([p.name, p.model]).toEqual(['openai', 'gpt-4o']);
    expect(await drain(p, 'gpt-4o-mini')).toEqual(events);
    const text = await registry.render();
    expect(text).toContain('llm_request_duration_seconds_count{provider="openai",model="gpt-4o-mini"} 1');
    expect(text).toContain('llm_tokens_total{provider="openai",model="gpt-4o-mini",kind="input"} 12');
    expect(text).toContain('llm_tokens_total{provider="openai",model="gpt-4o-mini",kind="output"} 3');
  });

  it('records a failed call once, without tokens', async () => {
    const registry = new MetricsRegistry();
    const p = instrumentLlm(
      provider([{ type: 'text_delta', delta: 'x' }], new Error('boom')),
      new LlmMetrics(registry),
    );
    await expect(drain(p)).rejects.toThrow('boom');
    const text = await registry.render();
    expect(text).toContain('llm_request_duration_seconds_count{provider="openai",model="gpt-4o"} 1');
    expect(text).not.toContain('llm_tokens_total{');
  });
});
