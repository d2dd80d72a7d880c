/**
 * The EBNF lexer: turns grammar text into tokens, with XGrammar's lexical rules and exact lexer errors
 * (`EBNF lexer error at line L, column C: ...`, 1-based, columns in UTF-8 bytes).
 *
 * A character class is lexed into ONE `class` token whose members are already resolved (ranges, dashes);
 * errors that XGrammar raises while *parsing* a class (reversed range, `\d`-style escapes) are attached to
 * the token and reported by the parser in source order.
 */
import { type EbnfErrorSite, ebnfError } from './errors.js';

/** Token kinds fed to the nearley parser (`eof` is not fed; it only positions end-of-input errors). */
export type TokenType =
  | 'rulename'
  | 'ident'
  | 'macro'
  | 'assign'
  | 'string'
  | 'charclass'
  | 'lparen'
  | 'lookahead'
  | 'rparen'
  | 'lbrace'
  | 'rbrace'
  | 'pipe'
  | 'comma'
  | 'star'
  | 'plus'
  | 'question'
  | 'equal'
  | 'int'
  | 'bool'
  | 'eof';

/** A member of a character class: an inclusive code-point range. */
export interface ClassRange {
  lo: number;
  hi: number;
}

export interface Token {
  type: TokenType;
  /** The source text of the token (XGrammar's "lexeme", used in "Expect element, but got X"). */
  text: string;
  line: number;
  /** 1-based column in UTF-8 bytes. */
  column: number;
  /** Index of this token in the token list (set by {@link tokenize}). */
  index: number;
  /** `string`: the code points; `int`: the value; `bool`: the value. */
  codePoints?: number[];
  intValue?: number;
  boolValue?: boolean;
  /** `class` tokens only. */
  negated?: boolean;
  ranges?: ClassRange[];
  /** A parser-level error found inside a class (reported in source order by the parser). */
  classError?: EbnfErrorSite;
  /** `charclass` tokens: where the closing `]` is (XGrammar lexes a class as several tokens). */
  end?: { line: number; column: number };
}

/** Where XGrammar places the last of its tokens for `token` (a class's `]`), for "previous token" errors. */
export function lastPosition(token: Token): { line: number; column: number } {
  return token.end ?? token;
}

/** Macro names reserved in element position (an identifier with one of these names is always a call). */
export const MACRO_NAMES: ReadonlySet<string> = new Set([
  'TagDispatch',
  'Token',
  'ExcludeToken',
  'TokenTagDispatch',
  'Regex',
  'Substring',
]);

/** XGrammar's integer limit in grammar text (`kMaxIntegerInGrammar`). */
export const MAX_INTEGER = 10n ** 15n;

const SIMPLE_ESCAPES: ReadonlyMap<string, number> = new Map([
  ["'", 0x27],
  ['"', 0x22],
  ['?', 0x3f],
  ['\\', 0x5c],
  ['/', 0x2f],
  ['a', 0x07],
  ['b', 0x08],
  ['f', 0x0c],
  ['n', 0x0a],
  ['r', 0x0d],
  ['t', 0x09],
  ['v', 0x0b],
  ['0', 0x00],
  ['e', 0x1b],
]);

/** Extra escapes allowed inside character classes (regex metacharacters). */
const CLASS_ESCAPES = new Set([
  '^',
  '$',
  '\\',
  '.',
  '*',
  '+',
  '?',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  '/',
  '-',
]);
const CLASS_SPECIAL_ESCAPES = new Set(['d', 'D', 's', 'S', 'w', 'W']);

const isNameChar = (c: string, first: boolean): boolean =>
  c === '_' ||
  c === '-' ||
  c === '.' ||
  (c >= 'a' && c <= 'z') ||
  (c >= 'A' && c <= 'Z') ||
  (!first && c >= '0' && c <= '9');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isHex = (c: string): boolean => /^[0-9a-fA-F]$/.test(c);

/** UTF-8 length of a code point (or of a lone UTF-16 unit). */
function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/** Result of decoding one (possibly escaped) character. */
type CharResult = { cp: number; length: number } | { error: 'escape' | 'utf8' };

class Lexer {
  private pos = 0;
  private line = 1;
  private column = 1;
  private readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  private peek(delta = 0): string {
    return this.src[this.pos + delta] ?? '';
  }

  /** Advances over `count` UTF-16 units, updating line and byte column like XGrammar's `Consume`. */
  private consume(count = 1): void {
    for (let i = 0; i < count; i++) {
      const c = this.src.charCodeAt(this.pos);
      if (c === 0x0a || (c === 0x0d && this.src.charCodeAt(this.pos + 1) !== 0x0a)) {
        this.line++;
        this.column = 1;
        this.pos++;
      } else if (c >= 0xd800 && c <= 0xdbff && this.isLowSurrogate(this.pos + 1)) {
        this.column += 4;
        this.pos += 2;
        i++;
      } else {
        this.column += utf8Length(c);
        this.pos++;
      }
    }
  }

  private isLowSurrogate(i: number): boolean {
    const c = this.src.charCodeAt(i);
    return c >= 0xdc00 && c <= 0xdfff;
  }

  private fail(message: string, line = this.line, column = this.column): never {
    throw ebnfError('ebnf-lexer', message, { line, column }, this.src);
  }

  private push(
    type: TokenType,
    text: string,
    line: number,
    column: number,
    extra: Partial<Token> = {},
  ): Token {
    const token: Token = { type, text, line, column, index: this.tokens.length, ...extra };
    this.tokens.push(token);
    return token;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.consume();
      else if (c === '#') {
        while (this.pos < this.src.length && this.peek() !== '\n' && this.peek() !== '\r') this.consume();
      } else return;
    }
  }

  /**
   * Decodes one source character at the cursor (without consuming it): a raw code point or an escape.
   * `inClass` also allows the regex-metacharacter escapes. `length` is in UTF-16 units.
   */
  private decodeChar(inClass: boolean): CharResult {
    const s = this.src;
    const i = this.pos;
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      if (c >= 0xd800 && c <= 0xdbff) {
        if (!this.isLowSurrogate(i + 1)) return { error: 'utf8' };
        return { cp: s.codePointAt(i)!, length: 2 };
      }
      if (c >= 0xdc00 && c <= 0xdfff) return { error: 'utf8' };
      return { cp: c, length: 1 };
    }
    const e = s[i + 1] ?? '';
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) return { cp: simple, length: 2 };
    if (inClass && CLASS_ESCAPES.has(e)) return { cp: e.charCodeAt(0), length: 2 };
    if (e === 'x' || e === 'u' || e === 'U') {
      // \x takes ALL following hex digits (XGrammar); \u exactly 4, \U exactly 8.
      const want = e === 'x' ? Number.POSITIVE_INFINITY : e === 'u' ? 4 : 8;
      let j = i + 2;
      let value = 0;
      while (j - (i + 2) < want && isHex(s[j] ?? '')) {
        value = value * 16 + Number.parseInt(s[j]!, 16);
        if (value > 0x10ffff) return { error: 'escape' };
        j++;
      }
      const digits = j - (i + 2);
      if (digits === 0 || (want !== Number.POSITIVE_INFINITY && digits !== want)) return { error: 'escape' };
      return { cp: value, length: j - i };
    }
    return { error: 'escape' };
  }

  private lexString(): void {
    const line = this.line;
    const column = this.column;
    const start = this.pos;
    this.consume();
    const codePoints: number[] = [];
    while (
      this.pos < this.src.length &&
      this.peek() !== '"' &&
      this.peek() !== '\n' &&
      this.peek() !== '\r'
    ) {
      const r = this.decodeChar(false);
      if ('error' in r) this.fail(r.error === 'utf8' ? 'Invalid UTF8 sequence' : 'Invalid escape sequence');
      codePoints.push(r.cp);
      this.consume(r.length);
    }
    if (this.peek() !== '"') this.fail('Expect " in string literal');
    this.consume();
    this.push('string', this.src.slice(start, this.pos), line, column, { codePoints });
  }

  /** Lexes `[...]` and resolves its members like XGrammar's `ParseCharClass`. */
  private lexClass(): void {
    const line = this.line;
    const column = this.column;
    const start = this.pos;
    this.consume();
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.consume();
    }
    type Member =
      | { kind: 'char'; cp: number; line: number; column: number }
      | { kind: 'dash'; line: number; column: number }
      | { kind: 'special'; line: number; column: number };
    const members: Member[] = [];
    while (this.pos < this.src.length && this.peek() !== ']') {
      const c = this.peek();
      const at = { line: this.line, column: this.column };
      if (c === '\r' || c === '\n') this.fail('Character class should not contain newline');
      if (c === '-') {
        members.push({ kind: 'dash', ...at });
        this.consume();
      } else if (c === '\\' && CLASS_SPECIAL_ESCAPES.has(this.peek(1))) {
        members.push({ kind: 'special', ...at });
        this.consume(2);
      } else {
        const r = this.decodeChar(true);
        if ('error' in r) {
          this.fail(
            r.error === 'utf8'
              ? 'Invalid UTF8 sequence'
              : `Invalid escape sequence${this.src.slice(this.pos, this.pos + 2)}`,
          );
        }
        members.push({ kind: 'char', cp: r.cp, ...at });
        this.consume(r.length);
      }
    }
    if (this.pos >= this.src.length) this.fail('Unterminated character class');
    const end = { line: this.line, column: this.column };
    this.consume();
    const ranges: ClassRange[] = [];
    let classError: EbnfErrorSite | undefined;
    for (let i = 0; i < members.length && !classError; ) {
      const m = members[i]!;
      if (m.kind === 'special') {
        classError = {
          message: 'Character class escape is not supported yet in EBNF',
          line: m.line,
          column: m.column,
        };
        break;
      }
      const lo = m.kind === 'char' ? m.cp : 0x2d;
      const dash = members[i + 1];
      const upper = members[i + 2];
      if (dash?.kind === 'dash' && upper && upper.kind !== 'special') {
        const hi = upper.kind === 'char' ? upper.cp : 0x2d;
        if (lo > hi) {
          classError = {
            message: 'Invalid character class: lower bound is larger than upper bound',
            line: m.line,
            column: m.column,
          };
          break;
        }
        ranges.push({ lo, hi });
        i += 3;
      } else {
        ranges.push({ lo, hi: lo });
        i += 1;
      }
    }
    this.push('charclass', this.src.slice(start, this.pos), line, column, {
      negated,
      ranges,
      classError,
      end,
    });
  }

  private lexInteger(): void {
    const line = this.line;
    const column = this.column;
    const start = this.pos;
    let value = 0n;
    while (isDigit(this.peek())) {
      value = value * 10n + BigInt(this.peek());
      this.consume();
      if (value > MAX_INTEGER)
        this.fail(`Integer is too large: parsed ${value}, max allowed is ${MAX_INTEGER}`);
    }
    this.push('int', this.src.slice(start, this.pos), line, column, { intValue: Number(value) });
  }

  private lexName(): void {
    const line = this.line;
    const column = this.column;
    const start = this.pos;
    let first = true;
    while (this.pos < this.src.length && isNameChar(this.peek(), first)) {
      this.consume();
      first = false;
    }
    const text = this.src.slice(start, this.pos);
    if (text === 'true' || text === 'false')
      this.push('bool', text, line, column, { boolValue: text === 'true' });
    else this.push(MACRO_NAMES.has(text) ? 'macro' : 'ident', text, line, column);
  }

  private static readonly PUNCT: Readonly<Record<string, TokenType>> = {
    ')': 'rparen',
    '{': 'lbrace',
    '}': 'rbrace',
    '|': 'pipe',
    ',': 'comma',
    '*': 'star',
    '+': 'plus',
    '?': 'question',
    '=': 'equal',
  };

  run(): Token[] {
    for (;;) {
      this.skipSpace();
      const line = this.line;
      const column = this.column;
      if (this.pos >= this.src.length) {
        this.push('eof', '', line, column);
        break;
      }
      const c = this.peek();
      const punct = Lexer.PUNCT[c];
      if (c === '(') {
        if (this.peek(1) === '=') {
          this.consume(2);
          this.push('lookahead', '(=', line, column);
        } else {
          this.consume();
          this.push('lparen', '(', line, column);
        }
      } else if (punct) {
        this.consume();
        this.push(punct, c, line, column);
      } else if (c === ':') {
        if (this.peek(1) !== ':' || this.peek(2) !== '=') this.fail("Unexpected character: ':'");
        this.consume(3);
        this.push('assign', '::=', line, column);
      } else if (c === '"') this.lexString();
      else if (c === '[') this.lexClass();
      else if (isNameChar(c, true)) this.lexName();
      else if (isDigit(c)) this.lexInteger();
      else this.fail(`Unexpected character: ${String.fromCodePoint(this.src.codePointAt(this.pos)!)}`);
    }
    this.markRuleNames();
    return this.tokens;
  }

  /** XGrammar's `ConvertIdentifierToRuleName`: an identifier right before `::=` starts a rule. */
  private markRuleNames(): void {
    const t = this.tokens;
    for (let i = 0; i < t.length; i++) {
      if (t[i]!.type !== 'assign') continue;
      if (i === 0) this.fail('Assign should not be the first token', t[i]!.line, t[i]!.column);
      const name = t[i - 1]!;
      // Macro names are identifiers for XGrammar's lexer too.
      if (name.type !== 'ident' && name.type !== 'macro') {
        const at = lastPosition(name);
        this.fail('Assign should be preceded by an identifier', at.line, at.column);
      }
      if (i >= 2 && t[i - 2]!.line === name.line) {
        this.fail('The rule name should be at the beginning of the line', name.line, name.column);
      }
      name.type = 'rulename';
    }
  }
}

/** Tokenizes EBNF grammar text; throws a `GrammarError` ('ebnf-lexer') on the first lexical error. */
export function tokenize(source: string): Token[] {
  return new Lexer(source).run();
}
