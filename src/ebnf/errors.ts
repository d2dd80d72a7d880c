/** Construction of EBNF errors in XGrammar's exact form. */
import { caretSnippet, GrammarError, type GrammarErrorKind } from '../engine/errors.js';

/** A pending error: message and 1-based line / byte column. */
export interface EbnfErrorSite {
  message: string;
  line: number;
  column: number;
}

const PREFIX: Partial<Record<GrammarErrorKind, string>> = {
  'ebnf-lexer': 'EBNF lexer error',
  'ebnf-parser': 'EBNF parser error',
  limit: 'EBNF parser error',
  unsupported: 'EBNF parser error',
};

/**
 * Builds a `GrammarError` whose message is `EBNF lexer|parser error at line L, column C: <message>`
 * (XGrammar's wording), with a caret snippet of the offending line.
 */
export function ebnfError(
  kind: GrammarErrorKind,
  message: string,
  at: { line: number; column: number },
  source: string,
): GrammarError {
  const prefix = PREFIX[kind] ?? 'EBNF parser error';
  return new GrammarError(kind, `${prefix} at line ${at.line}, column ${at.column}: ${message}`, {
    line: at.line,
    column: at.column,
    snippet: caretSnippet(source, at.line, at.column),
  });
}
