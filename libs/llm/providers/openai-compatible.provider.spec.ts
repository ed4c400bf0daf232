import { FakeOpenAI, startFakeOpenAI } from '../../../test/support/fake-openai-server';
import { LlmAbortedError, LlmProviderError } from '../llm.errors';
import type { LlmRequest, LlmStreamEvent } from '../llm.port';
import { createLlmProvider } from './index';

const TOOLS = [
  {
    name: 'search_connector_tools',
    description: 'Search tools',
    inputSchema: {
      type: 'object',
      properties: { query: { type: 'string' }, top_k: { type: 'integer' } },
      required: ['query'],
    },
  },
  {
    name: 'execute_connector_tool',
    description: 'Run a tool',
    inputSchema: {
      type: 'object',
      properties: { tool: { type: 'string' }, arguments: { type: 'object' } },
      required: ['tool'],
    },
  },
];

async function collect(it: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const e of it) {
    out.push(e);
  }
  return out;
}

describe.each(['openai', 'vllm', 'ollama', 'lmstudio'] as const)(
  'OpenAI-compatible provider (%s) against the fake server',
  (provider) => {
    let fake: FakeOpenAI;
    beforeAll(async () => {
      fake = await startFakeOpenAI();
    });
    afterAll(() => fake.close());
    beforeEach(() => fake.reset());

    const make = () =>
      createLlmProvider({ provider, model: 'fake-model', baseUrl: fake.baseUrl, apiKey: 'sk-test-123' });

    it('streams text deltas and a finish with usage', async () => {
      fake.script({ text: ['Hello', ' there', ', world.'], usage: { prompt_tokens: 42, completion_tokens: 7 } });
      const p = make();
      expect(p.name).toBe(provider);
      expect(p.model).toBe('fake-model');
      const events = await collect(
        p.stream({ system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }], tools: [] }),
      );
      expect(events).toEqual([
        { type: 'text_delta', delta: 'Hello' },
        { type: 'text_delta', delta: ' there' },
        { type: 'text_delta', delta: ', world.' },
        { type: 'finish', finishReason: 'stop', usage: { inputTokens: 42, outputTokens: 7 } },
      ]);
      const req = fake.requests[0];
      expect(req.path).toBe('/v1/chat/completions');
      expect(req.headers.authorization).toBe('Bearer sk-test-123');
      expect(req.body.model).toBe('fake-model');
      expect(req.body.stream).toBe(true);
      expect(req.body.messages).toEqual([
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ]);
    });

    it('declares tools and returns streamed tool calls (arguments assembled from pieces)', async () => {
      fake.script({
        text: 'Let me look.',
        toolCalls: [
          { id: 'call_a', name: 'search_connector_tools', arguments: { query: 'failing pods', top_k: 5 } },
          {
            id: 'call_b',
            name: 'execute_connector_tool',
            arguments: { tool: 'k8s.list_pods', arguments: { namespace: 'prod' } },
          },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 20 },
      });
      const events = await collect(
        make().stream({ messages: [{ role: 'user', content: 'what is failing?' }], tools: TOOLS }),
      );
      expect(
        events
          .filter((e) => e.type === 'text_delta')
          .map((e) => (e as { delta: string }).delta)
          .join(''),
      ).toBe('Let me look.');
      expect(events.filter((e) => e.type === 'tool_call')).toEqual([
        {
          type: 'tool_call',
          call: { id: 'call_a', name: 'search_connector_tools', args: { query: 'failing pods', top_k: 5 } },
        },
        {
          type: 'tool_call',
          call: {
            id: 'call_b',
            name: 'execute_connector_tool',
            args: { tool: 'k8s.list_pods', arguments: { namespace: 'prod' } },
          },
        },
      ]);
      expect(events[events.length - 1]).toEqual({
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 100, outputTokens: 20 },
      });
      const sent = fake.requests[0].body;
      expect(sent.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
        'search_connector_tools',
        'execute_connector_tool',
      ]);
      expect(sent.tools[0]).toMatchObject({
        type: 'function',
        function: {
          name: 'search_connector_tools',
          description: 'Search tools',
          parameters: { type: 'object', required: ['query'] },
        },
      });
    });

    it('sends the transcript with assistant tool calls and tool results', async () => {
      fake.script({ text: 'Done.' });
      await collect(
        make().stream({
          messages: [
            { role: 'user', content: 'list pods' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: 'call_1', name: 'search_connector_tools', args: { query: 'list pods' } }],
            },
            {
              role: 'tool',
              toolCallId: 'call_1',
              toolName: 'search_connector_tools',
              content: { tools: [{ qualified: 'k8s.list_pods' }] },
            },
          ],
          tools: TOOLS,
        }),
      );
      const msgs = fake.requests[0].body.messages;
      expect(msgs[0]).toEqual({ role: 'user', content: 'list pods' });
      expect(msgs[1]).toMatchObject({
        role: 'assistant',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_connector_tools' } }],
      });
      expect(JSON.parse(msgs[1].tool_calls[0].function.arguments)).toEqual({ query: 'list pods' });
      expect(msgs[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
      expect(JSON.parse(msgs[2].content)).toEqual({ tools: [{ qualified: 'k8s.list_pods' }] });
    });

    it('request.model overrides the model for one call', async () => {
      fake.script({ text: 'ok' });
      await collect(make().stream({ model: 'other-model', messages: [{ role: 'user', content: 'hi' }], tools: [] }));
      expect(fake.requests[0].body.model).toBe('other-model');
    });

    it('aborts a hanging stream through the signal', async () => {
      fake.script({ text: ['partial'], hang: true });
      const ac = new AbortController();
      const seen: LlmStreamEvent[] = [];
      const run = (async () => {
        for await (const e of make().stream({
          messages: [{ role: 'user', content: 'hi' }],
          tools: [],
          signal: ac.signal,
        })) {
          seen.push(e);
          if (e.type === 'text_delta') {
            ac.abort();
          }
        }
      })();
      await expect(run).rejects.toBeInstanceOf(LlmAbortedError);
      expect(seen).toEqual([{ type: 'text_delta', delta: 'partial' }]);
      for (let i = 0; i < 100 && !fake.requests[0].aborted; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(fake.requests[0].aborted).toBe(true);
    });

    it('throws LlmProviderError with a code for HTTP errors', async () => {
      fake.script({ status: 401, error: { message: 'Incorrect API key provided' } });
      const err = await collect(make().stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LlmProviderError);
      expect((err as LlmProviderError).code).toBe('llm_auth_failed');
      expect((err as LlmProviderError).message).toContain('Incorrect API key');
    });

    it('tries a call the provider marks retryable once more, and no more', async () => {
      fake.script({ status: 503 }, { text: ['second time lucky'] });
      const events = await collect(make().stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] }));
      expect(events[0]).toEqual({ type: 'text_delta', delta: 'second time lucky' });
      expect(fake.requests).toHaveLength(2);

      fake.reset();
      fake.script({ status: 503 }, { status: 503 }, { text: 'never asked for' });
      const err = await collect(make().stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LlmProviderError);
      expect((err as LlmProviderError).statusCode).toBe(503);
      expect(fake.requests).toHaveLength(2);

      fake.reset();
      fake.script({ status: 400 }, { text: 'never asked for' });
      await expect(
        collect(make().stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })),
      ).rejects.toBeInstanceOf(LlmProviderError);
      expect(fake.requests).toHaveLength(1);
    });

    it('reports an unreachable server as llm_unavailable', async () => {
      const dead = createLlmProvider({ provider, model: 'm', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'x' });
      const req: LlmRequest = { messages: [{ role: 'user', content: 'hi' }], tools: [] };
      const err = await collect(dead.stream(req)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmProviderError);
      expect((err as LlmProviderError).code).toBe('llm_unavailable');
    });
  },
);

describe('fake OpenAI server (raw protocol, as documented for other suites)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('streams content deltas, tool calls in pieces, finish_reason + usage, then [DONE]', async () => {
    fake.script({
      text: ['Hi', ' there'],
      toolCalls: [
        { id: 'call_x', name: 'execute_connector_tool', arguments: { tool: 'k8s.list_pods', arguments: {} } },
      ],
      usage: { prompt_tokens: 9, completion_tokens: 4 },
    });
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const frames = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((f) => f.replace(/^data: /, ''));
    expect(frames[frames.length - 1]).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f));
    expect(chunks.map((c) => c.choices[0].delta.content).filter((c) => c)).toEqual(['Hi', ' there']);
    const toolDeltas = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: 'call_x',
      type: 'function',
      function: { name: 'execute_connector_tool', arguments: expect.any(String) },
    });
    expect(toolDeltas.length).toBeGreaterThan(1);
    expect(JSON.parse(toolDeltas.map((d) => d.function.arguments).join(''))).toEqual({
      tool: 'k8s.list_pods',
      arguments: {},
    });
    const last = chunks[chunks.length - 1];
    expect(last.choices[0].finish_reason).toBe('tool_calls');
    expect(last.usage).toEqual({ prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
    expect(fake.requests[0].body.messages).toEqual([{ role: 'user', content: 'x' }]);
  });

  it('answers JSON without stream, 500 when nothing is scripted, and lists models', async () => {
    fake.script({ text: 'plain' });
    const json: any = await (
      await fetch(`${fake.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [] }),
      })
    ).json();
    expect(json.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'plain' }, finish_reason: 'stop' });
    expect(fake.pending()).toBe(0);
    const empty = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(empty.status).toBe(500);
    const models: any = await (await fetch(`${fake.baseUrl}/models`)).json();
    expect(models.data[0].id).toBe('fake-model');
  });
});
