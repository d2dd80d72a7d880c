/** One sequence in a forward batch: prompt plus the tokens generated so far. */
export interface SequenceView {
  readonly tokenIds: readonly number[];
  /** How many of `tokenIds` are prompt tokens. */
  readonly promptLength: number;
}

/**
 * The embedded CPU language model. `forward` writes the next-token logits of every sequence into the matching
 * output row (length `vocabSize`), so the step loop allocates nothing per token.
 */
export interface LanguageModel {
  /** Short identifier reported as `model_path` (e.g. `logitkit/ngram-3`). */
  readonly name: string;
  /** One line describing what the model is, for /server_info and logs. */
  readonly description: string;
  readonly vocabSize: number;
  forward(batch: readonly SequenceView[], out: readonly Float32Array[]): void;
}
