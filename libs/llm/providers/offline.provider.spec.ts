import { LlmAbortedError } from '../llm.errors';
import type { LlmMessage, LlmRequest, LlmStreamEvent, LlmToolDefinition } from '../llm.port';
import { inferArguments, OfflineLlmProvider, splitIntoDeltas, summarize } from './offline.provider';

const META_TOOLS: LlmToolDefinition[] = [
  { name: 'list_connectors', description: '', inputSchema: { type: 'object', properties: {} } },
  {
    name: 'search_connector_tools',
    description: '',
    inputSchema: {
      type: 'object',
      properties: { query: { type: 'string' }, top_k: { type: 'integer' } },
      required: ['query'],
    },
  },
  {
    name: 'execute_connector_tool',
    description: '',
    inputSchema: {
      type: 'object',
      properties: { tool: { type: 'string' }, arguments: { type: 'object' } },
      required: ['tool'],
    },
  },
];

async function run(req: Partial<LlmRequest> & { messages: LlmMessage[] }): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const e of new OfflineLlmProvider().stream({ tools: META_TOOLS, ...req })) {
    out.push(e);
  }
  return out;
}

const text = (events: LlmStreamEvent[]) =>
  events
    .filter((e) => e.type === 'text_delta')
    .map((e) => (e as { delta: string }).delta)
    .join('');
const calls = (events: LlmStreamEvent[]) =>
  events.filter((e) => e.type === 'tool_call').map((e) => (e as Extract<LlmStreamEvent, { type: 'tool_call' }>).call);
const finish = (events: LlmStreamEvent[]) => events[events.length - 1] as Extract<LlmStreamEvent, { type: 'finish' }>;

const SEARCH_RESULT = {
  tools: [
    {
      connector: 'kubernetes',
      tool: 'list_pods',
      qualified: 'prod-k8s.list_pods',
      effect: 'read',
      score: 0.9,
      input_schema: {
        type: 'object',
        properties: {
          namespace: { type: 'string' },
          status: { type: 'string', enum: ['Running', 'Failed', 'Pending'] },
          limit: { type: 'integer' },
        },
      },
    },
    {
      connector: 'kubernetes',
      tool: 'get_pod',
      qualified: 'prod-k8s.get_pod',
      effect: 'read',
      score: 0.5,
      input_schema: { type: 'object', properties: { pod: { type: 'string' } }, required: ['pod'] },
    },
  ],
};

describe('OfflineLlmProvider', () => {
  it('searches the catalog with the user text on a fresh message', async () => {
    const events = await run({ messages: [{ role: 'user', content: 'list pods in namespace kube-system' }] });
    expect(calls(events)).toEqual([
      {
        id: expect.stringMatching(/^call_/),
        name: 'search_connector_tools',
        args: { query: 'list pods in namespace kube-system', top_k: 5 },
      },
    ]);
    expect(finish(events)).toEqual({
      type: 'finish',
      finishReason: 'tool_calls',
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });
    expect(text(events)).toBe('');
  });

  it('executes the top-ranked tool with the arguments it can infer', async () => {
    const events = await run({
      messages: [
        { role: 'user', content: 'show failed pods in namespace kube-system' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'search_connector_tools', args: { query: 'x' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'search_connector_tools', content: SEARCH_RESULT },
      ],
    });
    expect(calls(events)).toEqual([
      {
        id: expect.any(String),
        name: 'execute_connector_tool',
        args: { tool: 'prod-k8s.list_pods', arguments: { namespace: 'kube-system', status: 'Failed' } },
      },
    ]);
    expect(finish(events).finishReason).toBe('tool_calls');
  });

  it('passes {} when nothing can be inferred and accepts JSON-string results; uses `args` when the schema says so', async () => {
    const tools = [
      META_TOOLS[1],
      {
        name: 'execute_connector_tool',
        description: '',
        inputSchema: {
          type: 'object',
          properties: { connector: { type: 'string' }, tool: { type: 'string' }, args: { type: 'object' } },
        },
      },
    ];
    const events = await run({
      tools,
      messages: [
        { role: 'user', content: 'how many pods are there' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'search_connector_tools', args: { query: 'x' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'search_connector_tools', content: JSON.stringify(SEARCH_RESULT) },
      ],
    });
    expect(calls(events)[0].args).toEqual({ tool: 'prod-k8s.list_pods', connector: 'kubernetes', args: {} });
  });

  it('prefers a tool whose required arguments it can fill', async () => {
    const result = { tools: [SEARCH_RESULT.tools[1], SEARCH_RESULT.tools[0]] };
    const events = await run({
      messages: [
        { role: 'user', content: 'pods please' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'search_connector_tools', args: { query: 'x' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'search_connector_tools', content: result },
      ],
    });
    expect(calls(events)[0].args.tool).toBe('prod-k8s.list_pods');
  });

  it('summarizes a tool result as plain text and stops, streamed in several deltas', async () => {
    const events = await run({
      messages: [
        { role: 'user', content: 'list pods' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'search_connector_tools', args: { query: 'list pods' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'search_connector_tools', content: SEARCH_RESULT },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'c2', name: 'execute_connector_tool', args: { tool: 'prod-k8s.list_pods', arguments: {} } },
          ],
        },
        {
          role: 'tool',
          toolCallId: 'c2',
          toolName: 'execute_connector_tool',
          content: {
            pods: [
              { name: 'api-1', namespace: 'prod', status: 'Running' },
              { name: 'api-2', namespace: 'prod', status: 'Failed' },
            ],
          },
        },
      ],
    });
    expect(calls(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'text_delta').length).toBeGreaterThanOrEqual(3);
    expect(text(events)).toBe('prod-k8s.list_pods returned 2 pods:\n- api-1 [prod] (Running)\n- api-2 [prod] (Failed)');
    expect(finish(events).finishReason).toBe('stop');
    expect(finish(events).usage.outputTokens).toBeGreaterThan(0);
  });

  it('reports tool errors and empty searches in text', async () => {
    const failed = await run({
      messages: [
        { role: 'user', content: 'delete pod x' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c2', name: 'execute_connector_tool', args: { tool: 'k8s.delete_pod' } }],
        },
        {
          role: 'tool',
          toolCallId: 'c2',
          toolName: 'execute_connector_tool',
          content: { error: { code: 'policy_denied', message: 'change freeze' } },
        },
      ],
    });
    expect(text(failed)).toBe('k8s.delete_pod failed: change freeze (policy_denied)');
    expect(finish(failed).finishReason).toBe('stop');

    const none = await run({
      messages: [
        { role: 'user', content: 'weather in paris' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'search_connector_tools', args: { query: 'weather' } }],
        },
        { role: 'tool', toolCallId: 'c1', toolName: 'search_connector_tools', content: { tools: [] } },
      ],
    });
    expect(text(none)).toContain('could not find a connector tool matching "weather in paris"');
    expect(calls(none)).toEqual([]);
  });

  it('does not execute twice in one turn', async () => {
    const events = await run({
      messages: [
        { role: 'user', content: 'list pods' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c2', name: 'execute_connector_tool', args: { tool: 'k8s.list_pods' } }],
        },
        { role: 'tool', toolCallId: 'c2', toolName: 'execute_connector_tool', content: [] },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c3', name: 'search_connector_tools', args: { query: 'x' } }],
        },
        { role: 'tool', toolCallId: 'c3', toolName: 'search_connector_tools', content: SEARCH_RESULT },
      ],
    });
    expect(calls(events)).toEqual([]);
    expect(finish(events).finishReason).toBe('stop');
  });

  it('answers in text when no meta-tools are offered', async () => {
    const events = await run({ tools: [], messages: [{ role: 'user', content: 'hello' }] });
    expect(calls(events)).toEqual([]);
    expect(text(events)).toContain('offline');
  });

  it('stops with AbortError when the signal fires', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(run({ signal: ac.signal, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      LlmAbortedError,
    );
  });
});

describe('offline helpers', () => {
  it('infers string, number and enum arguments from text', () => {
    const schema = {
      type: 'object',
      properties: {
        namespace: { type: 'string' },
        limit: { type: 'integer' },
        state: { type: 'string', enum: ['open', 'closed'] },
        repo_name: { type: 'string' },
      },
    };
    expect(inferArguments(schema, 'closed PRs of repo "agentcy/api" in the prod namespace, limit 5')).toEqual({
      namespace: 'prod',
      limit: 5,
      state: 'closed',
      repo_name: 'agentcy/api',
    });
    expect(inferArguments(schema, 'namespace=kube-system')).toEqual({ namespace: 'kube-system' });
    expect(inferArguments(schema, 'list everything')).toEqual({});
    expect(inferArguments(schema, 'pods in namespace default')).toEqual({ namespace: 'default' });
    expect(inferArguments(schema, 'kube-system namespace pods')).toEqual({ namespace: 'kube-system' });
    // no guessing from ordinary words next to the argument name
    expect(inferArguments(schema, 'list the namespace pods')).toEqual({});
    expect(
      inferArguments(
        { type: 'object', properties: { status: { type: 'string' }, cluster: { type: 'string' } } },
        'show pod status of the cluster',
      ),
    ).toEqual({});
    expect(
      inferArguments({ type: 'object', properties: { cluster: { type: 'string' } } }, 'pods on the eu-1 cluster'),
    ).toEqual({ cluster: 'eu-1' });
    expect(
      inferArguments(
        { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
        'find the runbook',
      ),
    ).toEqual({ query: 'find the runbook' });
  });

  it('summarizes arrays, objects and scalars', () => {
    expect(summarize('t', [])).toBe('t returned no items.');
    expect(summarize('t', [{ title: 'a' }, { title: 'b' }])).toBe('t returned 2 items:\n- a\n- b');
    expect(summarize('t', { count: 3, healthy: true })).toBe('t returned:\n- count: 3\n- healthy: true');
    expect(summarize('t', 'plain')).toBe('t returned: plain');
    const many = summarize('t', { items: Array.from({ length: 15 }, (_, i) => ({ id: `i${i}` })) });
    expect(many).toContain('t returned 15 items:');
    expect(many).toContain('…and 5 more.');
  });

  it('splits text into a few word-aligned deltas', () => {
    const parts = splitIntoDeltas('one two three four five six seven');
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.join('')).toBe('one two three four five six seven');
    expect(splitIntoDeltas('single')).toEqual(['single']);
  });
});
