/**
 * The one LLM interface. Providers (OpenAI-compatible, Anthropic, Google through the `ai` SDK,
 * and the built-in offline provider) stream these events; the agent loop consumes them.
 */
export interface LlmToolDefinition {
  name: string;
  description: string;
  /** JSON schema of the arguments object */
  inputSchema: Record<string, unknown>;
}

export interface LlmToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /**
   * Opaque provider data of the call (e.g. Gemini thought signatures). Optional; when the loop sends
   * the call back in an assistant message's `toolCalls` it should keep this field as it came.
   */
  providerMetadata?: Record<string, unknown>;
}

export type LlmMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: unknown };

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export type LlmFinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'error' | 'other';

export type LlmStreamEvent =
  | { type: 'text_delta'; delta: string }
  | { type: 'tool_call'; call: LlmToolCall }
  | { type: 'finish'; finishReason: LlmFinishReason; usage: LlmUsage };

export interface LlmRequest {
  model?: string;
  system?: string;
  messages: LlmMessage[];
  tools: LlmToolDefinition[];
  signal?: AbortSignal;
}

export interface LlmProvider {
  /** `offline`, `openai`, `anthropic`, `google`, `ollama`, `vllm`, `lmstudio` */
  readonly name: string;
  readonly model: string;
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}

/** Resolves the provider configured for an org (settings), falling back to env, then offline. */
export abstract class LlmProviderFactory {
  abstract forOrg(orgId: string, overrides?: { model?: string }): Promise<LlmProvider>;
}
