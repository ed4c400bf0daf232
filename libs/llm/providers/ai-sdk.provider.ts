import type { JSONSchema7, JSONValue, LanguageModel } from 'ai';
import { LlmAbortedError, toLlmError } from '../llm.errors';
import type { LlmFinishReason, LlmMessage, LlmProvider, LlmRequest, LlmStreamEvent, LlmToolCall } from '../llm.port';

/** The provider packages' model interface (`@ai-sdk/*@3`), driven here without the `ai` core. */
export type ProviderModel = Extract<LanguageModel, { specificationVersion: 'v3' }>;
type CallOptions = Parameters<ProviderModel['doStream']>[0];
type ModelPrompt = CallOptions['prompt'];
type ModelTool = Extract<NonNullable<CallOptions['tools']>[number], { type: 'function' }>;
type StreamPart = Awaited<ReturnType<ProviderModel['doStream']>>['stream'] extends ReadableStream<infer P> ? P : never;

export interface AiSdkCallSettings {
  temperature?: number;
  maxOutputTokens?: number;
}

/** A failed call the provider marks retryable (429, 5xx, network) is tried once more after this. */
const RETRY_DELAY_MS = 2_000;

/**
 * Any `@ai-sdk/*` language model behind the LlmProvider interface. The model's own `doStream()` is
 * called directly: the agent loop already does what `streamText` adds (steps, tool execution), and
 * `streamText`'s pipeline (prompt validation, stitched and teed web streams, step promises) held
 * about 100 KB per open stream (docs/performance.md). Tools are declared without execution, so a
 * tool call ends the model's turn and comes back to the agent loop as a `tool_call` event.
 * Errors are thrown from the iterator as LlmProviderError; an abort (request.signal) throws
 * LlmAbortedError (name `AbortError`).
 */
export class AiSdkLlmProvider implements LlmProvider {
  constructor(
    readonly name: string,
    readonly model: string,
    /** builds the SDK model for a model id (`request.model` overrides `model` per call); may load its SDK first */
    private readonly languageModel: (modelId: string) => ProviderModel | Promise<ProviderModel>,
    private readonly settings: AiSdkCallSettings = {},
  ) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const signal = request.signal;
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    let stream: ReadableStream<StreamPart>;
    try {
      const model = await this.languageModel(request.model || this.model);
      stream = await withOneRetry(() => model.doStream(this.callOptions(request)), signal);
    } catch (err) {
      throw toLlmError(err, signal);
    }
    let finished = false;
    try {
      for await (const part of stream) {
        const event = toEvent(part);
        if (event) {
          finished ||= event.type === 'finish';
          yield event;
        }
      }
    } catch (err) {
      throw toLlmError(err, signal);
    }
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    if (!finished) {
      throw toLlmError(new Error('The LLM stream ended without a finish event'), signal);
    }
  }

  private callOptions(request: LlmRequest): CallOptions {
    const tools: ModelTool[] = request.tools.map((t) => functionTool(t.name, t.description, t.inputSchema));
    // A final answer without tools over a transcript that has tool calls (e.g. after the iteration
    // cap): some APIs (Anthropic) reject tool blocks when no tools are declared, so the tools used
    // in the transcript are declared and the model is told not to call any.
    let toolChoice: CallOptions['toolChoice'] = tools.length ? { type: 'auto' } : undefined;
    if (!tools.length) {
      const used = new Set<string>();
      for (const m of request.messages) {
        for (const c of m.role === 'assistant' ? (m.toolCalls ?? []) : []) {
          used.add(c.name);
        }
      }
      for (const name of used) {
        tools.push(functionTool(name, name, { type: 'object', properties: {} }));
      }
      toolChoice = tools.length ? { type: 'none' } : undefined;
    }
    return {
      prompt: toModelPrompt(request.system, request.messages),
      tools: tools.length ? tools : undefined,
      toolChoice,
      abortSignal: request.signal,
      temperature: this.settings.temperature,
      maxOutputTokens: this.settings.maxOutputTokens,
    };
  }
}

function functionTool(name: string, description: string, schema: Record<string, unknown> | undefined): ModelTool {
  return { type: 'function', name, description, inputSchema: normalizeSchema(schema) };
}

/** Calls `start`, and once more after RETRY_DELAY_MS when the provider marks the failure retryable. */
async function withOneRetry<T>(start: () => PromiseLike<{ stream: T }>, signal?: AbortSignal): Promise<T> {
  try {
    return (await start()).stream;
  } catch (err) {
    if (!(err as { isRetryable?: unknown } | undefined)?.isRetryable || signal?.aborted) {
      throw err;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, RETRY_DELAY_MS);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    return (await start()).stream;
  }
}

/** One provider stream part → the event the agent loop sees (undefined: nothing to report). */
function toEvent(part: StreamPart): LlmStreamEvent | undefined {
  switch (part.type) {
    case 'text-delta':
      return part.delta ? { type: 'text_delta', delta: part.delta } : undefined;
    case 'tool-call':
      return part.providerExecuted
        ? undefined
        : { type: 'tool_call', call: toToolCall(part.toolCallId, part.toolName, part.input, part.providerMetadata) };
    case 'error':
      throw part.error;
    case 'finish':
      return {
        type: 'finish',
        finishReason: mapFinishReason(part.finishReason.unified),
        usage: { inputTokens: part.usage.inputTokens.total ?? 0, outputTokens: part.usage.outputTokens.total ?? 0 },
      };
    default:
      return undefined;
  }
}

function toToolCall(id: string, name: string, input: unknown, providerMetadata?: unknown): LlmToolCall {
  let args: unknown = input;
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      args = {};
    }
  }
  const call: LlmToolCall = {
    id,
    name,
    args: args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
  };
  if (providerMetadata && typeof providerMetadata === 'object' && Object.keys(providerMetadata).length) {
    call.providerMetadata = providerMetadata as Record<string, unknown>;
  }
  return call;
}

export function mapFinishReason(reason: string): LlmFinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'tool-calls':
      return 'tool_calls';
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

/** Providers insist on an object schema at the top level. */
function normalizeSchema(schema: Record<string, unknown> | undefined): JSONSchema7 {
  const s = (schema ?? {}) as JSONSchema7;
  if (s.type === 'object') {
    return { ...s, properties: s.properties ?? {} };
  }
  return { type: 'object', properties: {}, ...s, ...(s.type ? {} : { type: 'object' }) } as JSONSchema7;
}

function toJsonValue(value: unknown): JSONValue {
  if (value === undefined) {
    return null;
  }
  return JSON.parse(JSON.stringify(value)) as JSONValue;
}

/**
 * The system text and LlmMessage[] → the provider prompt; consecutive tool results are grouped into
 * one tool message (what the providers expect after an assistant message with several calls).
 */
export function toModelPrompt(system: string | undefined, messages: LlmMessage[]): ModelPrompt {
  const out: ModelPrompt = system ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: [{ type: 'text', text: m.content }] });
    } else if (m.role === 'assistant') {
      const parts: Extract<ModelPrompt[number], { role: 'assistant' }>['content'] = [];
      if (m.content) {
        parts.push({ type: 'text', text: m.content });
      }
      for (const c of m.toolCalls ?? []) {
        parts.push({
          type: 'tool-call',
          toolCallId: c.id,
          toolName: c.name,
          input: c.args ?? {},
          ...(c.providerMetadata ? { providerOptions: c.providerMetadata as ProviderOptions } : {}),
        });
      }
      if (parts.length) {
        out.push({ role: 'assistant', content: parts });
      }
    } else {
      const output =
        typeof m.content === 'string'
          ? { type: 'text' as const, value: m.content }
          : { type: 'json' as const, value: toJsonValue(m.content) };
      const part = { type: 'tool-result' as const, toolCallId: m.toolCallId, toolName: m.toolName, output };
      const prev = out[out.length - 1];
      if (prev && prev.role === 'tool') {
        prev.content.push(part);
      } else {
        out.push({ role: 'tool', content: [part] });
      }
    }
  }
  return out;
}

type ProviderOptions = NonNullable<ModelPrompt[number]['providerOptions']>;
