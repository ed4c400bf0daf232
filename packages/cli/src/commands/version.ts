import type { Command } from 'commander';
import { makeCtx } from '../context';
import { CLI_VERSION } from '../version';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description("this CLI's version and the newest one the server offers (GET /cli/version)")
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeCtx(cmd);
      let server: { url: string; cli_version: string | null; error?: string } = { url: ctx.server, cli_version: null };
      try {
        const res = await ctx.clientWith().GET('/api/v1/cli/version', { signal: AbortSignal.timeout(5000) });
        server = res.data
          ? { url: ctx.server, cli_version: res.data.version }
          : { url: ctx.server, cli_version: null, error: `HTTP ${res.response.status}` };
      } catch (err) {
        server = { url: ctx.server, cli_version: null, error: (err as Error).message };
      }
      ctx.out.result({ version: CLI_VERSION, node: process.version, server }, () => [
        `agentcy-cli ${CLI_VERSION} (node ${process.version})`,
        server.cli_version
          ? `server ${ctx.server} offers ${server.cli_version}${server.cli_version !== CLI_VERSION ? ' — update with: curl -fsSL ' + ctx.server + '/api/v1/cli/install.sh | sh' : ''}`
          : `server ${ctx.server}: no CLI builds (${server.error ?? 'unknown'})`,
      ]);
    });
}
