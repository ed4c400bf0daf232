import { randomUUID } from 'node:crypto';
import { DEFAULT_MODELS } from '../llm-config';
import { LlmAbortedError } from '../llm.errors';
import type { LlmMessage, LlmProvider, LlmRequest, LlmStreamEvent, LlmToolCall, LlmToolDefinition } from '../llm.port';

export const SEARCH_TOOL = 'search_connector_tools';
export const EXECUTE_TOOL = 'execute_connector_tool';

/** A tool as found in a `search_connector_tools` result, normalised. */
interface FoundTool {
  qualified: string;
  connector?: string;
  tool: string;
  schema: JsonSchemaLike;
}

interface JsonSchemaLike {
  type?: string | string[];
  properties?: Record<string, JsonSchemaLike & { enum?: unknown[]; default?: unknown }>;
  required?: string[];
  enum?: unknown[];
}

/**
 * The built-in offline provider. It is NOT an AI: it is a deterministic keyword matcher that plays
 * the catalog meta-tool protocol so the quick start works without any API key.
 *
 * - last message is a user message → calls `search_connector_tools({ query: <user text>, top_k: 5 })`
 *   (if that tool is offered; otherwise it answers that no tools are available);
 * - last message is the result of `search_connector_tools` → takes the best-ranked tool (the first
 *   one whose required arguments it can fill, else the first) and calls
 *   `execute_connector_tool({ tool: <qualified name>, arguments|args: {...} })`, filling only the
 *   arguments it can infer from the user's text (`namespace kube-system`, `namespace=prod`,
 *   `in the prod namespace`, enum values mentioned verbatim); nothing inferable → `{}`;
 * - last message is any other tool result (or an error, or no tools were found) → writes a short
 *   plain-text summary (counts, first items) and finishes with `stop`.
 * Text is streamed in a few deltas; usage is estimated at ~4 characters per token.
 */
export class OfflineLlmProvider implements LlmProvider {
  readonly name = 'offline';

  constructor(readonly model: string = DEFAULT_MODELS.offline) {}

  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const signal = request.signal;
    const check = () => {
      if (signal?.aborted) {
        throw new LlmAbortedError();
      }
    };
    check();
    const inputTokens = estimateTokens(JSON.stringify(request.messages) + (request.system ?? ''));
    const decision = decide(request);
    if (decision.kind === 'call') {
      check();
      yield { type: 'tool_call', call: decision.call };
      yield {
        type: 'finish',
        finishReason: 'tool_calls',
        usage: { inputTokens, outputTokens: estimateTokens(JSON.stringify(decision.call.args)) },
      };
      return;
    }
    for (const delta of splitIntoDeltas(decision.text)) {
      check();
      await new Promise((resolve) => setImmediate(resolve));
      check();
      yield { type: 'text_delta', delta };
    }
    yield { type: 'finish', finishReason: 'stop', usage: { inputTokens, outputTokens: estimateTokens(decision.text) } };
  }
}

type Decision = { kind: 'call'; call: LlmToolCall } | { kind: 'text'; text: string };

function decide(request: LlmRequest): Decision {
  const messages = request.messages;
  const last = messages[messages.length - 1];
  const userText = lastUserText(messages);
  const offered = new Map(request.tools.map((t) => [t.name, t]));
  if (!last || last.role === 'user' || last.role === 'assistant') {
    if (!userText.trim()) {
      return {
        kind: 'text',
        text: 'Ask me something about your connected systems, for example "list the pods in namespace default".',
      };
    }
    if (!offered.has(SEARCH_TOOL)) {
      return {
        kind: 'text',
        text: `I am the built-in offline assistant (a keyword matcher, not an AI model) and no connector tools are available in this conversation, so I cannot look up "${truncate(userText, 120)}". Configure an LLM provider under /settings/llm for free-form answers.`,
      };
    }
    return { kind: 'call', call: { id: newCallId(), name: SEARCH_TOOL, args: { query: userText.trim(), top_k: 5 } } };
  }

  // last message is a tool result
  const result = parseContent(last.content);
  const failure = errorOf(result);
  if (last.toolName === SEARCH_TOOL && !failure && offered.has(EXECUTE_TOOL) && !alreadyExecutedThisTurn(messages)) {
    const found = foundTools(result);
    if (!found.length) {
      return {
        kind: 'text',
        text: `I could not find a connector tool matching "${truncate(userText, 120)}". Check that a source with matching tools is connected, or rephrase the question.`,
      };
    }
    const withArgs = found.map((t) => ({ t, args: inferArguments(t.schema, userText) }));
    const pick = withArgs.find(({ t, args }) => (t.schema.required ?? []).every((r) => r in args)) ?? withArgs[0];
    return {
      kind: 'call',
      call: { id: newCallId(), name: EXECUTE_TOOL, args: executeArgs(offered.get(EXECUTE_TOOL), pick.t, pick.args) },
    };
  }
  if (last.toolName === SEARCH_TOOL && !failure) {
    const found = foundTools(result);
    return {
      kind: 'text',
      text: found.length
        ? `Matching tools: ${found
            .slice(0, 5)
            .map((t) => t.qualified)
            .join(', ')}.`
        : `I could not find a connector tool matching "${truncate(userText, 120)}".`,
    };
  }
  const toolLabel =
    last.toolName === EXECUTE_TOOL ? (executedToolName(messages, last.toolCallId) ?? last.toolName) : last.toolName;
  if (failure) {
    return { kind: 'text', text: `${toolLabel} failed: ${failure}` };
  }
  return { kind: 'text', text: summarize(toolLabel, result) };
}

function lastUserText(messages: LlmMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user') {
      return m.content;
    }
  }
  return '';
}

/** True when an execute call was already made after the last user message (prevents loops). */
function alreadyExecutedThisTurn(messages: LlmMessage[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user') {
      return false;
    }
    if (m.role === 'assistant' && (m.toolCalls ?? []).some((c) => c.name === EXECUTE_TOOL)) {
      return true;
    }
  }
  return false;
}

function executedToolName(messages: LlmMessage[], toolCallId: string): string | undefined {
  for (const m of messages) {
    if (m.role !== 'assistant') {
      continue;
    }
    const call = (m.toolCalls ?? []).find((c) => c.id === toolCallId);
    if (call) {
      const tool = call.args.tool;
      const connector = call.args.connector;
      if (typeof tool === 'string') {
        return typeof connector === 'string' && !tool.includes('.') ? `${connector}.${tool}` : tool;
      }
    }
  }
  return undefined;
}

function parseContent(content: unknown): unknown {
  if (typeof content !== 'string') {
    return content;
  }
  const s = content.trim();
  if (s.startsWith('{') || s.startsWith('[')) {
    try {
      return JSON.parse(s);
    } catch {
      return content;
    }
  }
  return content;
}

/** The error message when a tool result represents a failure, else undefined. */
function errorOf(result: unknown): string | undefined {
  if (typeof result === 'string') {
    return /^(error|failed)\b/i.test(result.trim()) ? result.trim() : undefined;
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) {
    return undefined;
  }
  const r = result as Record<string, unknown>;
  const status = typeof r.status === 'string' ? r.status : undefined;
  const err = r.error;
  if (err !== undefined && err !== null && err !== false) {
    if (typeof err === 'string') {
      return err;
    }
    const e = err as Record<string, unknown>;
    const msg = typeof e.message === 'string' ? e.message : JSON.stringify(err);
    return typeof e.code === 'string' ? `${msg} (${e.code})` : msg;
  }
  if (status && ['failed', 'denied', 'expired', 'error'].includes(status)) {
    return `the tool call was ${status}`;
  }
  return undefined;
}

function foundTools(result: unknown): FoundTool[] {
  const r = result as Record<string, unknown> | unknown[] | null;
  const list = Array.isArray(r)
    ? r
    : r && typeof r === 'object'
      ? ((r.tools ?? r.results ?? r.items) as unknown)
      : undefined;
  if (!Array.isArray(list)) {
    return [];
  }
  const out: FoundTool[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') {
      continue;
    }
    const t = item as Record<string, unknown>;
    const connector = str(t.connector) ?? str(t.source) ?? str(t.source_name) ?? str(t.sourceName);
    const bare = str(t.tool) ?? str(t.name);
    const qualified =
      str(t.qualified) ??
      str(t.qualified_name) ??
      str(t.qualifiedName) ??
      (bare && connector && !bare.includes('.') ? `${connector}.${bare}` : bare);
    if (!qualified) {
      continue;
    }
    const schema = (t.input_schema ?? t.inputSchema ?? t.parameters ?? t.schema ?? {}) as JsonSchemaLike;
    out.push({
      qualified,
      connector,
      tool: bare ?? qualified,
      schema: schema && typeof schema === 'object' ? schema : {},
    });
  }
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** Shapes the execute_connector_tool arguments after the schema the loop offered. */
function executeArgs(
  def: LlmToolDefinition | undefined,
  tool: FoundTool,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const props = ((def?.inputSchema as JsonSchemaLike | undefined)?.properties ?? {}) as Record<string, unknown>;
  const argsKey =
    'arguments' in props ? 'arguments' : 'args' in props ? 'args' : 'parameters' in props ? 'parameters' : 'arguments';
  const out: Record<string, unknown> = { tool: tool.qualified };
  const required = (def?.inputSchema as JsonSchemaLike | undefined)?.required ?? [];
  if (tool.connector && ('connector' in props || required.includes('connector'))) {
    out.connector = tool.connector;
  }
  out[argsKey] = args;
  return out;
}

/** Required string arguments that take the whole question (search-like tools). */
const FREE_TEXT_ARGS = new Set(['query', 'q', 'search', 'text', 'question', 'prompt', 'keywords']);

const STOP = new Set([
  'the',
  'a',
  'an',
  'in',
  'on',
  'of',
  'for',
  'to',
  'and',
  'or',
  'with',
  'from',
  'by',
  'at',
  'is',
  'are',
  'was',
  'be',
  'all',
  'any',
  'my',
  'our',
  'me',
  'please',
  'show',
  'list',
  'get',
  'find',
  'what',
  'which',
  'how',
  'many',
  'that',
  'this',
  'these',
  'those',
  'it',
  'there',
  'here',
  'now',
  'named',
  'called',
  // nouns that usually follow an argument name without being its value ("the cluster pods", "namespace status")
  'pod',
  'pods',
  'deployment',
  'deployments',
  'service',
  'services',
  'node',
  'nodes',
  'log',
  'logs',
  'event',
  'events',
  'issue',
  'issues',
  'pr',
  'prs',
  'pull',
  'repo',
  'repos',
  'repository',
  'repositories',
  'user',
  'users',
  'file',
  'files',
  'item',
  'items',
  'status',
  'state',
  'name',
  'names',
  'details',
]);

/**
 * Fills simple (string / number / enum) arguments it can read from the text:
 * `namespace kube-system`, `namespace=prod`, `namespace: prod`, `in the prod namespace`,
 * `"quoted value"` after the name, or an enum value mentioned verbatim.
 */
export function inferArguments(schema: JsonSchemaLike, text: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const props = schema?.properties ?? {};
  for (const [name, prop] of Object.entries(props)) {
    if (!prop || typeof prop !== 'object') {
      continue;
    }
    const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
    if (Array.isArray(prop.enum) && prop.enum.length) {
      const hit = prop.enum.find(
        (v) => typeof v === 'string' && new RegExp(`(^|[^\\w-])${escapeRe(v)}([^\\w-]|$)`, 'i').test(text),
      );
      if (hit !== undefined) {
        args[name] = hit;
      }
      continue;
    }
    if (type !== 'string' && type !== 'integer' && type !== 'number') {
      continue;
    }
    if (type === 'string' && FREE_TEXT_ARGS.has(name) && (schema.required ?? []).includes(name)) {
      args[name] = text.trim();
      continue;
    }
    const value = valueNear(name, text);
    if (value === undefined) {
      continue;
    }
    if (type === 'string') {
      args[name] = value;
    } else if (/^-?\d+(\.\d+)?$/.test(value)) {
      args[name] = type === 'integer' ? parseInt(value, 10) : Number(value);
    }
  }
  return args;
}

function valueNear(name: string, text: string): string | undefined {
  const words = [name, name.replace(/_/g, ' '), name.replace(/_/g, '-')];
  if (name.endsWith('_name')) {
    words.push(name.slice(0, -5));
  }
  if (name.endsWith('_id')) {
    words.push(name.slice(0, -3));
  }
  const token = `("[^"]+"|'[^']+'|[\\w./:@-]+)`;
  const usable = (raw: string | undefined) => {
    if (!raw) {
      return undefined;
    }
    const v = unquote(raw).replace(/[.,;:!?]+$/, '');
    return v && !STOP.has(v.toLowerCase()) ? v : undefined;
  };
  // values that cannot be an ordinary word: quoted, or containing digits or - _ . / : @
  const explicit = (raw: string) => /^["']|[\d_./:@-]/.test(raw);
  for (const w of [...new Set(words)].filter((x) => x.length >= 2)) {
    const key = escapeRe(w).replace(/ /g, '\\s+');
    // "namespace kube-system", "namespace=prod", "namespace: prod", "namespace is prod", "repo named api"
    const after = new RegExp(`\\b${key}\\b\\s*(?:[=:]\\s*|\\s+(?:is\\s+|named\\s+|called\\s+)?)${token}`, 'i').exec(
      text,
    );
    const a = usable(after?.[1]);
    if (a) {
      return a;
    }
    // "in the prod namespace", "on the eu-1 cluster"; "kube-system namespace" only for explicit values
    const before = new RegExp(`(?:\\b(in|on|from|for|at|of)\\s+(?:the\\s+)?)?${token}\\s+${key}\\b`, 'i').exec(text);
    if (before && (before[1] || explicit(before[2]))) {
      const b = usable(before[2]);
      if (b) {
        return b;
      }
    }
  }
  return undefined;
}

function unquote(s: string): string {
  return /^(".*"|'.*')$/.test(s) ? s.slice(1, -1) : s;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const NAME_KEYS = ['name', 'title', 'key', 'id', 'full_name', 'login', 'email', 'number'];
const STATUS_KEYS = ['status', 'state', 'phase'];

/** A short plain-text rendering of a tool result. */
export function summarize(tool: string, result: unknown): string {
  if (result === null || result === undefined || result === '') {
    return `${tool} returned no data.`;
  }
  if (typeof result === 'string') {
    return `${tool} returned: ${truncate(result, 800)}`;
  }
  if (typeof result !== 'object') {
    return `${tool} returned ${String(result)}.`;
  }
  if (Array.isArray(result)) {
    return listSummary(tool, 'items', result);
  }
  const obj = result as Record<string, unknown>;
  const arrays = Object.entries(obj).filter(([, v]) => Array.isArray(v)) as [string, unknown[]][];
  if (arrays.length === 1) {
    const [key, list] = arrays[0];
    const extra = scalarLines(obj, 3, key);
    return listSummary(tool, key, list) + (extra.length ? `\n${extra.join('\n')}` : '');
  }
  const lines = scalarLines(obj, 10);
  for (const [key, list] of arrays.slice(0, 5)) {
    lines.push(`- ${key}: ${list.length} item${list.length === 1 ? '' : 's'}`);
  }
  if (!lines.length) {
    return `${tool} returned: ${truncate(JSON.stringify(obj), 800)}`;
  }
  return `${tool} returned:\n${lines.join('\n')}`;
}

function listSummary(tool: string, noun: string, list: unknown[]): string {
  const label = noun === 'items' || noun === 'results' || noun === 'data' ? 'item' : singular(noun);
  if (!list.length) {
    return `${tool} returned no ${label === 'item' ? 'items' : noun}.`;
  }
  const shown = list.slice(0, 10).map((item) => `- ${describeItem(item)}`);
  const more = list.length > shown.length ? `\n…and ${list.length - shown.length} more.` : '';
  return `${tool} returned ${list.length} ${list.length === 1 ? label : label === 'item' ? 'items' : noun}:\n${shown.join('\n')}${more}`;
}

function singular(noun: string): string {
  return noun.endsWith('ies') ? `${noun.slice(0, -3)}y` : noun.endsWith('s') ? noun.slice(0, -1) : noun;
}

function describeItem(item: unknown): string {
  if (item === null || typeof item !== 'object') {
    return truncate(String(item), 120);
  }
  const o = item as Record<string, unknown>;
  const nameKey = NAME_KEYS.find((k) => typeof o[k] === 'string' || typeof o[k] === 'number');
  const statusKey = STATUS_KEYS.find((k) => typeof o[k] === 'string');
  if (!nameKey) {
    return truncate(JSON.stringify(o), 120);
  }
  const ns = typeof o.namespace === 'string' && nameKey !== 'namespace' ? ` [${o.namespace}]` : '';
  return `${String(o[nameKey])}${ns}${statusKey ? ` (${String(o[statusKey])})` : ''}`;
}

function scalarLines(obj: Record<string, unknown>, max: number, skip?: string): string[] {
  return Object.entries(obj)
    .filter(([k, v]) => k !== skip && v !== null && ['string', 'number', 'boolean'].includes(typeof v))
    .slice(0, max)
    .map(([k, v]) => `- ${k}: ${truncate(String(v), 200)}`);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Splits text into 3–6 chunks on word boundaries (never inside a word); short texts give fewer. */
export function splitIntoDeltas(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  if (pieces.length <= 1) {
    return [text];
  }
  const chunks = Math.min(pieces.length, Math.max(3, Math.min(6, Math.ceil(pieces.length / 8))));
  const per = Math.ceil(pieces.length / chunks);
  const out: string[] = [];
  for (let i = 0; i < pieces.length; i += per) {
    out.push(pieces.slice(i, i + per).join(''));
  }
  return out;
}

function estimateTokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4));
}

function newCallId(): string {
  return `call_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}
