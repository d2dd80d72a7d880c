/**
 * The per-row logits pipeline of SGLang (§2.1): additive penalties, repetition penalty, grammar mask, logit_bias,
 * custom processor, temperature, then top-k / top-p / min-p filtering (the torch reference path of §2.5) and a
 * multinomial draw. Logprobs are log-softmax after temperature and before filtering (§2.6).
 */
import type { ResolvedSamplingParams } from '../sampling-params.js';
import type { Random } from './rng.js';

/** Output-token counts for the penalties (generated tokens only, §2.2). */
export type TokenCounts = Map<number, number>;

/** Applies frequency/presence (additive) then repetition (scaling) penalties in place. */
export function applyPenalties(logits: Float32Array, counts: TokenCounts, p: ResolvedSamplingParams): void {
  if (p.frequencyPenalty !== 0 || p.presencePenalty !== 0) {
    for (const [v, c] of counts) logits[v] = logits[v]! - p.frequencyPenalty * c - p.presencePenalty;
  }
  if (p.repetitionPenalty !== 1) {
    for (const v of counts.keys()) {
      const x = logits[v]!;
      logits[v] = x < 0 ? x * p.repetitionPenalty : x / p.repetitionPenalty;
    }
  }
}

/** Sets every token whose bit is 0 in `mask` (32 tokens per word) to -inf. */
export function applyBitmask(logits: Float32Array, mask: Int32Array): void {
  const V = logits.length;
  for (let w = 0; w < mask.length; w++) {
    const word = mask[w]!;
    if (word === -1) continue;
    const base = w << 5;
    const end = Math.min(32, V - base);
    for (let b = 0; b < end; b++) if ((word & (1 << b)) === 0) logits[base + b] = -Infinity;
  }
}

/** Index of the largest logit; ties go to the lowest index (torch.argmax). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let v = 0; v < logits.length; v++) {
    const x = logits[v]!;
    if (x > bestValue) {
      bestValue = x;
      best = v;
    }
  }
  return best;
}

/**
 * Divides by the temperature and writes softmax probabilities into `probs`; returns log(sum exp) of the scaled
 * logits so callers can derive log-probabilities as `logits[v] / T - logZ`.
 */
export function softmaxInto(logits: Float32Array, temperature: number, probs: Float64Array): number {
  let max = -Infinity;
  for (let v = 0; v < logits.length; v++) if (logits[v]! > max) max = logits[v]!;
  if (max === -Infinity) {
    probs.fill(0);
    return -Infinity;
  }
  const inv = 1 / temperature;
  let sum = 0;
  for (let v = 0; v < logits.length; v++) {
    const e = Math.exp((logits[v]! - max) * inv);
    probs[v] = e;
    sum += e;
  }
  for (let v = 0; v < logits.length; v++) probs[v] = probs[v]! / sum;
  return max * inv + Math.log(sum);
}

/** Draws from unnormalised `weights` restricted to `ids` (or all tokens when `ids` is undefined). */
function draw(weights: Float64Array, random: Random, ids?: readonly number[]): number {
  if (ids) {
    let total = 0;
    for (const v of ids) total += weights[v]!;
    let u = random() * total;
    for (const v of ids) {
      u -= weights[v]!;
      if (u < 0) return v;
    }
    return ids[ids.length - 1]!;
  }
  let total = 0;
  for (let v = 0; v < weights.length; v++) total += weights[v]!;
  let u = random() * total;
  let last = 0;
  for (let v = 0; v < weights.length; v++) {
    const w = weights[v]!;
    if (w <= 0) continue;
    last = v;
    u -= w;
    if (u < 0) return v;
  }
  return last;
}

/** Tokens with probability >= threshold, sorted by probability descending (ties by id). */
function candidates(probs: Float64Array, threshold: number): number[] {
  const ids: number[] = [];
  for (let v = 0; v < probs.length; v++) if (probs[v]! > 0 && probs[v]! >= threshold) ids.push(v);
  ids.sort((a, b) => probs[b]! - probs[a]! || a - b);
  return ids;
}

/**
 * Samples one token from softmax probabilities with SGLang's top-k, top-p (cumsum of the unfiltered sorted
 * probabilities, crossing token kept) and min-p (relative to the max probability) filters.
 * Only the head of the sorted distribution is sorted: tokens below a small threshold cannot survive once the
 * head already exhausts top-k or top-p; otherwise the threshold drops to zero.
 */
export function sampleFiltered(probs: Float64Array, p: ResolvedSamplingParams, random: Random): number {
  const V = probs.length;
  if (p.topK >= V && p.topP >= 1 && p.minP <= 0) return draw(probs, random);
  let max = 0;
  for (let v = 0; v < V; v++) if (probs[v]! > max) max = probs[v]!;
  const minPFloor = p.minP > 0 ? max * p.minP : 0;
  let sorted = candidates(probs, Math.max(minPFloor, 1 / (16 * V)));
  let headMass = 0;
  for (const v of sorted) headMass += probs[v]!;
  if (sorted.length < p.topK && headMass <= p.topP && minPFloor < 1 / (16 * V))
    sorted = candidates(probs, minPFloor);
  const kept: number[] = [];
  let cumulative = 0;
  for (let i = 0; i < sorted.length && i < p.topK; i++) {
    const v = sorted[i]!;
    if (i > 0 && cumulative > p.topP) break;
    if (probs[v]! < minPFloor) break;
    kept.push(v);
    cumulative += probs[v]!;
  }
  return draw(probs, random, kept);
}
