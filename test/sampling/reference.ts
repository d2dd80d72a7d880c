/**
 * Test-only reference of SGLang's sampling pipeline, written as literally as possible from the spec
 * (§2.1–§2.6) on dense arrays: every step over the whole vocabulary, a full sort, float64 softmax.
 * The fused pipeline in src/sampling must agree with it.
 */
import type { SamplingParams } from '../../src/sampling/params.js';

export interface ReferenceState {
  outputIds: ArrayLike<number>;
  bitmask?: Int32Array;
  eosTokenIds?: readonly number[];
}

/** Processed logits (penalties, min_new_tokens, repetition, mask, bias), float32 like torch. */
export function referenceProcessedLogits(
  logits: Float32Array,
  params: SamplingParams,
  state: ReferenceState,
): Float32Array {
  const x = Float32Array.from(logits);
  const counts = new Map<number, number>();
  for (let i = 0; i < state.outputIds.length; i++) {
    const id = state.outputIds[i]!;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // (a) additive: frequency + presence (+ -inf on stop ids while min_new_tokens is not reached)
  for (const [id, c] of counts) {
    if (id < 0 || id >= x.length) continue;
    if (params.frequency_penalty !== 0 || params.presence_penalty !== 0 || params.repetition_penalty !== 1) {
      x[id] = x[id]! - (params.frequency_penalty * c + params.presence_penalty);
    }
  }
  if (params.min_new_tokens > 0 && state.outputIds.length < params.min_new_tokens) {
    for (const id of [...(params.stop_token_ids ?? []), ...(state.eosTokenIds ?? [])]) {
      if (id >= 0 && id < x.length) x[id] = Number.NEGATIVE_INFINITY;
    }
  }
  // (b) repetition, generated tokens only
  if (params.repetition_penalty !== 1) {
    for (const id of counts.keys()) {
      if (id < 0 || id >= x.length) continue;
      const v = x[id]!;
      x[id] = v < 0 ? v * params.repetition_penalty : v / params.repetition_penalty;
    }
  }
  // (c) grammar mask
  if (state.bitmask) {
    for (let i = 0; i < x.length; i++) {
      if (((state.bitmask[i >> 5]! >>> (i & 31)) & 1) === 0) x[i] = Number.NEGATIVE_INFINITY;
    }
  }
  // (d) logit_bias after the mask
  for (const [key, bias] of Object.entries(params.logit_bias ?? {})) {
    const id = Number(key);
    if (id >= 0 && id < x.length) x[id] = x[id]! + bias;
  }
  for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) x[i] = Number.NEGATIVE_INFINITY;
  return x;
}

/** The final distribution: greedy one-hot, or softmax(x / T) filtered by top-k, top-p, min-p and renormalised. */
export function referenceProbs(
  logits: Float32Array,
  params: SamplingParams,
  state: ReferenceState,
): Float64Array {
  const x = referenceProcessedLogits(logits, params, state);
  const v = x.length;
  const out = new Float64Array(v);
  let m = Number.NEGATIVE_INFINITY;
  let arg = -1;
  for (let i = 0; i < v; i++) {
    if (x[i]! > m) {
      m = x[i]!;
      arg = i;
    }
  }
  if (arg < 0) return out;
  if (params.top_k <= 1) {
    out[arg] = 1;
    return out;
  }
  const t = params.temperature;
  const e = Array.from(x, (xi) => Math.exp((xi - m) / t));
  const z = e.reduce((a, b) => a + b, 0);
  const p = e.map((ei) => ei / z);
  const order = Array.from({ length: v }, (_, i) => i).sort((a, b) => x[b]! - x[a]! || a - b);
  const sorted = order.map((i) => p[i]!);
  const kept = new Array<boolean>(v).fill(false);
  let cum = 0;
  for (let r = 0; r < v; r++) {
    cum += sorted[r]!;
    const exclusive = cum - sorted[r]!;
    let keep = sorted[r]! > 0;
    if (r >= params.top_k) keep = false;
    // comparisons at float32 precision, like SGLang's torch tensors
    if (Math.fround(exclusive) > Math.fround(params.top_p)) keep = false;
    if (params.min_p > 0 && Math.fround(sorted[r]! / sorted[0]!) < Math.fround(params.min_p)) keep = false;
    kept[order[r]!] = keep;
  }
  let total = 0;
  for (let i = 0; i < v; i++) if (kept[i]) total += p[i]!;
  for (let i = 0; i < v; i++) out[i] = kept[i] ? p[i]! / total : 0;
  return out;
}

/** Output logprobs: log_softmax(processed / T), -inf for removed tokens. */
export function referenceLogprobs(
  logits: Float32Array,
  params: SamplingParams,
  state: ReferenceState,
): Float64Array {
  const x = referenceProcessedLogits(logits, params, state);
  const m = Math.max(...x);
  let z = 0;
  for (const xi of x) z += Math.exp((xi - m) / params.temperature);
  return Float64Array.from(x, (xi) => (xi - m) / params.temperature - Math.log(z));
}

/**
 * The exclusive prefix sums `E[r]` (r < count) of the reference's sorted probabilities, computed the
 * way {@link referenceProbs} computes them: tests use them to put `top_p` exactly on a cut.
 */
export function referenceExclusiveSums(
  logits: Float32Array,
  params: SamplingParams,
  state: ReferenceState,
  count: number,
): number[] {
  const x = referenceProcessedLogits(logits, params, state);
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) if (x[i]! > m) m = x[i]!;
  const t = params.temperature;
  const e = Array.from(x, (xi) => Math.exp((xi - m) / t));
  const z = e.reduce((a, b) => a + b, 0);
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[b]! - x[a]! || a - b);
  const sums: number[] = [];
  let cum = 0;
  for (let r = 0; r < Math.min(count, x.length); r++) {
    const pr = e[order[r]!]! / z;
    cum += pr;
    sums.push(cum - pr);
  }
  return sums;
}
