/** Lucene helpers for the Neo4j full-text index. */

const SPECIAL = /[+\-&|!(){}[\]^"~*?:\\/]/g;

export function escapeLucene(term: string): string {
  return term.replace(SPECIAL, (c) => `\\${c}`);
}

/**
 * Turns free text into a Lucene query: split into words (letters/digits, as the standard
 * analyzer does), lowercase, and require every word as an exact term or a substring.
 * Returns undefined when the text holds no searchable word.
 */
export function toLuceneQuery(text: string): string | undefined {
  const words = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 16);
  if (!words.length) {
    return undefined;
  }
  return words
    .map((w) => {
      const e = escapeLucene(w);
      return `(${e}^4 OR ${e}*^2 OR *${e}*)`;
    })
    .join(' AND ');
}
