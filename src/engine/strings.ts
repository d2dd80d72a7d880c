/** String-level helpers for grammars without a tokenizer (tests, `logitkit check`, oracles). */
import { CompiledGrammar } from './compiled-grammar.js';
import type { Grammar } from './ir.js';
import { GrammarMatcher } from './matcher.js';

/** True iff `input` (text as UTF-8, or raw bytes) is a complete sentence of `grammar`. */
export function grammarAcceptsString(
  grammar: Grammar | CompiledGrammar,
  input: string | Uint8Array,
): boolean {
  const compiled = grammar instanceof CompiledGrammar ? grammar : CompiledGrammar.fromGrammar(grammar, null);
  const m = new GrammarMatcher(compiled);
  return m.acceptString(input) && m.isCompleted();
}

/** True iff `input` is a prefix of some sentence of `grammar`. */
export function grammarAcceptsPrefix(
  grammar: Grammar | CompiledGrammar,
  input: string | Uint8Array,
): boolean {
  const compiled = grammar instanceof CompiledGrammar ? grammar : CompiledGrammar.fromGrammar(grammar, null);
  return new GrammarMatcher(compiled).acceptString(input);
}
