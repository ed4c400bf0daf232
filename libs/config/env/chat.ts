import type { EnvVar } from '../env-var';

/** The chat agent and its turns. */
export const CHAT_VARS: readonly EnvVar[] = [
  {
    name: 'AGENT_MAX_ITERATIONS',
    kind: 'int',
    default: '20',
    min: 1,
    max: 200,
    description: 'Tool-call iterations per chat turn.',
  },
  {
    name: 'SSE_PING_INTERVAL_MS',
    kind: 'int',
    default: '15000',
    min: 100,
    description: 'Keep-alive `ping` interval of SSE streams.',
  },
  {
    name: 'CHAT_TURN_EVENTS_TTL_SECS',
    kind: 'int',
    default: '3600',
    min: 10,
    description:
      'How long the events of a chat turn stay in Redis for re-attach (`GET /chat/conversations/:id/stream`).',
  },
  {
    name: 'CHAT_APPROVAL_POLL_MS',
    kind: 'int',
    default: '2000',
    min: 50,
    description: 'Fallback DB re-check interval of a turn waiting for an approval (pub/sub wakes it first).',
  },
  {
    name: 'CHAT_SWEEP_INTERVAL_MS',
    kind: 'int',
    default: '10000',
    min: 100,
    description: 'Interval of the chat sweeper (expires approvals, adopts turns left running by a dead process).',
  },
  {
    name: 'CHAT_INSTANCE_TTL_MS',
    kind: 'int',
    default: '30000',
    min: 500,
    description:
      'Liveness TTL of an API or worker process in Redis (replica presence; the name is historical); once it lapses, its running chat turns are adopted, its active /pipelines runs end `failed`/`interrupted` and its active /voice sessions end `interrupted`.',
  },
  {
    name: 'CHAT_TOOL_TIMEOUT_MS',
    kind: 'int',
    default: '30000',
    min: 100,
    description: 'Default timeout of one connector tool call (tool error `tool_timeout`).',
  },
  {
    name: 'CHAT_CONTEXT_BUDGET_TOKENS',
    kind: 'int',
    default: '128000',
    min: 100,
    description:
      'Context window assumed for chat models, in tokens (estimated as characters / 4). Once a conversation transcript passes 75 % of it, the older messages are compacted into one summary (docs/chat.md, "History compaction").',
  },
  {
    name: 'CHAT_COMPACTION_KEEP_MESSAGES',
    kind: 'int',
    default: '10',
    min: 1,
    max: 1000,
    description: 'Most recent messages of a conversation that history compaction keeps verbatim.',
  },
];
