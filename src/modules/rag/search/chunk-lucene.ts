import { escapeLucene } from '@libs/graph';

/**
 * English function words: matching them says nothing about a passage, but in an OR query they
 * put nearly every chunk on the full-text list, which then outvotes the vector ranking in the fusion.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from get got had has have how i if in into is it its ' +
    'me my no not of on or our so than that the their them then there these they this to up us was we were what when ' +
    'where which who why will with would you your'
  ).split(' '),
);

/** Identifier-like words (error codes, ids: a digit or an underscore inside) weigh most. */
const LITERAL = /[\p{N}_]/u;

/**
 * Lucene query for chunk text: the user's words (letters, digits and `_`, as the standard
 * analyzer keeps `ERR_CONN_RESET` one token), each as an exact term (boosted; identifier-like
 * words much more) or a prefix, OR-ed so BM25 ranks by how many and how rare the matched words
 * are. Lucene syntax in the query is plain text. Undefined when no word is left.
 */
export function chunkLuceneQuery(text: string): string | undefined {
  const words = [
    ...new Set(
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}_]+/u)
        .map((w) => w.replace(/^_+|_+$/g, ''))
        .filter((w) => w.length > 0 && w.length <= 64 && !STOP_WORDS.has(w)),
    ),
  ].slice(0, 32);
  if (!words.length) {
    return undefined;
  }
  return words
    .map((w) => {
      const e = escapeLucene(w);
      if (LITERAL.test(w)) {
        return `${e}^12 OR ${e}*^2`;
      }
      return w.length >= 3 ? `${e}^3 OR ${e}*` : e;
    })
    .join(' OR ');
}
