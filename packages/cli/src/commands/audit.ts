import { Command, Option } from 'commander';
import { makeCtx, ok } from '../context';
import { apiError, CliError } from '../errors';
import type { components, paths } from '../generated/api';
import { readSse } from '../sse';
import { sleep } from '../table';

type Entry = components['schemas']['AuditEntryDto'];
type Category = NonNullable<paths['/api/v1/activity/audit']['get']['parameters']['query']>['category'];

function line(e: Entry): string {
  const actor = e.actor?.email ?? e.api_key_id ?? e.user_id ?? 'system';
  const target = e.target ? ` ${JSON.stringify(e.target)}` : '';
  return `${e.ts} #${e.seq} ${e.category} ${e.action} ${e.result} by ${actor}${target}`;
}

interface TailOptions {
  lines: number;
  follow?: boolean;
  category?: string;
  action?: string;
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the org audit log (admin)');
  audit
    .command('tail')
    .description('the latest entries, oldest first; --follow keeps printing new ones as they are committed (SSE)')
    .addOption(new Option('-n, --lines <n>', 'how many recent entries (0-200)').default(20).argParser(Number))
    .option('-f, --follow', 'stream new entries until interrupted (needs the policies feature)')
    .option('--category <category>', 'only this category (auth, approval, policy, chat, …)')
    .option('--action <action>', 'only this exact action, e.g. approval.approved')
    .action(async (o: TailOptions, cmd: Command) => {
      const ctx = makeCtx(cmd);
      ctx.requireToken();
      if (!Number.isInteger(o.lines) || o.lines < 0 || o.lines > 200) {
        throw new CliError('--lines must be an integer from 0 to 200');
      }
      const category = o.category as Category | undefined;
      let lastSeq: number | undefined;
      const recent =
        o.lines > 0
          ? await ok(
              ctx.api.GET('/api/v1/activity/audit', {
                params: { query: { limit: o.lines, category, action: o.action } },
              }),
            )
          : undefined;
      const items = [...(recent?.items ?? [])].reverse();
      lastSeq = items.length ? items[items.length - 1].seq : undefined;
      if (!o.follow) {
        ctx.out.result(recent ?? { items: [], next_cursor: null, total: 0 }, () =>
          items.length ? items.map(line) : ['No audit entries.'],
        );
        return;
      }
      for (const e of items) {
        if (ctx.json) {
          ctx.out.line(e);
        } else {
          process.stdout.write(`${line(e)}\n`);
        }
      }
      // follow: resume after the last entry shown; reconnect when the server ends the stream
      for (;;) {
        const res = await ctx.api.GET('/api/v1/policies/audit/stream', {
          params: {
            query: { category, action: o.action },
            header: lastSeq !== undefined ? { 'Last-Event-ID': String(lastSeq) } : {},
          },
          headers: { Accept: 'text/event-stream' },
          parseAs: 'stream',
        });
        if (!res.response.ok || !res.data) {
          throw apiError(res.response.status, res.error);
        }
        for await (const f of readSse(res.data)) {
          if (f.event !== 'audit' || !f.data) {
            continue;
          }
          const e = f.data as Entry;
          lastSeq = e.seq;
          if (ctx.json) {
            ctx.out.line(e);
          } else {
            process.stdout.write(`${line(e)}\n`);
          }
        }
        ctx.out.info('audit stream ended; reconnecting');
        await sleep(1000);
      }
    });
}
