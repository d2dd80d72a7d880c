import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expNonPositive } from '../../src/sampling/exp.js';

describe('expNonPositive', () => {
  it('is within 1e-14 relative of Math.exp on [-700, 0] (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -700, max: 0, noNaN: true }), (x) => {
        expect(Math.abs(expNonPositive(x) / Math.exp(x) - 1)).toBeLessThan(1e-14);
      }),
      { numRuns: 5000 },
    );
  });
  it('is exact at 0 and 0 where exp underflows (and for -inf)', () => {
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-0)).toBe(1);
    expect(expNonPositive(-745)).toBe(0);
    expect(expNonPositive(Number.NEGATIVE_INFINITY)).toBe(0);
  });
});
