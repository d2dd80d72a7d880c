/**
 * Sampling with SGLang's exact semantics: parameters and validation, the logits pipeline, custom
 * logit processors, stop conditions, incremental detokenization, logprobs and the generation loop.
 */
export { applyMaskDense, type ComputeState, computeLogprobs, computeProbs, sampleToken } from './api.js';
export { SamplingParamsError } from './errors.js';
export {
  CUSTOM_LOGIT_PROCESSOR_DISABLED_MESSAGE,
  type CustomParams,
  disallowedTokensLogitsProcessor,
  type LogitProcessorFn,
  type LogitProcessorRequestInfo,
  registerLogitProcessor,
  resolveLogitProcessor,
  serializeLogitProcessor,
  unregisterLogitProcessor,
} from './logit-processors.js';
export {
  type JsonValue,
  type NormalizeOptions,
  SAMPLING_EPS,
  SamplingParams,
  type SamplingParamsInput,
  TOP_K_ALL,
} from './params.js';
export { expNonPositive, LogitsPipeline, type SamplingState } from './pipeline.js';
export { parseJsonKeepingFloats, pyFloatRepr, pyInt, pyRepr, pyStr } from './py-repr.js';
export { REGEX_MAX_LEN, RegexSyntaxError, stopRegexMaxLength } from './regex-max-len.js';
export { gumbelNoise, murmurHash32, type RandomSource, Xoshiro128 } from './rng.js';
export type { MatcherLike, StopRegexSearchLike, TokenizerLike } from './types.js';
