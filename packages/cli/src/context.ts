/**
 * What every command gets: the resolved server, the credential, the typed API client (openapi-fetch
 * over the paths generated from openapi.json) and the output mode.
 */
import type { Command } from 'commander';
import createClient from 'openapi-fetch';
import { configPath, DEFAULT_SERVER, loadConfig, normalizeServer, type CliConfig } from './config';
import { apiError, CliError } from './errors';
import type { paths } from './generated/api';
import { CLI_VERSION } from './version';

export type Api = ReturnType<typeof createClient<paths>>;

export interface GlobalOptions {
  json?: boolean;
  server?: string;
}

export interface Ctx {
  server: string;
  json: boolean;
  token?: string;
  config: CliConfig;
  configFile: string;
  /** client sending the stored (or AGENTCY_TOKEN) credential */
  api: Api;
  /** a client with another credential (login) or none */
  clientWith(token?: string): Api;
  /** fails with "not logged in" when no credential is known */
  requireToken(): string;
  out: Output;
}

export interface Output {
  /** JSON mode: the value as one JSON document; human mode: the lines */
  result(value: unknown, human: () => string | string[]): void;
  /** one JSON line (streams) */
  line(value: unknown): void;
  /** human-only progress on stderr (silent in JSON mode) */
  info(message: string): void;
  color: boolean;
}

export function makeOutput(json: boolean): Output {
  const color = !json && !!process.stdout.isTTY && !process.env.NO_COLOR;
  return {
    color,
    result(value, human) {
      if (json) {
        process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
        return;
      }
      const text = human();
      const lines = Array.isArray(text) ? text : [text];
      if (lines.length) {
        process.stdout.write(`${lines.join('\n')}\n`);
      }
    },
    line(value) {
      process.stdout.write(`${JSON.stringify(value)}\n`);
    },
    info(message) {
      if (!json) {
        process.stderr.write(`${message}\n`);
      }
    },
  };
}

export function makeClient(server: string, token?: string): Api {
  const client = createClient<paths>({ baseUrl: server });
  client.use({
    onRequest({ request }) {
      request.headers.set('User-Agent', `agentcy-cli/${CLI_VERSION}`);
      if (token && !request.headers.has('Authorization')) {
        request.headers.set('Authorization', `Bearer ${token}`);
      }
      return request;
    },
    onError({ error }) {
      const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
      const why = cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error);
      return new CliError(`cannot reach ${server}: ${why}`);
    },
  });
  return client;
}

export function makeCtx(cmd: Command): Ctx {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const configFile = configPath();
  const config = loadConfig(configFile);
  const server = normalizeServer(opts.server ?? process.env.AGENTCY_URL ?? config.server ?? DEFAULT_SERVER);
  // the stored credential is only ever sent to the server it was issued by
  const stored = config.server && normalizeServer(config.server) === server ? config.token : undefined;
  const token = process.env.AGENTCY_TOKEN || stored;
  const json = !!opts.json;
  return {
    server,
    json,
    token,
    config,
    configFile,
    api: makeClient(server, token),
    clientWith: (t) => makeClient(server, t),
    requireToken() {
      if (!token) {
        throw new CliError(`not logged in to ${server}; run \`agentcy login\` (or set AGENTCY_TOKEN)`);
      }
      return token;
    },
    out: makeOutput(json),
  };
}

/** The data of an openapi-fetch result, or the API's error as a CliError. */
export async function ok<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) {
    throw apiError(response.status, error);
  }
  return data as D;
}
