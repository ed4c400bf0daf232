import { InFlightLimiter } from './in-flight-limiter';

describe('InFlightLimiter', () => {
  it('admits up to max per key and frees a slot on release (once)', () => {
    const l = new InFlightLimiter();
    const a = l.tryAcquire('p1', 2);
    const b = l.tryAcquire('p1', 2);
    expect(a && b).toBeTruthy();
    expect(l.tryAcquire('p1', 2)).toBeNull();
    expect(l.tryAcquire('p2', 2)).not.toBeNull();
    a!();
    a!();
    expect(l.tryAcquire('p1', 2)).not.toBeNull();
    expect(l.tryAcquire('p1', 2)).toBeNull();
  });
});
