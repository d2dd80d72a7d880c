/** What a tokenizer error is about. */
export type TokenizerErrorKind = 'io' | 'json' | 'format' | 'unsupported' | 'preset' | 'argument';

/**
 * The error every vocabulary loader throws for bad input: a missing or unreadable file, invalid JSON, a
 * tokenizer.json with an unknown model or decoder, a missing preset package. `message` names the file (when
 * there is one) and the offending field.
 */
export class TokenizerError extends Error {
  override readonly name = 'TokenizerError';
  readonly kind: TokenizerErrorKind;
  /** The file the error is about, when the input came from a file. */
  readonly file: string | undefined;
  /** Dotted path of the offending field inside the JSON, e.g. `model.type`. */
  readonly field: string | undefined;

  constructor(
    kind: TokenizerErrorKind,
    message: string,
    where: { file?: string | undefined; field?: string | undefined } = {},
    options?: { cause?: unknown },
  ) {
    const prefix = [where.file, where.field].filter((p) => p !== undefined && p !== '').join(': ');
    super(prefix ? `${prefix}: ${message}` : message, options);
    this.kind = kind;
    this.file = where.file;
    this.field = where.field;
  }
}
