/**
 * EBNF front end: XGrammar's EBNF dialect (GBNF plus extensions; what SGLang's `ebnf` parameter takes)
 * → the grammar IR. Errors, limits and the XGrammar compatibility mode are described on `ebnfToGrammar`.
 */
import { GrammarError } from '../engine/errors.js';
import type { Grammar } from '../engine/ir.js';
import type { TokenIdVocabulary } from '../engine/token-ids.js';
import { type EbnfWarning, lowerRules } from './lower.js';
import { parseEbnf } from './parser.js';

export { BUILTIN_JSON_EBNF } from './builtin-json.js';
export type { EbnfWarning } from './lower.js';
export { MAX_NEST_DEPTH } from './parser.js';

export interface EbnfOptions {
  /** Name of the start rule (default `root`). */
  root?: string;
  /**
   * `default`: the grammar's stated meaning. `xgrammar`: reproduce XGrammar's quirks exactly (negated
   * classes only exclude ASCII members; TagDispatch only sees tags at their own trie node).
   */
  compat?: 'default' | 'xgrammar';
  /** Largest repetition bound in `{n}`/`{n,m}` (default 100000). */
  maxRepetition?: number;
  /** Largest rule body after expanding counted repetitions, in IR leaves (default 4,000,000). */
  maxExpandedSize?: number;
  /**
   * The vocabulary of `ExcludeToken(...)` / `TokenTagDispatch(...)` complements: they then hold only its
   * ordinary tokens (no special or stop tokens). Without it they range over every id below 2^24.
   */
  tokenizer?: TokenIdVocabulary;
}

/** Default cap on `{n,m}` bounds. */
export const DEFAULT_MAX_REPETITION = 100_000;
/** Default cap on a rule's size after unrolling counted repetitions. */
export const DEFAULT_MAX_EXPANDED_SIZE = 4_000_000;
/** Grammar texts longer than this (in UTF-16 units) are rejected before lexing. */
export const MAX_EBNF_SOURCE_LENGTH = 8_000_000;

/**
 * Compiles EBNF text (XGrammar dialect) to the grammar IR.
 *
 * @throws GrammarError (`ebnf-lexer`, `ebnf-parser`, `limit` or `unsupported`) with XGrammar's message
 *   `EBNF lexer|parser error at line L, column C: ...` (1-based; columns in UTF-8 bytes) and a caret snippet.
 */
export function ebnfToGrammar(
  source: string,
  options: EbnfOptions = {},
): { grammar: Grammar; warnings: EbnfWarning[] } {
  const root = options.root ?? 'root';
  if (source.length > MAX_EBNF_SOURCE_LENGTH) {
    throw new GrammarError(
      'limit',
      `EBNF grammar text is too long: ${source.length} characters, max ${MAX_EBNF_SOURCE_LENGTH}`,
    );
  }
  const rules = parseEbnf(source, { root, maxRepetition: options.maxRepetition ?? DEFAULT_MAX_REPETITION });
  return lowerRules(rules, source, {
    root,
    compat: options.compat ?? 'default',
    maxExpandedSize: options.maxExpandedSize ?? DEFAULT_MAX_EXPANDED_SIZE,
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
}
