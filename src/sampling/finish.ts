/**
 * Finish reasons and stop conditions (spec §3.4): SGLang's `Req.check_finished` and the finish-reason
 * JSON (`to_json`), plus the text trimming of the detokenizer (`trim_matched_stop`, §3.5).
 */
import type { SamplingParams } from './params.js';
import type { MatcherLike, StopRegexSearchLike, TokenizerLike } from './types.js';

/** `{"type":"stop","matched":...}` for stop tokens, stop strings and stop regexes (the pattern). */
export interface FinishStop {
  type: 'stop';
  matched: number | string;
}
/** `{"type":"length","length":max_new_tokens}`. */
export interface FinishLength {
  type: 'length';
  length: number;
}
/** `{"type":"abort","message":...,"status_code":...,"err_type":...}`. */
export interface FinishAbort {
  type: 'abort';
  message: string;
  status_code: number | null;
  err_type: string | null;
}
/** SGLang's `meta_info.finish_reason` object. */
export type FinishReason = FinishStop | FinishLength | FinishAbort;

/** Which check produced a stop reason (SGLang's FINISH_MATCHED_TOKEN / _STR / FINISHED_MATCHED_REGEX). */
export type StopKind = 'token' | 'str' | 'regex';

/** Builds an abort reason; the default message is SGLang's "Aborted". */
export function abortReason(
  message = 'Aborted',
  statusCode: number | null = null,
  errType: string | null = null,
): FinishAbort {
  return { type: 'abort', message, status_code: statusCode, err_type: errType };
}

/** OpenAI's `finish_reason` string for a reason ("stop", "length", "abort"). */
export function openAIFinishReason(reason: FinishReason | null): 'stop' | 'length' | 'abort' | null {
  return reason === null ? null : reason.type;
}

/** Options of {@link StopChecker}. */
export interface StopCheckerOptions {
  /** The tokenizer (for stop strings/regexes and its EOS ids). */
  tokenizer?: Pick<TokenizerLike, 'decode'> | null;
  /** Model EOS ids ∪ tokenizer EOS ∪ additional stop ids (e.g. `<|eom_id|>`). */
  eosTokenIds?: readonly number[];
  /** Vocabulary size: a sampled id outside [0, vocabSize] ends with "NaN happened". */
  vocabSize: number;
  /** Effective max_new_tokens after the scheduler clamp (defaults to params.max_new_tokens ?? 2^30). */
  maxNewTokens?: number;
  /** Compiles a stop regex; the default uses JS RegExp on the tail text (see {@link jsStopRegex}). */
  compileStopRegex?: (pattern: string) => (text: string) => boolean;
}

/**
 * Compiles a Python-flavoured stop regex to a `re.search`-like test with JS RegExp: named groups
 * `(?P<n>` / `(?P=n)` and `\A` / `\Z` are translated. Good for the common subset; pass the regex
 * module's Python-flavour search through {@link StopCheckerOptions.compileStopRegex} for the rest.
 */
export function jsStopRegex(pattern: string): (text: string) => boolean {
  const translated = pattern
    .replace(/\(\?P<([A-Za-z_]\w*)>/gu, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/gu, '\\k<$1>')
    .replace(/\\A/gu, '^')
    .replace(/\\Z/gu, '$(?![\\s\\S])');
  const re = new RegExp(translated, 'u');
  return (text) => re.test(text);
}

/** Adapts a streaming search object to a tail test (it is fed the whole tail each time). */
export function fromStreamingSearch(create: () => StopRegexSearchLike): (text: string) => boolean {
  return (text) => create().push(text).matched;
}

/**
 * SGLang's `check_finished` for one request, called after each accepted token. Checks, first hit
 * wins: pending abort, length, grammar termination (even with ignore_eos), stop/EOS token ids (all
 * skipped with ignore_eos), out-of-vocabulary id ("NaN happened"), stop strings then stop regexes
 * on the decoded tail (special tokens not skipped, so `<|im_end|>` can match).
 */
export class StopChecker {
  private readonly stopIds: Set<number>;
  private readonly eosIds: Set<number>;
  private readonly regexTests: Array<(text: string) => boolean>;
  readonly maxNewTokens: number;
  /** Which check produced the last stop reason (for trimming: regex matches are not trimmed as strings). */
  lastKind: StopKind | null = null;

  constructor(
    private readonly params: SamplingParams,
    private readonly options: StopCheckerOptions,
  ) {
    if (!params.is_normalized) params.normalize();
    this.stopIds = new Set(params.stop_token_ids ?? []);
    this.eosIds = new Set(options.eosTokenIds ?? []);
    const compile = options.compileStopRegex ?? jsStopRegex;
    this.regexTests = params.stop_regex_strs.map((pattern) => compile(pattern));
    this.maxNewTokens = options.maxNewTokens ?? params.max_new_tokens ?? 2 ** 30;
  }

  /** Number of trailing tokens decoded for string checks: min(max(str+1, regex+1) + 1, len). */
  tailLength(outputLength: number): number {
    const p = this.params;
    return Math.min(Math.max(p.stop_str_max_len + 1, p.stop_regex_max_len + 1) + 1, outputLength);
  }

  /** Decoded tail of the output used for stop strings and regexes ("" when there are none). */
  tailText(outputIds: readonly number[]): string {
    const p = this.params;
    if ((p.stop_strs.length === 0 && p.stop_regex_strs.length === 0) || !this.options.tokenizer) return '';
    const n = this.tailLength(outputIds.length);
    return this.options.tokenizer.decode(outputIds.slice(outputIds.length - n), { skipSpecialTokens: false });
  }

  /**
   * Returns the finish reason after `outputIds` grew by its last token, or null to continue.
   * `pendingAbort` (a client abort) wins over everything.
   */
  check(
    outputIds: readonly number[],
    matcher?: MatcherLike | null,
    pendingAbort?: FinishAbort | null,
  ): FinishReason | null {
    this.lastKind = null;
    if (pendingAbort) return pendingAbort;
    if (outputIds.length >= this.maxNewTokens) return { type: 'length', length: this.maxNewTokens };
    const last = outputIds[outputIds.length - 1]!;
    if (matcher?.isTerminated()) {
      this.lastKind = 'token';
      return { type: 'stop', matched: last };
    }
    if (!this.params.ignore_eos && (this.stopIds.has(last) || this.eosIds.has(last))) {
      this.lastKind = 'token';
      return { type: 'stop', matched: last };
    }
    if (last < 0 || last > this.options.vocabSize) {
      this.lastKind = 'str';
      return { type: 'stop', matched: 'NaN happened' };
    }
    const p = this.params;
    if (p.stop_strs.length > 0 || p.stop_regex_strs.length > 0) {
      const tail = this.tailText(outputIds);
      for (const stop of p.stop_strs) {
        if (tail.includes(stop)) {
          this.lastKind = 'str';
          return { type: 'stop', matched: stop };
        }
      }
      for (let i = 0; i < this.regexTests.length; i++) {
        if (this.regexTests[i]!(tail)) {
          this.lastKind = 'regex';
          return { type: 'stop', matched: p.stop_regex_strs[i]! };
        }
      }
    }
    return null;
  }

  /**
   * SGLang's `check_match_stop_str_prefix`: true while the decoded tail contains a stop string or
   * ends with a prefix of one, so a streaming chunk is held back instead of leaking part of it.
   */
  holdsStopPrefix(outputIds: readonly number[]): boolean {
    if (this.params.stop_strs.length === 0) return false;
    const tail = this.tailText(outputIds);
    if (tail.length === 0) return false;
    for (const stop of this.params.stop_strs) {
      if (stop.length === 0) continue;
      if (tail.includes(stop)) return true;
      const max = Math.min(tail.length, stop.length);
      for (let i = 1; i <= max; i++) {
        if (tail.endsWith(stop.slice(0, i))) return true;
      }
    }
    return false;
  }
}

/**
 * SGLang's `trim_matched_stop` on text (new behaviour): a string match cuts at its first occurrence
 * (`no_stop_trim` keeps the stop string and drops what follows); regex reasons carry the pattern, so
 * they only trim when the pattern text itself occurs. A falsy `matched` (`0`, `""`) trims nothing.
 */
export function trimMatchedStopText(text: string, reason: FinishReason | null, noStopTrim: boolean): string {
  if (reason === null || reason.type !== 'stop' || !reason.matched || typeof reason.matched !== 'string')
    return text;
  const pos = text.indexOf(reason.matched);
  if (pos === -1) return text;
  return noStopTrim ? text.slice(0, pos + reason.matched.length) : text.slice(0, pos);
}

/**
 * SGLang's `trim_matched_stop` on ids before decoding: a token match drops the last id (its text never
 * appears) unless `no_stop_trim`. A matched id of 0 is falsy in Python and trims nothing.
 */
export function trimMatchedStopIds(
  ids: readonly number[],
  reason: FinishReason | null,
  noStopTrim: boolean,
): readonly number[] {
  if (noStopTrim || reason === null || reason.type !== 'stop' || typeof reason.matched !== 'number')
    return ids;
  if (!reason.matched || ids.length === 0) return ids;
  return ids.slice(0, -1);
}
