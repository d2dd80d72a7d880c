/**
 * `--model replay:FILE`: logits read from a `.npy`, `.safetensors` or `.json` file (src/sampling's
 * `readLogitsFile`) holding `[steps, vocab]` (or one `[vocab]` row). Generation step i of every request uses row
 * min(i, steps-1), so a recorded run of a real model can be replayed through the sampler and grammar masks.
 */
import { readLogitsFile } from '../../sampling/index.js';
import type { LanguageModel, SequenceView } from './types.js';

/** Replays recorded logits. Columns beyond the tokenizer's vocabulary are dropped; missing ones are -inf. */
export class ReplayModel implements LanguageModel {
  readonly name: string;
  readonly description: string;
  readonly vocabSize: number;
  private readonly rows: readonly Float32Array[];

  constructor(rows: readonly Float32Array[], vocabSize: number, file: string) {
    if (rows.length === 0 || rows[0]!.length === 0) throw new Error(`${file}: the logits array is empty`);
    this.rows = rows;
    this.vocabSize = vocabSize;
    this.name = `logitkit/replay:${file}`;
    this.description = `replay: ${rows.length} recorded logit rows of width ${rows[0]!.length} from ${file}`;
  }

  /** Loads a logits file (format chosen by extension). */
  static load(file: string, vocabSize: number): ReplayModel {
    return new ReplayModel(readLogitsFile(file).rows, vocabSize, file);
  }

  forward(batch: readonly SequenceView[], out: readonly Float32Array[]): void {
    for (let i = 0; i < batch.length; i++) {
      const seq = batch[i]!;
      const source =
        this.rows[Math.min(Math.max(0, seq.tokenIds.length - seq.promptLength), this.rows.length - 1)]!;
      const target = out[i]!;
      const width = Math.min(source.length, this.vocabSize);
      target.set(source.subarray(0, width));
      if (width < this.vocabSize) target.fill(-Infinity, width);
    }
  }
}
