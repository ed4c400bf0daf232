import { escapeLucene } from '@libs/graph';

/** Words too common to say anything about which nodes a message is about. */
const STOP_WORDS = new Set(
  (
    'the and for are but not you all any can had her was one our out has have him his how its may new now old see ' +
    'two who did does get got let put say she too use what when where which while with would could should this that ' +
    'these those there their them then than from into onto over under about after before been being were will your ' +
    'yours some such only also just like more most much many very why here show tell give list find please each ' +
    'other them they our ours shall might must need want know make made'
  ).split(' '),
);

export const CONTEXT_QUERY_MAX_WORDS = 16;

/**
 * Free text (a chat message) → Lucene query for the entity full-text index that matches ANY of its
 * meaningful words (3+ characters, not a stop word), each as an exact term (boosted) or a prefix.
 * Unlike `toLuceneQuery` (search box: every word required), a sentence rarely has all its words in
 * one node. Undefined when no word is left.
 */
export function toContextLuceneQuery(text: string): string | undefined {
  const words = [
    ...new Set(
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => w.length >= 3 && !STOP_WORDS.has(w)),
    ),
  ].slice(0, CONTEXT_QUERY_MAX_WORDS);
  if (!words.length) {
    return undefined;
  }
  return words
    .map((w) => {
      const e = escapeLucene(w);
      return `${e}^4 OR ${e}*`;
    })
    .join(' OR ');
}
