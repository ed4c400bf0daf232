import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmProviderError } from '../llm.errors';
import type { LlmStreamEvent } from '../llm.port';
import { createLlmProvider } from './index';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** A tiny SSE server: answers every POST with the given SSE frames and records the request. */
async function sseServer(
  frames: () => string[],
  status = 200,
): Promise<{ base: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) {
      chunks.push(c as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    });
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const f of frames()) {
      res.write(f);
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

const ev = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const data = (d: unknown) => `data: ${JSON.stringify(d)}\n\n`;

async function collect(it: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const out: LlmStreamEvent[] = [];
  for await (const e of it) {
    out.push(e);
  }
  return out;
}

const TOOLS = [
  {
    name: 'search_connector_tools',
    description: 'Search tools',
    inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
];
const MESSAGES = [
  { role: 'user' as const, content: 'list pods' },
  {
    role: 'assistant' as const,
    content: '',
    toolCalls: [{ id: 'toolu_1', name: 'search_connector_tools', args: { query: 'pods' } }],
  },
  { role: 'tool' as const, toolCallId: 'toolu_1', toolName: 'search_connector_tools', content: { tools: [] } },
];

describe('Anthropic provider (request construction + stream mapping)', () => {
  const frames = () => [
    ev('message_start', {
      type: 'message_start',
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-test',
        content: [],
        stop_reason: null,
        usage: { input_tokens: 25, output_tokens: 1 },
      },
    }),
    ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    ev('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text: 'Searching' },
    }),
    ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
    ev('content_block_start', {
      type: 'content_block_start',
      index: 1,
      content_block: { type: 'tool_use', id: 'toolu_2', name: 'search_connector_tools', input: {} },
    }),
    ev('content_block_delta', {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '{"query":' },
    }),
    ev('content_block_delta', {
      type: 'content_block_delta',
      index: 1,
      delta: { type: 'input_json_delta', partial_json: '"deployments"}' },
    }),
    ev('content_block_stop', { type: 'content_block_stop', index: 1 }),
    ev('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: 12 },
    }),
    ev('message_stop', { type: 'message_stop' }),
  ];

  it('sends system, tools, tool_use/tool_result blocks and the key; maps text, tool calls and usage', async () => {
    const srv = await sseServer(frames);
    try {
      const p = createLlmProvider({
        provider: 'anthropic',
        model: 'claude-test',
        apiKey: 'sk-ant-test',
        baseUrl: `${srv.base}/v1`,
        maxOutputTokens: 512,
      });
      const events = await collect(p.stream({ system: 'Be brief.', messages: MESSAGES, tools: TOOLS }));
      expect(events).toEqual([
        { type: 'text_delta', delta: 'Searching' },
        { type: 'tool_call', call: { id: 'toolu_2', name: 'search_connector_tools', args: { query: 'deployments' } } },
        { type: 'finish', finishReason: 'tool_calls', usage: { inputTokens: 25, outputTokens: 12 } },
      ]);
      const req = srv.requests[0];
      expect(req.url).toBe('/v1/messages');
      expect(req.headers['x-api-key']).toBe('sk-ant-test');
      expect(req.body).toMatchObject({ model: 'claude-test', stream: true, max_tokens: 512 });
      expect(JSON.stringify(req.body.system)).toContain('Be brief.');
      expect(req.body.tools[0]).toMatchObject({
        name: 'search_connector_tools',
        description: 'Search tools',
        input_schema: { type: 'object', required: ['query'] },
      });
      expect(req.body.messages[1]).toMatchObject({
        role: 'assistant',
        content: [{ type: 'tool_use', id: 'toolu_1', name: 'search_connector_tools', input: { query: 'pods' } }],
      });
      expect(req.body.messages[2].role).toBe('user');
      expect(req.body.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1' });
    } finally {
      await srv.close();
    }
  });

  it('a final answer without tools over a transcript with tool calls declares them with tool_choice none', async () => {
    const srv = await sseServer(() => [
      ev('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_2',
          type: 'message',
          role: 'assistant',
          model: 'claude-test',
          content: [],
          stop_reason: null,
          usage: { input_tokens: 5, output_tokens: 1 },
        },
      }),
      ev('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ev('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Summary.' },
      }),
      ev('content_block_stop', { type: 'content_block_stop', index: 0 }),
      ev('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: 2 },
      }),
      ev('message_stop', { type: 'message_stop' }),
    ]);
    try {
      const p = createLlmProvider({
        provider: 'anthropic',
        model: 'claude-test',
        apiKey: 'k',
        baseUrl: `${srv.base}/v1`,
      });
      const events = await collect(p.stream({ messages: MESSAGES, tools: [], model: 'claude-other' }));
      expect(events[events.length - 1]).toMatchObject({ type: 'finish', finishReason: 'stop' });
      const body = srv.requests[0].body;
      expect(body.model).toBe('claude-other');
      expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['search_connector_tools']);
      expect(body.tool_choice).toEqual({ type: 'none' });
    } finally {
      await srv.close();
    }
  });

  it('maps a 401 to llm_auth_failed', async () => {
    const srv = await sseServer(frames, 401);
    try {
      const p = createLlmProvider({
        provider: 'anthropic',
        model: 'claude-test',
        apiKey: 'bad',
        baseUrl: `${srv.base}/v1`,
      });
      const err = await collect(p.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LlmProviderError);
      expect((err as LlmProviderError).code).toBe('llm_auth_failed');
    } finally {
      await srv.close();
    }
  });
});

describe('Google provider (request construction + stream mapping)', () => {
  const frames = () => [
    data({ candidates: [{ content: { role: 'model', parts: [{ text: 'Looking ' }] }, index: 0 }] }),
    data({ candidates: [{ content: { role: 'model', parts: [{ text: 'it up.' }] }, index: 0 }] }),
    data({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              {
                functionCall: { name: 'search_connector_tools', args: { query: 'pods' } },
                thoughtSignature: 'sig-abc',
              },
            ],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 31, candidatesTokenCount: 9, totalTokenCount: 40 },
    }),
  ];

  it('sends contents, function declarations and the key; maps text, function calls and usage', async () => {
    const srv = await sseServer(frames);
    try {
      const p = createLlmProvider({
        provider: 'google',
        model: 'gemini-test',
        apiKey: 'g-test-key',
        baseUrl: `${srv.base}/v1beta`,
      });
      const events = await collect(p.stream({ system: 'Be brief.', messages: MESSAGES, tools: TOOLS }));
      expect(
        events
          .filter((e) => e.type === 'text_delta')
          .map((e) => (e as { delta: string }).delta)
          .join(''),
      ).toBe('Looking it up.');
      const calls = events.filter((e) => e.type === 'tool_call') as Extract<LlmStreamEvent, { type: 'tool_call' }>[];
      expect(calls).toHaveLength(1);
      expect(calls[0].call).toMatchObject({ name: 'search_connector_tools', args: { query: 'pods' } });
      expect(calls[0].call.id).toEqual(expect.any(String));
      expect(calls[0].call.providerMetadata).toEqual({ google: { thoughtSignature: 'sig-abc' } });
      expect(events[events.length - 1]).toEqual({
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens: 31, outputTokens: 9 },
      });
      const req = srv.requests[0];
      expect(req.url).toBe('/v1beta/models/gemini-test:streamGenerateContent?alt=sse');
      expect(req.headers['x-goog-api-key']).toBe('g-test-key');
      expect(JSON.stringify(req.body.systemInstruction)).toContain('Be brief.');
      expect(req.body.tools[0].functionDeclarations[0]).toMatchObject({
        name: 'search_connector_tools',
        description: 'Search tools',
      });
      expect(req.body.contents[0]).toEqual({ role: 'user', parts: [{ text: 'list pods' }] });
      expect(req.body.contents[1].role).toBe('model');
      expect(req.body.contents[1].parts[0]).toMatchObject({
        functionCall: { name: 'search_connector_tools', args: { query: 'pods' } },
      });
      expect(req.body.contents[2].parts[0]).toMatchObject({ functionResponse: { name: 'search_connector_tools' } });

      // a replayed call keeps its thought signature
      await collect(
        p.stream({
          messages: [
            { role: 'user', content: 'list pods' },
            { role: 'assistant', content: '', toolCalls: [calls[0].call] },
            { role: 'tool', toolCallId: calls[0].call.id, toolName: 'search_connector_tools', content: { tools: [] } },
          ],
          tools: TOOLS,
        }),
      );
      expect(srv.requests[1].body.contents[1].parts[0]).toMatchObject({
        functionCall: { name: 'search_connector_tools' },
        thoughtSignature: 'sig-abc',
      });
    } finally {
      await srv.close();
    }
  });
});
