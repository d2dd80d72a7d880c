import { describe, expect, it } from 'vitest';
import {
  computeLogprobs,
  computeProbs,
  registerLogitProcessor,
  SamplingParams,
  sampleToken,
  Xoshiro128,
} from '../../src/sampling/index.js';

const P = (json: Record<string, unknown>) =>
  SamplingParams.from(json)
    .normalize()
    .verify(1 << 20);
const logitsOf = (probs: number[]) =>
  Float32Array.from(probs, (p) => (p === 0 ? Number.NEGATIVE_INFINITY : Math.log(p)));
const none = { outputIds: [] as number[] };
const round = (a: ArrayLike<number>, digits = 6) => Array.from(a, (x) => Number(x.toFixed(digits)));

function maskOf(v: number, allowed: number[]): Int32Array {
  const m = new Int32Array(Math.ceil(v / 32));
  for (const id of allowed) m[id >> 5]! |= 1 << (id & 31);
  return m;
}

describe('top-k / top-p / min-p (spec §2.5)', () => {
  it('top_p = 0.5 on [.5, .3, .2] keeps 2 tokens (the crossing token is kept)', () => {
    const probs = computeProbs(logitsOf([0.5, 0.3, 0.2]), P({ top_p: 0.5 }), none);
    expect(round(probs)).toEqual([0.625, 0.375, 0]);
  });
  it('top_p keeps the top-1 token even when it alone exceeds top_p', () => {
    expect(round(computeProbs(logitsOf([0.9, 0.05, 0.05]), P({ top_p: 0.1 }), none))).toEqual([1, 0, 0]);
  });
  it('top_p = 0.8 on [.5,.3,.2]: exclusive sums 0, .5, .8 keep all three (.8 <= .8 is kept)', () => {
    const probs = computeProbs(
      Float32Array.from([Math.log(5), Math.log(3), Math.log(2)]),
      P({ top_p: 0.81 }),
      none,
    );
    expect(round(probs)).toEqual([0.5, 0.3, 0.2]);
    const cut = computeProbs(
      Float32Array.from([Math.log(5), Math.log(3), Math.log(2)]),
      P({ top_p: 0.79 }),
      none,
    );
    expect(round(cut)).toEqual([0.625, 0.375, 0]);
  });
  it('top_k = 2 keeps the two largest and renormalises', () => {
    expect(round(computeProbs(logitsOf([0.1, 0.5, 0.4]), P({ top_k: 2 }), none))).toEqual([
      0, 0.555556, 0.444444,
    ]);
  });
  it('top_k ties go to the lowest token id', () => {
    const probs = computeProbs(Float32Array.from([5, 1, 5, 3, 5, 0]), P({ top_k: 2 }), none);
    expect(round(probs)).toEqual([0.5, 0, 0.5, 0, 0, 0]);
  });
  it('top-p uses the cumulative sums of the original sorted probs, not the top-k filtered ones', () => {
    // sorted probs .4 .3 .2 .1; top_k=2 then top_p=.6: exclusive sums 0, .4 → both kept.
    // Had top-p run on the top-k-renormalised [.571, .429] the answer would be the same; use top_p .5:
    // original exclusive sum of the 2nd token is .4 <= .5 → kept (renormalised it would be .571 > .5... also kept).
    const probs = computeProbs(logitsOf([0.4, 0.3, 0.2, 0.1]), P({ top_k: 3, top_p: 0.65 }), none);
    // exclusive sums 0, .4, .7: the third (.2) is cut by top-p although top-k allows it
    expect(round(probs)).toEqual([0.571429, 0.428571, 0, 0]);
  });
  it('min_p keeps exactly the tokens with p >= min_p * max p', () => {
    const probs = computeProbs(logitsOf([0.5, 0.25, 0.15, 0.1]), P({ min_p: 0.29 }), none);
    // threshold .29 * .5 = .145: .5 .25 .15 kept, .1 removed
    expect(round(probs)).toEqual([0.555556, 0.277778, 0.166667, 0]);
  });
  it('all three filters combine as an intersection (top-k, top-p, min-p)', () => {
    const probs = computeProbs(
      logitsOf([0.35, 0.3, 0.2, 0.1, 0.05]),
      P({ top_k: 4, top_p: 0.6, min_p: 0.5 }),
      none,
    );
    // top-k: first 4; top-p: exclusive sums 0,.35,.65 → first 2; min-p: >= .175 → first 3. Result: first 2.
    expect(round(probs)).toEqual([0.538462, 0.461538, 0, 0, 0]);
  });
});

describe('temperature and greedy', () => {
  it('divides logits by the temperature before the softmax', () => {
    const probs = computeProbs(Float32Array.from([2, 0]), P({ temperature: 2 }), none);
    const e = Math.exp(1);
    expect(probs[0]).toBeCloseTo(e / (e + 1), 6);
  });
  it('temperature 0 is greedy: one-hot on the argmax, lowest id on ties', () => {
    expect(Array.from(computeProbs(Float32Array.from([1, 3, 3, 2]), P({ temperature: 0 }), none))).toEqual([
      0, 1, 0, 0,
    ]);
  });
  it('top_k = 1 is greedy whatever the temperature', () => {
    expect(
      Array.from(computeProbs(Float32Array.from([1, 3, 2]), P({ top_k: 1, temperature: 5 }), none)),
    ).toEqual([0, 1, 0]);
  });
});

describe('penalties (spec §2.2)', () => {
  it('frequency and presence penalties subtract count * f + p for generated tokens only', () => {
    const params = P({ frequency_penalty: 0.5, presence_penalty: 0.25, temperature: 1 });
    const lp = computeLogprobs(Float32Array.from([1, 1, 1]), params, { outputIds: [0, 0, 1] });
    // token0: 1 - (2*.5 + .25) = -0.25; token1: 1 - (.5 + .25) = .25; token2: 1
    const x = [-0.25, 0.25, 1];
    const z = x.reduce((a, b) => a + Math.exp(b), 0);
    expect(round(lp)).toEqual(round(x.map((v) => v - Math.log(z))));
  });
  it('repetition penalty divides non-negative logits and multiplies negative ones', () => {
    const params = P({ repetition_penalty: 2 });
    const lp = computeLogprobs(Float32Array.from([2, -2, 0, 1]), params, { outputIds: [0, 1, 2] });
    const x = [1, -4, 0, 1];
    const z = x.reduce((a, b) => a + Math.exp(b), 0);
    expect(round(lp)).toEqual(round(x.map((v) => v - Math.log(z))));
  });
  it('repetition is applied after the additive penalties', () => {
    // x = 1, frequency 1 with count 2 → -1, then repetition 2 multiplies (negative) → -2
    const params = P({ repetition_penalty: 2, frequency_penalty: 1 });
    const lp = computeLogprobs(Float32Array.from([1, 0]), params, { outputIds: [0, 0] });
    expect(lp[0]! - lp[1]!).toBeCloseTo(-2, 6);
  });
  it('min_new_tokens masks EOS and stop_token_ids until reached', () => {
    const params = P({ min_new_tokens: 2, stop_token_ids: [1] });
    const state = { outputIds: [3], eosTokenIds: [0] };
    expect(round(computeProbs(Float32Array.from([5, 5, 0, 0]), params, state), 4)).toEqual([0, 0, 0.5, 0.5]);
    const reached = { outputIds: [3, 3], eosTokenIds: [0] };
    expect(computeProbs(Float32Array.from([5, 5, 0, 0]), params, reached)[0]).toBeGreaterThan(0.4);
  });
  it('penalties ignore prompt tokens (only outputIds count)', () => {
    const params = P({ presence_penalty: 2 });
    const a = computeProbs(Float32Array.from([1, 1]), params, { outputIds: [] });
    expect(round(a)).toEqual([0.5, 0.5]);
  });
});

describe('grammar mask and logit_bias (spec §2.3)', () => {
  it('masked tokens get probability 0 and are never sampled', () => {
    const probs = computeProbs(Float32Array.from([9, 1, 1, 1]), P({}), {
      outputIds: [],
      bitmask: maskOf(4, [1, 2]),
    });
    expect(round(probs)).toEqual([0, 0.5, 0.5, 0]);
  });
  it('logit_bias comes after the mask: a masked token stays masked', () => {
    const params = P({ logit_bias: { '0': 100, '3': Math.log(2) } });
    const probs = computeProbs(Float32Array.from([0, 0, 0, 0]), params, {
      outputIds: [],
      bitmask: maskOf(4, [1, 2, 3]),
    });
    expect(round(probs)).toEqual([0, 0.25, 0.25, 0.5]);
  });
  it('a fully masked row gives all zeros and sampleToken returns -1', () => {
    const probs = computeProbs(Float32Array.from([1, 2]), P({}), { outputIds: [], bitmask: maskOf(2, []) });
    expect(Array.from(probs)).toEqual([0, 0]);
    expect(sampleToken(probs, new Xoshiro128(1))).toBe(-1);
  });
});

describe('logprobs (spec §2.6)', () => {
  it('are taken after temperature and before filtering, without renormalisation', () => {
    const params = P({ temperature: 0.5, top_k: 1 + 1, top_p: 0.1 });
    const lp = computeLogprobs(Float32Array.from([1, 0, -1]), params, none);
    const x = [2, 0, -2];
    const z = x.reduce((a, b) => a + Math.exp(b), 0);
    expect(round(lp, 5)).toEqual(
      round(
        x.map((v) => v - Math.log(z)),
        5,
      ),
    );
  });
  it('masked tokens have logprob -Infinity', () => {
    const lp = computeLogprobs(Float32Array.from([1, 0]), P({}), { outputIds: [], bitmask: maskOf(2, [1]) });
    expect(lp[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(lp[1]).toBeCloseTo(0, 9);
  });
});

describe('custom logit processors (spec §4.8)', () => {
  it('DisallowedTokensLogitsProcessor removes custom_params.token_ids', () => {
    const params = P({ custom_params: { token_ids: [0] } });
    const probs = computeProbs(Float32Array.from([5, 0, 0]), params, {
      outputIds: [],
      customLogitProcessor: '{"callable": "DisallowedTokensLogitsProcessor"}',
    });
    expect(round(probs)).toEqual([0, 0.5, 0.5]);
  });
  it('registered processors run after penalties, mask and bias and before temperature', () => {
    let seen: number[] = [];
    registerLogitProcessor('spy', (rows) => {
      seen = Array.from(rows[0]!);
      rows[0]![1] = 10;
      return undefined;
    });
    const params = P({ logit_bias: { '0': 1 }, temperature: 2 });
    const probs = computeProbs(Float32Array.from([0, 0, 0]), params, {
      outputIds: [],
      bitmask: maskOf(3, [0, 1]),
      customLogitProcessor: 'spy',
    });
    expect(seen).toEqual([1, 0, Number.NEGATIVE_INFINITY]);
    const e = [Math.exp(0.5), Math.exp(5)];
    expect(probs[1]).toBeCloseTo(e[1]! / (e[0]! + e[1]!), 6);
  });
  it('an unknown processor is a 400 error naming it', () => {
    expect(() =>
      computeProbs(Float32Array.from([0]), P({}), { outputIds: [], customLogitProcessor: 'nope' }),
    ).toThrow(/Unknown custom logit processor 'nope'/);
  });
});

describe('input rows are not modified', () => {
  it('restores penalised and biased logits after the call', () => {
    const row = Float32Array.from([1, 2, 3]);
    computeProbs(row, P({ repetition_penalty: 1.5, logit_bias: { '2': 3 } }), { outputIds: [0, 1] });
    expect(Array.from(row)).toEqual([1, 2, 3]);
  });
});

describe('non-finite logits', () => {
  it('NaN logits are never kept; +Infinity logits share all the mass', () => {
    expect(round(computeProbs(Float32Array.from([Number.NaN, 0, 0]), {}))).toEqual([0, 0.5, 0.5]);
    const inf = Number.POSITIVE_INFINITY;
    expect(round(computeProbs(Float32Array.from([0, inf, 3, inf]), {}))).toEqual([0, 0.5, 0, 0.5]);
    expect(round(computeProbs(Float32Array.from([0, inf, 3, inf]), { top_k: 1 }))).toEqual([0, 1, 0, 0]);
    expect(round(computeProbs(Float32Array.from([0, inf, 3, inf]), { top_p: 0.5 }))).toEqual([
      0, 0.5, 0, 0.5,
    ]);
  });
});

describe('API conveniences', () => {
  it('computeProbs accepts a raw sampling_params object and a missing state', () => {
    const probs = computeProbs(logitsOf([0.5, 0.3, 0.2]), { top_p: 0.5 });
    expect(round(probs)).toEqual([0.625, 0.375, 0]);
    expect(Array.from(computeProbs(Float32Array.from([0, 1]), { temperature: 0 }))).toEqual([0, 1]);
  });
  it('sampleToken takes a RandomSource, a uniform function or a seed', () => {
    const probs = Float32Array.from([0.25, 0.25, 0.5]);
    expect(sampleToken(probs, () => 0.1)).toBe(0);
    expect(sampleToken(probs, () => 0.3)).toBe(1);
    expect(sampleToken(probs, () => 0.99)).toBe(2);
    expect(sampleToken(probs, 42)).toBe(sampleToken(probs, new Xoshiro128(42)));
  });
});
