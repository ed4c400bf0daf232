import { defineConnector } from '../define-connector';
import { GIT_CONFIG_SCHEMA, gitHostAccess, type GitConfig } from './git-config';
import { ingestGit } from './git-ingest';
import { validateGit } from './git-repo';
import { GIT_TOOLS, toGitToolError } from './git-tools';

export { GitCommandError, runGit } from './git-command';
export type { GitConfig } from './git-config';
export { parseLog, type ParsedCommit } from './git-log';
export { gitCacheDir, guardRemote, resolveRepo } from './git-repo';
export { GIT_TOOLS } from './git-tools';

/**
 * Git connector. Files: git-config (config, shape, host access), git-command (the git binary),
 * git-repo (egress-guarded clone/fetch cache, validate), git-log (log parsing), git-ingest, git-tools.
 */
export const gitConnector = defineConnector<GitConfig>({
  type: 'git',
  displayName: 'Git repository',
  description:
    'A git repository (local path or cloned remote): ingests commits, authors and files; tools for log, show and diff.',
  defaultRealm: 'development',
  configSchema: GIT_CONFIG_SCHEMA,
  secretFields: ['token'],
  hostAccess: gitHostAccess,
  validate: validateGit,
  ingest: ingestGit,
  tools: GIT_TOOLS,
  toolError: toGitToolError,
});
