/**
 * SGLang `SamplingParams` for the server: construction (§1.2), `normalize` (§1.3) and `verify` (§1.4) with
 * SGLang's exact messages. Every failure is a {@link BadRequestError} (a Python ValueError → HTTP 400).
 * Unknown keys and wrong JSON types, which SGLang reports as a 500, are 400s here with a message naming the key.
 */
import { BadRequestError } from './errors.js';
import type { ServerTokenizer } from './tokenizer.js';

/** SGLang's TOP_K_ALL. */
export const TOP_K_ALL = 2 ** 30;

/** A JSON value as parsed from a request body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sampling parameters after construction, normalisation and verification. */
export interface ResolvedSamplingParams {
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

type Kind = 'number' | 'int' | 'bool' | 'string' | 'stringOrList' | 'intList' | 'dict' | 'grammar';

const FIELDS: Record<string, Kind> = {
  max_new_tokens: 'int',
  stop: 'stringOrList',
  stop_token_ids: 'intList',
  stop_regex: 'stringOrList',
  temperature: 'number',
  top_p: 'number',
  top_k: 'int',
  min_p: 'number',
  frequency_penalty: 'number',
  presence_penalty: 'number',
  repetition_penalty: 'number',
  min_new_tokens: 'int',
  n: 'int',
  json_schema: 'grammar',
  regex: 'string',
  ebnf: 'string',
  structural_tag: 'grammar',
  ignore_eos: 'bool',
  skip_special_tokens: 'bool',
  spaces_between_special_tokens: 'bool',
  no_stop_trim: 'bool',
  custom_params: 'dict',
  stream_interval: 'int',
  logit_bias: 'dict',
  sampling_seed: 'int',
};

/** Python `str()` of a number: integers without a fraction, other floats as JS prints them. */
export function pyStr(value: number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkType(key: string, kind: Kind, value: Json): void {
  const bad = (expected: string) =>
    new BadRequestError(
      `sampling_params.${key} must be ${expected}, got ${typeName(value)}: ${JSON.stringify(value)}`,
    );
  switch (kind) {
    case 'number':
      if (typeof value !== 'number' && typeof value !== 'boolean') throw bad('a number');
      return;
    case 'int':
      if (typeof value === 'boolean') return;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('an integer');
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw bad('a boolean');
      return;
    case 'string':
      if (typeof value !== 'string') throw bad('a string');
      return;
    case 'grammar':
      if (typeof value !== 'string' && (typeof value !== 'object' || Array.isArray(value))) {
        throw bad('a string (or a JSON object)');
      }
      return;
    case 'stringOrList':
      if (typeof value === 'string') return;
      if (!Array.isArray(value) || value.some((s) => typeof s !== 'string'))
        throw bad('a string or a list of strings');
      return;
    case 'intList':
      if (
        !Array.isArray(value) ||
        value.some((x) => x !== null && !(typeof x === 'number' && Number.isInteger(x)))
      ) {
        throw bad('a list of integers');
      }
      return;
    case 'dict':
      if (typeof value !== 'object' || Array.isArray(value)) throw bad('an object');
      return;
  }
}

function num(value: Json | undefined, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'boolean' ? Number(value) : (value as number);
}

function bool(value: Json | undefined, fallback: boolean): boolean {
  return value === undefined || value === null ? fallback : (value as boolean);
}

function grammarSource(value: Json | undefined): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function toList(value: Json | undefined): string[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' ? [value] : (value as string[]);
}

/**
 * Builds, normalises and verifies one `sampling_params` dict (§1.2–§1.4).
 * @param raw the request's dict (`null`/`undefined` means `{}`)
 * @param tokenizer used for `stop_str_max_len` (a token count)
 */
export function resolveSamplingParams(
  raw: Json | undefined,
  tokenizer: ServerTokenizer,
): ResolvedSamplingParams {
  const dict = raw ?? {};
  if (typeof dict !== 'object' || Array.isArray(dict)) {
    throw new BadRequestError(`sampling_params must be an object, got ${typeName(dict)}`);
  }
  for (const [key, value] of Object.entries(dict)) {
    const kind = FIELDS[key];
    if (kind === undefined) throw new BadRequestError(`Unknown sampling parameter: '${key}'`);
    if (value !== null) checkType(key, kind, value);
  }

  let temperature = num(dict.temperature, 1.0);
  let topK = num(dict.top_k, -1);
  // §1.2 greedy conversion.
  if (temperature >= 0 && temperature < 1e-6) {
    temperature = 1.0;
    topK = 1;
  }
  if (topK === -1) topK = TOP_K_ALL;

  const stopTokenIds = Array.isArray(dict.stop_token_ids)
    ? [...new Set(dict.stop_token_ids.filter((x): x is number => typeof x === 'number'))]
    : null;
  const stop = toList(dict.stop);
  const params: ResolvedSamplingParams = {
    maxNewTokens: dict.max_new_tokens === null ? null : num(dict.max_new_tokens, 128),
    stop,
    stopTokenIds: stopTokenIds && stopTokenIds.length > 0 ? stopTokenIds : null,
    stopRegex: toList(dict.stop_regex),
    stopStrMaxLen: Math.max(0, ...stop.map((s) => tokenizer.encode(s).length)),
    temperature,
    topP: num(dict.top_p, 1.0),
    topK,
    minP: num(dict.min_p, 0),
    frequencyPenalty: num(dict.frequency_penalty, 0),
    presencePenalty: num(dict.presence_penalty, 0),
    repetitionPenalty: num(dict.repetition_penalty, 1),
    minNewTokens: num(dict.min_new_tokens, 0),
    n: num(dict.n, 1),
    jsonSchema: grammarSource(dict.json_schema),
    regex: (dict.regex as string | null | undefined) ?? null,
    ebnf: (dict.ebnf as string | null | undefined) ?? null,
    structuralTag: grammarSource(dict.structural_tag),
    ignoreEos: bool(dict.ignore_eos, false),
    skipSpecialTokens: bool(dict.skip_special_tokens, true),
    spacesBetweenSpecialTokens: bool(dict.spaces_between_special_tokens, true),
    noStopTrim: bool(dict.no_stop_trim, false),
    customParams: (dict.custom_params as { [key: string]: Json } | null | undefined) ?? null,
    streamInterval:
      dict.stream_interval === undefined || dict.stream_interval === null
        ? null
        : num(dict.stream_interval, 1),
    logitBias: null,
    samplingSeed:
      dict.sampling_seed === undefined || dict.sampling_seed === null ? null : num(dict.sampling_seed, 0),
  };
  for (const pattern of params.stopRegex) {
    try {
      new RegExp(pattern);
    } catch (error) {
      throw new BadRequestError(`Invalid stop_regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
  }
  verify(params, dict.logit_bias as { [key: string]: Json } | null | undefined, tokenizer.vocabSize);
  return params;
}

function verify(
  p: ResolvedSamplingParams,
  logitBias: { [key: string]: Json } | null | undefined,
  vocabSize: number,
) {
  const fail = (message: string) => {
    throw new BadRequestError(message);
  };
  if (!Number.isFinite(p.temperature) || p.temperature < 0) {
    fail(`temperature must be a non-negative finite number, got ${pyStr(p.temperature)}.`);
  }
  if (!(p.topP > 0 && p.topP <= 1)) fail(`top_p must be in (0, 1], got ${pyStr(p.topP)}.`);
  if (!(p.minP >= 0 && p.minP <= 1)) fail(`min_p must be in [0, 1], got ${pyStr(p.minP)}.`);
  if (p.topK < 1) fail(`top_k must be -1 (disable) or at least 1, got ${pyStr(p.topK)}.`);
  if (!(p.frequencyPenalty >= -2 && p.frequencyPenalty <= 2)) {
    fail(`frequency_penalty must be in [-2, 2], got ${pyStr(p.frequencyPenalty)}.`);
  }
  if (!(p.presencePenalty >= -2 && p.presencePenalty <= 2)) {
    fail(`presence_penalty must be in [-2, 2], got ${pyStr(p.presencePenalty)}.`);
  }
  if (!(p.repetitionPenalty > 0 && p.repetitionPenalty <= 2)) {
    fail(`repetition_penalty must be in (0, 2] (1.0 = no penalty), got ${pyStr(p.repetitionPenalty)}.`);
  }
  if (p.minNewTokens < 0)
    fail(`min_new_tokens must be in [0, max_new_tokens], got ${pyStr(p.minNewTokens)}.`);
  if (p.maxNewTokens !== null) {
    if (p.maxNewTokens < 0) fail(`max_new_tokens must be at least 0, got ${pyStr(p.maxNewTokens)}.`);
    if (p.minNewTokens > p.maxNewTokens) {
      fail(`min_new_tokens must be in [0, max_new_tokens(${p.maxNewTokens})], got ${pyStr(p.minNewTokens)}.`);
    }
  }
  if (logitBias) {
    const bias = new Map<number, number>();
    for (const [key, value] of Object.entries(logitBias)) {
      const id = /^\s*[-+]?\d+\s*$/.test(key) ? Number.parseInt(key, 10) : Number.NaN;
      if (!(id >= 0 && id < vocabSize))
        fail(`logit_bias must has keys in [0, ${vocabSize - 1}], got ${key}.`);
      if (typeof value !== 'number')
        fail(`logit_bias values must be numbers, got ${JSON.stringify(value)} for ${key}.`);
      bias.set(id, value as number);
    }
    p.logitBias = bias;
  }
  const grammars = [p.jsonSchema, p.regex, p.ebnf].filter((g) => g !== null).length;
  if (grammars > 1) fail('Only one of regex, json_schema, or ebnf can be set.');
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
