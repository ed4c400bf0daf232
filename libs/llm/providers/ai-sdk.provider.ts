import type { JSONSchema7, JSONValue, LanguageModel, ModelMessage, ToolSet } from 'ai';
import { LlmAbortedError, toLlmError } from '../llm.errors';
import type { LlmFinishReason, LlmMessage, LlmProvider, LlmRequest, LlmStreamEvent, LlmToolCall } from '../llm.port';

// The SDK prints warnings with console.*; the app logs structured JSON, so they are turned off.
(globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS ??= false;

let aiCore: Promise<typeof import('ai')> | undefined;

/**
 * The `ai` core, loaded on first use (≈ 20 MB of RSS with its dependencies): an API whose orgs use
 * the offline provider, or that never streams, does not pay for it. The provider packages
 * (`@ai-sdk/*`) are loaded the same way by their factories, only the configured one.
 */
export function aiSdk(): Promise<typeof import('ai')> {
  return (aiCore ??= import('ai'));
}

export interface AiSdkCallSettings {
  temperature?: number;
  maxOutputTokens?: number;
}

/**
 * Any `ai@6` LanguageModel behind the LlmProvider interface. Tools are declared WITHOUT `execute`,
 * so a tool call ends the step and comes back to the agent loop as a `tool_call` event.
 * Errors are thrown from the iterator as LlmProviderError; an abort (request.signal) throws
 * LlmAbortedError (name `AbortError`).
 */
export class AiSdkLlmProvider implements LlmProvider {
  constructor(
    readonly name: string,
    readonly model: string,
    /** builds the SDK model for a model id (`request.model` overrides `model` per call); may load its SDK first */
    private readonly languageModel: (modelId: string) => LanguageModel | Promise<LanguageModel>,
    private readonly settings: AiSdkCallSettings = {},
  ) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const signal = request.signal;
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    const [{ jsonSchema, streamText, tool }, model] = await Promise.all([
      aiSdk(),
      this.languageModel(request.model || this.model),
    ]);
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    const tools: ToolSet = {};
    for (const t of request.tools) {
      tools[t.name] = tool({ description: t.description, inputSchema: jsonSchema(normalizeSchema(t.inputSchema)) });
    }
    // A final answer without tools over a transcript that has tool calls (e.g. after the iteration
    // cap): some APIs (Anthropic) reject tool blocks when no tools are declared, so the tools used
    // in the transcript are declared and the model is told not to call any.
    let toolChoice: 'none' | undefined;
    if (!request.tools.length) {
      for (const m of request.messages) {
        if (m.role !== 'assistant') {
          continue;
        }
        for (const c of m.toolCalls ?? []) {
          tools[c.name] ??= tool({ description: c.name, inputSchema: jsonSchema({ type: 'object', properties: {} }) });
        }
      }
      if (Object.keys(tools).length) {
        toolChoice = 'none';
      }
    }
    let streamError: unknown;
    const result = streamText({
      model,
      system: request.system,
      messages: toModelMessages(request.messages),
      tools: Object.keys(tools).length ? tools : undefined,
      toolChoice,
      abortSignal: signal,
      maxRetries: 1,
      temperature: this.settings.temperature,
      maxOutputTokens: this.settings.maxOutputTokens,
      // errors are surfaced through the iterator; the SDK would otherwise log them to the console
      onError: ({ error }) => {
        streamError ??= error;
      },
    });
    let finished = false;
    try {
      for await (const part of result.fullStream) {
        switch (part.type) {
          case 'text-delta':
            if (part.text) {
              yield { type: 'text_delta', delta: part.text };
            }
            break;
          case 'tool-call':
            yield {
              type: 'tool_call',
              call: toToolCall(part.toolCallId, part.toolName, part.input, part.providerMetadata),
            };
            break;
          case 'error':
            throw part.error;
          case 'abort':
            throw new LlmAbortedError();
          case 'finish':
            finished = true;
            yield {
              type: 'finish',
              finishReason: mapFinishReason(part.finishReason),
              usage: { inputTokens: part.totalUsage.inputTokens ?? 0, outputTokens: part.totalUsage.outputTokens ?? 0 },
            };
            break;
          default:
            break;
        }
      }
    } catch (err) {
      throw toLlmError(err, signal);
    }
    if (signal?.aborted) {
      throw new LlmAbortedError();
    }
    if (!finished) {
      throw toLlmError(streamError ?? new Error('The LLM stream ended without a finish event'), signal);
    }
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

/** LlmMessage[] → ai@6 ModelMessage[]; consecutive tool results are grouped into one tool message. */
export function toModelMessages(messages: LlmMessage[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
    } else if (m.role === 'assistant') {
      const parts: Exclude<Extract<ModelMessage, { role: 'assistant' }>['content'], string> = [];
      if (m.content) {
        parts.push({ type: 'text', text: m.content });
      }
      for (const c of m.toolCalls ?? []) {
        parts.push({
          type: 'tool-call',
          toolCallId: c.id,
          toolName: c.name,
          input: c.args ?? {},
          ...(c.providerMetadata
            ? { providerOptions: c.providerMetadata as NonNullable<ModelMessage['providerOptions']> }
            : {}),
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
