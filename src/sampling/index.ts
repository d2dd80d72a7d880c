/**
 * Sampling with SGLang's exact semantics: parameters and validation, the logits pipeline, custom
 * logit processors, stop conditions, incremental detokenization, logprobs and the generation loop.
 */
export { type ComputeState, computeLogprobs, computeProbs, sampleToken } from './api.js';
export {
  type DetokenizerOptions,
  findPrintableText,
  INIT_INCREMENTAL_DETOKENIZATION_OFFSET,
  IncrementalDetokenizer,
} from './detokenizer.js';
export { SamplingParamsError } from './errors.js';
export { expNonPositive } from './exp.js';
export {
  abortReason,
  type FinishAbort,
  type FinishLength,
  type FinishReason,
  type FinishStop,
  fromStreamingSearch,
  jsStopRegex,
  openAIFinishReason,
  StopChecker,
  type StopCheckerOptions,
  trimMatchedStopIds,
  trimMatchedStopText,
} from './finish.js';
export {
  type GenerateEvent,
  type GenerateRequest,
  Generator,
  type GeneratorOptions,
  type LanguageModel,
  type RequestHandle,
} from './generator.js';
export {
  type DistributionReport,
  type InspectOptions,
  inspectDistribution,
  type TokenReport,
} from './inspect.js';
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
  type LogitsFile,
  LogitsFileError,
  parseJsonLogits,
  parseNpyLogits,
  parseSafetensorsLogits,
  readLogitsFile,
} from './logits-file.js';
export {
  inputLogprobs,
  LogprobFormatter,
  type LogprobOptions,
  type LogprobsMeta,
  type LogprobTuple,
  logprobValue,
  logSumExp,
} from './logprobs.js';
export {
  type CustomParamValue,
  type NormalizeOptions,
  SAMPLING_EPS,
  SamplingParams,
  type SamplingParamsInput,
  TOP_K_ALL,
} from './params.js';
export { LogitsPipeline, type SamplingState } from './pipeline.js';
export { distributionSvg, type PlotBar } from './plot.js';
export { parseJsonKeepingFloats, pyFloatRepr, pyInt, pyRepr, pyStr } from './py-repr.js';
export { REGEX_MAX_LEN, RegexSyntaxError, stopRegexMaxLength } from './regex-max-len.js';
export { gumbelNoise, murmurHash32, type RandomSource, Xoshiro128 } from './rng.js';
export type { MatcherLike, StopRegexSearchLike, TokenizerLike } from './types.js';
