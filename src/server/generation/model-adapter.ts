/**
 * Adapts an embedded {@link LanguageModel} (writes into reusable rows, knows the prompt length) to the model
 * interface of src/sampling's `Generator` (returns rows for full token sequences), and times the forward passes
 * so the benchmark can subtract them.
 */
import type { LanguageModel as GeneratorModel } from '../../sampling/index.js';
import type { LanguageModel, SequenceView } from '../model/types.js';

/** Largest `prompt length × vocabulary` whose per-position logits `forwardAll` materialises (256 MiB of floats). */
export const MAX_PROMPT_LOGIT_FLOATS = 2 ** 26;

export class ModelAdapter implements GeneratorModel {
  readonly vocabSize: number;
  /** Milliseconds spent in the model's forward passes. */
  forwardMillis = 0;
  private readonly rows: Float32Array[] = [];
  // The generator passes each request's growing sequence array on every step: its length at first sight is
  // the prompt length (the replay model indexes its rows by generated position).
  private readonly promptLengths = new WeakMap<readonly number[], number>();

  constructor(private readonly model: LanguageModel) {
    this.vocabSize = model.vocabSize;
  }

  forward(sequences: ReadonlyArray<readonly number[]>): Float32Array[] {
    while (this.rows.length < sequences.length) this.rows.push(new Float32Array(this.vocabSize));
    const views: SequenceView[] = sequences.map((tokenIds) => {
      let promptLength = this.promptLengths.get(tokenIds);
      if (promptLength === undefined) {
        promptLength = tokenIds.length;
        this.promptLengths.set(tokenIds, promptLength);
      }
      return { tokenIds, promptLength };
    });
    const rows = this.rows.slice(0, sequences.length);
    const started = performance.now();
    this.model.forward(views, rows);
    this.forwardMillis += performance.now() - started;
    return rows;
  }

  /** Logits after every prefix of `sequence` (row i predicts token i + 1), for prompt logprobs. */
  forwardAll(sequence: readonly number[]): Float32Array[] {
    const rows: Float32Array[] = [];
    const started = performance.now();
    for (let i = 1; i <= sequence.length; i++) {
      const row = new Float32Array(this.vocabSize);
      this.model.forward([{ tokenIds: sequence.slice(0, i), promptLength: i }], [row]);
      rows.push(row);
    }
    this.forwardMillis += performance.now() - started;
    return rows;
  }

  /** Next-token logits after `tokenIds` in a fresh row (for /v1/score). */
  forwardOne(tokenIds: readonly number[]): Float32Array {
    const row = new Float32Array(this.vocabSize);
    this.model.forward([{ tokenIds, promptLength: tokenIds.length }], [row]);
    return row;
  }
}
