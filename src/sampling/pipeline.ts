/**
 * The per-row logits pipeline with SGLang's semantics (spec §2), fused so that a row costs about one
 * pass over the vocabulary:
 *
 * 1. **Sparse edits** ({@link LogitsPipeline.applyEdits}). Penalties only touch tokens that occur in the
 *    output, min_new_tokens only the stop/EOS ids, logit_bias only its keys. Each touched logit is
 *    recomputed in SGLang's order with float32 rounding after every step, like torch:
 *    additive (`x - (frequency * count + presence)`, `-inf` for stop ids while min_new_tokens is not
 *    reached), then repetition (`x < 0 ? x * p : x / p`), then `+ bias`, and written into the row in
 *    place; {@link LogitsPipeline.restoreEdits} puts the originals back. The grammar bitmask is never
 *    expanded: scans test its bits, so a masked token stays excluded whatever its bias (mask before
 *    bias). NaN logits are treated as `-inf` (never sampled).
 * 2. **One selection scan** ({@link LogitsPipeline.filter}, loops in scan.ts): a threshold filter
 *    collects candidates into a buffer, testing 16 tokens at a time through the row's integer bits
 *    (and the mask's words, a zero word skipping 32 tokens). The starting threshold comes from a
 *    strided sample (the 8th largest of one token in `3 * keep / 8`, so about `3 * keep` tokens
 *    pass; a pass that finds fewer than `keep` above it, ~0.6% of random rows, is redone from
 *    -inf), so the buffer rarely fills; when it does, a quickselect keeps the best `keep` and
 *    raises the threshold. Without a top-k, min-p bounds the buffer instead: tokens below the
 *    min-p cut of the running max (sample max first) are skipped. The buffer ends up holding the
 *    top `keep` allowed tokens (ties: lowest id first), hence the max logit M. Temperature is never
 *    applied to the row: only candidates are weighed.
 * 3. **Filtering on candidates only.** Probabilities are `e_i = exp((x_i - M) / T)` over `Z = Σ e`. top-k
 *    keeps the first k in sorted order; min-p keeps `e_i >= min_p` (relative to the max prob, §2.5);
 *    top-p keeps i while the exclusive prefix sum `E_i <= top_p * Z` (the crossing token is kept, the
 *    top-1 always, and the sums are those of the original sorted probs, not the top-k-filtered ones).
 *    Z is not computed: tokens outside the buffer are all `<= threshold`, so
 *    `Z ∈ [S, S + (V - n) * exp((thr - M) / T)]` where S sums the buffer. A decision certified for
 *    both bounds (with a relative slack of 1e-9 for rounding) is the exact decision. Otherwise Z is
 *    computed with one exact pass, and if the kept set extends past the buffer, the scan is redone
 *    with a larger buffer, or a dense path (two passes: weights and a histogram of them, then the
 *    kept tokens) decides large kept sets. The result equals the dense reference semantics (see
 *    test/sampling/reference.ts and its property tests).
 * 4. Kept tokens are renormalised and sampled by inversion in ascending token-id order
 *    ({@link LogitsPipeline.sample}) or, in deterministic mode, by SGLang's seeded Gumbel-max
 *    ({@link LogitsPipeline.sampleGumbel}).
 *
 * Greedy rows (`top_k <= 1`, which includes temperature < 1e-6) take the argmax of the edited logits
 * (lowest id on ties) and no temperature. All scratch buffers are owned by the pipeline and reused,
 * and hot calls pass no double arguments (V8 boxes them): the full pipeline allocates nothing per
 * row in steady state (`npm run bench:sampling -- --alloc`).
 */

import {
  collectDense,
  crossingBucket,
  denseWeights,
  exactZ,
  HIST_BUCKETS,
  SLACK,
  weighAll,
} from './dense.js';
import { expNonPositive } from './exp.js';
import type { SamplingParams } from './params.js';
import { pyInt } from './py-repr.js';
import { gumbelNoise, murmurFinish, murmurRowState, type RandomSource } from './rng.js';
import {
  argmaxRow,
  bitsOf,
  collectAbove,
  collectAboveMasked,
  SAMPLE_RANK,
  sampleLargest,
  thresholdKey,
} from './scan.js';
import { selectTop, sortById, sortCandidates } from './sort.js';
import { TokenCounts } from './token-counts.js';

/** Per-row inputs besides the logits. */
export interface SamplingState {
  /** Output tokens generated so far (prompt tokens never count for penalties). */
  outputIds: ArrayLike<number>;
  /** Allowed-token bitmask of this row (bit `t & 31` of word `t >> 5`); absent = unconstrained. */
  bitmask?: Int32Array;
  /** Model/tokenizer EOS ids, masked (with stop_token_ids) while min_new_tokens is not reached. */
  eosTokenIds?: readonly number[];
}

/** Free buffer slots the scan loops may fill past their limit (one 32-token mask word). */
const SCAN_SLOTS = 32;
/** Tokens scanned between two updates of the min-p floor (a multiple of 32, for the masked loop). */
const SCAN_CHUNK = 8192;
/** min-p floors sit this far (relatively) below the exclusion cut, so that rounding never drops a kept token. */
const FLOOR_MARGIN = 1e-6;

/** Buffer size when no top_k bounds the kept set (top-p / min-p only). */
const OPEN_KEEP = 128;
/** Kept sets that would need a buffer larger than this go to the dense histogram path. */
const DENSE_FROM = 4096;
/** `keep` of a scan without a top-k bound (an int: a double argument would be boxed per call). */
const UNBOUNDED = 0x7fffffff;
/** Largest buffer for the tokens above a min-p floor (more go to the dense path). */
const MIN_P_BUFFER = 16384;

const biasCache = new WeakMap<Record<string, number>, { ids: Int32Array; values: Float64Array }>();

/** logit_bias keys parsed once per object (Python `int()` semantics; invalid keys are caught by verify). */
function parsedBias(bias: Record<string, number>): { ids: Int32Array; values: Float64Array } {
  let parsed = biasCache.get(bias);
  if (!parsed) {
    const entries = Object.entries(bias);
    parsed = { ids: new Int32Array(entries.length), values: new Float64Array(entries.length) };
    entries.forEach(([key, value], j) => {
      let id = -1;
      try {
        id = pyInt(key);
      } catch {
        // left at -1: skipped (verify() reports invalid keys)
      }
      parsed!.ids[j] = id;
      parsed!.values[j] = value;
    });
    biasCache.set(bias, parsed);
  }
  return parsed;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Midpoint between the float32 `f` (positive) and its float32 neighbour `step` (+1 up, -1 down). */
function float32Midpoint(f: number, step: 1 | -1): number {
  f32[0] = f;
  u32[0] = u32[0]! + step;
  return (f + f32[0]!) / 2;
}

/**
 * SGLang compares float32 tensors: top-p cuts token i when `fround(E_i / Z) > fround(top_p)`. In
 * float64 that is `E_i / Z >` the midpoint above `fround(top_p)`, which this returns (so a tie such as
 * top_p = 0.5 on [.5, .3, .2] keeps the crossing token as in the spec, whatever float64 rounding says).
 */
export function topPThreshold(topP: number): number {
  return float32Midpoint(Math.fround(topP), 1);
}

/** min-p removes token i when `fround(p_i / p_max) < fround(min_p)`: returns the float64 cut-off below. */
export function minPThreshold(minP: number): number {
  return minP > 0 ? float32Midpoint(Math.fround(minP), -1) : 0;
}

/** Removes the candidates `<= floor` (keeping order); returns the new count. */
function dropAtOrBelow(ids: Int32Array, vals: Float64Array, n: number, floor: number): number {
  let kept = 0;
  for (let j = 0; j < n; j++) {
    if (vals[j]! > floor) {
      ids[kept] = ids[j]!;
      vals[kept] = vals[j]!;
      kept++;
    }
  }
  return kept;
}

/** Outcome of a filter decision. */
enum Decision {
  Done = 0,
  NeedExactZ = 1,
  NeedMore = 2,
}

/** Scratch buffers and the fused pipeline for rows of one vocabulary size (grows as needed). */
export class LogitsPipeline {
  private readonly tokenCounts = new TokenCounts();
  private editIds = new Int32Array(64);
  private editSaved = new Float32Array(64);
  private editCount = 0;
  private bufIds = new Int32Array(0);
  private bufVals = new Float64Array(0);
  private weights = new Float64Array(0);

  /** Kept token ids after {@link filter}, ascending (first {@link keptCount} entries). */
  keptIds = new Int32Array(0);
  /** Unnormalised weights `exp((x - M) / T)` of the kept tokens, parallel to {@link keptIds}. */
  keptWeights = new Float64Array(0);
  /** Number of kept tokens (0 when every token is masked or -inf). */
  keptCount = 0;
  /** Sum of {@link keptWeights}. */
  keptTotal = 0;
  /**
   * Rows for which {@link filter} made the extra pass that computes Z exactly (the bounds on Z from
   * the candidates did not decide top-p). A counter for tests and benchmarks.
   */
  exactZPasses = 0;
  /** Max edited logit over allowed tokens (M), after {@link filter}. */
  maxLogit = Number.NEGATIVE_INFINITY;

  private ensureBuffer(size: number): void {
    if (this.bufIds.length >= size) return;
    this.bufIds = new Int32Array(size);
    this.bufVals = new Float64Array(size);
    this.weights = new Float64Array(size);
    this.keptIds = new Int32Array(size);
    this.keptWeights = new Float64Array(size);
  }

  /** {@link ensureBuffer} keeping the first `n` buffered candidates. */
  private growBuffer(size: number, n: number): void {
    if (this.bufIds.length >= size) return;
    const ids = this.bufIds;
    const vals = this.bufVals;
    this.ensureBuffer(size);
    this.bufIds.set(ids.subarray(0, n));
    this.bufVals.set(vals.subarray(0, n));
  }

  private ensureEdits(size: number): void {
    if (this.editIds.length >= size) return;
    const n = Math.max(size, this.editIds.length * 2);
    const ids = new Int32Array(n);
    ids.set(this.editIds);
    const saved = new Float32Array(n);
    saved.set(this.editSaved);
    this.editIds = ids;
    this.editSaved = saved;
  }

  /**
   * Applies penalties, min_new_tokens masking and logit_bias to `logits` in place (spec §2.1 steps
   * a, b, d; the grammar mask c is applied by the scans). Call {@link restoreEdits} to undo.
   */
  applyEdits(logits: Float32Array, params: SamplingParams, state: SamplingState): void {
    const v = logits.length;
    const out = state.outputIds;
    this.ensureEdits(out.length + 64);
    this.editCount = 0;
    const fp = params.frequency_penalty;
    const pp = params.presence_penalty;
    const rp = params.repetition_penalty;
    const penalize = fp !== 0 || pp !== 0 || rp !== 1;
    if (penalize) {
      const tokens = this.tokenCounts;
      if (fp === 0) {
        // presence and repetition only need to know which ids occur, not how often
        const distinct = tokens.distinctOf(out, v);
        for (let j = 0; j < distinct; j++) {
          const id = tokens.ids[j]!;
          let x = this.save(logits, id);
          x = Math.fround(x - pp);
          if (rp !== 1) x = Math.fround(x < 0 ? x * rp : x / rp);
          logits[id] = x;
        }
      } else {
        const distinct = tokens.countOf(out, v);
        for (let j = 0; j < distinct; j++) {
          const id = tokens.ids[j]!;
          const c = tokens.counts[j]!;
          let x = this.save(logits, id);
          x = Math.fround(x - (fp * c + pp));
          if (rp !== 1) x = Math.fround(x < 0 ? x * rp : x / rp);
          logits[id] = x;
        }
      }
    }
    if (params.min_new_tokens > 0 && out.length < params.min_new_tokens) {
      const stopIds = params.stop_token_ids ?? [];
      const eos = state.eosTokenIds ?? [];
      for (let j = 0; j < stopIds.length + eos.length; j++) {
        const id = j < stopIds.length ? stopIds[j]! : eos[j - stopIds.length]!;
        if (id < 0 || id >= v) continue;
        this.ensureEdits(this.editCount + 1);
        this.save(logits, id);
        logits[id] = Number.NEGATIVE_INFINITY;
      }
    }
    if (params.logit_bias !== null) {
      const bias = parsedBias(params.logit_bias);
      this.ensureEdits(this.editCount + bias.ids.length);
      for (let j = 0; j < bias.ids.length; j++) {
        const id = bias.ids[j]!;
        if (!(id >= 0 && id < v)) continue;
        const x = this.save(logits, id);
        logits[id] = Math.fround(x + bias.values[j]!);
      }
    }
  }

  /** Records the original value of `id` once and returns its current value. */
  private save(logits: Float32Array, id: number): number {
    this.editIds[this.editCount] = id;
    this.editSaved[this.editCount] = logits[id]!;
    this.editCount++;
    return logits[id]!;
  }

  /** Restores the logits changed by the last {@link applyEdits} (in reverse order). */
  restoreEdits(logits: Float32Array): void {
    for (let j = this.editCount - 1; j >= 0; j--) logits[this.editIds[j]!] = this.editSaved[j]!;
    this.editCount = 0;
  }

  /** Argmax over allowed, non-NaN logits; ties go to the lowest id. -1 when nothing is allowed. */
  argmax(logits: Float32Array, mask?: Int32Array): number {
    const best = argmaxRow(bitsOf(logits), logits, mask);
    this.maxLogit = best < 0 ? Number.NEGATIVE_INFINITY : logits[best]!;
    return best;
  }

  /**
   * One pass over the row: collects the top `keep` allowed logits (value desc, id asc; `keep` may be
   * {@link UNBOUNDED}) into the buffer, sorted. With `minPFloor` (the row's parameters, min_p > 0),
   * tokens below the min-p cut of the running max are left out as they are met: the running max only
   * grows, so such a token is below the final cut too. Returns the count, or -1 when more than
   * {@link MIN_P_BUFFER} tokens are above the floor. (No double arguments: they would be boxed.)
   * Afterwards the buffer holds `scanAll` candidates, the sorted top `keep` first; every allowed token
   * outside them is `<= scanThreshold`, every one outside the sorted prefix `<= scanTail`, and
   * `scanCompacted` tells whether any may be.
   */
  private scan(
    logits: Float32Array,
    mask: Int32Array | undefined,
    keep: number,
    minPFloor: SamplingParams | undefined = undefined,
    estimate = true,
  ): number {
    const v = logits.length;
    const unbounded = keep === UNBOUNDED;
    // tokens this far below the running max can never pass min-p (a margin below its cut)
    const floorGap =
      minPFloor === undefined
        ? Number.NEGATIVE_INFINITY
        : minPFloor.temperature * Math.log(minPThreshold(minPFloor.min_p) * (1 - FLOOR_MARGIN));
    // Starting thresholds from a strided sample spare most appends and compactions: an estimate of
    // the logit with 8 * stride >= 3 * keep tokens above it (checked below), and a min-p floor under
    // the sampled max. The buffer has room for twice that: a compaction would drop candidates that
    // tighten the bounds on Z.
    const stride = unbounded ? 64 : Math.floor((3 * keep) / SAMPLE_RANK);
    let cap = Math.min(v, unbounded ? 256 : Math.max(keep * 4, 256, 16 * stride)) + SCAN_SLOTS;
    this.ensureBuffer(cap);
    const bits = bitsOf(logits);
    const count = this.scanCount;
    let start = Number.NEGATIVE_INFINITY;
    let runMax = Number.NEGATIVE_INFINITY;
    if (estimate && stride >= 8 && v >= 4 * SAMPLE_RANK * stride) {
      sampleLargest(logits, mask, stride, this.sampleTop);
      if (!unbounded) start = this.sampleTop[0]!;
      runMax = this.sampleTop[SAMPLE_RANK - 1]!;
    }
    const floor0 = runMax + floorGap;
    let thr = floor0 > start && floor0 < Number.POSITIVE_INFINITY ? floor0 : start;
    let n = 0;
    let i = 0;
    // with a min-p floor, chunks, so that the rising floor is taken into account during the pass
    const chunk = floorGap > Number.NEGATIVE_INFINITY ? SCAN_CHUNK : v;
    while (i < v) {
      const to = Math.min(v, i + chunk);
      const ids = this.bufIds;
      const vals = this.bufVals;
      const limit = cap - SCAN_SLOTS;
      const key = thresholdKey(thr);
      i =
        mask === undefined
          ? collectAbove(bits, logits, i, to, key, ids, vals, n, limit, count)
          : collectAboveMasked(bits, logits, mask, i, to, key, ids, vals, n, limit, count);
      const next = count[0]!;
      for (let j = n; j < next; j++) if (vals[j]! > runMax) runMax = vals[j]!;
      n = next;
      const floor = runMax + floorGap;
      if (floor > thr && floor < Number.POSITIVE_INFINITY) thr = floor;
      if (n < limit) continue;
      if (n > keep) {
        selectTop(ids, vals, n, keep);
        n = keep;
        thr = Math.max(thr, vals[keep - 1]!);
      }
      if (floor > Number.NEGATIVE_INFINITY) n = dropAtOrBelow(ids, vals, n, floor);
      if (n >= limit / 2 && limit < v) {
        // only without a top-k bound (keep = Infinity): the tokens above the min-p floor need room
        if (2 * cap - SCAN_SLOTS > MIN_P_BUFFER) return -1;
        cap *= 2;
        this.growBuffer(cap, n);
      }
    }
    const ids = this.bufIds;
    const vals = this.bufVals;
    const floor = runMax + floorGap;
    if (floor > Number.NEGATIVE_INFINITY && floor < Number.POSITIVE_INFINITY) {
      n = dropAtOrBelow(ids, vals, n, floor);
    }
    if (n < keep && start > Number.NEGATIVE_INFINITY && thr === start) {
      // the estimate was too high: fewer than `keep` tokens above it (rare)
      return this.scan(logits, mask, keep, minPFloor, false);
    }
    // the top `keep` first, sorted; the other candidates stay behind them (they count in Z's lower bound)
    if (n > keep) selectTop(ids, vals, n, keep);
    this.scanAll = n;
    if (n > keep) n = keep;
    sortCandidates(ids, vals, n);
    this.scanThreshold = thr;
    this.scanTail = this.scanAll > n ? vals[n - 1]! : thr;
    this.scanCompacted = thr > Number.NEGATIVE_INFINITY || this.scanAll > n;
    return n;
  }
  private readonly scanCount = new Int32Array(1);
  private readonly sampleTop = new Float64Array(SAMPLE_RANK);
  /**
   * Inputs of {@link decide}: lower and upper bounds on Z, the largest weight outside the buffer and
   * the slack (0 = exact). A typed array because double arguments are boxed (allocated) per call.
   */
  private readonly bounds = new Float64Array(4);
  /** Every allowed token outside the buffer's first {@link scanAll} entries is `<=` this. */
  private scanThreshold = Number.NEGATIVE_INFINITY;
  /** Candidates in the buffer after a scan: the sorted top `keep`, then the others above {@link scanThreshold}. */
  private scanAll = 0;
  /** Every allowed token outside the sorted prefix is `<=` this (the last sorted value, or the threshold). */
  private scanTail = Number.NEGATIVE_INFINITY;
  /** Whether allowed tokens may lie outside the sorted prefix. */
  private scanCompacted = false;

  /**
   * Runs temperature, softmax and top-k / top-p / min-p on an edited row and stores the kept tokens
   * ({@link keptIds}, {@link keptWeights}, {@link keptCount}, {@link keptTotal}). Greedy rows keep
   * their argmax with weight 1.
   */
  filter(logits: Float32Array, params: SamplingParams, mask?: Int32Array): void {
    const v = logits.length;
    if (params.top_k <= 1) {
      this.ensureBuffer(1);
      const id = this.argmax(logits, mask);
      this.keptCount = id < 0 ? 0 : 1;
      this.keptIds[0] = id;
      this.keptWeights[0] = 1;
      this.keptTotal = id < 0 ? 0 : 1;
      return;
    }
    const topK = Math.floor(params.top_k);
    const needTopP = params.top_p < 1;
    const needMinP = params.min_p > 0;
    if (topK >= v && !needTopP && !needMinP) {
      this.keepAll(logits, params, mask);
      return;
    }
    // Without a small top-k, min-p alone bounds the buffer: a token this far below the running max
    // can never be kept. With one, the floor is not used: the scan threshold (about 3 * top_k tokens
    // above it) is lower, which gives tighter bounds on Z.
    const bounded = topK <= DENSE_FROM;
    const minPFloor = needMinP && !bounded ? params : undefined;
    let keep = bounded ? Math.min(v, topK) : needMinP ? UNBOUNDED : OPEN_KEEP;
    let z = Number.NaN;
    for (;;) {
      const n = this.scan(logits, mask, keep, minPFloor);
      if (n < 0) {
        // more than MIN_P_BUFFER tokens above the min-p floor
        this.argmax(logits, mask);
        if (this.maxLogit === Number.POSITIVE_INFINITY) {
          this.keepInfinite(this.scan(logits, mask, Math.min(v, topK)));
        } else {
          this.denseFilter(logits, params, mask);
        }
        return;
      }
      if (n === 0) {
        this.keptCount = 0;
        this.keptTotal = 0;
        this.maxLogit = Number.NEGATIVE_INFINITY;
        return;
      }
      const m = this.bufVals[0]!;
      this.maxLogit = m;
      if (m === Number.POSITIVE_INFINITY) {
        this.keepInfinite(Math.min(n, topK));
        return;
      }
      const invT = 1 / params.temperature;
      const e = this.weights;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const w = Math.exp((this.bufVals[i]! - m) * invT);
        e[i] = w;
        s += w;
      }
      let decision = Decision.NeedExactZ;
      if (!this.scanCompacted) {
        const b = this.bounds;
        b[0] = s;
        b[1] = s;
        b[2] = 0;
        b[3] = 0;
        decision = this.decide(n, topK, params);
      } else {
        const tailMax = Math.exp((this.scanTail - m) * invT);
        if (Number.isNaN(z)) {
          // Z >= the weights of every buffered candidate (the sorted ones and the others behind
          // them); the tokens outside the buffer weigh at most exp((scanThreshold - M) / T) each
          // (expNonPositive: relative error < 1e-14, far within SLACK)
          const all = this.scanAll;
          let zLo = s;
          if (needTopP) for (let i = n; i < all; i++) zLo += expNonPositive((this.bufVals[i]! - m) * invT);
          const b = this.bounds;
          b[0] = zLo;
          b[1] = zLo + (v - all) * Math.exp((this.scanThreshold - m) * invT);
          b[2] = tailMax;
          b[3] = SLACK;
          decision = this.decide(n, topK, params);
        }
        if (decision === Decision.NeedExactZ && needTopP && topK > keep) {
          // no top-k bounds the kept set: the dense path computes Z and the cut in about one more pass
          this.denseFilter(logits, params, mask);
          return;
        }
        if (decision === Decision.NeedExactZ) {
          if (Number.isNaN(z) && needTopP) this.exactZPasses++;
          if (Number.isNaN(z)) z = needTopP ? exactZ(logits, mask, m, invT) : s;
          const b = this.bounds;
          b[0] = z;
          b[1] = z;
          b[2] = tailMax;
          b[3] = 0;
          decision = this.decide(n, topK, params);
        }
      }
      if (decision === Decision.Done) return;
      // the buffer holds less than half the mass top-p needs: a flat row, go dense directly
      const flat = needTopP && !Number.isNaN(z) && s < params.top_p * z * 0.5;
      if (flat || keep >= v || keep * 8 > DENSE_FROM) {
        this.denseFilter(logits, params, mask);
        return;
      }
      keep = Math.min(v, keep * 8);
    }
  }

  /**
   * Decides the kept prefix of the sorted buffer given {@link bounds} on Z (`slack` 0 = exact
   * decisions). On success copies it to the kept arrays (ascending ids) and returns Done.
   */
  private decide(n: number, topK: number, params: SamplingParams): Decision {
    const bounds = this.bounds;
    const zLo = bounds[0]!;
    const zHi = bounds[1]!;
    const tailMax = bounds[2]!;
    const slack = bounds[3]!;
    const e = this.weights;
    const compacted = this.scanCompacted;
    // Each filter yields a cut: exact (cut index) or open (cut >= lo, unknown).
    let exactCut = Number.POSITIVE_INFINITY;
    this.openLo = Number.POSITIVE_INFINITY;
    this.openNeedsZ = false;
    const open = this.open;
    if (topK <= n) exactCut = topK;
    else if (!compacted) exactCut = n;
    else open(n, false);

    const minP = minPThreshold(params.min_p);
    if (params.min_p > 0) {
      let cut = -1;
      for (let i = 0; i < n; i++) {
        const w = e[i]!;
        if (slack > 0 && Math.abs(w - minP) <= slack * minP) {
          cut = -2;
          open(i, true);
          break;
        }
        if (w < minP) {
          cut = i;
          break;
        }
      }
      if (cut >= 0) exactCut = Math.min(exactCut, cut);
      else if (cut === -1) {
        if (!compacted || tailMax < minP * (1 - slack)) exactCut = Math.min(exactCut, n);
        else open(n, slack > 0 && tailMax >= minP * (1 - slack) && tailMax < minP * (1 + slack));
      }
    }

    const topP = topPThreshold(params.top_p);
    if (params.top_p < 1) {
      const keptBound = topP * zLo;
      const cutBound = topP * zHi * (1 + slack);
      let prefix = 0;
      let resolved = false;
      for (let i = 0; i <= n; i++) {
        if (i === n && !compacted) {
          exactCut = Math.min(exactCut, n);
          resolved = true;
          break;
        }
        const definitelyCut = slack > 0 ? prefix >= cutBound : prefix > cutBound;
        if (definitelyCut) {
          exactCut = Math.min(exactCut, i);
          resolved = true;
          break;
        }
        if (!(prefix * (1 + slack) <= keptBound)) {
          open(i, true);
          resolved = true;
          break;
        }
        if (i === n) break;
        prefix += e[i]!;
      }
      if (!resolved) open(n, false);
    }

    if (this.openLo < exactCut) return this.openNeedsZ && slack > 0 ? Decision.NeedExactZ : Decision.NeedMore;
    const cut = Math.min(exactCut, n);
    let total = 0;
    for (let i = 0; i < cut; i++) {
      this.keptIds[i] = this.bufIds[i]!;
      this.keptWeights[i] = e[i]!;
      total += e[i]!;
    }
    sortById(this.keptIds, this.keptWeights, cut);
    this.keptCount = cut;
    this.keptTotal = total;
    return Decision.Done;
  }

  /**
   * Exact filtering when the kept set is large (flat distributions with top-p or min-p only): one
   * pass computes every weight and a histogram of `u = (M - x) / T` in buckets of width 1/100; the
   * first bucket where top-k, top-p or min-p can cut is found from the bucket counts and masses;
   * tokens of earlier buckets are all kept, and only the tokens of that bucket are sorted.
   */
  private denseFilter(logits: Float32Array, params: SamplingParams, mask: Int32Array | undefined): void {
    const v = logits.length;
    this.ensureBuffer(v);
    if (this.dense.length < v) {
      this.dense = new Float64Array(v);
      this.denseBuckets = new Uint16Array(v);
    }
    const weights = this.dense;
    const buckets = this.denseBuckets;
    const counts = this.histCount;
    const mass = this.histMass;
    const invT = 1 / params.temperature;
    const z = denseWeights(logits, mask, this.maxLogit, invT, weights, buckets, counts, mass);
    const topK = Math.floor(params.top_k);
    const pBound = params.top_p < 1 ? topPThreshold(params.top_p) * z : Number.POSITIVE_INFINITY;
    const minP = params.min_p > 0 ? minPThreshold(params.min_p) : 0;
    const crossing = crossingBucket(counts, mass, topK, pBound, minP);
    // earlier buckets are kept; the crossing bucket goes to the side buffer
    const sideIds = this.bufIds;
    const sideVals = this.bufVals;
    const kept = collectDense(
      logits,
      weights,
      buckets,
      crossing,
      this.keptIds,
      this.keptWeights,
      sideIds,
      sideVals,
      this.scanCount,
    );
    const side = this.scanCount[0]!;
    const keptMass = this.sumKept(kept);
    // exact decisions inside the crossing bucket, in sampling order
    sortCandidates(sideIds, sideVals, side);
    let accepted = 0;
    let prefix = keptMass;
    for (let j = 0; j < side; j++) {
      const w = weights[sideIds[j]!]!;
      if (kept + accepted >= topK || prefix > pBound || w < minP) break;
      prefix += w;
      accepted++;
    }
    // merge the accepted side tokens (re-sorted by id) into the ascending kept list
    for (let j = 0; j < accepted; j++) sideVals[j] = weights[sideIds[j]!]!;
    sortById(sideIds, sideVals, accepted);
    let total = keptMass;
    if (accepted > 0) {
      let a = kept - 1;
      let b = accepted - 1;
      for (let out = kept + accepted - 1; out >= 0 && b >= 0; out--) {
        if (a >= 0 && this.keptIds[a]! > sideIds[b]!) {
          this.keptIds[out] = this.keptIds[a]!;
          this.keptWeights[out] = this.keptWeights[a]!;
          a--;
        } else {
          this.keptIds[out] = sideIds[b]!;
          this.keptWeights[out] = sideVals[b]!;
          total += sideVals[b]!;
          b--;
        }
      }
    }
    this.keptCount = kept + accepted;
    this.keptTotal = total;
  }
  private sumKept(count: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) total += this.keptWeights[i]!;
    return total;
  }
  private dense = new Float64Array(0);
  private denseBuckets = new Uint16Array(0);
  private readonly histCount = new Int32Array(HIST_BUCKETS);
  private readonly histMass = new Float64Array(HIST_BUCKETS);

  // Lowest "open" cut of the current decision (cut >= openLo, unknown) and whether exact Z resolves it.
  private openLo = Number.POSITIVE_INFINITY;
  private openNeedsZ = false;
  /** Records an open cut (bound once: no closure allocated per row). */
  private readonly open = (lo: number, needsZ: boolean): void => {
    if (lo < this.openLo) {
      this.openLo = lo;
      this.openNeedsZ = needsZ;
    } else if (lo === this.openLo && needsZ) this.openNeedsZ = true;
  };

  /**
   * +Infinity logits take all the mass: the first `limit` buffered (sorted) tokens equal to +Infinity
   * are kept with equal weights (torch would produce NaN probabilities here).
   */
  private keepInfinite(limit: number): void {
    let n = 0;
    while (n < limit && this.bufVals[n] === Number.POSITIVE_INFINITY) {
      this.keptIds[n] = this.bufIds[n]!;
      this.keptWeights[n] = 1;
      n++;
    }
    sortById(this.keptIds, this.keptWeights, n);
    this.keptCount = n;
    this.keptTotal = n;
  }

  /** No filter: every allowed finite token is kept with weight exp((x - M) / T). */
  private keepAll(logits: Float32Array, params: SamplingParams, mask: Int32Array | undefined): void {
    const v = logits.length;
    this.ensureBuffer(v);
    this.argmax(logits, mask);
    const m = this.maxLogit;
    if (m === Number.POSITIVE_INFINITY) {
      const n = this.scan(logits, mask, v);
      this.keepInfinite(n);
      return;
    }
    const n =
      m > Number.NEGATIVE_INFINITY
        ? weighAll(logits, mask, m, 1 / params.temperature, this.keptIds, this.keptWeights)
        : 0;
    this.keptCount = n;
    this.keptTotal = this.sumKept(n);
  }

  /** Samples a kept token by inversion in ascending id order; -1 when nothing is kept. */
  sample(rng: RandomSource): number {
    const n = this.keptCount;
    if (n === 0) return -1;
    const target = rng.nextFloat() * this.keptTotal;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += this.keptWeights[i]!;
      if (acc > target) return this.keptIds[i]!;
    }
    return this.keptIds[n - 1]!;
  }

  /**
   * SGLang's deterministic sampling: argmax over kept tokens of `log p_i + gumbel(murmur(seed,
   * position, token id))`, computed in float64 (ties: lowest id).
   */
  sampleGumbel(seed: number | bigint, position: number): number {
    const n = this.keptCount;
    if (n === 0) return -1;
    const row = murmurRowState(seed, position);
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    const logTotal = Math.log(this.keptTotal);
    for (let i = 0; i < n; i++) {
      const id = this.keptIds[i]!;
      const score = Math.log(this.keptWeights[i]!) - logTotal + gumbelNoise(murmurFinish(row, id));
      if (score > bestScore) {
        bestScore = score;
        best = id;
      }
    }
    return best;
  }

  /** Writes the kept distribution (renormalised, zeros elsewhere) into `out`. */
  writeProbs(out: Float32Array | Float64Array): void {
    out.fill(0);
    const total = this.keptTotal;
    for (let i = 0; i < this.keptCount; i++) out[this.keptIds[i]!] = this.keptWeights[i]! / total;
  }

  /**
   * log Z for output logprobs: `log Σ exp((x - M) / T)` over allowed tokens of an edited row, relative
   * to M = {@link maxLogit} recomputed here. Returns `{ m, logZ }`; logprob(x) = (x - m) / T - logZ.
   */
  logNormalizer(logits: Float32Array, temperature: number, mask?: Int32Array): { m: number; logZ: number } {
    this.argmax(logits, mask);
    const m = this.maxLogit;
    if (!(m > Number.NEGATIVE_INFINITY)) return { m, logZ: Number.NaN };
    return { m, logZ: Math.log(exactZ(logits, mask, m, 1 / temperature)) };
  }

  /**
   * The top `count` allowed tokens of an edited row by logit (value desc, id asc), for top logprobs.
   * Returns the number found; ids/values are in {@link topIds}/{@link topValues}.
   */
  topTokens(logits: Float32Array, count: number, mask?: Int32Array): number {
    if (count <= 0) return 0;
    const n = this.scan(logits, mask, Math.min(count, logits.length));
    if (this.topIds.length < n) {
      this.topIds = new Int32Array(n);
      this.topValues = new Float64Array(n);
    }
    this.topIds.set(this.bufIds.subarray(0, n));
    this.topValues.set(this.bufVals.subarray(0, n));
    return n;
  }
  /** Ids found by {@link topTokens}, best first. */
  topIds = new Int32Array(0);
  /** Edited logits found by {@link topTokens}, parallel to {@link topIds}. */
  topValues = new Float64Array(0);
}
