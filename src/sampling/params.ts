/**
 * `SamplingParams` with SGLang's exact semantics (spec §1, "new" msgspec version):
 * {@link SamplingParams.from} applies the construction rules (`__post_init__`),
 * {@link SamplingParams.normalize} the tokenizer-dependent normalization, and
 * {@link SamplingParams.verify} the eleven checks in SGLang's order with its exact messages.
 *
 * Field names are SGLang's (snake_case), so a request's `sampling_params` object maps one to one.
 * Values are printed in messages the way Python prints them (`0` vs `0.0`, `True`, lists), see
 * `py-repr.ts`.
 */
import { SamplingParamsError } from './errors.js';
import { floatLiteralKeys, parseJsonKeepingFloats, pyInt, pyRepr, pyStr } from './py-repr.js';
import { RegexSyntaxError, stopRegexMaxLength } from './regex-max-len.js';
import type { TokenizerLike } from './types.js';

/** `top_k` meaning "the whole vocabulary" (SGLang's `TOP_K_ALL`). */
export const TOP_K_ALL = 2 ** 30;
/** Temperatures in `[0, SAMPLING_EPS)` mean greedy decoding. */
export const SAMPLING_EPS = 1e-6;

/** JSON scalars, lists and dicts accepted in `custom_params`. */
export type CustomParamValue =
  | null
  | boolean
  | number
  | string
  | CustomParamValue[]
  | { [key: string]: CustomParamValue };

/** The wire form of `sampling_params` (every field optional; `null` means "default"). */
export interface SamplingParamsInput {
  max_new_tokens?: number | null;
  stop?: string | string[] | null;
  stop_token_ids?: Array<number | string | null> | null;
  stop_regex?: string | string[] | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  repetition_penalty?: number | null;
  min_new_tokens?: number | null;
  n?: number | null;
  json_schema?: string | Record<string, unknown> | null;
  regex?: string | null;
  ebnf?: string | null;
  structural_tag?: string | Record<string, unknown> | null;
  ignore_eos?: boolean | null;
  skip_special_tokens?: boolean | null;
  spaces_between_special_tokens?: boolean | null;
  no_stop_trim?: boolean | null;
  custom_params?: Record<string, CustomParamValue> | null;
  stream_interval?: number | null;
  logit_bias?: Record<string, number> | null;
  sampling_seed?: number | null;
}

type NumericField =
  | 'max_new_tokens'
  | 'temperature'
  | 'top_p'
  | 'top_k'
  | 'min_p'
  | 'frequency_penalty'
  | 'presence_penalty'
  | 'repetition_penalty'
  | 'min_new_tokens'
  | 'n'
  | 'stream_interval'
  | 'sampling_seed';

const NUMERIC_DEFAULTS: Record<NumericField, number | null> = {
  max_new_tokens: 128,
  temperature: 1.0,
  top_p: 1.0,
  top_k: -1,
  min_p: 0.0,
  frequency_penalty: 0.0,
  presence_penalty: 0.0,
  repetition_penalty: 1.0,
  min_new_tokens: 0,
  n: 1,
  stream_interval: null,
  sampling_seed: null,
};
/** Fields whose Python default is a float (a `null` replaced by the default prints as `1.0`). */
const FLOAT_FIELDS = new Set<NumericField>([
  'temperature',
  'top_p',
  'min_p',
  'frequency_penalty',
  'presence_penalty',
  'repetition_penalty',
]);

type BoolField = 'ignore_eos' | 'skip_special_tokens' | 'spaces_between_special_tokens' | 'no_stop_trim';
const BOOL_DEFAULTS: Record<BoolField, boolean> = {
  ignore_eos: false,
  skip_special_tokens: true,
  spaces_between_special_tokens: true,
  no_stop_trim: false,
};

const KNOWN_KEYS = new Set<string>([
  ...Object.keys(NUMERIC_DEFAULTS),
  ...Object.keys(BOOL_DEFAULTS),
  'stop',
  'stop_token_ids',
  'stop_regex',
  'json_schema',
  'regex',
  'ebnf',
  'structural_tag',
  'custom_params',
  'logit_bias',
]);

/** Options of {@link SamplingParams.normalize}. */
export interface NormalizeOptions {
  /** The server runs without a tokenizer (SGLang's `skip_tokenizer_init`): stop strings, stop regexes and min_new_tokens are rejected. */
  skipTokenizerInit?: boolean;
}

/** SGLang's sampling parameters for one request. Build with {@link SamplingParams.from}. */
export class SamplingParams {
  max_new_tokens: number | null = 128;
  /** The `stop` input as given (string, list or null). */
  stop: string | string[] | null = null;
  stop_token_ids: number[] | null = null;
  stop_regex: string | string[] | null = null;
  temperature = 1.0;
  top_p = 1.0;
  top_k = TOP_K_ALL;
  min_p = 0.0;
  frequency_penalty = 0.0;
  presence_penalty = 0.0;
  repetition_penalty = 1.0;
  min_new_tokens = 0;
  n = 1;
  json_schema: string | null = null;
  regex: string | null = null;
  ebnf: string | null = null;
  structural_tag: string | null = null;
  ignore_eos = false;
  skip_special_tokens = true;
  spaces_between_special_tokens = true;
  no_stop_trim = false;
  custom_params: Record<string, CustomParamValue> | null = null;
  stream_interval: number | null = null;
  logit_bias: Record<string, number> | null = null;
  sampling_seed: number | null = null;

  /** Stop strings after {@link normalize} (SGLang's internal `stop_strs`). */
  stop_strs: string[] = [];
  /** Stop regexes after {@link normalize} (SGLang's internal `stop_regex_strs`). */
  stop_regex_strs: string[] = [];
  /** Longest stop string in tokens (characters without a tokenizer), set by {@link normalize}. */
  stop_str_max_len = 0;
  /** Upper bound on characters a stop regex can match, set by {@link normalize}. */
  stop_regex_max_len = 0;
  /** Whether {@link normalize} ran. */
  is_normalized = false;

  /** How each numeric value was written by the caller, to print it exactly as Python would. */
  readonly #shown = new Map<string, { value: number; text: string }>();

  /**
   * Builds parameters from a request's `sampling_params` object or JSON text (null/undefined: defaults),
   * applying SGLang's construction rules: explicit `null` becomes the default, `stop_token_ids`
   * entries go through Python `int()` (nulls dropped, empty → null), `0 <= temperature < 1e-6`
   * becomes greedy (temperature 1.0, top_k 1) and `top_k = -1` becomes {@link TOP_K_ALL}.
   * Throws {@link SamplingParamsError} for unknown keys and values of the wrong type.
   */
  static from(json: unknown): SamplingParams {
    if (json instanceof SamplingParams) return json;
    if (typeof json === 'string') {
      // JSON text: parsed so that float literals such as 1.0 print as Python floats in messages
      let parsed: unknown;
      try {
        parsed = parseJsonKeepingFloats(json);
      } catch (error) {
        throw new SamplingParamsError(`sampling_params is not valid JSON: ${(error as Error).message}`);
      }
      return SamplingParams.from(parsed);
    }
    const params = new SamplingParams();
    if (json === null || json === undefined) {
      params.#applyConstructionRules();
      return params;
    }
    if (typeof json !== 'object' || Array.isArray(json)) {
      throw new SamplingParamsError(`sampling_params must be an object, got ${pyRepr(json)}.`);
    }
    const input = json as Record<string, unknown>;
    const floats = floatLiteralKeys(input);
    for (const key of Object.keys(input)) {
      if (!KNOWN_KEYS.has(key)) {
        throw new SamplingParamsError(
          `Unknown sampling parameter '${key}'. Valid parameters: ${[...KNOWN_KEYS].sort().join(', ')}.`,
          key,
        );
      }
    }
    for (const field of Object.keys(NUMERIC_DEFAULTS) as NumericField[]) {
      const raw = input[field];
      if (raw === undefined || raw === null) {
        // an explicit null is "no limit" for max_new_tokens, the default for every other field
        const fallback = raw === null && field === 'max_new_tokens' ? null : NUMERIC_DEFAULTS[field];
        (params as unknown as Record<string, number | null>)[field] = fallback;
        if (fallback !== null) params.#show(field, fallback, FLOAT_FIELDS.has(field));
        continue;
      }
      if (typeof raw === 'boolean') {
        (params as unknown as Record<string, number>)[field] = raw ? 1 : 0;
        params.#shown.set(field, { value: raw ? 1 : 0, text: raw ? 'True' : 'False' });
        continue;
      }
      if (typeof raw !== 'number') {
        throw new SamplingParamsError(`${field} must be a number, got ${pyRepr(raw)}.`, field);
      }
      (params as unknown as Record<string, number>)[field] = raw;
      params.#show(field, raw, floats?.has(field) ?? false);
    }
    if (params.sampling_seed !== null && !Number.isInteger(params.sampling_seed)) {
      throw new SamplingParamsError(`sampling_seed must be an integer, got ${pyRepr(params.sampling_seed)}.`);
    }
    for (const field of Object.keys(BOOL_DEFAULTS) as BoolField[]) {
      const raw = input[field];
      if (raw === undefined || raw === null) params[field] = BOOL_DEFAULTS[field];
      else if (typeof raw === 'boolean' || typeof raw === 'number') params[field] = Boolean(raw);
      else throw new SamplingParamsError(`${field} must be a boolean, got ${pyRepr(raw)}.`, field);
    }
    params.stop = readStringOrList(input.stop, 'stop');
    params.stop_regex = readStringOrList(input.stop_regex, 'stop_regex');
    params.stop_token_ids = readStopTokenIds(input.stop_token_ids);
    params.json_schema = readGrammar(input.json_schema, 'json_schema', true);
    params.regex = readGrammar(input.regex, 'regex', false);
    params.ebnf = readGrammar(input.ebnf, 'ebnf', false);
    params.structural_tag = readGrammar(input.structural_tag, 'structural_tag', true);
    params.custom_params = readObject(input.custom_params, 'custom_params') as Record<
      string,
      CustomParamValue
    > | null;
    const bias = readObject(input.logit_bias, 'logit_bias');
    if (bias) {
      for (const [key, value] of Object.entries(bias)) {
        if (typeof value !== 'number' && typeof value !== 'boolean') {
          throw new SamplingParamsError(
            `logit_bias values must be numbers, got ${pyRepr(value)} for key ${pyRepr(key)}.`,
            'logit_bias',
          );
        }
      }
      params.logit_bias = Object.fromEntries(Object.entries(bias).map(([k, v]) => [k, Number(v)]));
    }
    params.#applyConstructionRules();
    return params;
  }

  #show(field: string, value: number, float: boolean): void {
    this.#shown.set(field, { value, text: pyRepr(value, { float }) });
  }

  /** `str(value)` of a numeric field, as Python prints the value the caller wrote. */
  #display(field: NumericField): string {
    const value = this[field];
    const shown = this.#shown.get(field);
    if (shown && Object.is(shown.value, value)) return shown.text;
    return pyStr(value, { float: FLOAT_FIELDS.has(field) });
  }

  #applyConstructionRules(): void {
    if (this.temperature >= 0 && this.temperature < SAMPLING_EPS) {
      this.temperature = 1.0;
      this.top_k = 1;
      this.#show('temperature', 1.0, true);
      this.#show('top_k', 1, false);
    }
    if (this.top_k === -1) {
      this.top_k = TOP_K_ALL;
      this.#show('top_k', TOP_K_ALL, false);
    }
  }

  /** True when the request decodes greedily (`top_k <= 1` after construction). */
  get isGreedy(): boolean {
    return this.top_k <= 1;
  }

  /**
   * SGLang's `normalize(tokenizer)`, to call before {@link verify}: `stop` and `stop_regex` become
   * lists, `stop_str_max_len` is the longest stop string in tokens (in characters without a tokenizer)
   * and `stop_regex_max_len` the regex bound of `regex-max-len.ts`. With `skipTokenizerInit`, stop
   * strings, stop regexes and min_new_tokens are rejected with SGLang's messages.
   */
  normalize(tokenizer?: Pick<TokenizerLike, 'encode'> | null, options: NormalizeOptions = {}): this {
    this.stop_strs = this.stop === null ? [] : typeof this.stop === 'string' ? [this.stop] : [...this.stop];
    this.stop_regex_strs =
      this.stop_regex === null
        ? []
        : typeof this.stop_regex === 'string'
          ? [this.stop_regex]
          : [...this.stop_regex];
    if (options.skipTokenizerInit) {
      const reason = 'is unavailable when skip_tokenizer_init=True';
      const decodeReason = '(requires tokenizer to decode tokens to text for matching).';
      if (this.stop_strs.length > 0) {
        throw new SamplingParamsError(`stop=${pyRepr(this.stop_strs)} ${reason} ${decodeReason}`, 'stop');
      }
      if (this.stop_regex_strs.length > 0) {
        throw new SamplingParamsError(
          `stop_regex=${pyRepr(this.stop_regex_strs)} ${reason} ${decodeReason}`,
          'stop_regex',
        );
      }
      if (this.min_new_tokens > 0) {
        throw new SamplingParamsError(
          `min_new_tokens=${this.#display('min_new_tokens')} ${reason} (requires tokenizer for eos_token_id).`,
          'min_new_tokens',
        );
      }
    }
    let stopMax = 0;
    for (const stop of this.stop_strs) {
      const length = tokenizer?.encode
        ? tokenizer.encode(stop, { addSpecialTokens: false }).length
        : [...stop].length;
      stopMax = Math.max(stopMax, length);
    }
    this.stop_str_max_len = stopMax;
    let regexMax = 0;
    for (const pattern of this.stop_regex_strs) {
      try {
        regexMax = Math.max(regexMax, stopRegexMaxLength(pattern));
      } catch (error) {
        if (error instanceof RegexSyntaxError) {
          throw new SamplingParamsError(
            `Invalid stop_regex ${pyRepr(pattern)}: ${error.message}.`,
            'stop_regex',
          );
        }
        throw error;
      }
    }
    this.stop_regex_max_len = regexMax;
    this.is_normalized = true;
    return this;
  }

  /**
   * SGLang's `verify(vocab_size)`: the first failing check throws {@link SamplingParamsError} with
   * SGLang's exact message (values printed as Python's `str()`).
   */
  verify(vocabSize: number): this {
    const t = this.temperature;
    if (!Number.isFinite(t) || t < 0) {
      throw new SamplingParamsError(
        `temperature must be a non-negative finite number, got ${this.#display('temperature')}.`,
        'temperature',
      );
    }
    if (!(this.top_p > 0 && this.top_p <= 1)) {
      throw new SamplingParamsError(`top_p must be in (0, 1], got ${this.#display('top_p')}.`, 'top_p');
    }
    if (!(this.min_p >= 0 && this.min_p <= 1)) {
      throw new SamplingParamsError(`min_p must be in [0, 1], got ${this.#display('min_p')}.`, 'min_p');
    }
    if (this.top_k < 1) {
      throw new SamplingParamsError(
        `top_k must be -1 (disable) or at least 1, got ${this.#display('top_k')}.`,
        'top_k',
      );
    }
    if (!(this.frequency_penalty >= -2 && this.frequency_penalty <= 2)) {
      throw new SamplingParamsError(
        `frequency_penalty must be in [-2, 2], got ${this.#display('frequency_penalty')}.`,
        'frequency_penalty',
      );
    }
    if (!(this.presence_penalty >= -2 && this.presence_penalty <= 2)) {
      throw new SamplingParamsError(
        `presence_penalty must be in [-2, 2], got ${this.#display('presence_penalty')}.`,
        'presence_penalty',
      );
    }
    if (!(this.repetition_penalty > 0 && this.repetition_penalty <= 2)) {
      throw new SamplingParamsError(
        `repetition_penalty must be in (0, 2] (1.0 = no penalty), got ${this.#display('repetition_penalty')}.`,
        'repetition_penalty',
      );
    }
    if (this.min_new_tokens < 0) {
      throw new SamplingParamsError(
        `min_new_tokens must be in [0, max_new_tokens], got ${this.#display('min_new_tokens')}.`,
        'min_new_tokens',
      );
    }
    if (this.max_new_tokens !== null) {
      if (this.max_new_tokens < 0) {
        throw new SamplingParamsError(
          `max_new_tokens must be at least 0, got ${this.#display('max_new_tokens')}.`,
          'max_new_tokens',
        );
      }
      if (this.min_new_tokens > this.max_new_tokens) {
        throw new SamplingParamsError(
          `min_new_tokens must be in [0, max_new_tokens(${this.#display('max_new_tokens')})], got ${this.#display('min_new_tokens')}.`,
          'min_new_tokens',
        );
      }
    }
    if (this.logit_bias !== null) {
      for (const key of Object.keys(this.logit_bias)) {
        let id: number;
        try {
          id = pyInt(key);
        } catch (error) {
          throw new SamplingParamsError((error as Error).message, 'logit_bias');
        }
        if (!(id >= 0 && id < vocabSize)) {
          throw new SamplingParamsError(
            `logit_bias must has keys in [0, ${vocabSize - 1}], got ${key}.`,
            'logit_bias',
          );
        }
      }
    }
    const grammars = [this.json_schema, this.regex, this.ebnf].filter((g) => g !== null).length;
    if (grammars > 1) {
      throw new SamplingParamsError('Only one of regex, json_schema, or ebnf can be set.');
    }
    return this;
  }

  /** The public fields as SGLang's JSON (internal normalize() fields omitted). */
  toJSON(): SamplingParamsInput {
    return {
      max_new_tokens: this.max_new_tokens,
      stop: this.stop,
      stop_token_ids: this.stop_token_ids,
      stop_regex: this.stop_regex,
      temperature: this.temperature,
      top_p: this.top_p,
      top_k: this.top_k,
      min_p: this.min_p,
      frequency_penalty: this.frequency_penalty,
      presence_penalty: this.presence_penalty,
      repetition_penalty: this.repetition_penalty,
      min_new_tokens: this.min_new_tokens,
      n: this.n,
      json_schema: this.json_schema,
      regex: this.regex,
      ebnf: this.ebnf,
      structural_tag: this.structural_tag,
      ignore_eos: this.ignore_eos,
      skip_special_tokens: this.skip_special_tokens,
      spaces_between_special_tokens: this.spaces_between_special_tokens,
      no_stop_trim: this.no_stop_trim,
      custom_params: this.custom_params,
      stream_interval: this.stream_interval,
      logit_bias: this.logit_bias,
      sampling_seed: this.sampling_seed,
    };
  }
}

function readStringOrList(raw: unknown, field: string): string | string[] | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return [...raw];
  throw new SamplingParamsError(`${field} must be a string or a list of strings, got ${pyRepr(raw)}.`, field);
}

function readStopTokenIds(raw: unknown): number[] | null {
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) {
    throw new SamplingParamsError(
      `stop_token_ids must be a list of integers, got ${pyRepr(raw)}.`,
      'stop_token_ids',
    );
  }
  const ids = new Set<number>();
  for (const item of raw) {
    if (item === null) continue;
    try {
      ids.add(pyInt(item));
    } catch (error) {
      throw new SamplingParamsError((error as Error).message, 'stop_token_ids');
    }
  }
  return ids.size === 0 ? null : [...ids];
}

function readGrammar(raw: unknown, field: string, allowObject: boolean): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw;
  if (allowObject && typeof raw === 'object' && !Array.isArray(raw)) return JSON.stringify(raw);
  throw new SamplingParamsError(`${field} must be a string, got ${pyRepr(raw)}.`, field);
}

function readObject(raw: unknown, field: string): Record<string, unknown> | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  throw new SamplingParamsError(`${field} must be an object, got ${pyRepr(raw)}.`, field);
}
