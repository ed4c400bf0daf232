import type { TurnKind } from 'src/modules/chat/chat.entity';

/** An entry the user asked the agent to keep (chat-and-approvals.md stage 6, rag-and-memory.md B.1). */
export interface MemoryRequest {
  kind: 'fact' | 'preference';
  text: string;
}

/** At most this many entries from one message; the rest of a long list is not stored. */
export const MAX_MEMORY_REQUESTS = 5;
const MAX_TEXT = 4000;

/**
 * "remember that …", "remember: …", "please remember …", "don't forget that …" at the start of a
 * line or a sentence, up to the end of that sentence. "remember to …" is a reminder, not
 * something to know: not matched.
 */
const REQUEST =
  /(?:^|[.!?]\s+|\n)\s*(?:(?:please|pls|and)\s*,?\s+)?(?:remember|don'?t forget|do not forget|note)(?:\s*:\s*|\s+that\s+|\s+(?!to\b|that\b)(?=\S))([^\n]+?)(?=[.!?](?:\s|$)|\n|$)/gi;

const PREFERENCE =
  /^(?:i|we)\s+(?:prefer|like|want|would like)\b|^(?:always|never)\s+(?:answer|reply|respond|use|write|call|say)\b/i;

/** The entries a user message asks to remember, in order, without duplicates. */
export function memoryRequests(message: string): MemoryRequest[] {
  const out: MemoryRequest[] = [];
  const seen = new Set<string>();
  for (const m of message.matchAll(REQUEST)) {
    const text = m[1]
      .trim()
      .replace(/[\s.!]+$/, '')
      .slice(0, MAX_TEXT);
    const key = text.toLowerCase();
    if (!text || seen.has(key)) {
      continue;
    }
    seen.add(key);
    out.push({ kind: PREFERENCE.test(text) ? 'preference' : 'fact', text });
    if (out.length === MAX_MEMORY_REQUESTS) {
      break;
    }
  }
  return out;
}

/** The memory `source.type` of a turn. */
export function memorySourceType(kind: TurnKind): 'chat' | 'task' | 'channel' {
  return kind === 'task' ? 'task' : kind === 'incoming' ? 'channel' : 'chat';
}
