/**
 * The passes that weigh every token of a row (one exp each), for the cases the candidate buffer cannot
 * decide: the exact softmax normaliser Z, the keep-everything filter, and the dense histogram path for
 * large kept sets (flat rows with top-p or min-p only). Each loop is a free function so that V8
 * optimises it on its own.
 */
import { expNonPositive } from './exp.js';

/** Relative slack for decisions certified from bounds on Z (rounding of the reference is far below). */
export const SLACK = 1e-9;
/** Histogram of u = (M - x) / T for the dense path: buckets of width 1/HIST_SCALE up to HIST_RANGE. */
const HIST_SCALE = 100;
const HIST_RANGE = 40;
export const HIST_BUCKETS = HIST_RANGE * HIST_SCALE + 1;

function isAllowed(mask: Int32Array | undefined, id: number): boolean {
  return mask === undefined || ((mask[id >>> 5]! >>> (id & 31)) & 1) === 1;
}

/** Z = Σ exp((x - M) / T) over allowed tokens, exactly (one pass). */
export function exactZ(logits: Float32Array, mask: Int32Array | undefined, m: number, invT: number): number {
  let z = 0;
  const v = logits.length;
  if (mask === undefined) {
    for (let i = 0; i < v; i++) {
      const x = logits[i]!;
      if (x > Number.NEGATIVE_INFINITY) z += expNonPositive((x - m) * invT);
    }
    return z;
  }
  for (let base = 0; base < v; base += 32) {
    const word = mask[base >>> 5]!;
    if (word === 0) continue;
    const end = Math.min(base + 32, v);
    for (let i = base; i < end; i++) {
      const x = logits[i]!;
      if (x > Number.NEGATIVE_INFINITY && ((word >>> (i & 31)) & 1) === 1)
        z += expNonPositive((x - m) * invT);
    }
  }
  return z;
}

/** Every allowed finite token with weight exp((x - M) / T), ascending ids; returns the count. */
export function weighAll(
  logits: Float32Array,
  mask: Int32Array | undefined,
  m: number,
  invT: number,
  ids: Int32Array,
  weights: Float64Array,
): number {
  let n = 0;
  const v = logits.length;
  for (let i = 0; i < v; i++) {
    const x = logits[i]!;
    if (x > Number.NEGATIVE_INFINITY && isAllowed(mask, i)) {
      ids[n] = i;
      weights[n] = expNonPositive((x - m) * invT);
      n++;
    }
  }
  return n;
}

function histBucket(u: number): number {
  return u < HIST_RANGE ? Math.floor(u * HIST_SCALE) : HIST_BUCKETS - 1;
}

/** Bucket index of tokens the dense path excludes (masked, -inf or NaN). */
const NO_BUCKET = 0xffff;

/**
 * Dense path, pass 1 (a separate function so that V8 optimises it on its own): every allowed weight
 * `exp(-u)` with `u = (M - x) / T`, each token's histogram bucket of u ({@link NO_BUCKET} for
 * excluded tokens), the histogram counts and masses, and Z.
 */
export function denseWeights(
  logits: Float32Array,
  mask: Int32Array | undefined,
  m: number,
  invT: number,
  weights: Float64Array,
  buckets: Uint16Array,
  counts: Int32Array,
  mass: Float64Array,
): number {
  counts.fill(0);
  mass.fill(0);
  let z = 0;
  const v = logits.length;
  for (let i = 0; i < v; i++) {
    const x = logits[i]!;
    if (!(x > Number.NEGATIVE_INFINITY) || !isAllowed(mask, i)) {
      buckets[i] = NO_BUCKET;
      continue;
    }
    const u = (m - x) * invT;
    const w = expNonPositive(-u);
    weights[i] = w;
    z += w;
    const b = histBucket(u);
    buckets[i] = b;
    counts[b]!++;
    mass[b]! += w;
  }
  return z;
}

/** Dense path: the first bucket where top-k, top-p (`pBound` = threshold * Z) or min-p can cut. */
export function crossingBucket(
  counts: Int32Array,
  mass: Float64Array,
  topK: number,
  pBound: number,
  minP: number,
): number {
  let before = 0;
  let massBefore = 0;
  for (let b = 0; b < HIST_BUCKETS; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    // smallest weight a token of bucket b can have (the catch-all last bucket: 0)
    const bucketLowWeight = b === HIST_BUCKETS - 1 ? 0 : Math.exp(-(b + 1) / HIST_SCALE);
    if (
      before + c >= topK ||
      massBefore + mass[b]! > pBound * (1 - SLACK) ||
      bucketLowWeight < minP * (1 + SLACK)
    ) {
      return b;
    }
    before += c;
    massBefore += mass[b]!;
  }
  return HIST_BUCKETS;
}

/**
 * Dense path, pass 2: the tokens of buckets before `crossing` go to `keptIds`/`keptWeights` and those
 * of the crossing bucket to `sideIds`/`sideVals` (with their logits, for sorting), both in ascending
 * ids. Returns the kept count; the side count goes to `count[0]`.
 */
export function collectDense(
  logits: Float32Array,
  weights: Float64Array,
  buckets: Uint16Array,
  crossing: number,
  keptIds: Int32Array,
  keptWeights: Float64Array,
  sideIds: Int32Array,
  sideVals: Float64Array,
  count: Int32Array,
): number {
  let kept = 0;
  let side = 0;
  const v = logits.length;
  for (let i = 0; i < v; i++) {
    const b = buckets[i]!;
    // written unconditionally and kept by advancing the count by the sign bit of b - crossing (1
    // when b < crossing): flat rows keep about every other token, a branch would be mispredicted
    keptIds[kept] = i;
    keptWeights[kept] = weights[i]!;
    kept += (b - crossing) >>> 31;
    if (b === crossing) {
      sideIds[side] = i;
      sideVals[side] = logits[i]!;
      side++;
    }
  }
  count[0] = side;
  return kept;
}
