import path from 'node:path';
import type { GraphEdgeInput, GraphNodeInput, IngestBatch } from '../connector';
import { runGit } from './git-command';
import type { GitCtx } from './git-config';
import { LOG_FORMAT, parseLog, summarize } from './git-log';
import { resolveBranch, resolveRepo } from './git-repo';

const BATCH = 500;
const MAX_FILES = 20_000;

/** Commits (newest first, up to max_commits), their authors and the files they touched. */
export async function* ingestGit(ctx: GitCtx): AsyncIterable<IngestBatch> {
  const c = ctx.config;
  const dir = await resolveRepo(c, {
    egress: ctx.egress,
    fresh: true,
    signal: ctx.signal,
    uploadDir: ctx.uploadDir,
    orgId: ctx.orgId,
  });
  const branch = await resolveBranch(dir, c, ctx.signal);
  const max = c.max_commits ?? 1000;
  const commits = parseLog(
    await runGit(['log', `--max-count=${max}`, `--format=${LOG_FORMAT}`, '--numstat', '--no-color', branch, '--'], {
      cwd: dir,
      signal: ctx.signal,
    }),
  );
  const tree = (await runGit(['ls-tree', '-r', '--name-only', '-z', branch], { cwd: dir, signal: ctx.signal }))
    .split('\0')
    .filter(Boolean)
    .slice(0, MAX_FILES);
  const inTree = new Set(tree);

  const people = new Map<string, GraphNodeInput>();
  const files = new Map<string, GraphNodeInput>();
  const fileNode = (p: string) => {
    if (!files.has(p)) {
      files.set(p, {
        label: 'File',
        key: `file:${p}`,
        name: p,
        properties: {
          path: p,
          directory: path.posix.dirname(p),
          extension: path.posix.extname(p).replace(/^\./, '') || null,
          exists: inTree.has(p),
        },
      });
    }
    return `file:${p}`;
  };
  for (const p of tree) {
    fileNode(p);
  }

  const commitNodes: GraphNodeInput[] = [];
  const edges: GraphEdgeInput[] = [];
  const shas = new Set(commits.map((x) => x.sha));
  for (const cm of commits) {
    const email = cm.author.email.toLowerCase();
    const personKey = `person:${email}`;
    if (!people.has(personKey)) {
      people.set(personKey, {
        label: 'Person',
        key: personKey,
        name: cm.author.name,
        properties: { email, name: cm.author.name },
      });
    }
    const s = summarize(cm);
    const key = `commit:${cm.sha}`;
    commitNodes.push({
      label: 'Commit',
      key,
      name: `${s.short_sha} ${cm.subject}`,
      description: cm.subject,
      properties: {
        sha: cm.sha,
        short_sha: s.short_sha,
        author: cm.author.name,
        author_email: email,
        authored_at: cm.authored_at,
        committed_at: cm.committed_at,
        subject: cm.subject,
        parents: cm.parents,
        additions: s.additions,
        deletions: s.deletions,
        files_changed: s.files_changed,
        is_merge: cm.parents.length > 1,
      },
    });
    edges.push({ type: 'AUTHORED', fromKey: personKey, toKey: key, properties: { at: cm.authored_at } });
    for (const parent of cm.parents) {
      if (shas.has(parent)) {
        edges.push({ type: 'PARENT', fromKey: key, toKey: `commit:${parent}` });
      }
    }
    for (const f of cm.files) {
      edges.push({
        type: 'MODIFIES',
        fromKey: key,
        toKey: fileNode(f.path),
        properties: { additions: f.additions, deletions: f.deletions },
      });
    }
  }
  const nodes = [...people.values(), ...files.values(), ...commitNodes];
  for (let i = 0; i < nodes.length; i += BATCH) {
    yield { nodes: nodes.slice(i, i + BATCH), edges: [] };
  }
  for (let i = 0; i < edges.length; i += BATCH) {
    yield { nodes: [], edges: edges.slice(i, i + BATCH) };
  }
}
