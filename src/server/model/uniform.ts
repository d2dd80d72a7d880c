import type { LanguageModel, SequenceView } from './types.js';

/** All logits equal: with a grammar this is uniformly random constrained generation. */
export class UniformModel implements LanguageModel {
  readonly name = 'logitkit/uniform';
  readonly description = 'uniform: every token has the same logit (grammar-constrained random generation)';
  readonly vocabSize: number;

  constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
  }

  forward(batch: readonly SequenceView[], out: readonly Float32Array[]): void {
    for (let i = 0; i < batch.length; i++) out[i]!.fill(0);
  }
}
