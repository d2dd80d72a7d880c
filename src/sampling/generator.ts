/**
 * The generation loop: ties a model, grammar matchers, the logits pipeline, the sampler, the stop
 * checker, the detokenizer and logprobs together for a batch of concurrent requests (continuous
 * batching: requests join and leave between steps). Used by the server and the CLI.
 *
 * ## API for the server
 *
 * ```ts
 * const generator = new Generator(model, { tokenizer, eosTokenIds, contextLength, streamInterval });
 * const params = SamplingParams.from(body.sampling_params);      // 400 on bad input
 * const handle = generator.submit({ inputIds, params, matcher, stream: true, returnLogprob: true });
 * for await (const event of handle.events()) send(event);         // or: const last = await handle.result
 * handle.abort();                                                 // e.g. on client disconnect
 * ```
 *
 * - {@link Generator.submit} validates synchronously (normalize + verify with the tokenizer, input
 *   ids, context length, custom logit processor enabled/known) and throws {@link SamplingParamsError}
 *   (HTTP 400) with SGLang's messages. Problems SGLang reports as aborts (`logprob_start_len` too
 *   large, a grammar rejecting a token) finish the request with an `abort` reason instead.
 * - Each step runs `model.forward(sequences)` once for all active requests (full token sequences:
 *   prompt + output so far; the model may cache prefixes), then per row: penalties/min_new_tokens/
 *   repetition/bias edits, the grammar bitmask, custom logit processors (grouped per processor, as
 *   SGLang does), temperature and top-k/top-p/min-p, sampling (per-request xoshiro128** seeded by
 *   `sampling_seed`, or SGLang's seeded Gumbel-max in `deterministic` mode), matcher.acceptToken,
 *   then `check_finished`.
 * - Events ({@link GenerateEvent}): for `stream` requests at SGLang's cadence (`stream_interval`,
 *   held back while the text ends with a prefix of a stop string) and always on finish; for other
 *   requests only the final event. `text` is cumulative (SGLang's default), `delta` the new part,
 *   `outputIds` cumulative and never trimmed, `logprobs` cumulative in `meta_info` shapes.
 */
import { randomUUID } from 'node:crypto';
import { applyTokenBitmask } from '../engine/bitmask.js';
import { IncrementalDetokenizer } from './detokenizer.js';
import { SamplingParamsError } from './errors.js';
import { abortReason, type FinishAbort, type FinishReason, StopChecker } from './finish.js';
import {
  CUSTOM_LOGIT_PROCESSOR_DISABLED_MESSAGE,
  type CustomParams,
  type LogitProcessorFn,
  resolveLogitProcessor,
} from './logit-processors.js';
import {
  inputLogprobs,
  LogprobFormatter,
  type LogprobOptions,
  type LogprobsMeta,
  type LogprobTuple,
} from './logprobs.js';
import type { SamplingParams } from './params.js';
import { LogitsPipeline } from './pipeline.js';
import { Xoshiro128 } from './rng.js';
import type { MatcherLike, TokenizerLike } from './types.js';

/** The model the generator drives. `forward` may be async. */
export interface LanguageModel {
  readonly vocabSize: number;
  /** Next-token logits (one row of at least vocabSize floats) for each full token sequence. */
  forward(sequences: ReadonlyArray<readonly number[]>): Float32Array[] | Promise<Float32Array[]>;
  /** Logits at every position (row i predicts token i + 1); needed only for prompt logprobs. */
  forwardAll?(sequence: readonly number[]): Float32Array[] | Promise<Float32Array[]>;
}

/** Server-level settings. */
export interface GeneratorOptions {
  /** Tokenizer for text, stop strings and token counts; null = SGLang's skip_tokenizer_init. */
  tokenizer?: TokenizerLike | null;
  /** Model EOS ids (defaults to tokenizer.eosTokenIds). */
  eosTokenIds?: readonly number[];
  /** Context length: prompts that do not fit are rejected and max_new_tokens is clamped. */
  contextLength?: number;
  /** SGLang's --enable-deterministic-inference: seeded Gumbel-max, sampling_seed defaults to 42. */
  deterministic?: boolean;
  /** Base seed for requests without sampling_seed (default: random). */
  seed?: number;
  /** SGLang's --enable-custom-logit-processor. */
  enableCustomLogitProcessor?: boolean;
  /** SGLang's --stream-interval (default 1). */
  streamInterval?: number;
  /** Most requests per model call (default unlimited). */
  maxBatchSize?: number;
  /** SGLANG_RETURN_ORIGINAL_LOGPROB: output logprobs before temperature (still after penalties, mask, bias). */
  returnOriginalLogprob?: boolean;
  /** Stop-regex compiler (default: JS RegExp over the decoded tail). */
  compileStopRegex?: (pattern: string) => (text: string) => boolean;
}

/** One generation request (one sequence; the server expands n > 1 and batches). */
export interface GenerateRequest {
  rid?: string;
  inputIds: readonly number[];
  params: SamplingParams;
  matcher?: MatcherLike | null;
  stream?: boolean;
  returnLogprob?: boolean;
  logprobStartLen?: number;
  topLogprobsNum?: number;
  tokenIdsLogprob?: readonly number[] | null;
  returnTextInLogprobs?: boolean;
  /** A registered processor name or `{"callable": name}` (requires enableCustomLogitProcessor). */
  customLogitProcessor?: string | null;
}

/** A streaming chunk or the final result of a request. */
export interface GenerateEvent {
  rid: string;
  /** Cumulative text (trimmed on finish). */
  text: string;
  /** Text added since the previous event. */
  delta: string;
  /** Cumulative output ids (never trimmed: they include EOS / stop tokens). A live array: copy to keep a snapshot. */
  outputIds: readonly number[];
  /** Ids added since the previous event. */
  newOutputIds: readonly number[];
  finishReason: FinishReason | null;
  promptTokens: number;
  completionTokens: number;
  /** Cumulative logprobs in meta_info shapes (when returnLogprob); live arrays like {@link outputIds}. */
  logprobs?: LogprobsMeta;
}

/** What {@link Generator.submit} returns. */
export interface RequestHandle {
  readonly rid: string;
  /** Resolves with the final event. */
  readonly result: Promise<GenerateEvent>;
  /** Events as they are produced (streaming chunks, then the final one). */
  events(): AsyncIterableIterator<GenerateEvent>;
  /** Finishes the request with an abort reason at the next step. */
  abort(message?: string, statusCode?: number | null, errType?: string | null): void;
}

const MAX_NEW_TOKENS_NONE = 2 ** 30;
/** Non-streaming requests are detokenized every 50 tokens (SGLang's DEFAULT_FORCE_STREAM_INTERVAL). */
const FORCE_STREAM_INTERVAL = 50;

interface ActiveRequest {
  rid: string;
  prompt: readonly number[];
  sequence: number[];
  outputIds: number[];
  params: SamplingParams;
  matcher: MatcherLike | null;
  stream: boolean;
  checker: StopChecker;
  detok: IncrementalDetokenizer | null;
  pendingIds: number[];
  emittedIds: number;
  rng: Xoshiro128;
  processor: { name: string; fn: LogitProcessorFn } | null;
  bitmask: Int32Array | null;
  logprobOptions: LogprobOptions | null;
  formatter: LogprobFormatter | null;
  logprobs: LogprobsMeta | null;
  needsInputLogprobs: boolean;
  pendingAbort: FinishAbort | null;
  finish: FinishReason | null;
  listeners: Array<(event: GenerateEvent) => void>;
  resolve: (event: GenerateEvent) => void;
}

/** Continuous-batching generation loop (see the module comment). */
export class Generator {
  private readonly active = new Map<string, ActiveRequest>();
  private readonly pipeline = new LogitsPipeline();
  private readonly eosTokenIds: readonly number[];
  private readonly tokenizer: TokenizerLike | null;
  private seedCounter = 0;
  private readonly baseSeed: number;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly model: LanguageModel,
    private readonly options: GeneratorOptions = {},
  ) {
    this.tokenizer = options.tokenizer ?? null;
    this.eosTokenIds = options.eosTokenIds ?? this.tokenizer?.eosTokenIds ?? [];
    this.baseSeed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  }

  /** Number of requests not finished yet. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Validates and enqueues a request; generation runs in the background. */
  submit(request: GenerateRequest): RequestHandle {
    const vocab = this.model.vocabSize;
    const params = request.params;
    const prompt = request.inputIds;
    if (prompt.length === 0) throw new SamplingParamsError('input_ids cannot be empty.');
    if (prompt.some((id) => !Number.isInteger(id) || id < 0 || id >= vocab)) {
      throw new SamplingParamsError(
        `The input_ids ${JSON.stringify(prompt).replaceAll(',', ', ')} contains values greater than the vocab size (${vocab}).`,
      );
    }
    params.normalize(this.tokenizer, { skipTokenizerInit: this.tokenizer === null });
    params.verify(vocab);
    const ctx = this.options.contextLength;
    let maxNew = params.max_new_tokens ?? MAX_NEW_TOKENS_NONE;
    if (ctx !== undefined) {
      if (prompt.length >= ctx) {
        throw new SamplingParamsError(
          `The input (${prompt.length} tokens) is longer than the model's context length (${ctx} tokens).`,
        );
      }
      if (params.max_new_tokens !== null && params.max_new_tokens + prompt.length >= ctx) {
        const total = params.max_new_tokens + prompt.length;
        throw new SamplingParamsError(
          `Requested token count exceeds the model's maximum context length of ${ctx} tokens. You requested a total of ${total} tokens: ${prompt.length} tokens from the input messages and ${params.max_new_tokens} tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.`,
        );
      }
      maxNew = Math.min(maxNew, ctx - prompt.length - 1);
    }
    let processor: ActiveRequest['processor'] = null;
    if (request.customLogitProcessor) {
      if (!this.options.enableCustomLogitProcessor) {
        throw new SamplingParamsError(CUSTOM_LOGIT_PROCESSOR_DISABLED_MESSAGE);
      }
      processor = resolveLogitProcessor(request.customLogitProcessor);
    }
    const rid = request.rid ?? randomUUID().replaceAll('-', '');
    if (this.active.has(rid)) throw new SamplingParamsError(`Duplicate request ID: ${rid}`);

    let pendingAbort: FinishAbort | null = null;
    let logprobOptions: LogprobOptions | null = null;
    let needsInputLogprobs = false;
    if (request.returnLogprob) {
      let start = request.logprobStartLen ?? -1;
      if (start === -1) start = prompt.length - 1;
      if (start >= prompt.length) {
        pendingAbort = abortReason(
          `req.logprob_start_len=${start} is higher than the number of input tokens len(req.origin_input_ids)=${prompt.length}. Please use a smaller logprob_start_len.`,
          400,
          'BadRequestError',
        );
      } else if (start < prompt.length - 1 && !this.model.forwardAll) {
        throw new SamplingParamsError(
          'logprob_start_len before the last prompt token needs prompt logits, which this model does not provide (forwardAll).',
        );
      }
      const ids =
        request.tokenIdsLogprob && request.tokenIdsLogprob.length > 0 ? request.tokenIdsLogprob : null;
      logprobOptions = {
        returnLogprob: true,
        logprobStartLen: start,
        topLogprobsNum: request.topLogprobsNum ?? 0,
        tokenIdsLogprob: ids,
        returnTextInLogprobs: request.returnTextInLogprobs ?? false,
      };
      needsInputLogprobs = pendingAbort === null;
    }

    let resolve!: (event: GenerateEvent) => void;
    const result = new Promise<GenerateEvent>((r) => {
      resolve = r;
    });
    const seed = params.sampling_seed ?? this.baseSeed + this.seedCounter++;
    const entry: ActiveRequest = {
      rid,
      prompt,
      sequence: [...prompt],
      outputIds: [],
      params,
      matcher: request.matcher ?? null,
      stream: request.stream ?? false,
      checker: new StopChecker(params, {
        tokenizer: this.tokenizer,
        eosTokenIds: this.eosTokenIds,
        vocabSize: vocab,
        maxNewTokens: maxNew,
        compileStopRegex: this.options.compileStopRegex,
      }),
      detok: this.tokenizer
        ? new IncrementalDetokenizer(this.tokenizer, prompt, {
            skipSpecialTokens: params.skip_special_tokens,
            spacesBetweenSpecialTokens: params.spaces_between_special_tokens,
            noStopTrim: params.no_stop_trim,
          })
        : null,
      pendingIds: [],
      emittedIds: 0,
      rng: new Xoshiro128(seed),
      processor,
      bitmask: null,
      logprobOptions,
      formatter: logprobOptions
        ? new LogprobFormatter(this.tokenizer, logprobOptions.returnTextInLogprobs)
        : null,
      logprobs: null,
      needsInputLogprobs,
      pendingAbort,
      finish: null,
      listeners: [],
      resolve,
    };
    const queue: GenerateEvent[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    entry.listeners.push((event) => {
      queue.push(event);
      if (event.finishReason !== null) done = true;
      wake?.();
    });
    this.active.set(rid, entry);
    this.ensureLoop();
    return {
      rid,
      result,
      abort: (message = 'Aborted', statusCode = null, errType = null) => {
        if (!entry.finish) entry.pendingAbort = abortReason(message, statusCode, errType);
        this.ensureLoop();
      },
      async *events() {
        for (;;) {
          while (queue.length > 0) {
            const event = queue.shift()!;
            yield event;
            if (event.finishReason !== null) return;
          }
          if (done) return;
          await new Promise<void>((r) => {
            wake = r;
          });
          wake = null;
        }
      },
    };
  }

  /** Runs generation until every submitted request finished. */
  async drain(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private ensureLoop(): void {
    if (this.loop) return;
    this.loop = (async () => {
      try {
        while (this.active.size > 0) {
          await this.step();
          // yield to I/O between steps so aborts, new requests and sockets are served
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        this.loop = null;
      }
    })();
  }

  /** One decode step over the active requests. Returns whether requests remain. */
  async step(): Promise<boolean> {
    for (const r of this.active.values()) {
      if (r.pendingAbort) this.finishRequest(r, r.pendingAbort);
    }
    const batch = [...this.active.values()].slice(0, this.options.maxBatchSize ?? Number.POSITIVE_INFINITY);
    if (batch.length === 0) return false;
    try {
      for (const r of batch) if (r.needsInputLogprobs) await this.computeInputLogprobs(r);
      const rows = await this.model.forward(batch.map((r) => r.sequence));
      if (rows.length !== batch.length) {
        throw new Error(`model.forward returned ${rows.length} rows for ${batch.length} sequences`);
      }
      this.sampleBatch(batch, rows);
    } catch (error) {
      const message = `Internal server error: ${(error as Error).message}`;
      for (const r of batch)
        if (!r.finish) this.finishRequest(r, abortReason(message, 500, 'InternalServerError'));
    }
    return this.active.size > 0;
  }

  private async computeInputLogprobs(r: ActiveRequest): Promise<void> {
    r.needsInputLogprobs = false;
    const options = r.logprobOptions!;
    const rows =
      options.logprobStartLen < r.prompt.length - 1 && this.model.forwardAll
        ? await this.model.forwardAll(r.prompt)
        : null;
    r.logprobs = {
      ...inputLogprobs(r.prompt, options.logprobStartLen, rows, options, r.formatter!),
      output_token_logprobs: [],
      ...(options.topLogprobsNum > 0 ? { output_top_logprobs: [] } : {}),
      ...(options.tokenIdsLogprob ? { output_token_ids_logprobs: [] } : {}),
    };
    // key order of meta_info: input_*, output_* per kind
    const ordered: LogprobsMeta = {
      input_token_logprobs: r.logprobs.input_token_logprobs,
      output_token_logprobs: r.logprobs.output_token_logprobs,
    };
    if (options.topLogprobsNum > 0) {
      ordered.input_top_logprobs = r.logprobs.input_top_logprobs ?? [];
      ordered.output_top_logprobs = [];
    }
    if (options.tokenIdsLogprob) {
      ordered.input_token_ids_logprobs = r.logprobs.input_token_ids_logprobs ?? [];
      ordered.output_token_ids_logprobs = [];
    }
    r.logprobs = ordered;
  }

  private sampleBatch(batch: ActiveRequest[], modelRows: Float32Array[]): void {
    const vocab = this.model.vocabSize;
    const pipeline = this.pipeline;
    const masks: Array<Int32Array | undefined> = [];
    // copy of the array; the model's rows are restored after use (a model may cache them)
    const rows = [...modelRows];
    const edited = new Array<boolean>(batch.length).fill(false);
    // 1. grammar masks; rows with a custom processor get a private copy with every edit applied
    batch.forEach((r, i) => {
      const row = rows[i]!;
      if (row.length < vocab)
        throw new Error(`model.forward returned a row of ${row.length} < vocabSize ${vocab}`);
      if (r.processor) {
        rows[i] = Float32Array.from(row);
        pipeline.applyEdits(rows[i]!, r.params, { outputIds: r.outputIds, eosTokenIds: this.eosTokenIds });
        edited[i] = true;
      }
      let mask: Int32Array | undefined;
      if (r.matcher && !r.matcher.isTerminated()) {
        if (!r.bitmask) r.bitmask = new Int32Array(Math.ceil(row.length / 32));
        r.bitmask.fill(-1);
        r.matcher.fillNextTokenBitmask(r.bitmask, 0);
        mask = r.bitmask;
      }
      masks.push(mask);
    });
    // 2. custom logit processors, one call per processor with its rows in batch order
    const groups = new Map<LogitProcessorFn, number[]>();
    batch.forEach((r, i) => {
      if (!r.processor) return;
      const list = groups.get(r.processor.fn) ?? [];
      list.push(i);
      groups.set(r.processor.fn, list);
    });
    for (const [fn, indices] of groups) {
      const groupRows = indices.map((i) => {
        const mask = masks[i];
        if (mask) applyTokenBitmask(rows[i]!, mask, rows[i]!.length);
        masks[i] = undefined;
        return rows[i]!;
      });
      const groupParams = indices.map((i): CustomParams => {
        const r = batch[i]!;
        return {
          ...(r.params.custom_params ?? {}),
          __req__: { rid: r.rid, outputIds: r.outputIds, originInputIds: r.prompt },
        };
      });
      const replaced = fn(groupRows, groupParams);
      if (replaced) {
        indices.forEach((i, j) => {
          rows[i] = replaced[j]!;
        });
      }
    }
    // 3. edits (penalties, min_new_tokens, repetition, bias), filter, sample, logprobs, accept, check
    batch.forEach((r, i) => {
      const row = rows[i]!;
      const mask = masks[i];
      if (!edited[i])
        pipeline.applyEdits(row, r.params, { outputIds: r.outputIds, eosTokenIds: this.eosTokenIds });
      pipeline.filter(row, r.params, mask);
      let token = this.options.deterministic
        ? pipeline.sampleGumbel(r.params.sampling_seed ?? 42, r.prompt.length - 1 + r.outputIds.length)
        : pipeline.sample(r.rng);
      if (r.logprobs) this.recordOutputLogprobs(r, row, mask, token);
      if (!edited[i]) pipeline.restoreEdits(row);
      r.outputIds.push(token);
      let finish: FinishReason | null = null;
      if (r.matcher && token >= 0 && !r.matcher.isTerminated()) {
        let accepted: boolean | undefined;
        let detail = 'rejected';
        try {
          accepted = r.matcher.acceptToken(token);
        } catch (error) {
          accepted = false;
          detail = (error as Error).message;
        }
        if (accepted === false) {
          finish = abortReason(
            `Grammar accept_token failed for req ${r.rid} with token ${token}: ${detail}`,
            500,
            'InternalServerError',
          );
        }
      }
      finish ??= r.checker.check(r.outputIds, r.matcher);
      if (token < 0) {
        // nothing was allowed (all -inf / masked): SGLang reports "NaN happened" and stores an EOS id
        const replacement = this.eosTokenIds[0] ?? r.params.stop_token_ids?.[0];
        if (replacement !== undefined) token = replacement;
        r.outputIds[r.outputIds.length - 1] = token;
      }
      r.sequence.push(token);
      r.pendingIds.push(token);
      if (finish) this.finishRequest(r, finish);
      else this.maybeEmit(r);
    });
  }

  private recordOutputLogprobs(
    r: ActiveRequest,
    row: Float32Array,
    mask: Int32Array | undefined,
    token: number,
  ): void {
    const pipeline = this.pipeline;
    const logprobs = r.logprobs!;
    const options = r.logprobOptions!;
    const formatter = r.formatter!;
    const temperature = this.options.returnOriginalLogprob ? 1 : r.params.temperature;
    const { m, logZ } = pipeline.logNormalizer(row, temperature, mask);
    const allowed = (id: number) => mask === undefined || ((mask[id >>> 5]! >>> (id & 31)) & 1) === 1;
    const lp = (id: number) =>
      id >= 0 && id < row.length && allowed(id)
        ? (row[id]! - m) / temperature - logZ
        : Number.NEGATIVE_INFINITY;
    logprobs.output_token_logprobs.push(formatter.tuple(lp(token), token));
    if (options.topLogprobsNum > 0) {
      const found = pipeline.topTokens(row, options.topLogprobsNum, mask);
      const top: LogprobTuple[] = [];
      for (let k = 0; k < found; k++) {
        top.push(formatter.tuple((pipeline.topValues[k]! - m) / temperature - logZ, pipeline.topIds[k]!));
      }
      logprobs.output_top_logprobs!.push(top);
    }
    if (options.tokenIdsLogprob) {
      logprobs.output_token_ids_logprobs!.push(
        options.tokenIdsLogprob.map((id) => formatter.tuple(lp(id), id)),
      );
    }
  }

  private maybeEmit(r: ActiveRequest): void {
    const n = r.outputIds.length;
    if (!r.stream) {
      if (n % FORCE_STREAM_INTERVAL === 0 && r.detok) {
        r.detok.step(r.pendingIds, null);
        r.pendingIds = [];
      }
      return;
    }
    const interval = r.params.stream_interval ?? this.options.streamInterval ?? 1;
    const due = interval > 1 ? n % interval === 1 : n % interval === 0;
    if (!due || r.checker.holdsStopPrefix(r.outputIds)) return;
    this.emit(r, null);
  }

  private emit(r: ActiveRequest, finish: FinishReason | null): void {
    const delta = r.detok ? r.detok.step(r.pendingIds, finish) : '';
    r.pendingIds = [];
    const event: GenerateEvent = {
      rid: r.rid,
      text: r.detok?.text ?? '',
      delta,
      outputIds: r.outputIds,
      newOutputIds: r.outputIds.slice(r.emittedIds),
      finishReason: finish,
      promptTokens: r.prompt.length,
      completionTokens: r.outputIds.length,
      ...(r.logprobs ? { logprobs: r.logprobs } : {}),
    };
    r.emittedIds = r.outputIds.length;
    for (const listener of r.listeners) listener(event);
    if (finish) r.resolve(event);
  }

  private finishRequest(r: ActiveRequest, finish: FinishReason): void {
    r.finish = finish;
    r.pendingAbort = null;
    this.active.delete(r.rid);
    this.emit(r, finish);
  }
}
