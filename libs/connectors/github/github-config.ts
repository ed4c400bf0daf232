import { ConnectorConfigError, ConnectorContext, JsonSchemaObject } from '../connector';
import { DEFAULT_GITHUB_API } from './github-client';

/** Config of a github source, its shape check and the repositories it names. */
export interface GitHubConfig {
  token: string;
  /** user or organization owning the repositories */
  owner?: string;
  /** alias of `owner` (documented `{ token, org }` shape) */
  org?: string;
  /** `name` (under `owner`) or `owner/name`; empty = every repo of the owner (or of the token's user) */
  repos?: string[];
  base_url?: string;
  /** ingestion cap per repository for issues and for pull requests (default 1000 each) */
  max_items_per_repo?: number;
  timeout_ms?: number;
}

export type GitHubCtx = ConnectorContext<GitHubConfig>;

export const REQUIRED_SCOPES = ['repo'];

export function ownerOf(c: GitHubConfig): string | undefined {
  return c.owner || c.org || undefined;
}

export function checkShape(c: GitHubConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  if (typeof c.token !== 'string' || !c.token.trim()) {
    throw new ConnectorConfigError('shape', '`token` is required', { field: 'token' });
  }
  for (const f of ['owner', 'org', 'base_url'] as const) {
    if (c[f] !== undefined && c[f] !== null && typeof c[f] !== 'string') {
      throw new ConnectorConfigError('shape', `\`${f}\` must be a string`, { field: f });
    }
  }
  if (
    c.repos !== undefined &&
    (!Array.isArray(c.repos) || c.repos.some((r) => typeof r !== 'string' || !/^([\w.-]+\/)?[\w.-]+$/.test(r)))
  ) {
    throw new ConnectorConfigError('shape', '`repos` must be an array of `name` or `owner/name` strings', {
      field: 'repos',
    });
  }
  if (c.repos?.some((r) => !r.includes('/')) && !ownerOf(c)) {
    throw new ConnectorConfigError('shape', '`owner` is required when `repos` lists bare repository names', {
      field: 'owner',
    });
  }
  if (c.base_url) {
    try {
      const u = new URL(c.base_url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') {
        throw new Error();
      }
    } catch {
      throw new ConnectorConfigError('shape', '`base_url` must be an http(s) URL', { field: 'base_url' });
    }
  }
}

/** configured repos as `owner/name` */
export function configuredRepos(c: GitHubConfig): string[] | undefined {
  if (!c.repos || c.repos.length === 0) {
    return undefined;
  }
  return c.repos.map((r) => (r.includes('/') ? r : `${ownerOf(c)}/${r}`));
}

export function parseScopes(h: string | undefined): string[] | null {
  if (h === undefined) {
    return null;
  }
  return h
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const GITHUB_CONFIG_SCHEMA: JsonSchemaObject = {
  type: 'object',
  properties: {
    token: {
      type: 'string',
      writeOnly: true,
      description: 'personal access token (classic tokens need the `repo` scope)',
    },
    owner: { type: 'string', description: 'user or organization' },
    org: { type: 'string', description: 'alias of owner' },
    repos: {
      type: 'array',
      items: { type: 'string' },
      description: '`name` or `owner/name`; empty = all repositories of the owner',
    },
    base_url: {
      type: 'string',
      default: DEFAULT_GITHUB_API,
      description: 'API root, e.g. https://ghe.example.com/api/v3',
    },
    max_items_per_repo: { type: 'integer', minimum: 1, maximum: 100000, default: 1000 },
    timeout_ms: { type: 'integer', minimum: 1000, maximum: 120000, default: 30000 },
  },
  required: ['token'],
  additionalProperties: false,
};
