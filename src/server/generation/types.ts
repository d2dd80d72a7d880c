/** Types shared by the scheduler, the service and the routes. */
import type { SamplingParams } from '../../sampling/index.js';
import type { CompiledConstraint } from '../grammar.js';
import type { ResolvedSamplingParams } from '../sampling-params.js';

/** SGLang's finish reason JSON (§3.4). */
export type FinishReason =
  | { type: 'stop'; matched: number | string }
  | { type: 'length'; length: number }
  | { type: 'abort'; message: string; status_code: number | null; err_type: string | null };

/** Which logprobs a request wants (§3.1 fields after normalisation). */
export interface LogprobOptions {
  returnLogprob: boolean;
  /** First prompt position reported (already resolved from -1). */
  logprobStartLen: number;
  topLogprobsNum: number;
  tokenIdsLogprob: number[] | null;
}

/** A logprob entry: value (null for ±inf or "no value") and token id. */
export type LogprobEntry = [number | null, number];

/** Everything the scheduler needs to run one request. */
export interface GenerationSpec {
  rid: string;
  promptIds: number[];
  params: ResolvedSamplingParams;
  /** The params object the generator samples with (per sample, so n > 1 seeds differ). */
  samplingParams: SamplingParams;
  logprobs: LogprobOptions;
  grammar: CompiledConstraint | null;
  /** A registered custom logit processor name (or `{"callable": name}`), already validated. */
  customLogitProcessor: string | null;
  /** Effective max new tokens after the context clamp (§3.3). */
  maxNewTokens: number;
}

/** A snapshot sent to the route. Arrays are cumulative. */
export interface GenerationUpdate {
  rid: string;
  text: string;
  outputIds: readonly number[];
  finishReason: FinishReason | null;
  promptTokens: number;
  inputTokenLogprobs: LogprobEntry[];
  outputTokenLogprobs: LogprobEntry[];
  inputTopLogprobs: (LogprobEntry[] | null)[];
  outputTopLogprobs: (LogprobEntry[] | null)[];
  inputTokenIdsLogprobs: (LogprobEntry[] | null)[];
  outputTokenIdsLogprobs: (LogprobEntry[] | null)[];
  /** Seconds since the request was submitted. */
  e2eLatency: number;
}
