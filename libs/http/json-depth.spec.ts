import { jsonDepthExceeds } from './json-depth';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('jsonDepthExceeds', () => {
  it('counts object and array nesting', () => {
    expect(jsonDepthExceeds(b('{"a":[1,{"b":2}]}'), 3)).toBe(false);
    expect(jsonDepthExceeds(b('{"a":[1,{"b":[]}]}'), 3)).toBe(true);
    expect(jsonDepthExceeds(b(`${'['.repeat(65)}${']'.repeat(65)}`), 64)).toBe(true);
    expect(jsonDepthExceeds(b(`${'['.repeat(64)}${']'.repeat(64)}`), 64)).toBe(false);
  });

  it('siblings do not add up', () => {
    expect(jsonDepthExceeds(b(`[${Array(1000).fill('[[]]').join(',')}]`), 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonDepthExceeds(b(JSON.stringify({ s: '[[[[{{{{', t: 'a\\"[[[[' })), 1)).toBe(false);
    expect(jsonDepthExceeds(b(JSON.stringify(['\\', [[1]]])), 2)).toBe(true);
  });

  it('scans a large unclosed body without recursion', () => {
    expect(jsonDepthExceeds(b('['.repeat(1_000_000)), 64)).toBe(true);
  });
});
