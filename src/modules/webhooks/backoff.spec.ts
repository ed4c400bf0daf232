import { backoffMs } from './backoff';

describe('backoffMs (full jitter)', () => {
  it('grows the ceiling exponentially from the base', () => {
    expect(backoffMs(1, 100, 10_000, () => 0.999999)).toBe(99);
    expect(backoffMs(2, 100, 10_000, () => 0.999999)).toBe(199);
    expect(backoffMs(4, 100, 10_000, () => 0.999999)).toBe(799);
  });
  it('is capped and never negative', () => {
    expect(backoffMs(30, 100, 10_000, () => 0.999999)).toBe(9_999);
    expect(backoffMs(200, 100, 10_000, () => 0)).toBe(0);
  });
});
