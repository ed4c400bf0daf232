import { Command, CommanderError } from 'commander';
import { registerApprovals } from './commands/approvals';
import { registerAudit } from './commands/audit';
import { registerAuth } from './commands/auth';
import { registerChat } from './commands/chat';
import { registerSources } from './commands/sources';
import { registerVersion } from './commands/version';
import { CliError } from './errors';
import { CLI_VERSION } from './version';

export function buildProgram(): Command {
  const program = new Command('agentcy')
    .description('Agentcy command line: log in, sources, chat with live streaming, approvals, audit log')
    .version(CLI_VERSION, '-V, --version', 'print the CLI version')
    .option('--json', 'machine-readable output (JSON; streams as one JSON object per line)')
    .option('--server <url>', 'API base URL (default: $AGENTCY_URL, the config file, http://localhost:8080)')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nEnvironment: AGENTCY_URL (server), AGENTCY_TOKEN (credential, overrides the config file),\n' +
        'AGENTCY_CONFIG (config file path; default ~/.config/agentcy/config.json).',
    );
  registerAuth(program);
  registerSources(program);
  registerChat(program);
  registerApprovals(program);
  registerAudit(program);
  registerVersion(program);
  // every command (and group) exits instead of calling process.exit itself, so errors are reported once
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Runs the CLI; resolves with the exit status. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version are "errors" with code 0; usage errors were already printed
      return err.exitCode;
    }
    const e = err instanceof CliError ? err : new CliError((err as Error)?.message ?? String(err));
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: e.code ?? 'cli_error', message: e.message, status: e.status ?? null } })}\n`,
      );
    }
    process.stderr.write(`agentcy: ${e.message}\n`);
    return e.exitCode;
  }
}
