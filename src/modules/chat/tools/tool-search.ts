import type { CatalogTool } from '@libs/connectors/tool-catalog.port';

/**
 * Deterministic BM25 ranking of catalog tools. Each tool is one document made of weighted fields
 * (tool name ×3, connector type ×2, source name ×2, description ×1); tokens are lower-cased words
 * split on non-alphanumerics, underscores and camelCase, with a light plural stemmer. Ties break on
 * the qualified name, so the same catalog and query always give the same order.
 */
const STOP = new Set([
  'a',
  'an',
  'the',
  'of',
  'in',
  'on',
  'for',
  'to',
  'and',
  'or',
  'my',
  'me',
  'is',
  'are',
  'all',
  'with',
  'please',
  'what',
  'which',
  'show',
  'i',
  'do',
  'can',
  'you',
  'from',
  'by',
  'at',
  'it',
  'this',
  'that',
]);

export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0 && !STOP.has(t))
    .map(stem);
}

function stem(t: string): string {
  if (t.length > 4 && t.endsWith('ies')) {
    return `${t.slice(0, -3)}y`;
  }
  if (t.length > 3 && t.endsWith('es') && /(ses|xes|zes|ches|shes)$/.test(t)) {
    return t.slice(0, -2);
  }
  if (t.length > 3 && t.endsWith('s') && !t.endsWith('ss')) {
    return t.slice(0, -1);
  }
  return t;
}

export interface RankedTool {
  tool: CatalogTool;
  score: number;
}

const K1 = 1.2;
const B = 0.75;

function docTokens(t: CatalogTool): string[] {
  const name = tokenize(t.name);
  const connector = tokenize(t.connector);
  const source = tokenize(t.sourceName);
  const desc = tokenize(t.description ?? '');
  return [...name, ...name, ...name, ...connector, ...connector, ...source, ...source, ...desc];
}

/** Ranks tools for a query; tools sharing no token with the query are left out. Scores are normalised to (0, 1]. */
export function rankTools(tools: CatalogTool[], query: string, topK = 5): RankedTool[] {
  const q = [...new Set(tokenize(query))];
  if (!q.length || !tools.length) {
    return [];
  }
  const docs = tools.map((t) => {
    const toks = docTokens(t);
    const tf = new Map<string, number>();
    for (const tok of toks) {
      tf.set(tok, (tf.get(tok) ?? 0) + 1);
    }
    return { t, tf, len: toks.length };
  });
  const avg = docs.reduce((s, d) => s + d.len, 0) / docs.length || 1;
  const df = new Map<string, number>();
  for (const term of q) {
    df.set(term, docs.filter((d) => d.tf.has(term)).length);
  }
  const n = docs.length;
  const scored: RankedTool[] = [];
  for (const d of docs) {
    let score = 0;
    for (const term of q) {
      const f = d.tf.get(term) ?? 0;
      if (!f) {
        continue;
      }
      const idf = Math.log(1 + (n - df.get(term)! + 0.5) / (df.get(term)! + 0.5));
      score += idf * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.len) / avg)));
    }
    if (score > 0) {
      scored.push({ tool: d.t, score });
    }
  }
  scored.sort((a, b) => b.score - a.score || a.tool.qualifiedName.localeCompare(b.tool.qualifiedName));
  const max = scored[0]?.score ?? 1;
  return scored
    .slice(0, Math.max(1, topK))
    .map((r) => ({ tool: r.tool, score: Math.round((r.score / max) * 10000) / 10000 }));
}
