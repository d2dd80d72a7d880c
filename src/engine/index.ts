/** The grammar engine: IR, automata, compiled grammars, matchers and bitmasks. */
export * from './automaton.js';
export * from './bitmask.js';
export { CompiledGrammar } from './compiled-grammar.js';
export * from './errors.js';
export { GrammarCompiler, type GrammarCompilerOptions } from './grammar-compiler.js';
export * from './ir.js';
export { GrammarMatcher, type GrammarMatcherOptions } from './matcher.js';
export { grammarAcceptsPrefix, grammarAcceptsString } from './strings.js';
export type { EngineTokenizer } from './token-sets.js';
