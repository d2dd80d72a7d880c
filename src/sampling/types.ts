/**
 * Structural contracts the sampling module needs from other areas (vocabulary, engine, regex), kept
 * minimal so that this module compiles and tests on its own. The real `TokenizerInfo` and
 * `GrammarMatcher` satisfy them.
 */

/** What the sampler needs from a tokenizer. */
export interface TokenizerLike {
  /** Number of token ids (logit rows may be longer; extra columns are padding). */
  readonly vocabSize: number;
  /** Model EOS ids (config.json + generation_config.json), the tokenizer EOS and e.g. `<|eom_id|>`. */
  readonly eosTokenIds?: readonly number[];
  /** Whether the id is a special/added token (used by `skip_special_tokens`). */
  isSpecial?(id: number): boolean;
  /** Text of a token sequence. `skipSpecialTokens` defaults to false (HF `decode` default). */
  decode(
    ids: readonly number[],
    options?: { skipSpecialTokens?: boolean; spacesBetweenSpecialTokens?: boolean },
  ): string;
  /** Token ids of a text, without special tokens (used for `stop_str_max_len`). */
  encode?(text: string, options?: { addSpecialTokens?: boolean }): ArrayLike<number>;
}

/** What the sampler needs from a grammar matcher (XGrammar-style API). */
export interface MatcherLike {
  /** Writes the allowed-token bitmask of `row`: bit `t & 31` of word `t >> 5` set = token t allowed. */
  fillNextTokenBitmask(bitmask: Int32Array, row: number): void;
  /** Advances the matcher; returns false (or throws) when the token is rejected. */
  acceptToken(id: number): boolean | undefined;
  /** True once the grammar accepted its stop token. */
  isTerminated(): boolean;
}

/** A streaming regex search over text pushed piece by piece (Python `re.search` semantics). */
export interface StopRegexSearchLike {
  push(text: string): { matched: boolean; start?: number; end?: number };
}
