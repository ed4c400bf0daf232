import type { Command } from 'commander';
import { makeCtx, ok, type Output } from '../context';
import { apiError, CliError } from '../errors';
import { readStdin } from '../prompt';
import { readSse, type SseFrame } from '../sse';

interface ChatOptions {
  conversation?: string;
  agent?: string;
  title?: string;
  realm?: string;
}

type Data = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/**
 * Renders the chat SSE events as they arrive: answer text as it streams, tool calls, approvals and
 * results on their own marked lines (docs/chat.md "The SSE stream"). Returns the finish reason.
 */
export class ChatRenderer {
  private atLineStart = true;
  finish?: string;
  conversationId?: string;

  constructor(
    private readonly out: Output,
    private readonly json: boolean,
    private readonly write: (s: string) => void = (s) => process.stdout.write(s),
  ) {}

  private paint(code: string, s: string) {
    return this.out.color ? `\x1b[${code}m${s}\x1b[0m` : s;
  }

  private mark(text: string, code = '36') {
    if (!this.atLineStart) {
      this.write('\n');
    }
    this.write(`${this.paint(code, text)}\n`);
    this.atLineStart = true;
  }

  handle(f: SseFrame): void {
    const d = (f.data ?? {}) as Data;
    if (this.json) {
      if (f.event !== 'ping') {
        this.out.line({ id: f.id ?? null, event: f.event, data: f.data ?? null });
      }
      if (f.event === 'message_end') {
        this.finish = str(d.finish_reason);
      }
      return;
    }
    switch (f.event) {
      case 'message_start':
        this.conversationId = str(d.conversation_id);
        break;
      case 'content_delta': {
        const delta = str(d.delta);
        this.write(delta);
        if (delta) {
          this.atLineStart = delta.endsWith('\n');
        }
        break;
      }
      case 'tool_call_start':
        this.mark(`[tool call ${str(d.tool_call_id)}] ${str(d.tool) || str(d.name)} ${str(d.args)}`);
        break;
      case 'approval_required':
        this.mark(
          `[approval required ${str(d.approval_id)}] ${str(d.tool)} (${str(d.effect)})${d.reason ? `: ${str(d.reason)}` : ''}\n` +
            `  decide with: agentcy approvals approve ${str(d.approval_id)}  |  agentcy approvals deny ${str(d.approval_id)}`,
          '33',
        );
        break;
      case 'approval_resolved':
        this.mark(`[approval ${str(d.decision)} ${str(d.approval_id)}]${d.note ? ` ${str(d.note)}` : ''}`, '33');
        break;
      case 'tool_result': {
        const err = (d.error ?? (d.result as Data | undefined)?.error) as Data | undefined;
        this.mark(
          `[tool result ${str(d.tool_call_id)}] ${str(d.status)}${d.usage_ms !== undefined ? ` in ${str(d.usage_ms)} ms` : ''}` +
            (err ? `: ${str(err.message)} (${str(err.code)})` : ''),
          d.status === 'completed' ? '32' : '31',
        );
        break;
      }
      case 'error':
        this.mark(`[error] ${str(d.message)} (${str(d.code)})`, '31');
        break;
      case 'message_end':
        this.finish = str(d.finish_reason);
        if (!this.atLineStart) {
          this.write('\n');
          this.atLineStart = true;
        }
        if (this.finish !== 'end_turn') {
          this.mark(`[finished: ${this.finish}]`, '31');
        }
        break;
      default:
        break; // ping and anything newer
    }
  }
}

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description(
      'send a message and stream the answer live (tool calls and approval requests are shown as they happen)',
    )
    .argument('[message...]', 'the message (read from stdin when omitted and stdin is not a terminal)')
    .option('-c, --conversation <id>', 'continue this conversation (default: a new one)')
    .option('--agent <name>', 'agent of a new conversation (default: the org default)')
    .option('--title <title>', 'title of a new conversation (default: the start of the message)')
    .option('--realm <realm>', 'realm of a new conversation')
    .addHelpText(
      'after',
      '\nWith --json every event is printed as one JSON line {id, event, data}.\n' +
        'Exit status: 0 when the turn ends normally, 1 on an error or a cancelled/interrupted turn.\n' +
        'Ctrl-C detaches: the turn keeps running on the server.',
    )
    .action(async (words: string[], o: ChatOptions, cmd: Command) => {
      const ctx = makeCtx(cmd);
      ctx.requireToken();
      let message = words.join(' ').trim();
      if (!message && !process.stdin.isTTY) {
        message = (await readStdin()).trim();
      }
      if (!message) {
        throw new CliError('a message is needed: agentcy chat "…" (or pipe it on stdin)');
      }
      let conversationId = o.conversation;
      if (!conversationId) {
        const conv = await ok(
          ctx.api.POST('/api/v1/chat/conversations', {
            body: { title: o.title ?? message.slice(0, 80), agent: o.agent, realm: o.realm },
          }),
        );
        conversationId = conv.id;
        ctx.out.info(`conversation ${conv.id}`);
      }
      const res = await ctx.api.POST('/api/v1/chat/conversations/{id}/messages', {
        params: { path: { id: conversationId } },
        body: { content: message },
        headers: { Accept: 'text/event-stream' },
        parseAs: 'stream',
      });
      if (!res.response.ok || !res.data) {
        throw apiError(res.response.status, res.error);
      }
      const renderer = new ChatRenderer(ctx.out, ctx.json);
      for await (const frame of readSse(res.data)) {
        renderer.handle(frame);
        if (frame.event === 'message_end') {
          break;
        }
      }
      if (!renderer.finish) {
        throw new CliError(
          `the stream ended before the turn finished; the answer is kept in conversation ${conversationId}`,
        );
      }
      if (renderer.finish !== 'end_turn' && renderer.finish !== 'max_iterations') {
        process.exitCode = 1;
      }
    });
}
