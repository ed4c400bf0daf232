import { Command, Option } from 'commander';
import { makeCtx, ok } from '../context';
import type { components } from '../generated/api';
import { positiveInt, table } from '../table';

type Approval = components['schemas']['ApprovalDto'];

export function registerApprovals(program: Command): void {
  const approvals = program
    .command('approvals')
    .description('tool calls waiting for a human decision: list, approve, deny');

  approvals
    .command('list')
    .description('the org approval inbox (members see their conversations, admins all)')
    .addOption(
      new Option('--status <status>', 'only this status')
        .choices(['pending', 'approved', 'denied', 'expired', 'all'])
        .default('pending'),
    )
    .option('--limit <n>', 'page size (1-200)', positiveInt, 50)
    .action(async (o: { status: Approval['status'] | 'all'; limit: number }, cmd: Command) => {
      const ctx = makeCtx(cmd);
      ctx.requireToken();
      const page = await ok(
        ctx.api.GET('/api/v1/chat/approvals', {
          params: { query: { status: o.status === 'all' ? undefined : o.status, limit: o.limit } },
        }),
      );
      ctx.out.result(page, () =>
        page.items.length
          ? table(
              ['ID', 'STATUS', 'TOOL', 'EFFECT', 'CONVERSATION', 'EXPIRES'],
              page.items.map((a) => [a.id, a.status, a.tool, a.effect, a.conversation_id, a.expires_at]),
            )
          : [`No ${o.status === 'all' ? '' : `${o.status} `}approvals.`],
      );
    });

  for (const verb of ['approve', 'deny'] as const) {
    approvals
      .command(verb)
      .description(verb === 'approve' ? 'approve a pending tool call (it then runs)' : 'deny a pending tool call')
      .argument('<id>', 'approval id (apr_…)')
      .option('--note <text>', 'note stored with the decision (a denial passes it to the model)')
      .action(async (id: string, o: { note?: string }, cmd: Command) => {
        const ctx = makeCtx(cmd);
        ctx.requireToken();
        const a = await ok(
          ctx.api.POST('/api/v1/chat/approvals/{approval_id}', {
            params: { path: { approval_id: id } },
            body: { approved: verb === 'approve', note: o.note },
          }),
        );
        ctx.out.result(a, () => `${a.id}: ${a.status} (${a.tool})`);
      });
  }
}
