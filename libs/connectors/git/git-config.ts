import path from 'node:path';
import { ConnectorConfigError, ConnectorContext, JsonSchemaObject } from '../connector';

/** Config of a git source: shape check, what it makes the API host do, schema. */
export interface GitConfig {
  /** local repository (work tree or bare) on the API host */
  path?: string;
  /** remote to clone (https, ssh, git, file); cached under $UPLOAD_DIR/git (or the OS temp dir) */
  url?: string;
  /** https token for private remotes (sent as basic-auth password) */
  token?: string;
  branch?: string;
  /** commits ingested (newest first), default 1000 */
  max_commits?: number;
  timeout_ms?: number;
}

export type GitCtx = ConnectorContext<GitConfig>;

export function checkShape(c: GitConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  const hasPath = typeof c.path === 'string' && c.path.trim() !== '';
  const hasUrl = typeof c.url === 'string' && c.url.trim() !== '';
  if (hasPath === hasUrl) {
    throw new ConnectorConfigError('shape', 'exactly one of `path` or `url` is required', { fields: ['path', 'url'] });
  }
  if (hasPath && !path.isAbsolute(c.path!)) {
    throw new ConnectorConfigError('shape', '`path` must be an absolute path', { field: 'path' });
  }
  if (hasUrl) {
    const u = c.url!.trim();
    const scp = SCP_LIKE.test(u);
    let proto = '';
    try {
      proto = new URL(u).protocol;
    } catch {
      /* scp-like */
    }
    if (u.startsWith('-') || (!scp && !['https:', 'http:', 'ssh:', 'git:', 'file:'].includes(proto))) {
      throw new ConnectorConfigError(
        'shape',
        '`url` must be an https, http, ssh, git or file URL (or user@host:path)',
        { field: 'url' },
      );
    }
  }
  if (c.branch !== undefined && !isSafeRef(c.branch)) {
    throw new ConnectorConfigError('shape', '`branch` is not a valid ref name', { field: 'branch' });
  }
  if (
    c.max_commits !== undefined &&
    (!Number.isInteger(c.max_commits) || c.max_commits < 1 || c.max_commits > 100_000)
  ) {
    throw new ConnectorConfigError('shape', '`max_commits` must be an integer between 1 and 100000', {
      field: 'max_commits',
    });
  }
}

/** `user@host:path` (ssh) */
export const SCP_LIKE = /^[\w.-]+@[\w.-]+:[\w./~-]+$/;

/**
 * ssh and git:// remotes are connected by ssh/git themselves, not through a connection the egress
 * guard pins (ssh also authenticates with the API host's own keys), so they are host access.
 */
function unguardedRemote(c: GitConfig | undefined): string | null {
  const u = typeof c?.url === 'string' ? c.url.trim() : '';
  if (/^ssh:/i.test(u) || SCP_LIKE.test(u)) {
    return "connects over SSH with the API host's SSH keys";
  }
  return /^git:/i.test(u) ? 'connects over the git:// protocol outside the egress guard' : null;
}

/** A local path, or a `file:` URL: both read whatever repository the API process can see. */
function readsHostFiles(c: GitConfig | undefined): boolean {
  if (!c) {
    return false;
  }
  if (typeof c.path === 'string' && c.path.trim()) {
    return true;
  }
  return typeof c.url === 'string' && /^\s*file:/i.test(c.url);
}

export function isSafeRef(ref: unknown): ref is string {
  return (
    typeof ref === 'string' &&
    ref.length > 0 &&
    ref.length < 256 &&
    !ref.startsWith('-') &&
    /^[A-Za-z0-9._/@{}~^+-]+$/.test(ref) &&
    !ref.includes('..')
  );
}

export const GIT_CONFIG_SCHEMA: JsonSchemaObject = {
  type: 'object',
  properties: {
    path: { type: 'string', description: 'absolute path of a local repository on the API host' },
    url: { type: 'string', description: 'remote to clone (https, ssh, git or file URL, or user@host:path)' },
    token: { type: 'string', writeOnly: true, description: 'https token for private remotes' },
    branch: { type: 'string', description: 'branch or ref to ingest (default: HEAD)' },
    max_commits: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    timeout_ms: { type: 'integer', minimum: 1000, maximum: 600000, default: 120000 },
  },
  oneOf: [{ required: ['path'] }, { required: ['url'] }],
  additionalProperties: false,
};

export function gitHostAccess(c: GitConfig): string | null {
  return readsHostFiles(c) ? "reads a repository from the API host's file system" : unguardedRemote(c);
}
