/** Where a grammar error was found: a line/column in grammar text, an offset in a regex, or a JSON pointer. */
export interface GrammarErrorLocation {
  /** 1-based line in the grammar text. */
  line?: number;
  /** 1-based column in the grammar text, counted in UTF-8 bytes (XGrammar's convention). */
  column?: number;
  /** 0-based offset in a regex pattern. */
  position?: number;
  /** JSON pointer into a JSON Schema or structural tag, e.g. `/properties/age/minimum`. */
  pointer?: string;
  /** The offending source line with a caret under the position, for display. */
  snippet?: string;
}

/** What kind of input the error is about. */
export type GrammarErrorKind =
  | 'ebnf-lexer'
  | 'ebnf-parser'
  | 'regex'
  | 'json-schema'
  | 'structural-tag'
  | 'limit'
  | 'unsupported';

/**
 * The one error type every compiler throws for bad input or an exceeded limit. `message` is the full text
 * users see (for EBNF exactly XGrammar's `EBNF parser error at line L, column C: ...`).
 */
export class GrammarError extends Error {
  override readonly name = 'GrammarError';
  readonly kind: GrammarErrorKind;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly position: number | undefined;
  readonly pointer: string | undefined;
  readonly snippet: string | undefined;

  constructor(kind: GrammarErrorKind, message: string, location: GrammarErrorLocation = {}) {
    super(message);
    this.kind = kind;
    this.line = location.line;
    this.column = location.column;
    this.position = location.position;
    this.pointer = location.pointer;
    this.snippet = location.snippet;
  }
}

/** Builds a two-line "source line + caret" snippet for a 1-based line and a 1-based byte column. */
export function caretSnippet(source: string, line: number, byteColumn: number): string {
  const text = source.split(/\r\n|\n|\r/)[line - 1] ?? '';
  const bytes = new TextEncoder().encode(text);
  const prefix = new TextDecoder().decode(bytes.subarray(0, Math.max(0, byteColumn - 1)));
  return `${text}\n${' '.repeat([...prefix].length)}^`;
}
