/**
 * The server's view of generation: src/sampling's `Generator` (continuous batching, SGLang's logits pipeline,
 * stop checks, incremental detokenisation and logprobs) plus what a server adds: admission control
 * (`maxRunningRequests` generate together, up to `maxQueuedRequests` wait, beyond that a 503), client-disconnect
 * aborts, shutdown, counters, and the mapping of generator events to route updates.
 */
import {
  type GenerateEvent,
  Generator,
  LogitsPipeline,
  type LogprobTuple,
  type RequestHandle,
  type TokenizerLike,
} from '../../sampling/index.js';
import { HttpError } from '../errors.js';
import type { LanguageModel } from '../model/types.js';
import { ModelAdapter } from './model-adapter.js';
import type { GenerationSpec, GenerationUpdate, LogprobEntry } from './types.js';

/** Scheduler limits and generator settings. */
export interface SchedulerOptions {
  maxRunningRequests: number;
  maxQueuedRequests: number;
  contextLength: number;
  enableCustomLogitProcessor: boolean;
  /** The model EOS ids: the stop tokens of grammar matchers. */
  eosTokenIds: readonly number[];
}

/** Called with updates while a request runs; `final` is true exactly once. */
export type UpdateListener = (update: GenerationUpdate, final: boolean) => void;

const entry = (t: LogprobTuple): LogprobEntry => [t[0], t[1]];
const entries = (list: Array<LogprobTuple[] | null> | undefined) =>
  (list ?? []).map((row) => (row === null ? null : row.map(entry)));

export class Scheduler {
  private readonly adapter: ModelAdapter;
  private readonly generator: Generator;
  private readonly handles = new Set<RequestHandle>();
  private readonly pipeline = new LogitsPipeline();
  /** Tokens generated since start (for /server_info and the benchmark). */
  generatedTokens = 0;

  constructor(
    model: LanguageModel,
    tokenizer: TokenizerLike,
    private readonly options: SchedulerOptions,
  ) {
    this.adapter = new ModelAdapter(model);
    this.generator = new Generator(this.adapter, {
      tokenizer,
      contextLength: options.contextLength,
      enableCustomLogitProcessor: options.enableCustomLogitProcessor,
      maxBatchSize: options.maxRunningRequests,
    });
  }

  /** Milliseconds spent inside the model's forward passes. */
  get modelMillis(): number {
    return this.adapter.forwardMillis;
  }

  /** Requests generating now. */
  get runningCount(): number {
    return Math.min(this.generator.activeCount, this.options.maxRunningRequests);
  }

  /** Requests waiting for a slot. */
  get queuedCount(): number {
    return Math.max(0, this.generator.activeCount - this.options.maxRunningRequests);
  }

  /**
   * Runs a request and resolves with its final update. Throws a 503 when the queue is full. Aborting `signal`
   * (client disconnect) finishes the request at the next step, which frees its matcher.
   */
  submit(spec: GenerationSpec, listener?: UpdateListener, signal?: AbortSignal): Promise<GenerationUpdate> {
    const { maxRunningRequests, maxQueuedRequests } = this.options;
    if (this.generator.activeCount >= maxRunningRequests + maxQueuedRequests) {
      throw new HttpError(503, 'The request queue is full.');
    }
    const started = performance.now();
    const base = { rid: spec.rid, promptTokens: spec.promptIds.length };
    const toUpdate = (event: GenerateEvent): GenerationUpdate => ({
      ...base,
      text: event.text,
      outputIds: event.outputIds,
      finishReason: event.finishReason,
      inputTokenLogprobs: (event.logprobs?.input_token_logprobs ?? []).map(entry),
      outputTokenLogprobs: (event.logprobs?.output_token_logprobs ?? []).map(entry),
      inputTopLogprobs: entries(event.logprobs?.input_top_logprobs),
      outputTopLogprobs: entries(event.logprobs?.output_top_logprobs),
      inputTokenIdsLogprobs: entries(event.logprobs?.input_token_ids_logprobs),
      outputTokenIdsLogprobs: entries(event.logprobs?.output_token_ids_logprobs),
      e2eLatency: (performance.now() - started) / 1000,
    });
    if (spec.maxNewTokens <= 0) {
      // SGLang answers max_new_tokens = 0 without generating.
      const update: GenerationUpdate = {
        ...toUpdate({
          rid: spec.rid,
          text: '',
          delta: '',
          outputIds: [],
          newOutputIds: [],
          finishReason: null,
          promptTokens: base.promptTokens,
          completionTokens: 0,
        }),
        finishReason: { type: 'length', length: 0 },
      };
      listener?.(update, true);
      return Promise.resolve(update);
    }
    const handle = this.generator.submit({
      rid: spec.rid,
      inputIds: spec.promptIds,
      params: spec.samplingParams,
      matcher: spec.grammar?.createMatcher(this.options.eosTokenIds) ?? null,
      stream: listener !== undefined,
      returnLogprob: spec.logprobs.returnLogprob,
      logprobStartLen: spec.logprobs.logprobStartLen,
      topLogprobsNum: spec.logprobs.topLogprobsNum,
      tokenIdsLogprob: spec.logprobs.tokenIdsLogprob,
      returnTextInLogprobs: false,
      customLogitProcessor: spec.customLogitProcessor,
    });
    this.handles.add(handle);
    const onAbort = () => handle.abort('Abort in waiting queue');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return (async () => {
      try {
        let final: GenerationUpdate | undefined;
        for await (const event of handle.events()) {
          const update = toUpdate(event);
          const done = event.finishReason !== null;
          listener?.(update, done);
          if (done) final = update;
        }
        if (!final) final = toUpdate(await handle.result);
        this.generatedTokens += final.outputIds.length;
        return final;
      } finally {
        this.handles.delete(handle);
        signal?.removeEventListener('abort', onAbort);
      }
    })();
  }

  /** Aborts every queued and running request (shutdown). */
  abortAll(message: string): void {
    for (const handle of this.handles) handle.abort(message);
  }

  /** Next-token log-probabilities after `tokenIds` (for /v1/score): a raw log-softmax of the model. */
  nextTokenLogprobs(tokenIds: readonly number[]): Float32Array {
    const row = this.adapter.forwardOne(tokenIds);
    const { m, logZ } = this.pipeline.logNormalizer(row, 1);
    for (let v = 0; v < row.length; v++) row[v] = row[v]! - m - logZ;
    return row;
  }
}
