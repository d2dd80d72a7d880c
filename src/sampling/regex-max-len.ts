/**
 * `stop_regex_max_len`: SGLang's upper bound on how many characters a stop regex can match, computed
 * like its `get_max_seq_length` over Python's `sre_parse` tree: a literal, a class or `.` counts 1,
 * groups recurse, an alternation takes its longest branch, a bounded repeat is max * inner, an
 * unbounded one (`*`, `+`, `{n,}`) is 2^30, anchors (`^ $ \A \Z \b \B`) are 0, and every construct
 * SGLang does not handle (lookarounds, back-references, conditionals, atomic groups, possessive
 * repeats) counts 2^30. The scheduler decodes that many trailing tokens (+1) to search for the regex.
 */

/** The bound for unbounded or unknown constructs (SGLang's `MAX_LEN`). */
export const REGEX_MAX_LEN = 2 ** 30;

/** Thrown for a pattern Python's `re` would reject; `position` is the 0-based offset. */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

/** Upper bound on the characters matched by the Python regex `pattern` (see the module comment). */
export function stopRegexMaxLength(pattern: string): number {
  const parser = new MaxLenParser(pattern);
  const total = parser.parseAlternation();
  if (parser.pos < pattern.length) throw new RegexSyntaxError('unbalanced parenthesis', parser.pos);
  return total;
}

class MaxLenParser {
  pos = 0;
  private verbose = false;
  constructor(private readonly src: string) {
    const flags = /^\(\?([aiLmsux]+)\)/u.exec(src);
    if (flags?.[1]?.includes('x')) this.verbose = true;
  }

  /** alternation := sequence ('|' sequence)* — the longest branch wins. */
  parseAlternation(): number {
    let best = this.parseSequence();
    while (this.src[this.pos] === '|') {
      this.pos++;
      best = Math.max(best, this.parseSequence());
    }
    return best;
  }

  private parseSequence(): number {
    let total = 0;
    for (;;) {
      this.skipVerbose();
      const ch = this.src[this.pos];
      if (ch === undefined || ch === '|' || ch === ')') return total;
      const atom = this.parseAtom();
      if (atom === undefined) continue; // comment or global flags: no node
      total += this.applyQuantifier(atom);
    }
  }

  private skipVerbose(): void {
    if (!this.verbose) return;
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v') this.pos++;
      else if (ch === '#') {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  /** Returns the atom's max width (undefined for constructs that produce no node). */
  private parseAtom(): number | undefined {
    const ch = this.src[this.pos]!;
    switch (ch) {
      case '(':
        return this.parseGroup();
      case '[':
        this.skipClass();
        return 1;
      case '.':
        this.pos++;
        return 1;
      case '^':
      case '$':
        this.pos++;
        return 0;
      case '\\':
        return this.parseEscape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('nothing to repeat', this.pos);
      case '{':
        if (/^\{\d*,?\d*\}/u.test(this.src.slice(this.pos)) && this.src[this.pos + 1] !== '}') {
          throw new RegexSyntaxError('nothing to repeat', this.pos);
        }
        this.pos++;
        return 1;
      default:
        this.pos += ch.codePointAt(0)! > 0xffff ? 2 : 1;
        return 1;
    }
  }

  private parseGroup(): number | undefined {
    const start = this.pos;
    this.pos++;
    let width: number;
    if (this.src[this.pos] === '?') {
      const rest = this.src.slice(this.pos + 1);
      if (rest.startsWith('#')) {
        const end = this.src.indexOf(')', this.pos);
        if (end < 0) throw new RegexSyntaxError('missing ), unterminated comment', start);
        this.pos = end + 1;
        return undefined;
      }
      const flagsOnly = /^[aiLmsux]+\)/u.exec(rest);
      if (flagsOnly) {
        this.pos += 1 + flagsOnly[0].length;
        return undefined;
      }
      let unhandled = false;
      const named = /^P<([^>]*)>/u.exec(rest);
      const scopedFlags = /^[aiLmsux]*(?:-[imsx]+)?:/u.exec(rest);
      if (named) {
        if (!/^[A-Za-z_]\w*$/u.test(named[1]!)) {
          throw new RegexSyntaxError(`bad character in group name '${named[1]}'`, this.pos + 3);
        }
        this.pos += 1 + named[0].length;
      } else if (rest.startsWith('P=')) {
        const end = this.src.indexOf(')', this.pos);
        if (end < 0) throw new RegexSyntaxError('missing ), unterminated name', this.pos);
        this.pos = end + 1;
        return REGEX_MAX_LEN; // back-reference: not handled by SGLang
      } else if (scopedFlags) {
        this.pos += 1 + scopedFlags[0].length;
      } else if (/^(?:=|!|<=|<!|>)/u.test(rest) || rest.startsWith('(')) {
        // lookarounds, atomic groups and conditionals: SGLang counts them as MAX_LEN
        unhandled = true;
        this.pos += rest.startsWith('(') ? 1 : rest[0] === '<' ? 3 : 2;
        if (rest.startsWith('(')) {
          const end = this.src.indexOf(')', this.pos);
          if (end < 0) throw new RegexSyntaxError('missing ), unterminated name', this.pos);
          this.pos = end + 1;
        }
      } else {
        throw new RegexSyntaxError(`unknown extension ?${rest[0] ?? ''}`, this.pos);
      }
      width = this.parseAlternation();
      if (unhandled) width = REGEX_MAX_LEN;
    } else {
      width = this.parseAlternation();
    }
    if (this.src[this.pos] !== ')') throw new RegexSyntaxError('missing ), unterminated subpattern', start);
    this.pos++;
    return width;
  }

  private skipClass(): void {
    const start = this.pos;
    this.pos++;
    if (this.src[this.pos] === '^') this.pos++;
    if (this.src[this.pos] === ']') this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== ']') {
      this.pos += this.src[this.pos] === '\\' ? 2 : 1;
    }
    if (this.pos >= this.src.length) throw new RegexSyntaxError('unterminated character set', start);
    this.pos++;
  }

  private parseEscape(): number {
    const start = this.pos;
    const next = this.src[this.pos + 1];
    if (next === undefined) throw new RegexSyntaxError('bad escape (end of pattern)', start);
    this.pos += 2;
    if ('AZbB'.includes(next)) return 0;
    if (next >= '1' && next <= '9') {
      // \1..\99 back-reference, or an octal escape when it has three octal digits
      if (
        /^[0-7]{2}/u.test(this.src.slice(this.pos - 1)) &&
        /^[0-7]{3}/u.test(this.src.slice(this.pos - 1))
      ) {
        this.pos += 2;
        return 1;
      }
      while (this.src[this.pos]! >= '0' && this.src[this.pos]! <= '9' && this.pos - start < 3) this.pos++;
      return REGEX_MAX_LEN;
    }
    if (next === 'x') this.pos += 2;
    else if (next === 'u') this.pos += 4;
    else if (next === 'U') this.pos += 8;
    else if (next === 'N') {
      const end = this.src.indexOf('}', this.pos);
      this.pos = end < 0 ? this.src.length : end + 1;
    } else if (next === '0') {
      while (this.pos - start < 4 && /[0-7]/u.test(this.src[this.pos] ?? '')) this.pos++;
    } else if (/[A-Za-z]/u.test(next) && !'dDsSwWabfnrtv'.includes(next)) {
      throw new RegexSyntaxError(`bad escape \\${next}`, start);
    }
    return 1;
  }

  private applyQuantifier(width: number): number {
    let total = width;
    for (;;) {
      this.skipVerbose();
      const ch = this.src[this.pos];
      let max: number | undefined;
      if (ch === '*' || ch === '+') {
        max = Number.POSITIVE_INFINITY;
        this.pos++;
      } else if (ch === '?') {
        max = 1;
        this.pos++;
      } else if (ch === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/u.exec(this.src.slice(this.pos));
        if (!m || (m[1] === '' && m[2] === '' && m[3] === '')) return total; // a literal '{'
        this.pos += m[0].length;
        const lo = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] === '' ? lo : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
        if (max < lo) throw new RegexSyntaxError('min repeat greater than max repeat', this.pos);
      } else {
        return total;
      }
      if (this.src[this.pos] === '?') this.pos++;
      else if (this.src[this.pos] === '+') {
        this.pos++;
        total = REGEX_MAX_LEN; // possessive repeat: not handled by SGLang
        continue;
      }
      total = max === Number.POSITIVE_INFINITY ? REGEX_MAX_LEN : max * total;
      if (this.src[this.pos] === '*' || this.src[this.pos] === '+' || this.src[this.pos] === '?') {
        throw new RegexSyntaxError('multiple repeat', this.pos);
      }
    }
  }
}
