/**
 * What `logitkit sample` reports about one logits row: the processed distribution (kept tokens, the
 * mass they had before renormalisation, entropy), the top tokens with probabilities and logprobs, a
 * seeded sample, and the before/after bars for the plot.
 */
import { computeLogprobs, computeProbs, sampleToken } from './api.js';
import type { SamplingParams } from './params.js';
import type { PlotBar } from './plot.js';
import { Xoshiro128 } from './rng.js';
import type { TokenizerLike } from './types.js';

/** One top token of the report. */
export interface TokenReport {
  id: number;
  text: string | null;
  logit: number;
  /** SGLang's output logprob (after penalties/mask/bias/temperature, before filtering); null = -inf. */
  logprob: number | null;
  /** Final sampling probability (0 when filtered out). */
  prob: number;
}

/** The report of {@link inspectDistribution}. */
export interface DistributionReport {
  vocabSize: number;
  greedy: boolean;
  keptTokens: number;
  /** Probability mass of the kept tokens before renormalisation (softmax(processed / T)). */
  keptMass: number;
  /** Entropy of the final distribution, in nats and bits. */
  entropyNats: number;
  entropyBits: number;
  top: TokenReport[];
  sample: { seed: number; id: number; text: string | null };
  bars: PlotBar[];
}

/** Options of {@link inspectDistribution}. */
export interface InspectOptions {
  previousIds?: readonly number[];
  eosTokenIds?: readonly number[];
  bitmask?: Int32Array;
  tokenizer?: Pick<TokenizerLike, 'decode'> | null;
  /** Number of top tokens listed (default 10) and plotted (default 40). */
  top?: number;
  plotTop?: number;
  seed?: number;
}

/** Runs the pipeline on `logits` and summarises the result (see the module comment). */
export function inspectDistribution(
  logits: Float32Array,
  params: SamplingParams,
  options: InspectOptions = {},
): DistributionReport {
  const state = {
    outputIds: options.previousIds ?? [],
    eosTokenIds: options.eosTokenIds,
    bitmask: options.bitmask,
  };
  const probs = computeProbs(logits, params, state);
  const logprobs = computeLogprobs(logits, params, state);
  const textOf = (id: number) =>
    options.tokenizer && id >= 0 ? options.tokenizer.decode([id], { skipSpecialTokens: false }) : null;
  let kept = 0;
  let keptMass = 0;
  let entropy = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p > 0) {
      kept++;
      keptMass += Math.exp(logprobs[i]!);
      entropy -= p * Math.log(p);
    }
  }
  const order = Array.from({ length: logits.length }, (_, i) => i)
    .filter((i) => logprobs[i]! > Number.NEGATIVE_INFINITY)
    .sort((a, b) => logprobs[b]! - logprobs[a]! || a - b);
  const top = order.slice(0, options.top ?? 10).map(
    (id): TokenReport => ({
      id,
      text: textOf(id),
      logit: logits[id]!,
      logprob: Number.isFinite(logprobs[id]!) ? logprobs[id]! : null,
      prob: probs[id]!,
    }),
  );
  const bars = order.slice(0, options.plotTop ?? 40).map(
    (id): PlotBar => ({
      id,
      label: textOf(id) ?? String(id),
      before: Math.exp(logprobs[id]!),
      after: probs[id]!,
    }),
  );
  const seed = options.seed ?? 0;
  const id = sampleToken(probs, new Xoshiro128(seed));
  return {
    vocabSize: logits.length,
    greedy: params.isGreedy,
    keptTokens: kept,
    keptMass: params.isGreedy ? 1 : keptMass,
    entropyNats: entropy,
    entropyBits: entropy / Math.LN2,
    top,
    sample: { seed, id, text: textOf(id) },
    bars,
  };
}
