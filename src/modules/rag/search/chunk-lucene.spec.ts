import { chunkLuceneQuery } from './chunk-lucene';

describe('chunkLuceneQuery', () => {
  it('keeps identifiers with underscores as one term and ORs the words', () => {
    expect(chunkLuceneQuery('ERR_CONN_RESET checkout')).toBe(
      'err_conn_reset^12 OR err_conn_reset*^2 OR checkout^3 OR checkout*',
    );
  });

  it('treats Lucene syntax as text and drops empty input', () => {
    expect(chunkLuceneQuery('x:y AND (z)')).toBe('x OR y OR z');
    expect(chunkLuceneQuery('how do I get the VPN')).toBe('vpn^3 OR vpn*');
    expect(chunkLuceneQuery('what is the')).toBeUndefined();
    expect(chunkLuceneQuery('E4711')).toBe('e4711^12 OR e4711*^2');
    expect(chunkLuceneQuery('*** ---')).toBeUndefined();
  });
});
