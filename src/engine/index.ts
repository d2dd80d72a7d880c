/** The grammar engine: IR, automata, compiled grammars, matchers and bitmasks. */
export * from './automaton.js';
export * from './bitmask.js';
export { CompiledGrammar } from './compiled-grammar.js';
export * from './errors.js';
export { GrammarCompiler, type GrammarCompilerOptions } from './grammar-compiler.js';
export * from './ir.js';
export { GrammarMatcher, type GrammarMatcherOptions } from './matcher.js';
export { grammarAcceptsPrefix, grammarAcceptsString } from './strings.js';
export {
  MAX_TOKEN_ID,
  ordinaryTokensExceptExpr,
  TOKEN_ID_MARKER,
  type TokenIdVocabulary,
  tokenIdCode,
  tokenIdRangesExpr,
  tokenIdsExceptExpr,
  tokenIdsExpr,
} from './token-ids.js';
export type { EngineTokenizer } from './token-sets.js';
