import type { OrgEgress } from '@libs/egress/org-egress';
import { AppException } from '@libs/errors';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, type ClientConfig, type DatabaseError } from 'pg';
import { ConnectorConfigError } from '../connector';

/** TLS settings of a source: `true` verifies the server certificate; skipping that must be said explicitly. */
export type PostgresSsl = boolean | { reject_unauthorized?: boolean; ca?: string };

export interface PostgresConnectionConfig {
  connection_string?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: PostgresSsl;
}

type Tls = { verify: boolean; ca?: string } | null;

/** Where and as whom to connect, taken from the config only (never from PG* variables or ~/.pgpass). */
export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  tls: Tls;
}

/** Connection-string parameters understood; others (sslrootcert=<file>, replication, options...) are refused. */
const URL_PARAMS = new Set([
  'sslmode',
  'ssl',
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'application_name',
  'connect_timeout',
]);

function shape(field: string, message: string): ConnectorConfigError {
  return new ConnectorConfigError('shape', message, { fields: [{ field: `config.${field}`, errors: [message] }] });
}

function tlsFromSslmode(mode: string | null, flag: string | null): Tls | undefined {
  if (mode === null && flag === null) {
    return undefined;
  }
  const m = (mode ?? flag ?? '').toLowerCase();
  if (m === 'disable' || m === 'false' || m === '0') {
    return null;
  }
  if (m === 'no-verify') {
    return { verify: false };
  }
  if (['allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'true', '1'].includes(m)) {
    return { verify: true };
  }
  throw shape('connection_string', `sslmode "${m}" is not one of disable, require, verify-full, no-verify`);
}

function tlsFromConfig(ssl: PostgresSsl | undefined): Tls | undefined {
  if (ssl === undefined) {
    return undefined;
  }
  if (typeof ssl === 'boolean') {
    return ssl ? { verify: true } : null;
  }
  return { verify: ssl.reject_unauthorized !== false, ca: ssl.ca };
}

function fromConnectionString(cs: string): Omit<PgTarget, 'tls'> & { tls: Tls | undefined } {
  let u: URL;
  try {
    u = new URL(cs);
  } catch {
    throw shape('connection_string', 'connection_string is not a valid postgres:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw shape('connection_string', 'connection_string must start with postgres:// or postgresql://');
  }
  for (const key of u.searchParams.keys()) {
    if (!URL_PARAMS.has(key)) {
      throw shape(
        'connection_string',
        `connection_string parameter "${key}" is not supported (give a CA as config.ssl.ca, not as a file)`,
      );
    }
  }
  const q = (k: string) => u.searchParams.get(k);
  const dec = (s: string) => (s ? decodeURIComponent(s) : '');
  const host = q('host') ?? u.hostname;
  const user = q('user') ?? dec(u.username);
  const port = Number(q('port') ?? (u.port || 5432));
  return {
    host,
    port,
    user,
    password: q('password') ?? dec(u.password),
    database: q('dbname') ?? (dec(u.pathname.replace(/^\//, '')) || user),
    tls: tlsFromSslmode(q('sslmode'), q('ssl')),
  };
}

/** The connection target of a config; a ConnectorConfigError `shape` (400) when it is incomplete or unsafe. */
export function pgTarget(c: PostgresConnectionConfig): PgTarget {
  const base = c.connection_string
    ? fromConnectionString(c.connection_string)
    : {
        host: c.host ?? '',
        port: c.port ?? 5432,
        user: c.user ?? '',
        password: c.password ?? '',
        database: c.database ?? c.user ?? '',
        tls: undefined,
      };
  const field = c.connection_string ? 'connection_string' : 'host';
  if (!base.host || base.host.startsWith('/') || base.host.includes(',')) {
    throw shape(field, 'the host must be one host name or IP address (socket paths and host lists are not supported)');
  }
  if (!base.user) {
    throw shape(c.connection_string ? 'connection_string' : 'user', 'a user name is required');
  }
  if (!Number.isInteger(base.port) || base.port < 1 || base.port > 65535) {
    throw shape(field, 'port must be between 1 and 65535');
  }
  return { ...base, tls: tlsFromConfig(c.ssl) ?? base.tls ?? null };
}

function tlsOptions(target: PgTarget): ClientConfig['ssl'] {
  if (!target.tls) {
    return false;
  }
  const opts: ConnectionOptions = { rejectUnauthorized: target.tls.verify };
  if (target.tls.ca) {
    opts.ca = target.tls.ca;
  }
  // the socket goes to the checked address; the certificate is still checked against the name
  if (!isIP(target.host.replace(/^\[|\]$/g, ''))) {
    opts.servername = target.host;
  }
  return opts;
}

/** Maps connection failures onto typed config errors. */
export function connectError(err: unknown): ConnectorConfigError {
  const e = err as DatabaseError & { code?: string; message: string };
  if (e.code === '28P01' || e.code === '28000') {
    return new ConnectorConfigError('credentials', `PostgreSQL rejected the credentials: ${e.message}`, {
      pg_code: e.code,
    });
  }
  if (e.code === '42501') {
    return new ConnectorConfigError('scope', `Missing privilege: ${e.message}`, { pg_code: e.code });
  }
  if (e.code === '3D000') {
    return new ConnectorConfigError('unreachable', `Database does not exist: ${e.message}`, { pg_code: e.code });
  }
  const tls = /certificate|self[- ]signed|altnames/i.test(e.message ?? '');
  return new ConnectorConfigError(
    'unreachable',
    `Cannot connect to PostgreSQL: ${e.message}${tls ? ' (to skip certificate checks say so explicitly: ssl.reject_unauthorized=false or sslmode=no-verify)' : ''}`,
    { pg_code: e.code ?? null },
  );
}

/**
 * Opens a connection to the address the egress guard checked (no second DNS lookup); TLS keeps
 * the configured host name for SNI and certificate checks. Egress refusals surface unchanged (422
 * `egress_forbidden`).
 */
export async function connectPg(config: PostgresConnectionConfig, egress: OrgEgress): Promise<Client> {
  const target = pgTarget(config);
  let address: string;
  try {
    ({ address } = await egress.resolve(target.host));
  } catch (err) {
    if (err instanceof AppException) {
      throw err;
    }
    throw connectError(err);
  }
  const client = new Client({
    host: address,
    port: target.port,
    database: target.database,
    user: target.user,
    // a function keeps pg from falling back to PGPASSWORD or the API host's ~/.pgpass
    password: () => Promise.resolve(target.password),
    ssl: tlsOptions(target),
    connectionTimeoutMillis: 10_000,
    application_name: 'agentcy-connector',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw connectError(err);
  }
  return client;
}

const SERVER_ROLES = ['pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files'];

/**
 * Refuses a role that can reach the database host itself: a superuser (or a member of one, which
 * can SET ROLE to it), a member of the server-program/server-file roles, or (before PostgreSQL 16,
 * where CREATEROLE may grant those roles to itself) a CREATEROLE role. `details.reason` names it.
 */
export async function assertSafeRole(client: Client): Promise<void> {
  const r = await client.query<{ superuser: boolean; createrole: boolean; version: number; roles: string[] }>(
    `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolsuper AND pg_has_role(current_user, oid, 'MEMBER')) AS superuser,
            (SELECT rolcreaterole FROM pg_roles WHERE rolname = current_user) AS createrole,
            current_setting('server_version_num')::int AS version,
            array(SELECT rolname::text FROM pg_roles
                   WHERE rolname = ANY($1)
                     AND (pg_has_role(current_user, oid, 'MEMBER') OR pg_has_role(current_user, oid, 'MEMBER WITH ADMIN OPTION'))
                   ORDER BY rolname) AS roles`,
    [SERVER_ROLES],
  );
  const row = r.rows[0];
  const refuse = (reason: string, what: string) =>
    new ConnectorConfigError(
      'scope',
      `The PostgreSQL role ${what}, which reaches the database host itself; connect with a role without it (the operator can allow it with CONNECTOR_PG_ALLOW_SUPERUSER=true)`,
      { reason },
    );
  if (row.superuser) {
    throw refuse('superuser', 'is (or can become) a superuser');
  }
  if (row.roles.length) {
    throw refuse(row.roles[0], `is a member of ${row.roles.join(', ')}`);
  }
  if (row.createrole && row.version < 160000) {
    throw refuse('createrole', 'has CREATEROLE (before PostgreSQL 16 it can grant itself pg_execute_server_program)');
  }
}
