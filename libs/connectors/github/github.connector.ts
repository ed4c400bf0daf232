import { defineConnector } from '../define-connector';
import { checkShape, GITHUB_CONFIG_SCHEMA, type GitHubConfig } from './github-config';
import { ingestGitHub } from './github-ingest';
import { GITHUB_ISSUE_TOOLS } from './github-issue-tools';
import { GITHUB_READ_TOOLS } from './github-read-tools';
import { toToolError } from './github-tools';
import { validateGitHub } from './github-validate';

export { REQUIRED_SCOPES } from './github-config';
export type { GitHubConfig } from './github-config';

/** The github tool table (reads first, then the issue writes). */
export const GITHUB_TOOLS = [...GITHUB_READ_TOOLS, ...GITHUB_ISSUE_TOOLS];

/**
 * GitHub connector. Files: github-config (config, shape check), github-client / github-api
 * (Octokit over the org's egress, list helpers), github-validate, github-ingest, github-tools
 * (table, repo allow-list, error mapping) with github-read-tools and github-issue-tools.
 */
export const githubConnector = defineConnector<GitHubConfig>({
  type: 'github',
  displayName: 'GitHub',
  description:
    'GitHub (or GitHub Enterprise) with a personal access token: ingests repositories, issues, pull requests and users; tools to list/read issues and pull requests, open, comment on and close issues.',
  defaultRealm: 'development',
  configSchema: GITHUB_CONFIG_SCHEMA,
  secretFields: ['token'],
  validate: validateGitHub,
  ingest: ingestGitHub,
  tools: GITHUB_TOOLS,
  beforeTool: (ctx) => checkShape(ctx.config),
  toolError: toToolError,
});
