/**
 * The generation service: turns normalised request items into scheduler specs (tokenise, sampling params with
 * `--preferred-sampling-params`, context checks of §1.5 and §3.3, grammar, custom processor), and formats native
 * `/generate` outputs (§3.6).
 */
import { resolveLogitProcessor, SamplingParams, SamplingParamsError } from '../sampling/index.js';
import { BadRequestError } from './errors.js';
import { MAX_PROMPT_LOGIT_FLOATS } from './generation/model-adapter.js';
import type { Scheduler, UpdateListener } from './generation/scheduler.js';
import type { GenerationSpec, GenerationUpdate, LogprobEntry } from './generation/types.js';
import type { GrammarService } from './grammar.js';
import type { NormalizedItem } from './normalize.js';
import {
  type Json,
  mergePreferred,
  type ResolvedSamplingParams,
  resolveSamplingParams,
} from './sampling-params.js';
import { encodePrompt, type ServerTokenizer, tokenText } from './tokenizer.js';

/** Settings the service needs from the server options. */
export interface ServiceSettings {
  contextLength: number;
  enableCustomLogitProcessor: boolean;
  preferredSamplingParams: { [key: string]: Json } | undefined;
}

/** A prepared request: its spec plus what the response builders need. */
export interface PreparedItem {
  spec: GenerationSpec;
  item: NormalizedItem;
}

/** Mixes a user seed with a sample index (n > 1 gives distinct but reproducible samples). */
function mixSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Python repr of an int list, for SGLang's messages. */
function pyList(ids: readonly number[]): string {
  return `[${ids.join(', ')}]`;
}

export class GenerationService {
  constructor(
    readonly tokenizer: ServerTokenizer,
    readonly scheduler: Scheduler,
    readonly grammars: GrammarService,
    readonly settings: ServiceSettings,
  ) {}

  /** Resolves the sampling params of one item (preferred params merged under the request, §1.5). */
  resolveParams(raw: Json | undefined): ResolvedSamplingParams {
    return resolveSamplingParams(mergePreferred(this.settings.preferredSamplingParams, raw), this.tokenizer);
  }

  /** Tokenises and validates one item; `sampleIndex` distinguishes the n samples of one prompt. */
  prepare(item: NormalizedItem, sampleIndex = 0, params?: ResolvedSamplingParams): PreparedItem {
    const p = params ?? this.resolveParams(item.samplingParams);
    const { vocabSize } = this.tokenizer;
    const ctx = this.settings.contextLength;
    let promptIds: number[];
    if (item.inputIds !== undefined) {
      if (item.inputIds.some((id) => id >= vocabSize || id < 0)) {
        throw new BadRequestError(
          `The input_ids ${pyList(item.inputIds)} contains values greater than the vocab size (${vocabSize}).`,
        );
      }
      promptIds = [...item.inputIds];
    } else {
      promptIds = encodePrompt(this.tokenizer, item.text ?? '');
    }
    if (promptIds.length === 0) throw new BadRequestError('The input is empty after tokenization.');
    if (promptIds.length >= ctx) {
      throw new BadRequestError(
        `The input (${promptIds.length} tokens) is longer than the model's context length (${ctx} tokens).`,
      );
    }
    if (p.maxNewTokens !== null && p.maxNewTokens + promptIds.length >= ctx) {
      const n = promptIds.length;
      const m = p.maxNewTokens;
      throw new BadRequestError(
        `Requested token count exceeds the model's maximum context length of ${ctx} tokens. You requested a total of ${n + m} tokens: ${n} tokens from the input messages and ${m} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`,
      );
    }
    if (item.customLogitProcessor !== null) {
      if (!this.settings.enableCustomLogitProcessor) {
        throw new BadRequestError(
          'The server is not configured to enable custom logit processor. Please set `--enable-custom-logit-processor` to enable this feature.',
        );
      }
      try {
        resolveLogitProcessor(item.customLogitProcessor);
      } catch (error) {
        if (error instanceof SamplingParamsError) throw new BadRequestError(error.message);
        throw error;
      }
    }
    let logprobStartLen = item.logprobStartLen;
    if (logprobStartLen === -1 || !item.returnLogprob) logprobStartLen = promptIds.length - 1;
    if (logprobStartLen >= promptIds.length || logprobStartLen < 0) {
      throw new BadRequestError(
        `req.logprob_start_len=${logprobStartLen} is higher than the number of input tokens len(req.origin_input_ids)=${promptIds.length}. Please use a smaller logprob_start_len.`,
      );
    }
    if (
      item.returnLogprob &&
      logprobStartLen < promptIds.length - 1 &&
      promptIds.length * vocabSize > MAX_PROMPT_LOGIT_FLOATS
    ) {
      throw new BadRequestError(
        `Prompt logprobs from logprob_start_len=${logprobStartLen} need ${promptIds.length} rows of ${vocabSize} logits, over the server's limit of ${MAX_PROMPT_LOGIT_FLOATS} floats; use a shorter prompt or the default logprob_start_len.`,
      );
    }
    if (item.tokenIdsLogprob?.some((id) => id < 0 || id >= vocabSize)) {
      throw new BadRequestError(`token_ids_logprob must contain token ids in [0, ${vocabSize - 1}].`);
    }
    const grammar = this.grammars.resolve(p);
    // n > 1 with one seed: sample 0 uses the seed itself, the others derived ones (distinct but reproducible).
    let samplingParams = p.source;
    if (p.samplingSeed !== null && sampleIndex > 0) {
      samplingParams = SamplingParams.from({
        ...p.source.toJSON(),
        sampling_seed: mixSeed(p.samplingSeed, sampleIndex),
      });
    }
    return {
      item,
      spec: {
        rid: item.rid,
        promptIds,
        params: p,
        logprobs: {
          returnLogprob: item.returnLogprob,
          logprobStartLen,
          topLogprobsNum: item.returnLogprob ? item.topLogprobsNum : 0,
          tokenIdsLogprob: item.returnLogprob ? item.tokenIdsLogprob : null,
        },
        samplingParams,
        grammar,
        customLogitProcessor: item.customLogitProcessor,
        maxNewTokens: Math.min(p.maxNewTokens ?? 2 ** 30, ctx - promptIds.length - 1),
      },
    };
  }

  /** Runs a prepared item to completion (or abort), reporting progress to `listener`. */
  run(prepared: PreparedItem, listener?: UpdateListener, signal?: AbortSignal): Promise<GenerationUpdate> {
    return this.scheduler.submit(prepared.spec, listener, signal);
  }

  /** A logprob tuple with the token text when asked (§3.6). */
  private tuple(entry: LogprobEntry, withText: boolean): [number | null, number, string | null] {
    return [entry[0], entry[1], withText ? tokenText(this.tokenizer, entry[1]) : null];
  }

  private tuples(list: (LogprobEntry[] | null)[], withText: boolean) {
    return list.map((row) => (row === null ? null : row.map((e) => this.tuple(e, withText))));
  }

  /** The native `/generate` output object (§3.6); `index` is added for batch streams. */
  nativeOutput(
    update: GenerationUpdate,
    prepared: PreparedItem,
    returnTextInLogprobs: boolean,
  ): { [key: string]: unknown } {
    const meta: { [key: string]: unknown } = {
      id: update.rid,
      finish_reason: update.finishReason,
      prompt_tokens: update.promptTokens,
      weight_version: 'default',
      num_retractions: 0,
    };
    if (prepared.spec.logprobs.returnLogprob) {
      const t = returnTextInLogprobs;
      meta.input_token_logprobs = update.inputTokenLogprobs.map((e) => this.tuple(e, t));
      meta.output_token_logprobs = update.outputTokenLogprobs.map((e) => this.tuple(e, t));
      if (prepared.spec.logprobs.topLogprobsNum > 0) {
        meta.input_top_logprobs = this.tuples(update.inputTopLogprobs, t);
        meta.output_top_logprobs = this.tuples(update.outputTopLogprobs, t);
      }
      if (prepared.spec.logprobs.tokenIdsLogprob) {
        meta.input_token_ids_logprobs = this.tuples(update.inputTokenIdsLogprobs, t);
        meta.output_token_ids_logprobs = this.tuples(update.outputTokenIdsLogprobs, t);
      }
      meta.output_token_logprobs_length = update.outputTokenLogprobs.length;
    }
    meta.completion_tokens = update.outputIds.length;
    meta.cached_tokens = 0;
    if (update.finishReason) meta.e2e_latency = update.e2eLatency;
    return { text: update.text, output_ids: [...update.outputIds], meta_info: meta };
  }
}
