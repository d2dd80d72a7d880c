/**
 * A validating JSON scanner over UTF-8 bytes that finds value boundaries without building values.
 *
 * Loading a 9-11 MB tokenizer.json with JSON.parse costs ~250 ms, most of it on the BPE merges the
 * vocabulary does not need. The fast loader walks the file with this scanner, JSON.parses only the small
 * parts, skips the merges and decodes the vocabulary keys straight into bytes.
 */

/** Thrown for malformed JSON; `offset` is the byte offset of the problem. */
export class JsonScanError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const MAX_NESTING = 512;

/** Scanner over one buffer. Offsets are byte offsets. */
export class JsonScanner {
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array) {
    this.buf = buf;
  }

  /** Offset of the first non-whitespace byte at or after `pos`. */
  skipWhitespace(pos: number): number {
    const buf = this.buf;
    while (pos < buf.length) {
      const c = buf[pos]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    return pos;
  }

  /** Expects byte `c` (after whitespace) and returns the offset after it. */
  expect(pos: number, c: number): number {
    pos = this.skipWhitespace(pos);
    if (this.buf[pos] !== c) throw this.unexpected(pos, `'${String.fromCharCode(c)}'`);
    return pos + 1;
  }

  /** Validates the value starting at `pos` (after whitespace) and returns the offset right after it. */
  skipValue(pos: number, nesting = 0): number {
    const buf = this.buf;
    pos = this.skipWhitespace(pos);
    if (nesting > MAX_NESTING) throw new JsonScanError(`nesting deeper than ${MAX_NESTING}`, pos);
    const c = buf[pos];
    if (c === 0x22) return this.skipString(pos);
    if (c === 0x7b) {
      pos = this.skipWhitespace(pos + 1);
      if (buf[pos] === 0x7d) return pos + 1;
      for (;;) {
        pos = this.skipWhitespace(pos);
        if (buf[pos] !== 0x22) throw this.unexpected(pos, 'a string key');
        pos = this.skipString(pos);
        pos = this.expect(pos, 0x3a);
        pos = this.skipWhitespace(this.skipValue(pos, nesting + 1));
        if (buf[pos] === 0x2c) pos++;
        else if (buf[pos] === 0x7d) return pos + 1;
        else throw this.unexpected(pos, "',' or '}'");
      }
    }
    if (c === 0x5b) {
      pos = this.skipWhitespace(pos + 1);
      if (buf[pos] === 0x5d) return pos + 1;
      for (;;) {
        pos = this.skipWhitespace(this.skipValue(pos, nesting + 1));
        if (buf[pos] === 0x2c) pos++;
        else if (buf[pos] === 0x5d) return pos + 1;
        else throw this.unexpected(pos, "',' or ']'");
      }
    }
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.skipNumber(pos);
    for (const word of LITERALS) {
      if (this.matches(pos, word)) return pos + word.length;
    }
    throw this.unexpected(pos, 'a JSON value');
  }

  /**
   * Skips the value at `pos` checking only its structure (strings closed, brackets balanced and matched),
   * in one flat loop: for big sections the loader does not read (BPE merges). JSON.parse still sees the
   * whole file when the text tokenizer is built.
   */
  skipValueLoosely(pos: number): number {
    const buf = this.buf;
    const n = buf.length;
    pos = this.skipWhitespace(pos);
    const first = buf[pos];
    if (first !== 0x5b && first !== 0x7b) return this.skipValue(pos);
    const open = new Uint8Array(MAX_NESTING + 1);
    let depth = 0;
    let i = pos;
    while (i < n) {
      const c = buf[i]!;
      if (c === 0x22) {
        i++;
        while (i < n) {
          const d = buf[i]!;
          if (d === 0x22) break;
          i += d === 0x5c ? 2 : 1;
        }
        if (i >= n) throw new JsonScanError('unterminated string', i);
      } else if (c === 0x5b || c === 0x7b) {
        if (depth === MAX_NESTING) throw new JsonScanError(`nesting deeper than ${MAX_NESTING}`, i);
        open[depth++] = c;
      } else if (c === 0x5d || c === 0x7d) {
        if (depth === 0 || open[depth - 1] !== c - 2) throw this.unexpected(i, 'a matching bracket');
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new JsonScanError('unexpected end of input inside a value', n);
  }

  /** Validates the string starting at `pos` (a quote) and returns the offset after the closing quote. */
  skipString(pos: number): number {
    const buf = this.buf;
    pos++;
    for (;;) {
      if (pos >= buf.length) throw new JsonScanError('unterminated string', pos);
      const c = buf[pos]!;
      if (c === 0x22) return pos + 1;
      if (c === 0x5c) {
        const len = escapeLength(buf, pos);
        if (len === 0) throw new JsonScanError('bad escape in string', pos);
        pos += len;
      } else if (c < 0x20) throw new JsonScanError('control character in string', pos);
      else pos++;
    }
  }

  /** Validates a number and returns the offset after it. */
  skipNumber(pos: number): number {
    const buf = this.buf;
    const start = pos;
    if (buf[pos] === 0x2d) pos++;
    if (buf[pos] === 0x30) pos++;
    else if (isDigit(buf[pos])) while (isDigit(buf[pos])) pos++;
    else throw this.unexpected(pos, 'a digit');
    if (buf[pos] === 0x2e) {
      pos++;
      if (!isDigit(buf[pos])) throw this.unexpected(pos, 'a digit');
      while (isDigit(buf[pos])) pos++;
    }
    if (buf[pos] === 0x65 || buf[pos] === 0x45) {
      pos++;
      if (buf[pos] === 0x2b || buf[pos] === 0x2d) pos++;
      if (!isDigit(buf[pos])) throw this.unexpected(pos, 'a digit');
      while (isDigit(buf[pos])) pos++;
    }
    if (pos === start) throw this.unexpected(pos, 'a number');
    return pos;
  }

  /**
   * Walks the members of the object at `pos`, calling `member(keyStart, keyEnd, valueStart)` with the
   * key's raw bytes (inside the quotes); the callback returns the offset after the value. Returns the
   * offset after the object.
   */
  forEachMember(
    pos: number,
    member: (keyStart: number, keyEnd: number, valueStart: number) => number,
  ): number {
    const buf = this.buf;
    pos = this.expect(pos, 0x7b);
    pos = this.skipWhitespace(pos);
    if (buf[pos] === 0x7d) return pos + 1;
    for (;;) {
      pos = this.skipWhitespace(pos);
      if (buf[pos] !== 0x22) throw this.unexpected(pos, 'a string key');
      const keyEnd = this.skipString(pos);
      const valueStart = this.skipWhitespace(this.expect(keyEnd, 0x3a));
      pos = this.skipWhitespace(member(pos + 1, keyEnd - 1, valueStart));
      if (buf[pos] === 0x2c) pos++;
      else if (buf[pos] === 0x7d) return pos + 1;
      else throw this.unexpected(pos, "',' or '}'");
    }
  }

  /** Whether the raw bytes `[start, end)` equal the ASCII text `word`. */
  rawEquals(start: number, end: number, word: string): boolean {
    if (end - start !== word.length) return false;
    return this.matches(start, word);
  }

  /** A parse error at `pos`, saying what was expected. */
  unexpected(pos: number, expected: string): JsonScanError {
    if (pos >= this.buf.length)
      return new JsonScanError(`unexpected end of input, expected ${expected}`, pos);
    return new JsonScanError(`unexpected byte 0x${this.buf[pos]!.toString(16)}, expected ${expected}`, pos);
  }

  private matches(pos: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.buf[pos + k] !== word.charCodeAt(k)) return false;
    return true;
  }
}

const LITERALS = ['true', 'false', 'null'];
// " \ / b f n r t
const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** Length of the valid JSON escape at `pos` (a backslash), or 0 if it is malformed. */
export function escapeLength(buf: Uint8Array, pos: number): number {
  const e = buf[pos + 1];
  if (e === 0x75) {
    for (let k = 2; k < 6; k++) if (hexValue(buf[pos + k]) < 0) return 0;
    return 6;
  }
  return e !== undefined && SIMPLE_ESCAPES.has(e) ? 2 : 0;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Value of a hex digit byte, or -1. */
export function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The value of a simple escape letter (`n` → 0x0a ...), for string decoding. */
export function simpleEscapeValue(c: number): number {
  switch (c) {
    case 0x62:
      return 0x08;
    case 0x66:
      return 0x0c;
    case 0x6e:
      return 0x0a;
    case 0x72:
      return 0x0d;
    case 0x74:
      return 0x09;
    default:
      return c; // " \ /
  }
}

/** Converts a byte offset into a 1-based line and column (in bytes). */
export function lineColumn(buf: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, buf.length);
  for (let i = 0; i < end; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
