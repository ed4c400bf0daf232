import type { LlmMessage, LlmProvider, LlmToolCall, LlmUsage } from '@libs/llm/llm.port';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { META_TOOLS } from 'src/modules/chat/tools/meta-tools';
import type { TurnEmitter } from 'src/modules/chat/tools/tool-call.types';
import type { TurnError } from './turn-state';

export interface ModelRequest {
  system: string;
  messages: LlmMessage[];
  /** false on the last allowed iteration: the model must answer in text */
  withTools: boolean;
  model?: string;
  signal?: AbortSignal;
}

export interface ModelStep {
  text: string;
  toolCalls: LlmToolCall[];
  usage: LlmUsage;
  error?: TurnError;
}

/** One streamed model call: text deltas go out as `content_delta`, tool calls are collected. Never throws. */
@Injectable()
export class ModelCall {
  async call(provider: LlmProvider, req: ModelRequest, emit: TurnEmitter): Promise<ModelStep> {
    let text = '';
    const toolCalls: LlmToolCall[] = [];
    const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    try {
      for await (const ev of provider.stream({
        system: req.system,
        messages: req.messages,
        tools: req.withTools ? META_TOOLS : [],
        model: req.model,
        signal: req.signal,
      })) {
        if (ev.type === 'text_delta') {
          if (!ev.delta) {
            continue;
          }
          text += ev.delta;
          emit('content_delta', { delta: ev.delta });
        } else if (ev.type === 'tool_call') {
          // provider metadata (e.g. Gemini thought signatures) must travel back with the call
          if (req.withTools) {
            toolCalls.push({ ...ev.call, id: ev.call.id || randomUUID(), args: ev.call.args ?? {} });
          }
        } else if (ev.type === 'finish') {
          usage.inputTokens += ev.usage?.inputTokens ?? 0;
          usage.outputTokens += ev.usage?.outputTokens ?? 0;
          if (ev.finishReason === 'error' && !text && !toolCalls.length) {
            return { text, toolCalls, usage, error: { code: 'llm_error', message: 'The model ended with an error' } };
          }
        }
      }
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return {
        text,
        toolCalls: [],
        usage,
        error: { code: typeof e.code === 'string' ? e.code : 'llm_error', message: e.message ?? 'LLM request failed' },
      };
    }
    return { text, toolCalls, usage };
  }
}
