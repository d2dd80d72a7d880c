import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeLogprobs,
  computeProbs,
  gumbelNoise,
  LogitsPipeline,
  murmurHash32,
  SamplingParams,
  sampleToken,
  Xoshiro128,
} from '../../src/sampling/index.js';
import { referenceExclusiveSums, referenceLogprobs, referenceProbs } from './reference.js';

const NUM_RUNS = 100;

/** Logits with frequent exact ties (quarter steps) plus -inf and occasional NaN. */
const logitArb = (min: number, max: number) =>
  fc
    .tuple(
      fc.integer({ min, max }),
      fc.array(
        fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: -40, max: 40 }) },
          { weight: 1, arbitrary: fc.constant(-1e9) },
        ),
        {
          minLength: 2,
          maxLength: 64,
        },
      ),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    )
    .map(([length, pattern, seed]) => {
      const rng = new Xoshiro128(seed);
      const row = new Float32Array(length);
      for (let i = 0; i < length; i++) {
        const base = pattern[i % pattern.length]!;
        row[i] =
          base === -1e9
            ? Number.NEGATIVE_INFINITY
            : base / 4 + (rng.nextFloat() < 0.5 ? 0 : rng.nextFloat() * 3);
      }
      return row;
    });

const paramsArb = fc.record({
  temperature: fc.oneof(fc.constant(0), fc.double({ min: 0.05, max: 3, noNaN: true })),
  top_k: fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 300 })),
  top_p: fc.oneof(fc.constant(1), fc.double({ min: 0.01, max: 0.999, noNaN: true })),
  min_p: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 0.9, noNaN: true })),
  frequency_penalty: fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })),
  presence_penalty: fc.oneof(fc.constant(0), fc.double({ min: -2, max: 2, noNaN: true })),
  repetition_penalty: fc.oneof(fc.constant(1), fc.double({ min: 0.1, max: 2, noNaN: true })),
});

const caseArb = fc.tuple(
  logitArb(2, 1500),
  paramsArb,
  fc.array(fc.nat(1500), { maxLength: 40 }),
  fc.boolean(),
  fc.nat(),
);

function buildCase([row, json, out, masked, maskSeed]: [
  Float32Array,
  Record<string, number>,
  number[],
  boolean,
  number,
]) {
  const params = SamplingParams.from(json).normalize().verify(row.length);
  const outputIds = out.filter((id) => id < row.length);
  let bitmask: Int32Array | undefined;
  if (masked) {
    const rng = new Xoshiro128(maskSeed);
    bitmask = new Int32Array(Math.ceil(row.length / 32));
    for (let i = 0; i < bitmask.length; i++) bitmask[i] = rng.nextUint32() | 0;
  }
  return { row, params, state: { outputIds, bitmask } };
}

describe('fast pipeline equals the dense reference', () => {
  it('same kept set and probabilities (property)', () => {
    fc.assert(
      fc.property(caseArb, (input) => {
        const { row, params, state } = buildCase(input);
        const fast = computeProbs(row, params, state);
        const ref = referenceProbs(row, params, state);
        const mismatches: number[] = [];
        for (let i = 0; i < row.length; i++) {
          // float32 output underflows below 1e-45, hence fround on the reference
          if (fast[i]! > 0 !== Math.fround(ref[i]!) > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6)
            mismatches.push(i);
        }
        expect(mismatches).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('same result on larger rows with small top_k (threshold estimate, rescans, masks)', () => {
    const bigCase = fc.tuple(
      logitArb(4000, 12000),
      paramsArb,
      fc.array(fc.nat(12000), { maxLength: 40 }),
      fc.boolean(),
      fc.nat(),
    );
    fc.assert(
      fc.property(bigCase, fc.integer({ min: 2, max: 100 }), (input, k) => {
        const { row, params, state } = buildCase(input);
        params.top_k = params.isGreedy ? 1 : k;
        const fast = computeProbs(row, params, state);
        const ref = referenceProbs(row, params, state);
        const mismatches: number[] = [];
        for (let i = 0; i < row.length; i++) {
          if (fast[i]! > 0 !== Math.fround(ref[i]!) > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6)
            mismatches.push(i);
        }
        expect(mismatches).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
  it('same logprobs (property)', () => {
    fc.assert(
      fc.property(caseArb, (input) => {
        const { row, params, state } = buildCase(input);
        const fast = computeLogprobs(row, params, state);
        const ref = referenceLogprobs(row, params, { ...state });
        const refMasked = Float64Array.from(ref, (x, i) =>
          state.bitmask && ((state.bitmask[i >> 5]! >>> (i & 31)) & 1) === 0 ? Number.NEGATIVE_INFINITY : x,
        );
        const mismatches: number[] = [];
        for (let i = 0; i < row.length; i++) {
          const r = refMasked[i]!;
          const ok =
            r === Number.NEGATIVE_INFINITY || Number.isNaN(r)
              ? fast[i] === Number.NEGATIVE_INFINITY
              : Math.abs(fast[i]! - r) < 1e-4 * Math.max(1, Math.abs(r)); // float32 output
          if (!ok) mismatches.push(i);
        }
        expect(mismatches).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('distribution properties', () => {
  it('kept probabilities sum to 1 (or the row is empty)', () => {
    fc.assert(
      fc.property(caseArb, (input) => {
        const { row, params, state } = buildCase(input);
        const probs = computeProbs(row, params, state);
        const sum = probs.reduce((a, b) => a + b, 0);
        if (sum !== 0) expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('top-k keeps at most k tokens, ties broken by lowest id', () => {
    fc.assert(
      fc.property(logitArb(2, 2000), fc.integer({ min: 2, max: 100 }), (row, k) => {
        const probs = computeProbs(row, SamplingParams.from({ top_k: k }), { outputIds: [] });
        const kept = [...probs.keys()].filter((i) => probs[i]! > 0);
        expect(kept.length).toBeLessThanOrEqual(k);
        const finite = [...row.keys()].filter((i) => row[i]! > Number.NEGATIVE_INFINITY);
        const expected = finite
          .sort((a, b) => row[b]! - row[a]! || a - b)
          .slice(0, k)
          .sort((a, b) => a - b);
        expect(kept).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('top-p keeps the minimal prefix of the sorted distribution whose mass reaches top_p', () => {
    fc.assert(
      fc.property(logitArb(2, 2000), fc.double({ min: 0.01, max: 0.99, noNaN: true }), (row, p) => {
        const full = computeProbs(row, SamplingParams.from({}), { outputIds: [] });
        const probs = computeProbs(row, SamplingParams.from({ top_p: p }), { outputIds: [] });
        const order = [...full.keys()].filter((i) => full[i]! > 0).sort((a, b) => row[b]! - row[a]! || a - b);
        const keptCount = order.filter((i) => probs[i]! > 0).length;
        // the kept tokens are a prefix of the sorted order
        expect(order.every((id, rank) => probs[id]! > 0 === rank < keptCount)).toBe(true);
        const massBefore = order.slice(0, keptCount - 1).reduce((a, i) => a + full[i]!, 0);
        const massKept = massBefore + full[order[keptCount - 1]!]!;
        expect(massBefore).toBeLessThanOrEqual(p + 1e-6); // every kept token starts below p
        if (keptCount < order.length) expect(massKept).toBeGreaterThan(p - 1e-6); // minimal: the prefix reaches p
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('min-p keeps exactly the tokens with p >= min_p * max p', () => {
    fc.assert(
      fc.property(logitArb(2, 2000), fc.double({ min: 0.001, max: 0.99, noNaN: true }), (row, m) => {
        const full = computeProbs(row, SamplingParams.from({}), { outputIds: [] });
        const probs = computeProbs(row, SamplingParams.from({ min_p: m }), { outputIds: [] });
        const max = full.reduce((a, b) => Math.max(a, b), 0);
        const wrong: number[] = [];
        for (let i = 0; i < row.length; i++) {
          const ratio = full[i]! / max;
          if (Math.abs(ratio - m) < 1e-5) continue; // float32 boundary
          if (probs[i]! > 0 !== (full[i]! > 0 && ratio >= m)) wrong.push(i);
        }
        expect(wrong).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('temperature → 0 equals argmax (lowest id on ties)', () => {
    fc.assert(
      fc.property(logitArb(1, 2000), fc.double({ min: 0, max: 9e-7, noNaN: true }), (row, t) => {
        const probs = computeProbs(row, SamplingParams.from({ temperature: t }), { outputIds: [] });
        let arg = -1;
        for (let i = 0; i < row.length; i++)
          if (arg < 0 ? row[i]! > Number.NEGATIVE_INFINITY : row[i]! > row[arg]!) arg = i;
        expect([...probs.keys()].filter((i) => probs[i]! > 0)).toEqual(arg < 0 ? [] : [arg]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
  it('masked tokens are never sampled', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), (input, seed) => {
        const { row, params, state } = buildCase(input);
        if (!state.bitmask) return;
        const pipeline = new LogitsPipeline();
        pipeline.applyEdits(row, params, state);
        pipeline.filter(row, params, state.bitmask);
        pipeline.restoreEdits(row);
        const rng = new Xoshiro128(seed);
        for (let draw = 0; draw < 20; draw++) {
          const id = pipeline.sample(rng);
          if (id >= 0) expect((state.bitmask[id >> 5]! >>> (id & 31)) & 1).toBe(1);
        }
      }),
      { numRuns: 80 },
    );
  });
  it('the same seed gives the same sequence', () => {
    fc.assert(
      fc.property(logitArb(2, 500), fc.nat(), (row, seed) => {
        const probs = computeProbs(row, SamplingParams.from({ top_p: 0.9 }), { outputIds: [] });
        const draw = () => {
          const rng = new Xoshiro128(seed);
          return Array.from({ length: 10 }, () => sampleToken(probs, rng));
        };
        expect(draw()).toEqual(draw());
      }),
      { numRuns: 50 },
    );
  });
});

describe('seeded generators are portable', () => {
  it('xoshiro128** with the documented seeding gives fixed outputs (checked against a Python port)', () => {
    const rng = new Xoshiro128(42);
    expect(Array.from({ length: 4 }, () => rng.nextUint32())).toEqual([
      3704290710, 166753127, 957952423, 1464233848,
    ]);
    expect(new Xoshiro128(42).nextFloat()).toBe(0.8624723854573461);
  });
  it("murmurHash32 and gumbelNoise match SGLang's multinomial_with_seed (values from its Python formula)", () => {
    expect(murmurHash32(42, 7, 123)).toBe(4246288027);
    expect(murmurHash32(2n ** 40n + 5n, 0, 0)).toBe(3904168355);
    expect(gumbelNoise(4246288027)).toBeCloseTo(4.47425203006527, 12);
  });
});

describe('large vocabularies: bounds, exact Z and buffer growth', () => {
  const V = 40000;
  const rows = [1, 2, 3].map((seed) => {
    const rng = new Xoshiro128(seed);
    return Float32Array.from({ length: V }, () => {
      const u = Math.max(rng.nextFloat(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat()) * (seed === 3 ? 0.2 : 1);
    });
  });
  it('dense histogram path (large kept sets) equals the reference (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5000, max: 20000 }),
        fc.nat(),
        fc.record({
          temperature: fc.double({ min: 0.3, max: 3, noNaN: true }),
          top_k: fc.oneof(fc.constant(-1), fc.integer({ min: 2000, max: 30000 })),
          top_p: fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 0.999, noNaN: true })),
          min_p: fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 0.3, noNaN: true })),
        }),
        (v, seed, json) => {
          const rng = new Xoshiro128(seed);
          const row = Float32Array.from(
            { length: v },
            () => (rng.nextFloat() < 0.01 ? 3 : 0) + rng.nextFloat() * 2,
          );
          const params = SamplingParams.from(json);
          const fast = computeProbs(row, params, { outputIds: [] });
          const ref = referenceProbs(row, params, { outputIds: [] });
          const mismatches = [...fast.keys()].filter(
            (i) => fast[i]! > 0 !== ref[i]! > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6,
          );
          expect(mismatches).toEqual([]);
        },
      ),
      { numRuns: 12 },
    );
  });
  it.each([
    [{ min_p: 0.01, temperature: 2 }],
    [{ top_p: 0.5, top_k: 20000 }],
    [{ top_k: 50, top_p: 0.9, min_p: 0.05, temperature: 0.7 }],
    [{ top_p: 0.95 }],
    [{ top_p: 0.3, temperature: 2 }],
    [{ min_p: 0.2 }],
    [{ top_k: 3000, top_p: 0.99 }],
    [{ top_k: 20 }],
  ])('%j equals the reference', (json) => {
    for (const row of rows) {
      const params = SamplingParams.from(json);
      const fast = computeProbs(row, params, { outputIds: [1, 2, 3, 3] });
      const ref = referenceProbs(row, params, { outputIds: [1, 2, 3, 3] });
      const mismatches = [...fast.keys()].filter(
        (i) => fast[i]! > 0 !== ref[i]! > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6,
      );
      expect(mismatches).toEqual([]);
    }
  });
});

describe('top-p decided from bounds on Z equals the exact decision', () => {
  const V = 30000;
  const normalRow = (seed: number, scale: number) => {
    const rng = new Xoshiro128(seed);
    return Float32Array.from(
      { length: V },
      () =>
        Math.sqrt(-2 * Math.log(Math.max(rng.nextFloat(), 1e-12))) *
        Math.cos(2 * Math.PI * rng.nextFloat()) *
        scale,
    );
  };
  const stateFor = (seed: number, masked: boolean) => {
    const rng = new Xoshiro128(seed ^ 0x5bd1e995);
    const bitmask = masked ? new Int32Array(Math.ceil(V / 32)).map(() => rng.nextUint32() | 0) : undefined;
    return { outputIds: Array.from({ length: 64 }, () => rng.nextUint32() % V), bitmask };
  };
  /** Runs the fused pipeline like computeProbs, on a pipeline whose exact-Z counter the test reads. */
  const fastProbs = (
    pipe: LogitsPipeline,
    row: Float32Array,
    params: SamplingParams,
    state: ReturnType<typeof stateFor>,
  ) => {
    pipe.applyEdits(row, params, state);
    pipe.filter(row, params, state.bitmask);
    pipe.restoreEdits(row);
    const out = new Float64Array(V);
    pipe.writeProbs(out);
    return out;
  };
  const mismatchesOf = (fast: Float64Array, ref: Float64Array) =>
    [...fast.keys()].filter((i) => fast[i]! > 0 !== ref[i]! > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  /** The float32 next to the float32 `x` (> 0) in direction `step`. */
  const float32Step = (x: number, step: number) => {
    f32[0] = x;
    u32[0] = u32[0]! + step;
    return f32[0]!;
  };

  it('with top_p exactly on an exclusive prefix sum, or one float32 either side (property)', () => {
    const pipe = new LogitsPipeline();
    const exactBefore = pipe.exactZPasses;
    fc.assert(
      fc.property(
        fc.nat(),
        fc.constantFrom(1, 3, 6),
        fc.record({
          temperature: fc.constantFrom(0.7, 1, 1.5),
          top_k: fc.constantFrom(20, 50, 200),
          min_p: fc.constantFrom(0, 0.05),
          frequency_penalty: fc.constantFrom(0, 0.5),
          repetition_penalty: fc.constantFrom(1, 1.1),
        }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(-1, 0, 1),
        (seed, scale, json, masked, at, step) => {
          const row = normalRow(seed, scale);
          const state = stateFor(seed, masked);
          const probe = SamplingParams.from(json).normalize().verify(V);
          const sums = referenceExclusiveSums(row, probe, state, json.top_k + 4);
          const r = 1 + Math.floor(at * (sums.length - 2));
          const edge = Math.fround(sums[r]!);
          const topP = step === 0 ? edge : float32Step(edge, step);
          if (!(topP > 0 && topP < 1)) return;
          const params = SamplingParams.from({ ...json, top_p: topP })
            .normalize()
            .verify(V);
          const ref = referenceProbs(row, params, state);
          expect(mismatchesOf(fastProbs(pipe, row, params, state), ref)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
    // rows on a cut cannot be decided from bounds: they take the exact pass, which this exercises
    expect(pipe.exactZPasses).toBeGreaterThan(exactBefore);
  });

  it('FULL-like parameters on flat rows are decided without the exact Z pass and equal the reference', () => {
    const pipe = new LogitsPipeline();
    const params = SamplingParams.from({
      temperature: 0.7,
      top_k: 50,
      top_p: 0.9,
      min_p: 0.05,
      frequency_penalty: 0.5,
      presence_penalty: 0.5,
      repetition_penalty: 1.1,
    })
      .normalize()
      .verify(V);
    for (let seed = 1; seed <= 6; seed++) {
      const row = normalRow(seed, 1);
      const state = stateFor(seed, seed % 2 === 0);
      const ref = referenceProbs(row, params, state);
      expect(mismatchesOf(fastProbs(pipe, row, params, state), ref)).toEqual([]);
    }
    expect(pipe.exactZPasses).toBe(0);
  });
});

describe('chi-square: sampled frequencies match the processed distribution', () => {
  it('with a fixed seed', () => {
    const row = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 4);
    const params = SamplingParams.from({ temperature: 0.8, top_k: 12, top_p: 0.95, min_p: 0.02 });
    const probs = computeProbs(row, params, { outputIds: [] });
    const pipeline = new LogitsPipeline();
    pipeline.filter(row, params);
    const rng = new Xoshiro128(1234);
    const draws = 20000;
    const counts = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const id = pipeline.sample(rng);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const kept = [...probs.keys()].filter((i) => probs[i]! > 0);
    expect(kept.length).toBeGreaterThan(3);
    let chi2 = 0;
    for (const id of kept) {
      const expected = probs[id]! * draws;
      chi2 += ((counts.get(id) ?? 0) - expected) ** 2 / expected;
    }
    for (const id of counts.keys()) expect(probs[id]! > 0).toBe(true);
    // df = kept - 1 <= 11; the 99.9% quantile of chi-square(11) is 31.3
    expect(chi2).toBeLessThan(31.3);
  });
});
