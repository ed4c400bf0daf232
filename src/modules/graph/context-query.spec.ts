import { CONTEXT_QUERY_MAX_WORDS, toContextLuceneQuery } from './context-query';

describe('toContextLuceneQuery', () => {
  it('matches any meaningful word, exact (boosted) or as a prefix', () => {
    expect(toContextLuceneQuery('Is the Checkout service crash-looping?')).toBe(
      'checkout^4 OR checkout* OR service^4 OR service* OR crash^4 OR crash* OR looping^4 OR looping*',
    );
  });

  it('leaves out short words, stop words and duplicates; nothing left → undefined', () => {
    expect(toContextLuceneQuery('what is the state of it?')).toBe('state^4 OR state*');
    expect(toContextLuceneQuery('redis REDIS redis')).toBe('redis^4 OR redis*');
    expect(toContextLuceneQuery('how are you?')).toBeUndefined();
    expect(toContextLuceneQuery('  ')).toBeUndefined();
  });

  it('never lets Lucene syntax through and caps the number of words', () => {
    const q = toContextLuceneQuery('title:"x" OR *:* AND (foo) bar~2 baz^9 qux\\')!;
    expect(q).not.toMatch(/[:"()~\\]/);
    const many = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    expect(toContextLuceneQuery(many)!.split(' OR ').length).toBe(2 * CONTEXT_QUERY_MAX_WORDS);
  });
});
