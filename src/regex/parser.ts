/**
 * One recursive-descent parser for the three regex dialects logitkit accepts:
 *
 * - `sglang`: what SGLang's `regex` sampling parameter means, i.e. XGrammar's regex→EBNF converter
 *   (`cpp/regex_converter.cc`), with its error messages and positions.
 * - `ecma`: ECMA-262 with the `u` flag (JSON Schema `pattern`); the host engine's own `RegExp` is
 *   consulted for syntax errors this parser does not model.
 * - `python`: Python `re` syntax as written in SGLang `stop_regex` (named groups `(?P<n>…)`, `\A`,
 *   `\Z`, inline flags `i s a u x`, Unicode-aware `\d \w \s`).
 *
 * Why not regexp-tree: it only knows JavaScript syntax (no `(?P<…>)`, `\A`, `\Z`, inline flags or
 * XGrammar's escapes), it is lax about `u`-mode errors (`a{`, `]`, `[\d-z]`, `\8`) and reports no
 * positions for most of them, while every dialect here needs exact errors with positions.
 */
import { MAX_CODE_POINT, normalizeRanges } from '../engine/ir.js';
import { EMPTY_NODE, type RegexNode } from './ast.js';
import {
  ANY,
  ASCII_DIGIT,
  ASCII_WORD,
  caseFold,
  ECMA_LINE_TERMINATORS,
  ECMA_SPACE,
  nativeCharSet,
  negate,
  PYTHON_ASCII_SPACE,
  PYTHON_SPACE,
  pythonDigit,
  pythonWord,
  type RegexFlavor,
  XGRAMMAR_SPACE,
} from './charsets.js';
import { regexCaretSnippet, regexError } from './errors.js';

/** A warning or error about a position in a pattern (0-based code point index). */
export interface RegexDiagnostic {
  readonly message: string;
  readonly position: number;
  readonly snippet: string;
}

/** The result of parsing: the tree plus the warnings XGrammar would log (ignored anchors, unknown escapes). */
export interface ParsedRegex {
  readonly node: RegexNode;
  readonly warnings: RegexDiagnostic[];
}

/** Largest repetition bound accepted; larger counts are reported as errors instead of exhausting memory. */
export const MAX_REPEAT_COUNT = 100_000_000;

interface Flags {
  readonly ignoreCase: boolean;
  readonly dotAll: boolean;
  readonly ascii: boolean;
  readonly verbose: boolean;
}

const NO_FLAGS: Flags = { ignoreCase: false, dotAll: false, ascii: false, verbose: false };

/** What an escape denotes: a code point, a set, an anchor, or an unsupported construct (matches nothing). */
type EscapeResult =
  | { readonly cp: number }
  | { readonly set: readonly number[] }
  | { readonly anchor: 'start' | 'end' | 'endAbsolute' }
  | { readonly unsupported: true };

const UNSUPPORTED_ESCAPE: EscapeResult = { unsupported: true };

/** A parsed class member: one code point (may start a range) or a whole set such as `\d`. */
type ClassItem = { readonly cp: number } | { readonly set: readonly number[] };

const C = (s: string): number => s.codePointAt(0)!;
const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const hexValue = (c: number | undefined): number => {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
};
const isAsciiLetter = (c: number | undefined): boolean =>
  c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
const show = (c: number): string => String.fromCodePoint(c);

/** ECMAScript SyntaxCharacter plus `/`: the only identity escapes allowed in `u` mode. */
const ECMA_SYNTAX = new Set(Array.from('^$\\.*+?()[]{}|/', C));
/** XGrammar's CUSTOM_ESCAPE_MAP plus the C escapes of `HandleEscape` in `support/encoding.h`. */
const XGRAMMAR_IDENTITY = new Set(Array.from('^$.*+?\\()[]{}|/\'"?', C));

/** Parses `pattern` in the given flavour. Throws `GrammarError` (kind `regex`) on bad input. */
export function parseRegex(pattern: string, flavor: RegexFlavor): ParsedRegex {
  return new RegexParser(pattern, flavor).parse();
}

class RegexParser {
  private readonly cps: number[];
  private pos = 0;
  private flags: Flags = NO_FLAGS;
  private depth = 0;
  /** Python: global flag groups are only allowed before anything else. */
  private sawNonFlagToken = false;
  private readonly warnings: RegexDiagnostic[] = [];
  /**
   * ecma/python: the first well-formed but unsupported construct (lookaround, backreference, `\b`…). It is
   * reported after the whole pattern parsed, so a syntax error anywhere wins, as Python and the host
   * RegExp report syntax first.
   */
  private unsupported: { message: string; at: number } | undefined;
  /** Python: capturing groups so far, and group numbers by name (duplicate names are errors). */
  private groupCount = 0;
  private readonly groupNames = new Map<string, number>();
  /** sglang: position of the first quantifier with nothing to repeat (reported last, as XGrammar does). */
  private nothingToRepeatAt: number | undefined;

  constructor(
    private readonly pattern: string,
    private readonly flavor: RegexFlavor,
  ) {
    this.cps = Array.from(pattern, C);
  }

  parse(): ParsedRegex {
    if (this.flavor === 'sglang') {
      const bad = this.cps.findIndex((c) => c >= 0xd800 && c <= 0xdfff);
      if (bad >= 0) throw this.fail('The regex is not a valid UTF-8 string.', bad);
    }
    const node = this.parseAlternation();
    if (this.pos < this.cps.length) {
      // Only an unmatched ')' stops the top-level alternation early.
      throw this.fail(this.flavor === 'python' ? 'unbalanced parenthesis' : "Unmatched ')'");
    }
    if (this.nothingToRepeatAt !== undefined) throw this.fail('Nothing to repeat.', this.nothingToRepeatAt);
    if (this.flavor === 'ecma') this.checkWithHostEngine();
    if (this.unsupported) throw this.fail(this.unsupported.message, this.unsupported.at);
    return { node, warnings: this.warnings };
  }

  // ---------------------------------------------------------------- helpers

  private fail(message: string, at = this.pos): Error {
    return regexError(this.pattern, at, message);
  }

  private warn(message: string, at = this.pos): void {
    this.warnings.push({
      message: `Regex parsing warning at position ${at + 1}: ${message}`,
      position: at,
      snippet: regexCaretSnippet(this.pattern, at),
    });
  }

  private peek(offset = 0): number | undefined {
    return this.cps[this.pos + offset];
  }

  private eat(ch: string): boolean {
    if (this.cps[this.pos] === C(ch)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private text(from: number, to: number): string {
    return String.fromCodePoint(...this.cps.slice(from, to));
  }

  /** The host engine is the authority on ECMAScript syntax; report what it rejects and we did not. */
  private checkWithHostEngine(): void {
    try {
      new RegExp(this.pattern, 'u');
    } catch (e) {
      const detail = String((e as Error).message).replace(/^Invalid regular expression: \/.*\/u?: /s, '');
      throw this.fail(`Invalid regular expression: ${detail}`, 0);
    }
  }

  /** Python verbose mode: skip whitespace and `#` comments between tokens. */
  private skipVerbose(): void {
    if (!this.flags.verbose) return;
    for (;;) {
      const c = this.peek();
      if (c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d)) this.pos++;
      else if (c === C('#')) {
        while (this.pos < this.cps.length && this.peek() !== 0x0a) this.pos++;
      } else return;
    }
  }

  // ---------------------------------------------------------------- structure

  private parseAlternation(): RegexNode {
    const branches: RegexNode[] = [this.parseSequence()];
    while (this.eat('|')) branches.push(this.parseSequence());
    return branches.length === 1 ? branches[0]! : { type: 'alt', items: branches };
  }

  private parseSequence(): RegexNode {
    const items: RegexNode[] = [];
    for (;;) {
      this.skipVerbose();
      const c = this.peek();
      if (c === undefined || c === C('|') || c === C(')')) break;
      const atom = this.parseAtom();
      if (atom === undefined) {
        // An ignored anchor, a comment or flag group, or (sglang) a quantifier with nothing to repeat.
        // XGrammar translates text, so a quantifier after an ignored `^`/`$` applies to the item before.
        if (this.flavor === 'sglang' && items.length > 0 && this.atQuantifier()) {
          items.push(this.parseQuantifiers(items.pop()!));
        }
        continue;
      }
      this.sawNonFlagToken = true;
      items.push(this.parseQuantifiers(atom));
    }
    if (items.length === 1) return items[0]!;
    return { type: 'seq', items };
  }

  /** Applies any quantifiers following an atom. */
  private parseQuantifiers(atom: RegexNode): RegexNode {
    let node = atom;
    let quantified = false;
    for (;;) {
      this.skipVerbose();
      const at = this.pos;
      if (quantified && this.flavor === 'sglang' && this.atQuantifier()) {
        throw this.fail('Two consecutive repetition modifiers are not allowed.', at);
      }
      const bounds = this.parseQuantifier();
      if (bounds === undefined) return node;
      if (quantified) {
        if (this.flavor === 'sglang')
          throw this.fail('Two consecutive repetition modifiers are not allowed.', at);
        throw this.fail(this.flavor === 'python' ? 'multiple repeat' : 'Nothing to repeat', at);
      }
      if (node.type === 'anchor' && this.flavor !== 'sglang') {
        throw this.fail(this.flavor === 'python' ? 'nothing to repeat' : 'Nothing to repeat', at);
      }
      quantified = true;
      // Lazy (`?`) quantifiers match the same language; Python's possessive `+` does not.
      if (this.eat('?')) {
        // lazy
      } else if (this.flavor === 'python' && this.peek() === C('+')) {
        this.markUnsupported('possessive quantifier is not supported', this.pos);
        this.pos++;
      }
      const [min, max] = bounds;
      if (min > max) {
        const message =
          this.flavor === 'python'
            ? 'min repeat greater than max repeat'
            : this.flavor === 'ecma'
              ? 'numbers out of order in {} quantifier'
              : `Lower bound is larger than upper bound: ${min} > ${max}`;
        throw this.fail(message, at);
      }
      node = { type: 'repeat', item: node, min, max };
    }
  }

  /** Records an unsupported construct (see `unsupported`); parsing continues past it. */
  private markUnsupported(message: string, at: number): void {
    this.unsupported ??= { message, at };
  }

  private atQuantifier(): boolean {
    const c = this.peek();
    return c === C('*') || c === C('+') || c === C('?') || c === C('{');
  }

  /**
   * sglang: XGrammar copies a quantifier with nothing before it into its EBNF, whose parser rejects it
   * only after the whole regex was translated, so later regex errors win. Record the first such position,
   * consume the quantifier as XGrammar would, and report it at the end of parsing.
   */
  private deferNothingToRepeat(): undefined {
    this.nothingToRepeatAt ??= this.pos;
    this.parseQuantifiers(EMPTY_NODE);
    return undefined;
  }

  /** Reads one quantifier (`* + ? {…}`) if present, returning its bounds. */
  private parseQuantifier(): [number, number] | undefined {
    const c = this.peek();
    if (c === C('*')) {
      this.pos++;
      return [0, Number.POSITIVE_INFINITY];
    }
    if (c === C('+')) {
      this.pos++;
      return [1, Number.POSITIVE_INFINITY];
    }
    if (c === C('?')) {
      this.pos++;
      return [0, 1];
    }
    if (c !== C('{')) return undefined;
    if (this.flavor === 'sglang') return this.parseXGrammarBraces();
    const save = this.pos;
    const parsed = this.parseBraces();
    if (parsed) return parsed;
    this.pos = save;
    if (this.flavor === 'ecma') throw this.fail('Incomplete quantifier');
    return undefined; // Python: a `{` that is not a quantifier is a literal
  }

  private readCount(): number | undefined {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos === start) return undefined;
    const value = Number(this.text(start, this.pos));
    if (value > MAX_REPEAT_COUNT) {
      throw this.fail(
        `Repetition count ${this.text(start, this.pos)} is too large (limit ${MAX_REPEAT_COUNT}).`,
        start,
      );
    }
    return value;
  }

  /** ECMAScript `{n}`, `{n,}`, `{n,m}`; Python also `{,m}` and `{,}`. Undefined when not a quantifier. */
  private parseBraces(): [number, number] | undefined {
    this.pos++; // {
    if (this.flavor === 'python' && this.peek() === C('}')) return undefined;
    const min = this.readCount();
    if (min === undefined && this.flavor !== 'python') return undefined;
    let max = min;
    if (this.eat(',')) max = this.readCount() ?? Number.POSITIVE_INFINITY;
    if (!this.eat('}')) return undefined;
    return [min ?? 0, max ?? Number.POSITIVE_INFINITY];
  }

  /** XGrammar's `HandleRepetitionRange`: `{` must be followed by digits, then `}` or `,digits*}`. */
  private parseXGrammarBraces(): [number, number] {
    this.pos++;
    const min = this.readCount();
    if (min === undefined) throw this.fail('Invalid repetition count.');
    if (this.eat('}')) return [min, min];
    if (!this.eat(',')) throw this.fail('Invalid repetition count.');
    const max = this.readCount();
    if (!this.eat('}')) throw this.fail('Invalid repetition count.');
    return [min, max ?? Number.POSITIVE_INFINITY];
  }

  // ---------------------------------------------------------------- atoms

  /** Parses one atom; undefined for tokens that match nothing (ignored anchors, comments, flags). */
  private parseAtom(): RegexNode | undefined {
    const c = this.peek()!;
    const at = this.pos;
    switch (c) {
      case C('('):
        return this.parseGroup();
      case C('['):
        this.pos++;
        return this.parseClass(at);
      case C('.'):
        this.pos++;
        return this.dot();
      case C('^'):
        this.pos++;
        if (this.flavor === 'sglang') {
          if (at !== 0)
            this.warn("'^' should be at the start of the regex, but found in the middle. It is ignored.", at);
          return undefined;
        }
        return { type: 'anchor', kind: 'start', position: at };
      case C('$'):
        this.pos++;
        if (this.flavor === 'sglang') {
          if (at !== this.cps.length - 1) {
            this.warn("'$' should be at the end of the regex, but found in the middle. It is ignored.", at);
          }
          return undefined;
        }
        return { type: 'anchor', kind: 'end', position: at };
      case C('\\'):
        return this.parseEscape();
      case C('*'):
      case C('+'):
      case C('?'):
        if (this.flavor === 'sglang') return this.deferNothingToRepeat();
        throw this.fail(this.flavor === 'python' ? 'nothing to repeat' : 'Nothing to repeat');
      case C('{'):
        if (this.flavor === 'sglang') return this.deferNothingToRepeat();
        if (this.flavor === 'python') {
          const save = this.pos;
          if (this.parseBraces()) throw this.fail('nothing to repeat', save);
          this.pos = save + 1;
          return this.literal(c);
        }
        throw this.fail('Nothing to repeat');
      case C('}'):
      case C(']'):
        if (this.flavor === 'ecma') throw this.fail('Lone quantifier brackets');
        this.pos++;
        return this.literal(c);
      default:
        this.pos++;
        return this.literal(c);
    }
  }

  private literal(cp: number): RegexNode {
    return this.setNode([cp, cp]);
  }

  /** A set node, case-folded when the `i` flag is on. */
  private setNode(ranges: readonly number[]): RegexNode {
    return { type: 'set', ranges: this.flags.ignoreCase ? caseFold(ranges, this.flags.ascii) : ranges };
  }

  private dot(): RegexNode {
    if (this.flavor === 'sglang' || this.flags.dotAll) return { type: 'set', ranges: ANY };
    if (this.flavor === 'ecma') return { type: 'set', ranges: negate(ECMA_LINE_TERMINATORS) };
    return { type: 'set', ranges: negate([0x0a, 0x0a]) };
  }

  // ---------------------------------------------------------------- groups

  private parseGroup(): RegexNode | undefined {
    const open = this.pos;
    this.pos++; // (
    const outerFlags = this.flags;
    let assertion = false;
    if (this.eat('?')) {
      const result = this.parseGroupModifier(open);
      if (result === 'skip') return undefined;
      if (result === 'placeholder') return EMPTY_NODE;
      assertion = result === 'assertion';
    } else {
      this.groupCount++;
    }
    this.depth++;
    if (this.depth > 1000) throw this.fail('Nesting of groups exceeds the limit of 1000.', open);
    const body = this.parseAlternation();
    this.depth--;
    if (!this.eat(')')) {
      if (this.flavor === 'sglang') throw this.fail('The parenthesis is not closed.', this.cps.length);
      throw this.fail(
        this.flavor === 'python' ? 'missing ), unterminated subpattern' : 'Unterminated group',
        open,
      );
    }
    this.flags = outerFlags;
    if (assertion || (body.type === 'seq' && body.items.length === 0)) return EMPTY_NODE;
    // A group around a lone anchor may be quantified, unlike the bare anchor.
    return body.type === 'anchor' ? { type: 'seq', items: [body] } : body;
  }

  /**
   * Handles what follows `(?`. Returns 'skip' when the whole group has been consumed and matches
   * nothing (Python comments and global flags); otherwise leaves the position at the group body.
   */
  private parseGroupModifier(open: number): 'skip' | 'body' | 'assertion' | 'placeholder' {
    const c = this.peek();
    if (this.flavor === 'sglang') {
      if (c === undefined) throw this.fail('Group modifier is not finished.');
      if (c === C(':')) {
        this.pos++;
        return 'body';
      }
      if (c === C('=') || c === C('!')) throw this.fail('Lookahead is not supported yet.');
      if (c === C('<') && (this.peek(1) === C('=') || this.peek(1) === C('!'))) {
        throw this.fail('Lookbehind is not supported yet.');
      }
      if (c === C('<')) {
        this.pos++;
        while (isAsciiLetter(this.peek())) this.pos++;
        if (!this.eat('>')) throw this.fail('Invalid named capturing group.');
        return 'body';
      }
      throw this.fail('Group modifier flag is not supported yet.');
    }
    const here = this.pos;
    if (c === C(':')) {
      this.pos++;
      return 'body';
    }
    if (c === C('=') || c === C('!')) {
      this.markUnsupported(`Lookahead assertion '(?${show(c)}' is not supported.`, open);
      this.pos++;
      return 'assertion';
    }
    if (c === C('<') && (this.peek(1) === C('=') || this.peek(1) === C('!'))) {
      this.markUnsupported(`Lookbehind assertion '(?<${show(this.peek(1)!)}' is not supported.`, open);
      this.pos += 2;
      return 'assertion';
    }
    if (this.flavor === 'ecma') {
      if (c === C('<')) {
        this.pos++;
        const nameStart = this.pos;
        while (this.pos < this.cps.length && this.peek() !== C('>')) this.pos++;
        if (this.pos === nameStart || !this.eat('>'))
          throw this.fail('Invalid capture group name', nameStart);
        return 'body';
      }
      throw this.fail('Invalid group', here);
    }
    // Python
    if (c === C('P')) {
      this.pos++;
      if (this.eat('<')) {
        const nameStart = this.pos;
        while (this.pos < this.cps.length && this.peek() !== C('>')) this.pos++;
        const name = this.text(nameStart, this.pos);
        if (!this.eat('>')) throw this.fail('missing >, unterminated name', nameStart);
        if (!/^[\p{L}\p{Nl}_][\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]*$/u.test(name)) {
          throw this.fail(`bad character in group name '${name}'`, nameStart);
        }
        this.groupCount++;
        const previous = this.groupNames.get(name);
        if (previous !== undefined) {
          throw this.fail(
            `redefinition of group name '${name}' as group ${this.groupCount}; was group ${previous}`,
            nameStart,
          );
        }
        this.groupNames.set(name, this.groupCount);
        return 'body';
      }
      if (this.peek() === C('=')) {
        this.markUnsupported("Backreference '(?P=name)' is not supported.", open);
        while (this.pos < this.cps.length && this.peek() !== C(')')) this.pos++;
        if (!this.eat(')')) throw this.fail('missing ), unterminated name', open + 4);
        return 'placeholder';
      }
      throw this.fail(`unknown extension ?P${this.peek() === undefined ? '' : show(this.peek()!)}`, open);
    }
    if (c === C('#')) {
      while (this.pos < this.cps.length && this.peek() !== C(')')) this.pos++;
      if (!this.eat(')')) throw this.fail('missing ), unterminated comment', open);
      return 'skip';
    }
    if (c === C('<'))
      throw this.fail(`unknown extension ?<${this.peek(1) === undefined ? '' : show(this.peek(1)!)}`, open);
    if (c === C('>')) {
      this.markUnsupported("Atomic group '(?>' is not supported.", open);
      this.pos++;
      return 'body';
    }
    if (c === C('(')) throw this.fail("Conditional group '(?(' is not supported.", open);
    return this.parsePythonFlags(open);
  }

  /** Python inline flags: `(?aiLmsux)` (global, only at the start) or `(?flags-flags:…)` (scoped). */
  private parsePythonFlags(open: number): 'skip' | 'body' {
    const on = new Set<string>();
    const off = new Set<string>();
    let target = on;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw this.fail('missing -, : or )');
      const ch = show(c);
      if ('aiLmsux'.includes(ch)) {
        if (ch === 'm') this.markUnsupported("Inline flag 'm' (MULTILINE) is not supported.", this.pos);
        if (ch === 'L') throw this.fail("bad inline flags: cannot use 'L' flag with a str pattern", this.pos);
        target.add(ch);
        this.pos++;
      } else if (ch === '-' && target === on) {
        target = off;
        this.pos++;
      } else if (ch === ')' || ch === ':') {
        break;
      } else {
        throw this.fail(isAsciiLetter(c) ? 'unknown flag' : 'missing -, : or )', this.pos);
      }
    }
    const apply = (base: Flags): Flags => ({
      ignoreCase: on.has('i') || (base.ignoreCase && !off.has('i')),
      dotAll: on.has('s') || (base.dotAll && !off.has('s')),
      ascii: on.has('a') || (base.ascii && !on.has('u') && !off.has('a')),
      verbose: on.has('x') || (base.verbose && !off.has('x')),
    });
    if (this.eat(')')) {
      if (off.size > 0) throw this.fail('missing :', this.pos - 1);
      if (this.sawNonFlagToken || this.depth > 0) {
        throw this.fail('global flags not at the start of the expression', open);
      }
      if (on.size === 0) throw this.fail('missing flag', this.pos - 1);
      this.flags = apply(this.flags);
      return 'skip';
    }
    this.pos++; // ':'
    this.flags = apply(this.flags);
    return 'body';
  }

  // ---------------------------------------------------------------- escapes

  private parseEscape(): RegexNode {
    const at = this.pos;
    const escaped = this.parseEscapeSet(false);
    if ('anchor' in escaped) return { type: 'anchor', kind: escaped.anchor, position: at };
    if ('unsupported' in escaped) return EMPTY_NODE;
    if ('set' in escaped) return this.setNode(escaped.set);
    return this.literal(escaped.cp);
  }

  /**
   * Parses an escape starting at the backslash. Inside a class (`inClass`) anchors are not allowed and
   * `\b` is backspace.
   */
  private parseEscapeSet(inClass: boolean): EscapeResult {
    const at = this.pos;
    switch (this.flavor) {
      case 'sglang':
        return this.xgrammarEscape(at, inClass);
      case 'ecma':
        return this.ecmaEscape(at, inClass);
      case 'python':
        return this.pythonEscape(at, inClass);
    }
  }

  private classEscape(letter: number): readonly number[] | undefined {
    const lower = letter | 0x20;
    let base: readonly number[] | undefined;
    if (lower === C('d')) {
      base = this.flavor === 'python' && !this.flags.ascii ? pythonDigit() : ASCII_DIGIT;
    } else if (lower === C('w')) {
      base = this.flavor === 'python' && !this.flags.ascii ? pythonWord() : ASCII_WORD;
    } else if (lower === C('s')) {
      base =
        this.flavor === 'sglang'
          ? XGRAMMAR_SPACE
          : this.flavor === 'ecma'
            ? ECMA_SPACE
            : this.flags.ascii
              ? PYTHON_ASCII_SPACE
              : PYTHON_SPACE;
    } else {
      return undefined;
    }
    return letter === lower ? base : negate(base);
  }

  /** XGrammar: `HandleEscape` / `HandleEscapeInCharClass` / `HandleCharEscape`. */
  private xgrammarEscape(at: number, inClass: boolean): { cp: number } | { set: readonly number[] } {
    const remaining = this.cps.length - at;
    const next = this.cps[at + 1];
    if (remaining < 2) throw this.fail('Escape sequence is not finished.', at);
    const set = this.classEscape(next!);
    if (set) {
      this.pos += 2;
      return { set };
    }
    if (!inClass) {
      if ((next! >= C('1') && next! <= C('9')) || next === C('k'))
        throw this.fail('Backreference is not supported yet.', at);
      if (next === C('p') || next === C('P')) {
        throw this.fail('Unicode character class escape sequence is not supported yet.', at);
      }
      if (next === C('b') || next === C('B')) throw this.fail('Word boundary is not supported yet.', at);
    }
    if (
      (next === C('u') && remaining < 5) ||
      (next === C('x') && remaining < 4) ||
      (next === C('c') && remaining < 3)
    ) {
      throw this.fail('Escape sequence is not finished.', at);
    }
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '0': 0, e: 27 };
    const ch = show(next!);
    if (ch in simple) {
      this.pos += 2;
      return { cp: simple[ch]! };
    }
    if (XGRAMMAR_IDENTITY.has(next!) || (inClass && ch === '-')) {
      this.pos += 2;
      return { cp: next! };
    }
    if (ch === 'x') {
      // XGrammar's `\x` is greedy: it takes every following hex digit.
      let len = 0;
      let value = 0;
      while (hexValue(this.cps[at + 2 + len]) >= 0 && value <= MAX_CODE_POINT) {
        value = value * 16 + hexValue(this.cps[at + 2 + len]);
        len++;
      }
      if (len > 0 && value <= MAX_CODE_POINT) {
        this.pos += 2 + len;
        return { cp: value };
      }
    } else if (ch === 'u' || ch === 'U') {
      const digits = ch === 'u' ? 4 : 8;
      const value = this.readHex(at + 2, digits);
      if (value !== undefined && value <= MAX_CODE_POINT) {
        this.pos += 2 + digits;
        return { cp: value };
      }
      if (ch === 'u' && this.cps[at + 2] === C('{')) {
        let len = 0;
        let v = 0;
        while (hexValue(this.cps[at + 3 + len]) >= 0 && len <= 6) {
          v = v * 16 + hexValue(this.cps[at + 3 + len]);
          len++;
        }
        if (len === 0 || len > 6 || this.cps[at + 3 + len] !== C('}') || v > MAX_CODE_POINT) {
          throw this.fail('Invalid Unicode escape sequence.', at + 3);
        }
        this.pos = at + 4 + len;
        return { cp: v };
      }
    } else if (ch === 'c') {
      const letter = this.cps[at + 2];
      if (!isAsciiLetter(letter)) throw this.fail('Invalid control character escape sequence.', at + 2);
      this.pos = at + 3;
      return { cp: letter! % 32 };
    }
    this.warn(`Escape sequence '\\${ch}' is not recognized. The character itself will be matched`, at);
    this.pos += 2;
    return { cp: next! };
  }

  private readHex(from: number, digits: number): number | undefined {
    let value = 0;
    for (let i = 0; i < digits; i++) {
      const h = hexValue(this.cps[from + i]);
      if (h < 0) return undefined;
      value = value * 16 + h;
    }
    return value;
  }

  /** ECMAScript `u`-mode escapes. */
  private ecmaEscape(at: number, inClass: boolean): EscapeResult {
    const next = this.cps[at + 1];
    if (next === undefined) throw this.fail('\\ at end of pattern', at);
    const ch = show(next);
    const set = this.classEscape(next);
    if (set) {
      this.pos += 2;
      return { set };
    }
    if (ch === 'b' && inClass) {
      this.pos += 2;
      return { cp: 8 };
    }
    if (inClass && (ch === 'B' || ch === 'k' || (next >= C('1') && next <= C('9')))) {
      throw this.fail('Invalid class escape', at);
    }
    if (ch === 'b' || ch === 'B') {
      this.markUnsupported(`Word boundary '\\${ch}' is not supported.`, at);
      this.pos += 2;
      return UNSUPPORTED_ESCAPE;
    }
    if (next >= C('1') && next <= C('9')) {
      this.markUnsupported(`Backreference '\\${ch}' is not supported.`, at);
      this.pos += 2;
      while (isDigit(this.peek())) this.pos++;
      return UNSUPPORTED_ESCAPE;
    }
    if (ch === 'k') {
      if (this.cps[at + 2] !== C('<')) throw this.fail('Invalid named reference', at);
      this.markUnsupported("Backreference '\\k<name>' is not supported.", at);
      this.pos = at + 3;
      while (this.pos < this.cps.length && this.peek() !== C('>')) this.pos++;
      if (!this.eat('>')) throw this.fail('Invalid named reference', at);
      return UNSUPPORTED_ESCAPE;
    }
    if (ch === '0') {
      if (isDigit(this.cps[at + 2])) throw this.fail('Invalid decimal escape', at);
      this.pos += 2;
      return { cp: 0 };
    }
    const controls: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
    if (ch in controls) {
      this.pos += 2;
      return { cp: controls[ch]! };
    }
    if (ECMA_SYNTAX.has(next) || (inClass && ch === '-')) {
      this.pos += 2;
      return { cp: next };
    }
    if (ch === 'c') {
      const letter = this.cps[at + 2];
      if (!isAsciiLetter(letter)) throw this.fail('Invalid unicode escape', at);
      this.pos = at + 3;
      return { cp: letter! % 32 };
    }
    if (ch === 'x') {
      const value = this.readHex(at + 2, 2);
      if (value === undefined) throw this.fail('Invalid escape', at);
      this.pos = at + 4;
      return { cp: value };
    }
    if (ch === 'u') {
      if (this.cps[at + 2] === C('{')) {
        let end = at + 3;
        let value = 0;
        while (hexValue(this.cps[end]) >= 0) {
          value = value * 16 + hexValue(this.cps[end]);
          if (value > MAX_CODE_POINT) throw this.fail('Invalid Unicode escape', at);
          end++;
        }
        if (end === at + 3 || this.cps[end] !== C('}')) throw this.fail('Invalid Unicode escape', at);
        this.pos = end + 1;
        return { cp: value };
      }
      const value = this.readHex(at + 2, 4);
      if (value === undefined) throw this.fail('Invalid Unicode escape', at);
      this.pos = at + 6;
      // A `\uHHHH\uHHHH` surrogate pair is one code point in `u` mode.
      if (value >= 0xd800 && value <= 0xdbff && this.cps[at + 6] === C('\\') && this.cps[at + 7] === C('u')) {
        const low = this.readHex(at + 8, 4);
        if (low !== undefined && low >= 0xdc00 && low <= 0xdfff) {
          this.pos = at + 12;
          return { cp: 0x10000 + ((value - 0xd800) << 10) + (low - 0xdc00) };
        }
      }
      return { cp: value };
    }
    if (ch === 'p' || ch === 'P') {
      if (this.cps[at + 2] !== C('{')) throw this.fail('Invalid property name', at);
      let end = at + 3;
      while (end < this.cps.length && this.cps[end] !== C('}')) end++;
      if (end >= this.cps.length) throw this.fail('Invalid property name', at);
      const source = this.text(at, end + 1);
      let ranges: number[];
      try {
        ranges = nativeCharSet(source);
      } catch {
        throw this.fail(`Invalid property name '${this.text(at + 3, end)}'`, at);
      }
      this.pos = end + 1;
      return { set: ranges };
    }
    throw this.fail(`Invalid escape '\\${ch}'`, at);
  }

  /** Python `re` escapes (`sre_parse._escape` / `_class_escape`). */
  private pythonEscape(at: number, inClass: boolean): EscapeResult {
    const next = this.cps[at + 1];
    if (next === undefined) throw this.fail('bad escape (end of pattern)', at);
    const ch = show(next);
    const set = this.classEscape(next);
    if (set) {
      this.pos += 2;
      return { set };
    }
    if (!inClass) {
      if (ch === 'A') {
        this.pos += 2;
        return { anchor: 'start' };
      }
      if (ch === 'Z') {
        this.pos += 2;
        return { anchor: 'endAbsolute' };
      }
      if (ch === 'b' || ch === 'B') {
        this.markUnsupported(`Word boundary '\\${ch}' is not supported.`, at);
        this.pos += 2;
        return UNSUPPORTED_ESCAPE;
      }
    }
    const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (ch in simple) {
      this.pos += 2;
      return { cp: simple[ch]! };
    }
    if (ch === 'x' || ch === 'u' || ch === 'U') {
      const digits = ch === 'x' ? 2 : ch === 'u' ? 4 : 8;
      const value = this.readHex(at + 2, digits);
      if (value === undefined) {
        let end = at + 2;
        while (end < at + 2 + digits && hexValue(this.cps[end]) >= 0) end++;
        throw this.fail(`incomplete escape ${this.text(at, end)}`, at);
      }
      if (value > MAX_CODE_POINT) throw this.fail(`bad escape ${this.text(at, at + 2 + digits)}`, at);
      this.pos = at + 2 + digits;
      return { cp: value };
    }
    if (ch === 'N') {
      if (this.cps[at + 2] !== C('{')) throw this.fail('missing {', at + 2);
      this.markUnsupported("Named character escape '\\N{...}' is not supported.", at);
      this.pos = at + 3;
      while (this.pos < this.cps.length && this.peek() !== C('}')) this.pos++;
      if (!this.eat('}')) throw this.fail('missing }, unterminated name', at + 3);
      if (inClass) return { cp: 0xfffd };
      return UNSUPPORTED_ESCAPE;
    }
    if (ch === '0') {
      let end = at + 2;
      while (
        end < at + 4 &&
        this.cps[end] !== undefined &&
        this.cps[end]! >= C('0') &&
        this.cps[end]! <= C('7')
      )
        end++;
      this.pos = end;
      return { cp: Number.parseInt(`0${this.text(at + 2, end)}`, 8) };
    }
    if (isDigit(next)) {
      const isOct = (c: number | undefined) => c !== undefined && c >= C('0') && c <= C('7');
      if (isOct(next) && isOct(this.cps[at + 2]) && isOct(this.cps[at + 3])) {
        const value = Number.parseInt(this.text(at + 1, at + 4), 8);
        if (value > 0o377) {
          throw this.fail(`octal escape value ${this.text(at, at + 4)} outside of range 0-0o377`, at);
        }
        this.pos = at + 4;
        return { cp: value };
      }
      if (inClass) throw this.fail(`bad escape ${this.text(at, at + 2)}`, at);
      const end = isDigit(this.cps[at + 2]) ? at + 3 : at + 2;
      this.markUnsupported(`Backreference '${this.text(at, end)}' is not supported.`, at);
      this.pos = end;
      return UNSUPPORTED_ESCAPE;
    }
    if (isAsciiLetter(next)) throw this.fail(`bad escape \\${ch}`, at);
    this.pos += 2;
    return { cp: next };
  }

  // ---------------------------------------------------------------- classes

  /** Parses a class after its `[` (at `open`). */
  private parseClass(open: number): RegexNode {
    if (this.flavor === 'sglang' && this.peek() === C(']')) {
      throw this.fail('Empty character class is not allowed in regex.');
    }
    const negated = this.eat('^');
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        if (this.flavor === 'sglang') throw this.fail("Unclosed '['", this.cps.length);
        throw this.fail(
          this.flavor === 'python' ? 'unterminated character set' : 'Unterminated character class',
          open,
        );
      }
      if (c === C(']') && !(first && this.flavor === 'python')) {
        this.pos++;
        break;
      }
      first = false;
      const itemStart = this.pos;
      const item = this.parseClassItem();
      if (this.peek() === C('-') && this.peek(1) !== undefined && this.peek(1) !== C(']')) {
        this.pos++;
        const upperStart = this.pos;
        const upper = this.parseClassItem();
        if ('set' in item || 'set' in upper) {
          if (this.flavor === 'python') {
            throw this.fail(`bad character range ${this.text(itemStart, this.pos)}`, itemStart);
          }
          if (this.flavor === 'ecma') throw this.fail('Invalid character class', itemStart);
          // XGrammar copies the class text into EBNF, where such a dash is a literal.
          this.addItem(ranges, item);
          ranges.push(C('-'), C('-'));
          this.addItem(ranges, upper);
          continue;
        }
        if (item.cp > upper.cp) {
          const message =
            this.flavor === 'python'
              ? `bad character range ${this.text(itemStart, this.pos)}`
              : this.flavor === 'ecma'
                ? 'Range out of order in character class'
                : 'Invalid character class: lower bound is larger than upper bound';
          throw this.fail(message, this.flavor === 'sglang' ? upperStart : itemStart);
        }
        ranges.push(item.cp, upper.cp);
        continue;
      }
      this.addItem(ranges, item);
    }
    let set = normalizeRanges(ranges);
    if (this.flags.ignoreCase) set = caseFold(set, this.flags.ascii);
    return { type: 'set', ranges: negated ? negate(set) : set };
  }

  private addItem(ranges: number[], item: ClassItem): void {
    if ('set' in item) ranges.push(...item.set);
    else ranges.push(item.cp, item.cp);
  }

  private parseClassItem(): ClassItem {
    const c = this.peek()!;
    if (c !== C('\\')) {
      this.pos++;
      return { cp: c };
    }
    const escaped = this.parseEscapeSet(true);
    if ('anchor' in escaped) throw this.fail('bad escape', this.pos);
    if ('unsupported' in escaped) return { set: [] };
    return escaped;
  }
}
