/**
 * Continuous batching on the CPU: admitted requests step together (one batched model forward per step), new
 * requests join between steps, finished or aborted ones leave. Over `maxRunning` requests wait in a queue; over
 * `maxQueued` waiting requests the submit fails with 503. The loop yields to the event loop after every step so
 * streaming, new requests and disconnects are served while generating.
 */

import { applyMaskDense, LogitsPipeline } from '../../sampling/index.js';
import { HttpError } from '../errors.js';
import type { LanguageModel, SequenceView } from '../model/types.js';
import type { ServerTokenizer } from '../tokenizer.js';
import {
  type GenerationSpec,
  type GenerationUpdate,
  type LogprobEntry,
  Sequence,
  topLogprobs,
} from './sequence.js';

/** Scheduler limits. */
export interface SchedulerOptions {
  maxRunningRequests: number;
  maxQueuedRequests: number;
}

/** Called with snapshots while a request runs; `final` is true exactly once. */
export type UpdateListener = (update: GenerationUpdate, final: boolean) => void;

interface Slot {
  seq: Sequence;
  listener: UpdateListener | undefined;
  resolve: (update: GenerationUpdate) => void;
  detach: () => void;
  streamInterval: number;
}

/** Runs generation requests against one model. */
export class Scheduler {
  private readonly running: Slot[] = [];
  private readonly queue: Slot[] = [];
  private readonly rows: Float32Array[] = [];
  private readonly pipeline = new LogitsPipeline();
  private readonly logprobRow: Float32Array;
  private readonly mask: Int32Array;
  private looping = false;
  /** Tokens generated since start (for /server_info and the benchmark). */
  generatedTokens = 0;
  /** Milliseconds spent inside `model.forward` (the benchmark subtracts it). */
  modelMillis = 0;

  constructor(
    private readonly model: LanguageModel,
    private readonly tokenizer: ServerTokenizer,
    private readonly options: SchedulerOptions,
  ) {
    this.logprobRow = new Float32Array(model.vocabSize);
    this.mask = new Int32Array(Math.ceil(model.vocabSize / 32));
  }

  /** Requests generating now. */
  get runningCount(): number {
    return this.running.length;
  }

  /** Requests waiting for a slot. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /**
   * Admits a request (or queues it) and resolves with its final snapshot. Throws a 503 when the queue is full.
   * Aborting `signal` (client disconnect) drops the request and its matcher at the next step boundary.
   */
  submit(spec: GenerationSpec, listener?: UpdateListener, signal?: AbortSignal): Promise<GenerationUpdate> {
    if (
      this.running.length >= this.options.maxRunningRequests &&
      this.queue.length >= this.options.maxQueuedRequests
    ) {
      throw new HttpError(503, 'The request queue is full.');
    }
    return new Promise((resolve) => {
      const seq = new Sequence(spec, this.tokenizer);
      const slot: Slot = {
        seq,
        listener,
        resolve,
        detach: () => {},
        streamInterval: Math.max(1, spec.params.streamInterval ?? 1),
      };
      if (signal) {
        const onAbort = () => this.abort(slot, 'Abort in waiting queue');
        if (signal.aborted) {
          queueMicrotask(onAbort);
        } else {
          signal.addEventListener('abort', onAbort, { once: true });
          slot.detach = () => signal.removeEventListener('abort', onAbort);
        }
      }
      if (this.running.length < this.options.maxRunningRequests) this.admit(slot);
      else this.queue.push(slot);
      this.kick();
    });
  }

  /** Aborts every queued and running request (shutdown). */
  abortAll(message: string): void {
    for (const slot of [...this.queue, ...this.running]) this.abort(slot, message);
  }

  private abort(slot: Slot, message: string): void {
    const inQueue = this.queue.indexOf(slot);
    const inRunning = this.running.indexOf(slot);
    if (inQueue < 0 && inRunning < 0) return;
    if (inQueue >= 0) this.queue.splice(inQueue, 1);
    if (inRunning >= 0) this.running.splice(inRunning, 1);
    slot.seq.finishReason = { type: 'abort', message, status_code: null, err_type: null };
    this.finish(slot);
    this.promote();
  }

  private admit(slot: Slot): void {
    const seq = slot.seq;
    if (seq.spec.logprobs.returnLogprob) this.computeInputLogprobs(seq);
    if (seq.spec.maxNewTokens <= 0) {
      seq.finishReason = { type: 'length', length: 0 };
      this.finish(slot);
      return;
    }
    this.running.push(slot);
  }

  private promote(): void {
    while (this.running.length < this.options.maxRunningRequests && this.queue.length > 0)
      this.admit(this.queue.shift()!);
  }

  private finish(slot: Slot): void {
    slot.detach();
    const update = slot.seq.snapshot();
    slot.listener?.(update, true);
    slot.resolve(update);
  }

  private kick(): void {
    if (this.looping || this.running.length === 0) return;
    this.looping = true;
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.running.length > 0) {
        this.step();
        this.promote();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.looping = false;
    }
  }

  private rowsFor(count: number): Float32Array[] {
    while (this.rows.length < count) this.rows.push(new Float32Array(this.model.vocabSize));
    return this.rows.slice(0, count);
  }

  /** One decode step for every running request. */
  private step(): void {
    const batch = [...this.running];
    const rows = this.rowsFor(batch.length);
    const started = performance.now();
    this.model.forward(
      batch.map((slot) => slot.seq),
      rows,
    );
    this.modelMillis += performance.now() - started;
    for (let i = 0; i < batch.length; i++) {
      const slot = batch[i]!;
      const seq = slot.seq;
      const token = this.sample(seq, rows[i]!);
      if (token < 0) seq.abortNoAllowedToken();
      else seq.accept(token);
      this.generatedTokens++;
      if (seq.finishReason) {
        this.running.splice(this.running.indexOf(slot), 1);
        this.finish(slot);
      } else if (slot.listener) {
        const produced = seq.outputIds.length;
        const emit = slot.streamInterval === 1 ? true : produced % slot.streamInterval === 1;
        if (emit) slot.listener(seq.snapshot(), false);
      }
    }
  }

  /**
   * Runs src/sampling's logits pipeline on one row (§2.1: penalties, min_new_tokens, grammar mask, logit_bias,
   * custom processor, temperature, top-k/top-p/min-p) and returns the sampled token, or -1 when every token is
   * masked. With `sampling_seed` the draw is SGLang's deterministic Gumbel-max.
   */
  private sample(seq: Sequence, row: Float32Array): number {
    const p = seq.spec.params;
    const sp = p.source;
    let mask: Int32Array | undefined;
    if (seq.matcher && !seq.matcher.isTerminated()) {
      this.mask.fill(0);
      seq.matcher.fillNextTokenBitmask(this.mask, 0);
      mask = this.mask;
    }
    const pipeline = this.pipeline;
    pipeline.applyEdits(row, sp, { outputIds: seq.outputIds, eosTokenIds: this.tokenizer.eosTokenIds });
    if (seq.spec.processor) {
      // A custom processor sees the masked row (-inf), like SGLang's.
      if (mask) applyMaskDense(row, mask);
      mask = undefined;
      seq.spec.processor.apply(row, p.customParams, seq.outputIds);
    }
    pipeline.filter(row, sp, mask);
    const token =
      seq.spec.gumbelSeed !== null
        ? pipeline.sampleGumbel(seq.spec.gumbelSeed, seq.tokenIds.length)
        : pipeline.sample(seq.spec.random);
    if (token >= 0 && seq.spec.logprobs.returnLogprob) {
      const out = this.logprobRow;
      const { m, logZ } = pipeline.logNormalizer(row, sp.temperature, mask);
      const invT = 1 / sp.temperature;
      for (let v = 0; v < row.length; v++) {
        const allowed = mask === undefined || ((mask[v >>> 5]! >>> (v & 31)) & 1) === 1;
        out[v] = allowed ? (row[v]! - m) * invT - logZ : -Infinity;
      }
      seq.recordOutputLogprobs(out, token);
    }
    return token;
  }

  /** log-softmax of a raw model row into `out` (prompt logprobs and /v1/score: no temperature, no mask). */
  private logSoftmax(row: Float32Array, out: Float32Array): void {
    const { m, logZ } = this.pipeline.logNormalizer(row, 1);
    for (let v = 0; v < row.length; v++) out[v] = row[v]! - m - logZ;
  }

  /** Prompt logprobs (§3.6): raw log-softmax of the model, entry 0 always null. */
  private computeInputLogprobs(seq: Sequence): void {
    const o = seq.spec.logprobs;
    const ids = seq.spec.promptIds;
    const start = o.logprobStartLen;
    const [row] = this.rowsFor(1);
    for (let pos = start; pos < ids.length; pos++) {
      const id = ids[pos]!;
      if (pos === start || pos === 0) {
        seq.inputTokenLogprobs.push([null, id]);
        if (o.topLogprobsNum > 0) seq.inputTopLogprobs.push(null);
        if (o.tokenIdsLogprob) seq.inputTokenIdsLogprobs.push(null);
        continue;
      }
      const view: SequenceView = { tokenIds: ids.slice(0, pos), promptLength: pos };
      this.model.forward([view], [row!]);
      const lp = this.logprobRow;
      this.logSoftmax(row!, lp);
      const value = lp[id]!;
      seq.inputTokenLogprobs.push([Number.isFinite(value) ? value : null, id]);
      if (o.topLogprobsNum > 0) seq.inputTopLogprobs.push(topLogprobs(lp, o.topLogprobsNum));
      if (o.tokenIdsLogprob) {
        seq.inputTokenIdsLogprobs.push(
          o.tokenIdsLogprob.map(
            (t): LogprobEntry => [Number.isFinite(lp[t] ?? Number.NaN) ? lp[t]! : null, t],
          ),
        );
      }
    }
  }

  /** Next-token log-probabilities after `tokenIds` (for /v1/score). */
  nextTokenLogprobs(tokenIds: readonly number[]): Float32Array {
    const row = new Float32Array(this.model.vocabSize);
    this.model.forward([{ tokenIds, promptLength: tokenIds.length }], [row]);
    const out = new Float32Array(this.model.vocabSize);
    this.logSoftmax(row, out);
    return out;
  }
}
