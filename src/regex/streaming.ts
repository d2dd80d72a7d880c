/**
 * Incremental regex search over decoded text, for `stop_regex`: text arrives in chunks (one per
 * sampled token) and the checker must say, after each chunk, whether Python's `re.search(pattern,
 * text_so_far)` would find a match.
 *
 * The pattern is split into anchor-free branches (see `lower.ts`) and compiled to byte DFAs of
 * `.*?(branch)` semantics: branches without an end anchor can complete at any byte; branches ending in
 * `$`/`\Z` are checked only at the end of each chunk (where `re.search` on the text so far would test
 * them), `$` also before a final newline as in Python. Each chunk costs one DFA step per UTF-8 byte.
 *
 * When a match is found, `start` is the leftmost start of a match in the text so far (what `re.search`
 * reports) and `end` is the *shortest* end of a match from that start. Python's backtracking picks the
 * first alternative that succeeds, so for e.g. `ab|a` on "ab" Python's end is 2 while ours is 1; the
 * start, and whether there is a match at all, always agree.
 */
import { type AutomatonOptions, exprToDfa } from '../engine/automaton.js';
import { alt, type ByteDfa, chars, EMPTY, seq, star } from '../engine/ir.js';
import { ANY, type RegexFlavor } from './charsets.js';
import { anchoredBranches } from './compile.js';
import type { AnchoredBranch } from './lower.js';
import { lowerNode } from './lower.js';

/** The result of `StreamingRegexSearch.push`. Offsets are UTF-16 indices into the text pushed since `reset`. */
export interface StreamingMatch {
  readonly matched: boolean;
  readonly start?: number;
  readonly end?: number;
}

/** Options for `StreamingRegexSearch`. */
export interface StreamingRegexOptions {
  /** Pattern dialect; default `'python'` (what `stop_regex` is). */
  flavor?: RegexFlavor;
  /** State cap for each automaton (see the engine's `exprToDfa`). */
  maxStates?: number;
}

/**
 * DFAs for one anchoring class of branches: the searching DFA (`.*` prefix) used on every byte, and the
 * anchored DFAs used only to locate a match's start, built on first use.
 */
class BranchAutomata {
  /** `.*(any branch)`, or just the start-anchored branches at the very start. */
  readonly search: ByteDfa | undefined;
  #anywhere: ByteDfa | null | undefined;
  #atStart: ByteDfa | undefined;

  constructor(
    private readonly branches: readonly AnchoredBranch[],
    private readonly options: AutomatonOptions,
  ) {
    if (branches.length === 0) return;
    const anyStar = star(chars(ANY));
    this.search = exprToDfa(
      alt(...branches.map((b) => seq(b.start ? EMPTY : anyStar, lowerNode(b.body)))),
      options,
    );
  }

  /** Anchored DFA of the branches that may start anywhere. */
  get anywhere(): ByteDfa | undefined {
    if (this.#anywhere === undefined) {
      const unanchored = this.branches.filter((b) => !b.start);
      this.#anywhere =
        unanchored.length > 0
          ? exprToDfa(alt(...unanchored.map((b) => lowerNode(b.body))), this.options)
          : null;
    }
    return this.#anywhere ?? undefined;
  }

  /** Anchored DFA of all branches (for a match starting at offset 0). */
  get atStart(): ByteDfa | undefined {
    if (this.branches.length === 0) return undefined;
    this.#atStart ??= exprToDfa(alt(...this.branches.map((b) => lowerNode(b.body))), this.options);
    return this.#atStart;
  }
}

/** The automata of one pattern, shared by every search over it. */
interface CompiledSearch {
  readonly free: BranchAutomata;
  readonly dollar: BranchAutomata;
  readonly absolute: BranchAutomata;
}

/** Compiled patterns by flavour, maxStates and pattern (stop regexes repeat across requests). */
const compiledCache = new Map<string, CompiledSearch>();
const COMPILED_CACHE_SIZE = 128;

function compileSearch(pattern: string, flavor: RegexFlavor, maxStates: number | undefined): CompiledSearch {
  const key = `${flavor}\0${maxStates ?? ''}\0${pattern}`;
  const cached = compiledCache.get(key);
  if (cached) {
    compiledCache.delete(key);
    compiledCache.set(key, cached);
    return cached;
  }
  const options: AutomatonOptions = { ruleName: 'stop_regex' };
  if (maxStates !== undefined) options.maxStates = maxStates;
  const branches = anchoredBranches(pattern, flavor);
  // In ECMAScript and XGrammar `$` never matches before a final newline.
  const kindOf = (b: AnchoredBranch): AnchoredBranch['end'] =>
    b.end === 'none' ? 'none' : b.end === 'end' && flavor === 'python' ? 'end' : 'endAbsolute';
  const compiled: CompiledSearch = {
    free: new BranchAutomata(
      branches.filter((b) => kindOf(b) === 'none'),
      options,
    ),
    dollar: new BranchAutomata(
      branches.filter((b) => kindOf(b) === 'end'),
      options,
    ),
    absolute: new BranchAutomata(
      branches.filter((b) => kindOf(b) === 'endAbsolute'),
      options,
    ),
  };
  compiledCache.set(key, compiled);
  if (compiledCache.size > COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value!);
  return compiled;
}

/** The first match of a regex over incrementally pushed text (see the module comment). */
export class StreamingRegexSearch {
  private readonly free: BranchAutomata;
  private readonly dollar: BranchAutomata;
  private readonly absolute: BranchAutomata;
  private readonly encoder = new TextEncoder();
  /** Reused UTF-8 buffer for pushed chunks (no allocation per token once it is large enough). */
  private scratch = new Uint8Array(256);
  private text = '';
  private pendingHighSurrogate = '';
  private sFree = 0;
  private sDollar = 0;
  private sAbsolute = 0;
  /** `sDollar` before the last byte fed, for Python's `$` before a final newline. */
  private sDollarBeforeLast = -1;
  private lastByte = -1;
  private result: StreamingMatch = { matched: false };

  /**
   * Compiles `pattern` (automata are shared between searches over the same pattern); throws
   * `GrammarError` for invalid patterns or past the state limit.
   */
  constructor(pattern: string, options: StreamingRegexOptions = {}) {
    const compiled = compileSearch(pattern, options.flavor ?? 'python', options.maxStates);
    this.free = compiled.free;
    this.dollar = compiled.dollar;
    this.absolute = compiled.absolute;
    this.reset();
  }

  /** Forgets all pushed text. */
  reset(): void {
    this.text = '';
    this.pendingHighSurrogate = '';
    this.sFree = this.free.search ? 0 : -1;
    this.sDollar = this.dollar.search ? 0 : -1;
    this.sAbsolute = this.absolute.search ? 0 : -1;
    this.sDollarBeforeLast = -1;
    this.lastByte = -1;
    this.result = { matched: false };
  }

  /** Whether a match has been found since the last reset. */
  get matched(): boolean {
    return this.result.matched;
  }

  /**
   * Appends decoded text and reports whether the text so far contains a match. Once a match is found
   * the same result is returned until `reset`.
   */
  push(chunk: string): StreamingMatch {
    if (this.result.matched) return this.result;
    let input = this.pendingHighSurrogate + chunk;
    this.pendingHighSurrogate = '';
    const lastUnit = input.charCodeAt(input.length - 1);
    if (lastUnit >= 0xd800 && lastUnit <= 0xdbff) {
      // Wait for the low half of a surrogate pair split across chunks.
      this.pendingHighSurrogate = input.slice(-1);
      input = input.slice(0, -1);
    }
    this.text += input;
    if (this.sFree >= 0 && this.free.search!.accepting[this.sFree]) return this.found();
    if (this.scratch.length < input.length * 3) this.scratch = new Uint8Array(input.length * 3 + 64);
    const { written } = this.encoder.encodeInto(input, this.scratch);
    for (let i = 0; i < written; i++) {
      const b = this.scratch[i]!;
      if (this.sFree >= 0) {
        this.sFree = this.free.search!.transitions[this.sFree * 256 + b]!;
        if (this.sFree >= 0 && this.free.search!.accepting[this.sFree]) return this.found();
      }
      this.sDollarBeforeLast = this.sDollar;
      if (this.sDollar >= 0) this.sDollar = this.dollar.search!.transitions[this.sDollar * 256 + b]!;
      if (this.sAbsolute >= 0) this.sAbsolute = this.absolute.search!.transitions[this.sAbsolute * 256 + b]!;
      this.lastByte = b;
    }
    if (this.endMatches()) return this.found();
    return this.result;
  }

  private endMatches(): boolean {
    if (this.sAbsolute >= 0 && this.absolute.search!.accepting[this.sAbsolute]) return true;
    if (this.sDollar >= 0 && this.dollar.search!.accepting[this.sDollar]) return true;
    return (
      this.lastByte === 0x0a &&
      this.sDollarBeforeLast >= 0 &&
      this.dollar.search!.accepting[this.sDollarBeforeLast] === 1
    );
  }

  /** Locates the leftmost match start in the text so far and the shortest end from it. */
  private found(): StreamingMatch {
    const { bytes, utf16At } = encodeWithOffsets(this.text);
    const n = bytes.length;
    const endsWithNewline = n > 0 && bytes[n - 1] === 0x0a;
    for (let k = 0; k < utf16At.length; k++) {
      const s = utf16At[k]![0]!;
      const pick = (a: BranchAutomata) => (s === 0 ? a.atStart : a.anywhere);
      let best = Number.POSITIVE_INFINITY;
      const free = pick(this.free);
      if (free) best = Math.min(best, firstAccept(free, bytes, s, n));
      const abs = pick(this.absolute);
      if (abs && runTo(abs, bytes, s, n) === n) best = Math.min(best, n);
      const dollar = pick(this.dollar);
      if (dollar) {
        if (endsWithNewline && s <= n - 1 && runTo(dollar, bytes, s, n - 1) === n - 1)
          best = Math.min(best, n - 1);
        if (runTo(dollar, bytes, s, n) === n) best = Math.min(best, n);
      }
      if (best !== Number.POSITIVE_INFINITY) {
        this.result = { matched: true, start: utf16At[k]![1]!, end: utf16OffsetOf(utf16At, best) };
        return this.result;
      }
    }
    // Unreachable when the automata agree; report the match without offsets rather than none.
    this.result = { matched: true };
    return this.result;
  }
}

/** The first byte offset `e` in `[from, to]` where the anchored DFA accepts `bytes[from, e)`, or Infinity. */
function firstAccept(dfa: ByteDfa, bytes: Uint8Array, from: number, to: number): number {
  let s = 0;
  if (dfa.accepting[0]) return from;
  for (let i = from; i < to; i++) {
    s = dfa.transitions[s * 256 + bytes[i]!]!;
    if (s < 0) return Number.POSITIVE_INFINITY;
    if (dfa.accepting[s]) return i + 1;
  }
  return Number.POSITIVE_INFINITY;
}

/** `to` if the anchored DFA accepts exactly `bytes[from, to)`, else -1. */
function runTo(dfa: ByteDfa, bytes: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    s = dfa.transitions[s * 256 + bytes[i]!]!;
    if (s < 0) return -1;
  }
  return dfa.accepting[s] ? to : -1;
}

/** UTF-8 bytes of `text` plus `[byteOffset, utf16Offset]` for every code point boundary (end included). */
function encodeWithOffsets(text: string): { bytes: Uint8Array; utf16At: Array<[number, number]> } {
  const out: number[] = [];
  const utf16At: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    utf16At.push([out.length, i]);
    let c = text.codePointAt(i)!;
    const units = c > 0xffff ? 2 : 1;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate, as TextEncoder encodes it
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    i += units;
  }
  utf16At.push([out.length, text.length]);
  return { bytes: Uint8Array.from(out), utf16At };
}

function utf16OffsetOf(utf16At: ReadonlyArray<[number, number]>, byteOffset: number): number {
  for (const [b, u] of utf16At) if (b === byteOffset) return u;
  return utf16At[utf16At.length - 1]![1];
}
