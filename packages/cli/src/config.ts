/**
 * ~/.config/agentcy/config.json (or $XDG_CONFIG_HOME/agentcy, or $AGENTCY_CONFIG): the server and
 * the credential of the last `agentcy login`. Written with mode 0600 in a 0700 directory.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors';

export const DEFAULT_SERVER = 'http://localhost:8080';

export interface CliConfig {
  server?: string;
  token?: string;
  /** how the token was obtained: a session JWT from the password login, or an API key */
  auth?: 'password' | 'api_key';
  email?: string;
  expires_at?: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENTCY_CONFIG) {
    return env.AGENTCY_CONFIG;
  }
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'agentcy', 'config.json');
}

export function loadConfig(path = configPath()): CliConfig {
  if (!existsSync(path)) {
    return {};
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as CliConfig) : {};
  } catch {
    throw new CliError(`${path} is not valid JSON; fix or delete it`);
  }
}

export function saveConfig(cfg: CliConfig, path = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(cfg, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** `http://host:8080/`, `http://host:8080/api/v1` → `http://host:8080` (the client adds /api/v1). */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`the server URL must be http(s): ${raw}`);
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
}
