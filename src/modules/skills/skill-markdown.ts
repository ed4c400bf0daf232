import { ValidationException } from '@libs/errors';
import { parse as parseYaml } from 'yaml';

export const SKILL_SLUG_RE = /^[a-z0-9]+(\.[a-z0-9-]+)*$/;
export const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
export const SKILL_BODY_MAX = 50_000;

/** The fields a skill is made of, from a `markdown` document or given one by one. */
export interface SkillFields {
  slug?: string;
  name?: string;
  description?: string;
  version?: string;
  author?: string | null;
  tags?: string[];
  body?: string;
}

const invalid = (field: string, message: string) =>
  new ValidationException(message, { fields: [{ field, errors: [message] }] });

/**
 * Splits `---\n<yaml>\n---\n<body>` into the frontmatter fields and the body. Without a
 * frontmatter block the whole text is the body.
 */
export function parseSkillMarkdown(markdown: string): SkillFields {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(markdown);
  if (!m) {
    return { body: markdown.trim() };
  }
  let meta: unknown;
  try {
    meta = parseYaml(m[1], { maxAliasCount: 0 });
  } catch (err) {
    throw invalid('markdown', `frontmatter is not valid YAML: ${(err as Error).message}`);
  }
  if (meta !== null && (typeof meta !== 'object' || Array.isArray(meta))) {
    throw invalid('markdown', 'frontmatter must be a YAML mapping');
  }
  const fm = (meta ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = fm[k];
    if (v === undefined || v === null) {
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw invalid('markdown', `frontmatter "${k}" must be a string`);
    }
    return String(v);
  };
  let tags: string[] | undefined;
  if (fm.tags !== undefined && fm.tags !== null) {
    if (!Array.isArray(fm.tags) || fm.tags.some((t) => typeof t !== 'string')) {
      throw invalid('markdown', 'frontmatter "tags" must be a list of strings');
    }
    tags = fm.tags as string[];
  }
  return {
    slug: str('slug'),
    name: str('name'),
    description: str('description'),
    version: str('version'),
    author: str('author'),
    tags,
    body: m[2].trim(),
  };
}

/** Checks a complete skill's fields (slug, semver, body size) and normalises tags. */
export function validateSkill(f: SkillFields): Required<Omit<SkillFields, 'author'>> & { author: string | null } {
  const slug = f.slug?.trim() ?? '';
  if (!SKILL_SLUG_RE.test(slug) || slug.length > 120) {
    throw invalid('slug', 'slug must match ^[a-z0-9]+(\\.[a-z0-9-]+)*$ (at most 120 characters)');
  }
  const name = f.name?.trim() ?? '';
  if (!name || name.length > 200) {
    throw invalid('name', 'name is required (1..200 characters)');
  }
  const version = f.version?.trim() || '1.0.0';
  if (!SEMVER_RE.test(version) || version.length > 40) {
    throw invalid('version', 'version must be a semantic version such as 1.2.0');
  }
  const body = f.body ?? '';
  if (!body.trim()) {
    throw invalid('body', 'body must not be empty');
  }
  if (body.length > SKILL_BODY_MAX) {
    throw invalid('body', `body must be at most ${SKILL_BODY_MAX} characters`);
  }
  const tags = [...new Set((f.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (tags.length > 20 || tags.some((t) => t.length > 50)) {
    throw invalid('tags', 'at most 20 tags of at most 50 characters');
  }
  const description = (f.description ?? '').trim();
  if (description.length > 2000) {
    throw invalid('description', 'description must be at most 2000 characters');
  }
  const author = f.author?.trim() || null;
  if (author && author.length > 200) {
    throw invalid('author', 'author must be at most 200 characters');
  }
  return { slug, name, description, version, author, tags, body };
}

/** -1, 0 or 1 comparing two semantic versions (pre-release sorts before its release). */
export function compareSemver(a: string, b: string): number {
  const pa = SEMVER_RE.exec(a);
  const pb = SEMVER_RE.exec(b);
  if (!pa || !pb) {
    return a.localeCompare(b);
  }
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d) {
      return Math.sign(d);
    }
  }
  if (pa[4] === pb[4]) {
    return 0;
  }
  if (!pa[4]) {
    return 1;
  }
  if (!pb[4]) {
    return -1;
  }
  return pa[4].localeCompare(pb[4]);
}

/** The next patch version: `1.2.0` → `1.2.1` (a pre-release tag is dropped). */
export function bumpPatch(version: string): string {
  const m = SEMVER_RE.exec(version);
  return m ? `${m[1]}.${m[2]}.${Number(m[3]) + 1}` : '1.0.1';
}
