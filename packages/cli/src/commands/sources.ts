import { Command, Option } from 'commander';
import { makeCtx, ok } from '../context';
import { CliError } from '../errors';
import type { components } from '../generated/api';
import { positiveInt, sleep, table } from '../table';

type Job = components['schemas']['JobDto'];
type Source = components['schemas']['SourceDto'];
const TERMINAL: Job['status'][] = ['succeeded', 'failed', 'cancelled'];

export function registerSources(program: Command): void {
  const sources = program.command('sources').description('connector sources: list them, start and follow a sync');

  sources
    .command('list')
    .description("list the org's sources (every page with --all)")
    .option('--type <type>', 'only this connector type')
    .addOption(
      new Option('--status <status>', 'only this status').choices(['ready', 'invalid', 'syncing', 'error', 'disabled']),
    )
    .option('--realm <realm>', 'only this realm')
    .option('--limit <n>', 'page size (1-200)', positiveInt, 50)
    .option('--all', 'follow next_cursor through every page')
    .action(
      async (
        o: { type?: string; status?: Source['status']; realm?: string; limit: number; all?: boolean },
        cmd: Command,
      ) => {
        const ctx = makeCtx(cmd);
        ctx.requireToken();
        const items: Source[] = [];
        let cursor: string | undefined;
        let total = 0;
        do {
          const page = await ok(
            ctx.api.GET('/api/v1/sources', {
              params: { query: { type: o.type, status: o.status, realm: o.realm, limit: o.limit, cursor } },
            }),
          );
          items.push(...page.items);
          total = page.total;
          cursor = page.next_cursor ?? undefined;
        } while (o.all && cursor);
        ctx.out.result({ items, total, next_cursor: o.all ? null : (cursor ?? null) }, () =>
          items.length
            ? table(
                ['ID', 'NAME', 'TYPE', 'STATUS', 'LAST SYNC'],
                items.map((s) => [
                  s.id,
                  s.name,
                  s.source_type,
                  s.status,
                  s.last_sync ? `${s.last_sync.status} ${s.last_sync.finished_at ?? ''}`.trim() : null,
                ]),
              ).concat(cursor && !o.all ? [`(${items.length} of ${total}; --all for every page)`] : [])
            : ['No sources.'],
        );
      },
    );

  sources
    .command('sync')
    .description('start a sync job of a source; --wait follows it until it finishes')
    .argument('<id>', 'source id')
    .addOption(
      new Option('--mode <mode>', 'sync mode (default: the source sync_mode)').choices(['full', 'incremental']),
    )
    .option('--wait', 'poll the job until it succeeds, fails or is cancelled (exit 1 unless it succeeds)')
    .option('--timeout <seconds>', 'give up waiting after this long', positiveInt, 600)
    .action(async (id: string, o: { mode?: 'full' | 'incremental'; wait?: boolean; timeout: number }, cmd: Command) => {
      const ctx = makeCtx(cmd);
      ctx.requireToken();
      let job = await ok(
        ctx.api.POST('/api/v1/sources/{id}/sync', { params: { path: { id } }, body: o.mode ? { mode: o.mode } : {} }),
      );
      ctx.out.info(`sync job ${job.id} ${job.status} (source ${job.source_name ?? job.source_id}, ${job.mode})`);
      if (o.wait) {
        const deadline = Date.now() + o.timeout * 1000;
        let last = job.status;
        while (!TERMINAL.includes(job.status)) {
          if (Date.now() > deadline) {
            throw new CliError(`sync job ${job.id} still ${job.status} after ${o.timeout}s`);
          }
          await sleep(500);
          job = await ok(
            ctx.api.GET('/api/v1/sources/{id}/jobs/{job_id}', { params: { path: { id, job_id: job.id } } }),
          );
          if (job.status !== last) {
            ctx.out.info(`sync job ${job.id} ${job.status}`);
            last = job.status;
          }
        }
      }
      ctx.out.result(job, () => [
        `job ${job.id}: ${job.status}`,
        ...(TERMINAL.includes(job.status)
          ? [
              `nodes written ${job.stats.nodes_written}, edges written ${job.stats.edges_written}, errors ${job.stats.errors}`,
            ]
          : []),
        ...(job.error ? [`error: ${job.error.message} (${job.error.code})`] : []),
      ]);
      if (o.wait && job.status !== 'succeeded') {
        process.exitCode = 1;
      }
    });
}
