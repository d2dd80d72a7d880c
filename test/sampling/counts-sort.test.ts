import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectTop, sortById, sortCandidates } from '../../src/sampling/sort.js';
import { TokenCounts } from '../../src/sampling/token-counts.js';

describe('TokenCounts', () => {
  it('counts the in-vocabulary ids in first-occurrence order, reused across rows of any size (property)', () => {
    const counter = new TokenCounts();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 700 }), (tokens) => {
        const expected = new Map<number, number>();
        for (const id of tokens) if (id >= 0 && id < 256) expected.set(id, (expected.get(id) ?? 0) + 1);
        const size = counter.countOf(tokens, 256);
        const got = new Map<number, number>();
        for (let j = 0; j < size; j++) got.set(counter.ids[j]!, counter.counts[j]!);
        expect([...got]).toEqual([...expected]);
      }),
      { numRuns: 300 },
    );
  });
  it('the same with a large vocabulary (the hashed layout) and alternating sizes (property)', () => {
    const counter = new TokenCounts();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 700 }),
        fc.boolean(),
        (small, large) => {
          const vocab = large ? 200_000 : 256;
          // spread the ids over the vocabulary (some fall outside it)
          const tokens = small.map((t) => (large ? t * 661 : t));
          const expected = new Map<number, number>();
          for (const id of tokens) if (id >= 0 && id < vocab) expected.set(id, (expected.get(id) ?? 0) + 1);
          const size = counter.countOf(tokens, vocab);
          const got = new Map<number, number>();
          for (let j = 0; j < size; j++) got.set(counter.ids[j]!, counter.counts[j]!);
          expect([...got]).toEqual([...expected]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('TokenCounts.distinctOf', () => {
  it('lists the distinct in-vocabulary ids in first-occurrence order, across rows and vocabulary sizes (property)', () => {
    const counter = new TokenCounts();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 700 }),
        fc.constantFrom(1, 256, 262_144),
        (small, vocab) => {
          const tokens = small.map((t) => (vocab > 256 ? t * 877 : t));
          const expected = [...new Set(tokens.filter((id) => id >= 0 && id < vocab))];
          const size = counter.distinctOf(tokens, vocab);
          expect(Array.from(counter.ids.subarray(0, size))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('candidate sorting', () => {
  const pairs = fc.array(fc.tuple(fc.integer({ min: -4, max: 4 }), fc.boolean()), { maxLength: 200 });
  it('sortCandidates orders by value descending then id ascending; selectTop puts the top k first (property)', () => {
    fc.assert(
      fc.property(pairs, fc.nat(), (values, k) => {
        const n = values.length;
        const ids = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 100003);
        const vals = Float64Array.from(values, ([v, inf]) => (inf && v === 4 ? Number.POSITIVE_INFINITY : v));
        const order = [...Array(n).keys()].sort((a, b) => vals[b]! - vals[a]! || ids[a]! - ids[b]!);
        const expected = order.map((i) => [ids[i], vals[i]]);
        const sIds = ids.slice();
        const sVals = vals.slice();
        if (n > 1 && k % n > 0) {
          selectTop(sIds, sVals, n, k % n);
          const top = [...Array(k % n).keys()].map((i) => [sIds[i], sVals[i]]);
          expect(top.sort((a, b) => b[1]! - a[1]! || a[0]! - b[0]!)).toEqual(expected.slice(0, k % n));
        }
        sortCandidates(sIds, sVals, n);
        expect([...Array(n).keys()].map((i) => [sIds[i], sVals[i]])).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
  it('sortById orders distinct ids ascending, values following (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1 << 20 }), { maxLength: 300 }), (distinct) => {
        const ids = Int32Array.from(distinct);
        const vals = Float64Array.from(distinct, (id) => id / 3);
        sortById(ids, vals, ids.length);
        const sorted = [...distinct].sort((a, b) => a - b);
        expect(Array.from(ids)).toEqual(sorted);
        expect(Array.from(vals)).toEqual(sorted.map((id) => id / 3));
      }),
      { numRuns: 200 },
    );
  });
});
