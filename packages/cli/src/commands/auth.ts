import type { Command } from 'commander';
import { saveConfig } from '../config';
import { makeCtx, ok, type Ctx } from '../context';
import { CliError } from '../errors';
import { ask, readStdin } from '../prompt';

interface LoginOptions {
  email?: string;
  password?: string;
  passwordStdin?: boolean;
  apiKey?: string;
  apiKeyStdin?: boolean;
}

async function me(ctx: Ctx, token: string) {
  return ok(ctx.clientWith(token).GET('/api/v1/auth/me'));
}

export function registerAuth(program: Command): void {
  program
    .command('login')
    .description('log in with e-mail and password (a session token) or an API key; stored in the config file (0600)')
    .option('--email <email>', 'account e-mail (asked when missing)')
    .option('--password <password>', 'password (prefer --password-stdin or the prompt: argv is visible to other users)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--api-key <key>', 'log in with an API key (ak_…) instead of a password')
    .option('--api-key-stdin', 'read the API key from stdin')
    .addHelpText(
      'after',
      '\nExamples:\n  agentcy login --email admin@localhost\n  echo "$KEY" | agentcy login --api-key-stdin',
    )
    .action(async (o: LoginOptions, cmd: Command) => {
      const ctx = makeCtx(cmd);
      let token: string;
      let auth: 'password' | 'api_key';
      let expiresAt: string | undefined;
      if (o.apiKey || o.apiKeyStdin) {
        token = (o.apiKey ?? (await readStdin())).trim();
        if (!token) {
          throw new CliError('the API key is empty');
        }
        auth = 'api_key';
      } else {
        const email = o.email ?? (await ask('E-mail: '));
        const password = o.password ?? (o.passwordStdin ? await readStdin() : await ask('Password: ', true));
        const res = await ok(ctx.clientWith().POST('/api/v1/auth/login', { body: { email, password } }));
        token = res.token;
        expiresAt = res.expires_at;
        auth = 'password';
      }
      const who = await me(ctx, token);
      saveConfig({ server: ctx.server, token, auth, email: who.email, expires_at: expiresAt }, ctx.configFile);
      ctx.out.result(
        { server: ctx.server, auth, email: who.email, role: who.role, org: who.org, expires_at: expiresAt ?? null },
        () =>
          `Logged in to ${ctx.server} as ${who.email} (${who.role}, org ${who.org.name})${auth === 'api_key' ? ' with an API key' : ''}`,
      );
    });

  program
    .command('logout')
    .description('end the session (a password login is revoked on the server) and forget the stored credential')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeCtx(cmd);
      const { config } = ctx;
      let revoked = false;
      if (config.token && config.auth === 'password' && config.server === ctx.server) {
        const res = await ctx.clientWith(config.token).POST('/api/v1/auth/logout');
        revoked = res.response.ok;
      }
      const had = !!config.token;
      saveConfig({ server: config.server ?? ctx.server }, ctx.configFile);
      ctx.out.result({ logged_out: had, session_revoked: revoked }, () =>
        had ? `Logged out of ${config.server ?? ctx.server}${revoked ? ' (session revoked)' : ''}` : 'Not logged in',
      );
    });

  program
    .command('whoami')
    .description('show the user, role and org of the current credential')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = makeCtx(cmd);
      const who = await me(ctx, ctx.requireToken());
      ctx.out.result({ server: ctx.server, ...who }, () => [
        `${who.email} (${who.role})`,
        `org:    ${who.org.display_name} [${who.org.name}, ${who.org.id}]`,
        `server: ${ctx.server}${who.api_key_id ? `\napi key: ${who.api_key_id}` : ''}`,
      ]);
    });
}
