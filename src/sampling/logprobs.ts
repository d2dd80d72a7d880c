/**
 * Logprob bookkeeping in SGLang's response shapes (spec §2.6, §3.6): every entry is a
 * `[logprob, token_id, text | null]` tuple; the logprob is a float32 value (torch tensors), and
 * -Infinity / NaN become `null` (orjson writes them as null).
 */
import { LogitsPipeline } from './pipeline.js';
import type { TokenizerLike } from './types.js';

/** `[logprob | null, token_id, text | null]`. */
export type LogprobTuple = [number | null, number, string | null];

/** The logprob keys of `meta_info` (present only when return_logprob). */
export interface LogprobsMeta {
  input_token_logprobs: LogprobTuple[];
  output_token_logprobs: LogprobTuple[];
  /** Present when top_logprobs_num > 0: per position, N tuples (null for positions without). */
  input_top_logprobs?: Array<LogprobTuple[] | null>;
  output_top_logprobs?: Array<LogprobTuple[] | null>;
  /** Present when token_ids_logprob is set: per position, one tuple per requested id, in order. */
  input_token_ids_logprobs?: Array<LogprobTuple[] | null>;
  output_token_ids_logprobs?: Array<LogprobTuple[] | null>;
}

/** Per-request logprob options (GenerateReqInput fields). */
export interface LogprobOptions {
  returnLogprob: boolean;
  /** First prompt position reported; -1 (default) means the last prompt token only. */
  logprobStartLen: number;
  topLogprobsNum: number;
  tokenIdsLogprob: readonly number[] | null;
  returnTextInLogprobs: boolean;
}

/** A logprob as SGLang reports it: float32-rounded, non-finite → null. */
export function logprobValue(value: number): number | null {
  return Number.isFinite(value) ? Math.fround(value) : null;
}

/** Builds tuples with the token text when requested (single-id decode, special tokens kept). */
export class LogprobFormatter {
  constructor(
    private readonly tokenizer: Pick<TokenizerLike, 'decode'> | null,
    private readonly withText: boolean,
  ) {}

  tuple(logprob: number | null, id: number): LogprobTuple {
    const text =
      this.withText && this.tokenizer && id >= 0
        ? this.tokenizer.decode([id], { skipSpecialTokens: false })
        : null;
    return [logprob === null ? null : logprobValue(logprob), id, text];
  }
}

/**
 * Prompt logprobs from raw model logits (no penalties, temperature or mask): `rows[i]` predicts
 * `prompt[i + 1]`. Entries cover positions `start..prompt.length-1`; entry 0 is always null.
 */
export function inputLogprobs(
  prompt: readonly number[],
  start: number,
  rows: readonly Float32Array[] | null,
  options: LogprobOptions,
  formatter: LogprobFormatter,
): Pick<LogprobsMeta, 'input_token_logprobs' | 'input_top_logprobs' | 'input_token_ids_logprobs'> {
  const tokens: LogprobTuple[] = [];
  const tops: Array<LogprobTuple[] | null> = [];
  const byIds: Array<LogprobTuple[] | null> = [];
  for (let pos = start; pos < prompt.length; pos++) {
    const id = prompt[pos]!;
    const row = pos === start || rows === null ? null : rows[pos - 1]!;
    if (row === null) {
      tokens.push(formatter.tuple(null, id));
      tops.push(null);
      byIds.push(null);
      continue;
    }
    const logZ = logSumExp(row);
    tokens.push(formatter.tuple(row[id]! - logZ, id));
    tops.push(topOfRow(row, options.topLogprobsNum, logZ, formatter));
    byIds.push((options.tokenIdsLogprob ?? []).map((t) => formatter.tuple(row[t]! - logZ, t)));
  }
  const meta: Pick<LogprobsMeta, 'input_token_logprobs' | 'input_top_logprobs' | 'input_token_ids_logprobs'> =
    {
      input_token_logprobs: tokens,
    };
  if (options.topLogprobsNum > 0) meta.input_top_logprobs = tops;
  if (options.tokenIdsLogprob) meta.input_token_ids_logprobs = byIds;
  return meta;
}

/** log Σ exp(row) (finite rows; -inf entries contribute 0). */
export function logSumExp(row: Float32Array): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) if (row[i]! > m) m = row[i]!;
  if (!(m > Number.NEGATIVE_INFINITY)) return Number.NaN;
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! - m);
  return m + Math.log(z);
}

const topPipeline = new LogitsPipeline();

function topOfRow(row: Float32Array, n: number, logZ: number, formatter: LogprobFormatter): LogprobTuple[] {
  const found = topPipeline.topTokens(row, n);
  const out: LogprobTuple[] = [];
  for (let i = 0; i < found; i++)
    out.push(formatter.tuple(topPipeline.topValues[i]! - logZ, topPipeline.topIds[i]!));
  return out;
}
