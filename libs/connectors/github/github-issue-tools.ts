import { ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { argInt, argString, argStringArray } from '../tool-args';
import { repoParams } from './github-client';
import type { GitHubConfig } from './github-config';
import { mapIssue } from './github-mapping';
import { numberProp, repoProp, repoTarget } from './github-tools';

/** github tools that change issues: open, comment on, close (needs approval). */
export const GITHUB_ISSUE_TOOLS: ConnectorTool<GitHubConfig>[] = [
  {
    name: 'create_issue',
    description: 'Open a new issue.',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        title: { type: 'string', minLength: 1, maxLength: 256 },
        body: { type: 'string' },
        labels: { type: 'array', items: { type: 'string' } },
        assignees: { type: 'array', items: { type: 'string' } },
      },
      required: ['repo', 'title'],
    },
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
      const title = argString(args, 'title', true);
      const res = await gh.rest.issues.create({
        ...repoParams(repo),
        title,
        body: argString(args, 'body'),
        labels: argStringArray(args, 'labels'),
        assignees: argStringArray(args, 'assignees'),
      });
      return { repo, ...mapIssue(res.data) };
    },
  },
  {
    name: 'comment_on_issue',
    description: 'Add a comment to an issue or pull request.',
    effect: 'write',
    inputSchema: {
      type: 'object',
      properties: { repo: repoProp, number: numberProp, body: { type: 'string', minLength: 1 } },
      required: ['repo', 'number', 'body'],
    },
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
      const n = argInt(args, 'number', { min: 1, required: true });
      const res = await gh.rest.issues.createComment({
        ...repoParams(repo),
        issue_number: n,
        body: argString(args, 'body', true),
      });
      return {
        repo,
        number: n,
        comment_id: res.data.id,
        url: res.data.html_url ?? null,
        created_at: res.data.created_at ?? null,
      };
    },
  },
  {
    name: 'close_issue',
    description: 'Close an issue (optionally with a closing comment).',
    effect: 'destructive',
    requiresApproval: true,
    inputSchema: {
      type: 'object',
      properties: {
        repo: repoProp,
        number: numberProp,
        reason: { type: 'string', enum: ['completed', 'not_planned'], default: 'completed' },
        comment: { type: 'string' },
      },
      required: ['repo', 'number'],
    },
    async run(ctx, args) {
      const { gh, repo } = repoTarget(ctx, args);
      const n = argInt(args, 'number', { min: 1, required: true });
      const reason = argString(args, 'reason') ?? 'completed';
      if (!['completed', 'not_planned'].includes(reason)) {
        throw new ToolExecutionError('invalid_arguments', '`reason` must be completed or not_planned', {
          field: 'reason',
        });
      }
      const comment = argString(args, 'comment');
      if (comment) {
        await gh.rest.issues.createComment({ ...repoParams(repo), issue_number: n, body: comment });
      }
      const res = await gh.rest.issues.update({
        ...repoParams(repo),
        issue_number: n,
        state: 'closed',
        state_reason: reason as 'completed' | 'not_planned',
      });
      return { repo, ...mapIssue(res.data) };
    },
  },
];
