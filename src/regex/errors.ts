import { GrammarError } from '../engine/errors.js';

/**
 * A regex error at a 0-based code point `position` of `pattern`. The message follows XGrammar's form,
 * `Regex parsing error at position N: …`, with N the 1-based code point index; the error also carries
 * the 0-based position and a two-line caret snippet.
 */
export function regexError(pattern: string, position: number, message: string): GrammarError {
  return new GrammarError('regex', `Regex parsing error at position ${position + 1}: ${message}`, {
    position,
    snippet: regexCaretSnippet(pattern, position),
  });
}

/** The pattern (control characters shown as `·`) with a caret under code point `position`. */
export function regexCaretSnippet(pattern: string, position: number): string {
  const shown = Array.from(pattern, (ch) => (ch.codePointAt(0)! < 0x20 ? '·' : ch)).join('');
  return `${shown}\n${' '.repeat(Math.max(0, position))}^`;
}
