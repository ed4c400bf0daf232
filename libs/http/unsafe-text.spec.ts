import { findUnsafeText, unsafeTextReason } from './unsafe-text';

describe('unsafeTextReason', () => {
  it('flags NUL and lone surrogates, keeps well-formed text', () => {
    expect(unsafeTextReason('a\u0000b')).toBe('nul_character');
    expect(unsafeTextReason('\ud800')).toBe('lone_surrogate');
    expect(unsafeTextReason('x\udc00')).toBe('lone_surrogate');
    expect(unsafeTextReason('ok 😀 ü \u0001')).toBeNull();
  });
});

describe('findUnsafeText', () => {
  it('returns the JSON path of the first bad value or key', () => {
    expect(findUnsafeText({ a: { b: ['ok', 'x\u0000'] } })).toEqual({ path: '$.a.b[1]', reason: 'nul_character' });
    expect(findUnsafeText({ 'we ird': { 'k\ud800': 1 } })).toEqual({
      path: '$["we ird"]["k\\ud800"]',
      reason: 'lone_surrogate',
    });
    expect(findUnsafeText({ a: [1, true, null, { b: 'fine' }] })).toBeNull();
    expect(findUnsafeText('plain')).toBeNull();
  });

  it('walks deep values iteratively', () => {
    let v: unknown = 'bad\u0000';
    for (let i = 0; i < 50_000; i++) {
      v = [v];
    }
    expect(findUnsafeText(v)?.reason).toBe('nul_character');
  });
});
