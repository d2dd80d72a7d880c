/**
 * Sampling parameters for the server: src/sampling's `SamplingParams` (construction §1.2, `normalize` §1.3,
 * `verify` §1.4 with SGLang's exact messages) flattened for the step loop. Every failure is an HTTP 400.
 */
import { SamplingParams, SamplingParamsError } from '../sampling/index.js';
import { BadRequestError, HttpError } from './errors.js';
import type { ServerTokenizer } from './tokenizer.js';

/** A JSON value as parsed from a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sampling parameters after construction, normalisation and verification. */
export interface ResolvedSamplingParams {
  /** The validated src/sampling object (the logits pipeline reads it). */
  source: SamplingParams;
  maxNewTokens: number | null;
  stop: string[];
  stopTokenIds: number[] | null;
  stopRegex: string[];
  /** Longest stop string, in tokens (`stop_str_max_len`). */
  stopStrMaxLen: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  frequencyPenalty: number;
  presencePenalty: number;
  repetitionPenalty: number;
  minNewTokens: number;
  n: number;
  jsonSchema: string | null;
  regex: string | null;
  ebnf: string | null;
  structuralTag: string | null;
  ignoreEos: boolean;
  skipSpecialTokens: boolean;
  spacesBetweenSpecialTokens: boolean;
  noStopTrim: boolean;
  customParams: { [key: string]: Json } | null;
  streamInterval: number | null;
  logitBias: Map<number, number> | null;
  samplingSeed: number | null;
}

/**
 * Builds, normalises and verifies one `sampling_params` dict with src/sampling's `SamplingParams`
 * (`from` → `normalize(tokenizer)` → `verify(vocabSize)`, SGLang's exact messages) and flattens the result
 * for the step loop.
 * @param raw the request's dict (`null`/`undefined` means `{}`); parse bodies with `parseJsonKeepingFloats` so
 *   `0.0` prints as `0.0` in messages
 * @param tokenizer used for `stop_str_max_len` (a token count)
 */
export function resolveSamplingParams(
  raw: Json | undefined,
  tokenizer: ServerTokenizer,
): ResolvedSamplingParams {
  let sp: SamplingParams;
  try {
    sp = SamplingParams.from(raw ?? null)
      .normalize({ encode: (text: string) => tokenizer.encode(text) })
      .verify(tokenizer.vocabSize);
  } catch (error) {
    if (error instanceof SamplingParamsError)
      throw new HttpError(error.status, error.message, 'BadRequestError');
    throw error;
  }
  for (const pattern of sp.stop_regex_strs) {
    try {
      new RegExp(pattern);
    } catch (error) {
      throw new BadRequestError(`Invalid stop_regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
  }
  let logitBias: Map<number, number> | null = null;
  if (sp.logit_bias) {
    logitBias = new Map();
    for (const [key, value] of Object.entries(sp.logit_bias)) logitBias.set(Number.parseInt(key, 10), value);
  }
  return {
    source: sp,
    maxNewTokens: sp.max_new_tokens,
    stop: sp.stop_strs,
    stopTokenIds: sp.stop_token_ids,
    stopRegex: sp.stop_regex_strs,
    stopStrMaxLen: sp.stop_str_max_len,
    temperature: sp.temperature,
    topP: sp.top_p,
    topK: sp.top_k,
    minP: sp.min_p,
    frequencyPenalty: sp.frequency_penalty,
    presencePenalty: sp.presence_penalty,
    repetitionPenalty: sp.repetition_penalty,
    minNewTokens: sp.min_new_tokens,
    n: sp.n,
    jsonSchema: sp.json_schema,
    regex: sp.regex,
    ebnf: sp.ebnf,
    structuralTag: sp.structural_tag,
    ignoreEos: sp.ignore_eos,
    skipSpecialTokens: sp.skip_special_tokens,
    spacesBetweenSpecialTokens: sp.spaces_between_special_tokens,
    noStopTrim: sp.no_stop_trim,
    customParams: sp.custom_params,
    streamInterval: sp.stream_interval,
    logitBias,
    samplingSeed: sp.sampling_seed,
  };
}

/** `{**preferred, **request}` (§1.5): request keys win even when null. */
export function mergePreferred(
  preferred: { [key: string]: Json } | undefined,
  request: Json | undefined,
): Json | undefined {
  if (!preferred) return request;
  if (request === undefined || request === null) return { ...preferred };
  if (typeof request !== 'object' || Array.isArray(request)) return request;
  return { ...preferred, ...request };
}
