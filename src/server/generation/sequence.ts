/**
 * One generation request inside the scheduler: its tokens, sampler state, grammar matcher, stop checks
 * (§3.4 order), logprobs and the text shown to the client (§3.5 trimming).
 */

import type { RandomSource } from '../../sampling/index.js';
import type { CompiledConstraint, TokenMatcher } from '../grammar.js';
import type { ResolvedSamplingParams } from '../sampling-params.js';
import { decodeTokens, type ServerTokenizer } from '../tokenizer.js';

/** SGLang's finish reason JSON (§3.4). */
export type FinishReason =
  | { type: 'stop'; matched: number | string }
  | { type: 'length'; length: number }
  | { type: 'abort'; message: string; status_code: number | null; err_type: string | null };

/** Which logprobs a request wants (§3.1 fields after normalisation). */
export interface LogprobOptions {
  returnLogprob: boolean;
  /** -1 means "last prompt token". */
  logprobStartLen: number;
  topLogprobsNum: number;
  tokenIdsLogprob: number[] | null;
}

/** A logprob entry: value (null for ±inf or "no value") and token id. */
export type LogprobEntry = [number | null, number];

/** A custom logit processor resolved from `custom_logit_processor`. */
export interface LogitProcessor {
  apply(logits: Float32Array, customParams: unknown, outputIds: readonly number[]): void;
}

/** Everything the scheduler needs to run one request. */
export interface GenerationSpec {
  rid: string;
  promptIds: number[];
  params: ResolvedSamplingParams;
  logprobs: LogprobOptions;
  grammar: CompiledConstraint | null;
  processor: LogitProcessor | null;
  /** Draws for multinomial sampling (seeded per request). */
  random: RandomSource;
  /** With `sampling_seed`: SGLang's deterministic Gumbel-max sampling with this seed. */
  gumbelSeed: number | null;
  /** Effective max new tokens after the context clamp (§3.3). */
  maxNewTokens: number;
}

/** A snapshot sent to the route after a step. Arrays are cumulative. */
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
  /** Seconds since the request was admitted. */
  e2eLatency: number;
}

/** JSON has no ±inf: orjson writes null (§2.6). */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The `n` best (logprob, id) pairs of a log-probability row, descending. */
export function topLogprobs(logprobs: Float32Array, n: number): LogprobEntry[] {
  if (n <= 0) return [];
  const best: number[] = [];
  for (let v = 0; v < logprobs.length; v++) {
    const x = logprobs[v]!;
    if (best.length === n && x <= logprobs[best[n - 1]!]!) continue;
    let i = best.length === n ? n - 1 : best.length;
    if (best.length < n) best.push(v);
    while (i > 0 && logprobs[best[i - 1]!]! < x) {
      best[i] = best[i - 1]!;
      i--;
    }
    best[i] = v;
  }
  return best.map((v) => [finiteOrNull(logprobs[v]!), v]);
}

/** The request state machine. */
export class Sequence {
  readonly spec: GenerationSpec;
  readonly tokenIds: number[];
  readonly promptLength: number;
  readonly outputIds: number[] = [];
  readonly matcher: TokenMatcher | null;
  finishReason: FinishReason | null = null;
  readonly startedAt = performance.now();
  readonly inputTokenLogprobs: LogprobEntry[] = [];
  readonly outputTokenLogprobs: LogprobEntry[] = [];
  readonly inputTopLogprobs: (LogprobEntry[] | null)[] = [];
  readonly outputTopLogprobs: (LogprobEntry[] | null)[] = [];
  readonly inputTokenIdsLogprobs: (LogprobEntry[] | null)[] = [];
  readonly outputTokenIdsLogprobs: (LogprobEntry[] | null)[] = [];
  private readonly stopIds: Set<number>;
  private readonly streamDecoder = new TextDecoder('utf-8');
  private streamText = '';
  private decodedTokens = 0;
  private readonly tokenizer: ServerTokenizer;

  constructor(spec: GenerationSpec, tokenizer: ServerTokenizer) {
    this.spec = spec;
    this.tokenizer = tokenizer;
    this.tokenIds = [...spec.promptIds];
    this.promptLength = spec.promptIds.length;
    this.stopIds = new Set([...(spec.params.stopTokenIds ?? []), ...tokenizer.eosTokenIds]);
    this.matcher = spec.grammar ? spec.grammar.createMatcher(tokenizer.eosTokenIds) : null;
  }

  /** Ends the request when the grammar mask and the sampling parameters leave no token to sample. */
  abortNoAllowedToken(): void {
    this.finishReason = {
      type: 'abort',
      message: `No token can be sampled for req ${this.spec.rid}: the grammar and the sampling parameters exclude every token.`,
      status_code: 500,
      err_type: 'InternalServerError',
    };
  }

  /** Records the logprobs of an output position from its post-temperature log-softmax row. */
  recordOutputLogprobs(logprobs: Float32Array, token: number): void {
    const o = this.spec.logprobs;
    this.outputTokenLogprobs.push([finiteOrNull(logprobs[token]!), token]);
    if (o.topLogprobsNum > 0) this.outputTopLogprobs.push(topLogprobs(logprobs, o.topLogprobsNum));
    if (o.tokenIdsLogprob) {
      this.outputTokenIdsLogprobs.push(
        o.tokenIdsLogprob.map((id) => [finiteOrNull(logprobs[id] ?? -Infinity), id]),
      );
    }
  }

  /** Appends a sampled token, advances the grammar and applies the stop checks in SGLang's order. */
  accept(token: number): void {
    this.tokenIds.push(token);
    this.outputIds.push(token);
    if (this.matcher && !this.matcher.isTerminated() && !this.matcher.acceptToken(token)) {
      this.finishReason = {
        type: 'abort',
        message: `Grammar accept_token failed for req ${this.spec.rid} with token ${token}`,
        status_code: 500,
        err_type: 'InternalServerError',
      };
      return;
    }
    this.checkFinished(token);
  }

  private checkFinished(token: number): void {
    const p = this.spec.params;
    if (this.outputIds.length >= this.spec.maxNewTokens) {
      this.finishReason = { type: 'length', length: this.spec.maxNewTokens };
      return;
    }
    if (this.matcher?.isTerminated()) {
      this.finishReason = { type: 'stop', matched: token };
      return;
    }
    if (!p.ignoreEos && this.stopIds.has(token)) {
      this.finishReason = { type: 'stop', matched: token };
      return;
    }
    if (p.stop.length === 0 && p.stopRegex.length === 0) return;
    const tailTokens =
      p.stopRegex.length > 0 ? this.outputIds.length : Math.min(p.stopStrMaxLen + 2, this.outputIds.length);
    const tail = decodeTokens(this.tokenizer, this.outputIds.slice(-tailTokens), false);
    for (const s of p.stop) {
      if (tail.includes(s)) {
        this.finishReason = { type: 'stop', matched: s };
        return;
      }
    }
    for (const pattern of p.stopRegex) {
      if (new RegExp(pattern).test(tail)) {
        this.finishReason = { type: 'stop', matched: pattern };
        return;
      }
    }
  }

  /** The client-visible text: trimmed when finished (§3.5), without unfinished UTF-8 or partial stop strings otherwise. */
  visibleText(): string {
    const p = this.spec.params;
    const reason = this.finishReason;
    if (reason) {
      let ids: readonly number[] = this.outputIds;
      if (reason.type === 'stop' && typeof reason.matched === 'number' && !p.noStopTrim)
        ids = ids.slice(0, -1);
      let text = decodeTokens(this.tokenizer, ids, p.skipSpecialTokens);
      if (reason.type === 'stop' && typeof reason.matched === 'string' && p.stop.includes(reason.matched)) {
        const at = text.indexOf(reason.matched);
        if (at >= 0) text = p.noStopTrim ? text.slice(0, at + reason.matched.length) : text.slice(0, at);
      }
      return text;
    }
    // Incremental while streaming: a streaming UTF-8 decoder holds back an unfinished character by itself.
    for (; this.decodedTokens < this.outputIds.length; this.decodedTokens++) {
      const id = this.outputIds[this.decodedTokens]!;
      if (p.skipSpecialTokens && this.tokenizer.isSpecial(id)) continue;
      this.streamText += this.streamDecoder.decode(this.tokenizer.tokenBytes(id), { stream: true });
    }
    const text = this.streamText;
    return text.slice(0, text.length - heldBackLength(text, p.stop));
  }

  /** A snapshot for the route. */
  snapshot(): GenerationUpdate {
    return {
      rid: this.spec.rid,
      text: this.visibleText(),
      outputIds: this.outputIds,
      finishReason: this.finishReason,
      promptTokens: this.promptLength,
      inputTokenLogprobs: this.inputTokenLogprobs,
      outputTokenLogprobs: this.outputTokenLogprobs,
      inputTopLogprobs: this.inputTopLogprobs,
      outputTopLogprobs: this.outputTopLogprobs,
      inputTokenIdsLogprobs: this.inputTokenIdsLogprobs,
      outputTokenIdsLogprobs: this.outputTokenIdsLogprobs,
      e2eLatency: (performance.now() - this.startedAt) / 1000,
    };
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of a stop string (held back while streaming). */
function heldBackLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > longest; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        longest = k;
        break;
      }
    }
  }
  return longest;
}
