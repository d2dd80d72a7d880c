import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeLogprobs,
  computeProbs,
  LogitsPipeline,
  SamplingParams,
  Xoshiro128,
} from '../../src/sampling/index.js';
import {
  argmaxRow,
  bitsOf,
  blockPreTest,
  collectAbove,
  collectAboveMasked,
  flipFor,
  keyValue,
  SAMPLE_RANK,
  sampleLargest,
  thresholdKey,
} from '../../src/sampling/scan.js';
import { referenceProbs } from './reference.js';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
function bitsOfValue(x: number): number {
  f32[0] = x;
  return i32[0]!;
}

/** float32 values with the awkward ones (±0, ±inf, NaN, subnormals) often enough. */
const float32 = fc.oneof(
  { weight: 6, arbitrary: fc.float() },
  { weight: 3, arbitrary: fc.integer({ min: -16, max: 16 }).map((k) => k / 4) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      0,
      -0,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      1.401298464324817e-45,
      -1.401298464324817e-45,
      3.4028234663852886e38,
      -3.4028234663852886e38,
    ),
  },
);
/** Thresholds: float32 values, arbitrary doubles (min-p floors are not float32) and -inf. */
const threshold = fc.oneof(
  float32.filter((x) => !Number.isNaN(x)),
  fc.double({ noNaN: true }),
  fc.constant(Number.NEGATIVE_INFINITY),
);
const rowArb = fc.array(float32, { maxLength: 140 }).map((xs) => Float32Array.from(xs));
const maskFor = (length: number, seed: number): Int32Array => {
  const rng = new Xoshiro128(seed);
  const mask = new Int32Array(Math.ceil(length / 32));
  for (let w = 0; w < mask.length; w++) {
    // empty, full, mixed and single-token words (a word's first 16 tokens often all masked)
    const kind = rng.nextUint32() % 5;
    mask[w] =
      kind === 0 ? 0 : kind === 1 ? -1 : kind === 2 ? rng.nextUint32() | 0 : 1 << (rng.nextUint32() % 32);
  }
  return mask;
};
const allowed = (mask: Int32Array | undefined, i: number) =>
  mask === undefined || ((mask[i >>> 5]! >>> (i & 31)) & 1) === 1;

/** Collects in chunks of `chunk` with a small `limit`, resuming where each call stopped. */
function collectAll(
  row: Float32Array,
  thr: number,
  mask: Int32Array | undefined,
  chunk: number,
  limit: number,
): number[] {
  const ids = new Int32Array(row.length + 64);
  const vals = new Float64Array(row.length + 64);
  const count = new Int32Array(1);
  const bits = bitsOf(row);
  const found: number[] = [];
  let i = 0;
  while (i < row.length) {
    const to = Math.min(row.length, i + chunk);
    const next =
      mask === undefined
        ? collectAbove(bits, row, i, to, thresholdKey(thr), ids, vals, 0, limit, count)
        : collectAboveMasked(bits, row, mask, i, to, thresholdKey(thr), ids, vals, 0, limit, count);
    expect(next).toBeGreaterThan(i);
    for (let j = 0; j < count[0]!; j++) {
      expect(vals[j]).toBe(row[ids[j]!]);
      found.push(ids[j]!);
    }
    i = next;
  }
  return found;
}

describe('integer pre-test of the scan loops', () => {
  it('never misses a float above the threshold, and is exact for float32 thresholds (property)', () => {
    fc.assert(
      fc.property(float32, threshold, (x, thr) => {
        const key = thresholdKey(thr);
        const passes = (bitsOfValue(x) ^ flipFor(key)) > key;
        if (x > thr) expect(passes).toBe(true);
        const exactCase = Math.fround(thr) === thr && !Number.isNaN(x) && !(x === 0 && thr === 0);
        if (exactCase) expect(passes).toBe(x > thr);
      }),
      { numRuns: 3000 },
    );
  });

  it('the block tests of the loops (signed for thresholds >= +0, unsigned below) agree with the key order (property)', () => {
    // x at one position of a 16-token block, -inf (which passes no threshold) elsewhere
    fc.assert(
      fc.property(float32, threshold, fc.integer({ min: 0, max: 15 }), (x, thr, at) => {
        const key = thresholdKey(thr);
        const block = new Float32Array(16).fill(Number.NEGATIVE_INFINITY);
        block[at] = x;
        const passes = blockPreTest(new Int32Array(block.buffer), 0, key);
        expect(passes).toBe((bitsOfValue(x) ^ flipFor(key)) > key);
        if (x > thr) expect(passes).toBe(true);
        expect(blockPreTest(new Int32Array(16).fill(bitsOfValue(Number.NEGATIVE_INFINITY)), 0, key)).toBe(
          false,
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('collectAbove / collectAboveMasked', () => {
  it('collect exactly the allowed tokens above the threshold rounded down to a float32, in id order, across chunks and early stops (property)', () => {
    fc.assert(
      fc.property(
        rowArb,
        threshold,
        fc.boolean(),
        fc.nat(),
        fc.constantFrom(32, 64, 4096),
        fc.integer({ min: 1, max: 40 }),
        (row, thr, masked, seed, chunk, limit) => {
          const mask = masked ? maskFor(row.length, seed) : undefined;
          const thr32 = keyValue(thresholdKey(thr));
          expect(thr32 <= thr && thr32 === Math.fround(thr32)).toBe(true);
          const expected = [...row.keys()].filter((i) => row[i]! > thr32 && allowed(mask, i));
          expect(collectAll(row, thr, mask, chunk, limit)).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('argmaxRow', () => {
  it('is the lowest id among the largest allowed logits, NaN ignored, -1 when none (property)', () => {
    fc.assert(
      fc.property(rowArb, fc.boolean(), fc.nat(), (row, masked, seed) => {
        const mask = masked ? maskFor(row.length, seed) : undefined;
        let best = -1;
        for (let i = 0; i < row.length; i++) {
          if (allowed(mask, i) && row[i]! > (best < 0 ? Number.NEGATIVE_INFINITY : row[best]!)) best = i;
        }
        expect(argmaxRow(bitsOf(row), row, mask)).toBe(best);
      }),
      { numRuns: 400 },
    );
  });
});

describe('regressions', () => {
  it('argmax finds the max after a first hit block with no allowed or comparable token', () => {
    // server regex case: 296 tokens, only the digits 48..57 allowed, all logits negative
    const row = Float32Array.from({ length: 296 }, (_, i) => -5 - (i % 7) / 3);
    const mask = new Int32Array(10);
    for (let t = 48; t <= 57; t++) mask[t >>> 5]! |= 1 << (t & 31);
    expect(argmaxRow(bitsOf(row), row, mask)).toBe(49); // -5 at 49 and 56: the lowest id
    const nans = Float32Array.from({ length: 40 }, (_, i) => (i < 16 ? Number.NaN : i === 30 ? 2 : 1));
    expect(argmaxRow(bitsOf(nans), nans, undefined)).toBe(30);
    expect(argmaxRow(bitsOf(nans), nans, Int32Array.of(-1, -1))).toBe(30);
  });

  it('argmax switches from the unsigned to the signed block test when the max reaches +0 or above', () => {
    // negative blocks, then -0, +0 (not above -0), a positive max, and ties after it
    const row = Float32Array.from({ length: 100 }, (_, i) => -50 + i / 4);
    row[40] = -0;
    row[41] = 0;
    row[60] = 3;
    row[61] = Number.NaN;
    row[80] = 3;
    row[99] = 2.5;
    for (const mask of [undefined, new Int32Array(4).fill(-1)]) {
      expect(argmaxRow(bitsOf(row), row, mask)).toBe(60);
      const negative = row.map((_, i) => (i < 90 ? -100 + i / 8 : -1000));
      expect(argmaxRow(bitsOf(negative), negative, mask)).toBe(89);
      const zeros = Float32Array.from({ length: 70 }, (_, i) => (i === 33 ? -0 : i === 50 ? 0 : -1));
      expect(argmaxRow(bitsOf(zeros), zeros, mask)).toBe(33); // -0 === +0: the lowest id
    }
  });
});

describe('sampleLargest', () => {
  it('keeps the largest allowed values of runs of 16 tokens, one token in `stride`, ascending', () => {
    const row = Float32Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5000);
    const top = new Float64Array(SAMPLE_RANK);
    sampleLargest(row, undefined, 10, top);
    // runs of 16 every 160 tokens, from 80 rounded down to a multiple of 16
    const sampled = [...row.keys()]
      .filter((i) => i >= 80 && (i - 80) % 160 < 16)
      .map((i) => row[i]!)
      .sort((a, b) => a - b);
    expect(Array.from(top)).toEqual(sampled.slice(-SAMPLE_RANK));
    sampleLargest(row, new Int32Array(160), 10, top);
    expect(top.every((x) => x === Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it('equals a naive loop over the sampled runs, with masks and every float32 class (property)', () => {
    fc.assert(
      fc.property(
        fc.array(float32, { minLength: 1, maxLength: 1200 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.nat(),
        (xs, stride, masked, seed) => {
          const row = Float32Array.from(xs);
          const mask = masked ? maskFor(row.length, seed) : undefined;
          const top = new Float64Array(SAMPLE_RANK);
          sampleLargest(row, mask, stride, top);
          const step = 16 * stride;
          const first = (step >> 1) & ~15;
          const sampled = [...row.keys()]
            .filter(
              (i) =>
                i >= first &&
                (i - first) % step < 16 &&
                allowed(mask, i) &&
                row[i]! > Number.NEGATIVE_INFINITY,
            )
            .map((i) => row[i]!)
            .filter((x) => !Number.isNaN(x))
            .sort((a, b) => a - b)
            .slice(-SAMPLE_RANK);
          const expected = [
            ...new Array(SAMPLE_RANK - sampled.length).fill(Number.NEGATIVE_INFINITY),
            ...sampled,
          ];
          // -0 and +0 compare equal: compare as numbers with 0 === -0
          expect(Array.from(top, (x) => (x === 0 ? 0 : x))).toEqual(expected.map((x) => (x === 0 ? 0 : x)));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('fused pipeline on large rows equals the dense reference', () => {
  const V = 24000;
  /** Row shapes that stress the sampled threshold, compactions, ties and the min-p floor. */
  const shapes: Record<string, (rng: Xoshiro128, stride: number) => Float32Array> = {
    // the strided sample sees only high values: the estimate is too high and the pass is redone
    'sample positions high': (rng, stride) =>
      Float32Array.from(
        { length: V },
        (_, i) => ((i - ((8 * stride) & ~15)) % (16 * stride) < 16 ? 6 : 0) + rng.nextFloat(),
      ),
    ascending: (rng) => Float32Array.from({ length: V }, (_, i) => i / 1000 + rng.nextFloat() * 1e-3),
    descending: (rng) => Float32Array.from({ length: V }, (_, i) => -i / 1000 + rng.nextFloat() * 1e-3),
    'quarter-step ties': (rng) =>
      Float32Array.from({ length: V }, () => Math.floor(rng.nextFloat() * 16) / 4),
    'all negative with -inf and NaN': (rng) =>
      Float32Array.from({ length: V }, () => {
        const u = rng.nextFloat();
        return u < 0.05 ? Number.NEGATIVE_INFINITY : u < 0.06 ? Number.NaN : -20 - 4 * rng.nextFloat();
      }),
    normal: (rng) =>
      Float32Array.from(
        { length: V },
        () =>
          Math.sqrt(-2 * Math.log(Math.max(rng.nextFloat(), 1e-12))) *
          Math.cos(2 * Math.PI * rng.nextFloat()),
      ),
  };
  const paramsArb = fc.record({
    temperature: fc.constantFrom(0, 0.05, 0.7, 1, 3),
    top_k: fc.constantFrom(-1, 1, 2, 50, 300),
    top_p: fc.constantFrom(1, 0.5, 0.9),
    min_p: fc.constantFrom(0, 0.05, 0.5),
    repetition_penalty: fc.constantFrom(1, 1.3),
  });
  it('for adversarial row shapes, masks and parameters (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(shapes)),
        paramsArb,
        fc.boolean(),
        fc.nat(),
        (shape, json, masked, seed) => {
          const rng = new Xoshiro128(seed);
          const params = SamplingParams.from(json).normalize().verify(V);
          const stride = Math.floor((3 * Math.min(params.top_k, 4096)) / SAMPLE_RANK);
          const row = shapes[shape]!(rng, stride);
          const state = {
            outputIds: Array.from({ length: 20 }, () => rng.nextUint32() % V),
            bitmask: masked ? maskFor(V, seed) : undefined,
          };
          const fast = computeProbs(row, params, state);
          const ref = referenceProbs(row, params, state);
          const mismatches = [...fast.keys()].filter(
            (i) => fast[i]! > 0 !== Math.fround(ref[i]!) > 0 || Math.abs(fast[i]! - ref[i]!) > 1e-6,
          );
          expect(mismatches).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('input rows', () => {
  it('are bit-for-bit unchanged after computeProbs / computeLogprobs (penalties, bias, min_new_tokens)', () => {
    const rng = new Xoshiro128(5);
    const row = Float32Array.from({ length: 5000 }, (_, i) =>
      i % 97 === 0 ? Number.NaN : i % 89 === 0 ? -0 : rng.nextFloat() * 8 - 4,
    );
    const before = Int32Array.from(bitsOf(row));
    const params = SamplingParams.from({
      temperature: 0.7,
      top_k: 40,
      top_p: 0.9,
      min_p: 0.05,
      frequency_penalty: 0.5,
      presence_penalty: 0.3,
      repetition_penalty: 1.2,
      min_new_tokens: 10,
      stop_token_ids: [3, 4],
      logit_bias: { '7': 5, '97': 2, '4': 1 },
    });
    const state = { outputIds: [7, 7, 8, 97, 89, 1000, 4], eosTokenIds: [2], bitmask: maskFor(5000, 3) };
    computeProbs(row, params, state);
    computeLogprobs(row, params, state);
    expect(Array.from(bitsOf(row))).toEqual(Array.from(before));
  });
});

describe('steady state', () => {
  it('reuses its buffers and the row views: no allocation per row once warmed up', () => {
    const pipe = new LogitsPipeline();
    const params = SamplingParams.from({ temperature: 0.7, top_k: 50, top_p: 0.9, min_p: 0.05 });
    const rng = new Xoshiro128(1);
    const rows = Array.from({ length: 4 }, () =>
      Float32Array.from({ length: 40000 }, () => rng.nextFloat() * 10),
    );
    const run = () => {
      for (const row of rows) {
        pipe.applyEdits(row, params, { outputIds: [1, 2, 3] });
        pipe.filter(row, params);
        pipe.restoreEdits(row);
      }
    };
    run();
    const buffers = [pipe.keptIds, pipe.keptWeights];
    const views = rows.map(bitsOf);
    for (let k = 0; k < 5; k++) run();
    expect(pipe.keptIds).toBe(buffers[0]);
    expect(pipe.keptWeights).toBe(buffers[1]);
    expect(rows.map(bitsOf).every((view, k) => view === views[k])).toBe(true);
  });
});
