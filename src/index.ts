/**
 * logitkit: constrained decoding and sampling for LLM serving, in pure TypeScript.
 *
 * - `TokenizerInfo` (vocabulary): token bytes, specials, EOS ids, the flat token trie.
 * - `GrammarCompiler` / `CompiledGrammar` / `GrammarMatcher` (engine): JSON Schema, regex, EBNF and
 *   structural tags to token bitmasks.
 * - Sampling with SGLang's semantics (sampling).
 */
export * from './engine/index.js';
export * from './vocabulary/index.js';
