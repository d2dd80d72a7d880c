import type { KeyTypeCode } from './protocol.js';

/**
 * What the sidecar needs from a matcher: the subset of logitkit's GrammarMatcher it drives. Declared here so the
 * protocol layer is testable with a small stand-in and stays independent of engine internals.
 */
export interface SidecarMatcher {
  /** Writes the allowed-token bitmask of the next step into row `row` of `bitmask` (bit t&31 of word t>>5). */
  fillNextTokenBitmask(bitmask: Int32Array, row: number): void;
  /** Advances by one token; false (state unchanged) when the token is not allowed. */
  acceptToken(tokenId: number): boolean;
  /** Undoes the last `count` accepted tokens. Throws when fewer are in the history. */
  rollback(count: number): void;
  /** True once a stop token was accepted (or the grammar completed, with terminateWithoutStopToken). */
  isTerminated(): boolean;
  /** True when the grammar may end here. */
  isCompleted(): boolean;
  /** An independent copy with the same state. */
  fork(): SidecarMatcher;
  /** Back to the initial state. */
  reset(): void;
  /** The longest string every continuation must start with (state unchanged). */
  findJumpForwardString(): string;
}

/** Options for a new matcher, as SGLang's backends pass them to xgrammar. */
export interface SidecarMatcherOptions {
  /** Replaces the tokenizer's stop tokens for this matcher. */
  stopTokenIds?: readonly number[];
  /** Terminate as soon as the grammar is complete instead of waiting for a stop token. */
  terminateWithoutStopToken?: boolean;
}

/**
 * The compiler side of the sidecar: one tokenizer, a compiler and its cache. `G` is the engine's compiled-grammar
 * type; the sidecar treats it as opaque.
 */
export interface SidecarEngine<G = unknown> {
  /** Model vocabulary size (mask width in bits; ids past the tokenizer's vocabulary are never allowed). */
  readonly vocabSize: number;
  /** The model's EOS ids, the grammar's default stop tokens. */
  readonly eosTokenIds: readonly number[];
  /** One line describing the tokenizer, reported in the handshake. */
  readonly description: string;
  /**
   * Compiles a grammar key. `json` with key `$$ANY$$` means any JSON value (SGLang's convention); `flags` are
   * COMPILE flags (COMPILE_FLAG_JSON_FIXED_WHITESPACE). Throws an Error whose message is what SGLang shows
   * after `Failed to compile <type> grammar: `.
   */
  compile(keyType: KeyTypeCode, key: string, flags: number): G;
  /** A fresh matcher at the grammar's initial state. */
  createMatcher(grammar: G, options: SidecarMatcherOptions): SidecarMatcher;
}
