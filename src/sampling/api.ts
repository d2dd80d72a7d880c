/**
 * One-row entry points over the fused pipeline: {@link computeProbs}, {@link computeLogprobs} and
 * {@link sampleToken}. They share one module-level {@link LogitsPipeline} (JS is single-threaded), so
 * repeated calls reuse its scratch buffers; only the returned arrays are allocated.
 *
 * The input row is edited in place during a call (penalties, bias) and restored before returning.
 */

import { applyTokenBitmask } from '../engine/bitmask.js';
import { type CustomParams, resolveLogitProcessor } from './logit-processors.js';
import { SamplingParams, type SamplingParamsInput } from './params.js';
import { LogitsPipeline, type SamplingState } from './pipeline.js';
import { type RandomSource, Xoshiro128 } from './rng.js';

/** {@link SamplingState} plus an optional custom logit processor (the caller decides it is enabled). */
export interface ComputeState extends SamplingState {
  /** A registered processor name or `{"callable": name}`; runs after penalties, mask and bias. */
  customLogitProcessor?: string;
}

const shared = new LogitsPipeline();

/** Accepts built parameters or a raw `sampling_params` object (built with {@link SamplingParams.from}). */
function asParams(params: SamplingParams | SamplingParamsInput): SamplingParams {
  return params instanceof SamplingParams ? params : SamplingParams.from(params);
}

/**
 * Runs `fn(row)` on the fully processed row (penalties, min_new_tokens, repetition, mask, bias and,
 * when given, the custom processor) and returns the mask that still applies (undefined after a custom
 * processor, which receives the mask applied as -inf, like SGLang).
 */
function withProcessedRow<T>(
  logits: Float32Array,
  params: SamplingParams,
  state: ComputeState,
  fn: (row: Float32Array, mask: Int32Array | undefined) => T,
): T {
  if (state.customLogitProcessor !== undefined) {
    const { fn: processor } = resolveLogitProcessor(state.customLogitProcessor);
    const row = Float32Array.from(logits);
    shared.applyEdits(row, params, state);
    if (state.bitmask) applyTokenBitmask(row, state.bitmask, row.length);
    const custom: CustomParams = { ...(params.custom_params ?? {}) };
    custom.__req__ = { outputIds: Array.from(state.outputIds), originInputIds: [] };
    const replaced = processor([row], [custom]);
    return fn(replaced?.[0] ?? row, undefined);
  }
  shared.applyEdits(logits, params, state);
  try {
    return fn(logits, state.bitmask);
  } finally {
    shared.restoreEdits(logits);
  }
}

/**
 * The final sampling distribution of one row after every pipeline step (§2.1–§2.5): removed tokens
 * are 0 and kept tokens renormalised; greedy rows are one-hot on the argmax (lowest id on ties);
 * a row where every token is masked or -inf is all zeros.
 */
export function computeProbs(
  logits: Float32Array,
  params: SamplingParams | SamplingParamsInput,
  state: ComputeState = { outputIds: [] },
): Float32Array {
  const p = asParams(params);
  return withProcessedRow(logits, p, state, (row, mask) => {
    shared.filter(row, p, mask);
    const out = new Float32Array(row.length);
    shared.writeProbs(out);
    return out;
  });
}

/**
 * The logprobs SGLang reports for output tokens (§2.6): `log_softmax(processed / T)` after penalties,
 * mask, bias and custom processor, after temperature, before top-k/top-p/min-p (no renormalisation).
 * Masked and -inf tokens get -Infinity. Greedy rows use T = 1.
 */
export function computeLogprobs(
  logits: Float32Array,
  params: SamplingParams | SamplingParamsInput,
  state: ComputeState = { outputIds: [] },
): Float32Array {
  const p = asParams(params);
  return withProcessedRow(logits, p, state, (row, mask) => {
    const out = new Float32Array(row.length).fill(Number.NEGATIVE_INFINITY);
    const { m, logZ } = shared.logNormalizer(row, p.temperature, mask);
    if (Number.isNaN(logZ)) return out;
    const invT = 1 / p.temperature;
    for (let i = 0; i < row.length; i++) {
      const x = row[i]!;
      if (x > Number.NEGATIVE_INFINITY && (mask === undefined || ((mask[i >>> 5]! >>> (i & 31)) & 1) === 1)) {
        out[i] = (x - m) * invT - logZ;
      }
    }
    return out;
  });
}

/**
 * Draws a token from a distribution (need not be normalised) by inversion in ascending id order:
 * the first id whose running sum exceeds `u * total`. `rng` is a {@link RandomSource} (e.g.
 * `new Xoshiro128(seed)`), a function returning uniforms in [0, 1), or a seed for a fresh
 * xoshiro128**. Returns -1 when the total is 0.
 */
export function sampleToken(
  probs: ArrayLike<number>,
  rng: RandomSource | (() => number) | number | bigint,
): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) total += probs[i]!;
  if (!(total > 0)) return -1;
  const u =
    typeof rng === 'function'
      ? rng()
      : typeof rng === 'number' || typeof rng === 'bigint'
        ? new Xoshiro128(rng).nextFloat()
        : rng.nextFloat();
  const target = u * total;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p > 0) {
      acc += p;
      last = i;
      if (acc > target) return i;
    }
  }
  return last;
}
