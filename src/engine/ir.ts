/**
 * The grammar representation every front end (EBNF, regex, JSON Schema, structural tags) lowers into,
 * and that the engine compiles into per-rule byte automata for the matcher.
 *
 * A grammar is a list of rules; each rule's body is a regular expression over bytes, code points and
 * references to other rules. Front ends build bodies with the small constructors below and never see
 * the engine's automata. Matching is on UTF-8 bytes: `chars` nodes denote code points and are lowered
 * by the engine into UTF-8 byte automata; `bytes` nodes match raw bytes. The byte 0xFF (never part of
 * UTF-8) is reserved for token-id terminals (token-ids.ts): a hand-built `bytes`/`byteSet` holding it is
 * read as one.
 */

/** A node of a rule body. */
export type Expr =
  | { readonly kind: 'empty' }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'byteSet'; readonly ranges: readonly number[] }
  | { readonly kind: 'chars'; readonly ranges: readonly number[] }
  | { readonly kind: 'seq'; readonly items: readonly Expr[] }
  | { readonly kind: 'alt'; readonly items: readonly Expr[] }
  | { readonly kind: 'repeat'; readonly item: Expr; readonly min: number; readonly max: number }
  | { readonly kind: 'ref'; readonly rule: number }
  | { readonly kind: 'and'; readonly items: readonly Expr[] }
  | { readonly kind: 'dfa'; readonly dfa: ByteDfa };

/**
 * Memo slots that analyses set on expression nodes (facts about the node, not part of its language). A field
 * on the node is found without a hash lookup, and dies with the node, unlike a WeakMap entry.
 */
export interface ExprMemo {
  treeSize?: number;
  staticFacts?: unknown;
}

/**
 * A deterministic automaton over bytes, embeddable in a rule body (e.g. an Aho–Corasick "free text without
 * these strings" automaton). State 0 is the start; `transitions[s * 256 + b]` is the next state or -1.
 */
export interface ByteDfa {
  readonly numStates: number;
  readonly transitions: Int32Array;
  readonly accepting: Uint8Array;
}

/**
 * One rule. `lookahead`, when present, is XGrammar's `(= ...)` assertion: the text right after the
 * rule must start with a string of this expression (how the engine uses it depends on its options).
 */
export interface Rule {
  readonly name: string;
  body: Expr;
  lookahead?: Expr;
}

/** A whole grammar: rules by index, and the index of the start rule. */
export interface Grammar {
  readonly rules: Rule[];
  readonly root: number;
}

/** The largest Unicode scalar value. */
export const MAX_CODE_POINT = 0x10ffff;

export const EMPTY: Expr = { kind: 'empty' };
/** The empty language: matches nothing at all. */
export const NOTHING: Expr = { kind: 'nothing' };

/** Matches exactly these bytes. */
export function bytes(value: Uint8Array): Expr {
  return value.length === 0 ? EMPTY : { kind: 'bytes', bytes: value };
}

const utf8 = new TextEncoder();

/** Matches exactly the UTF-8 encoding of `text`. */
export function literal(text: string): Expr {
  return bytes(utf8.encode(text));
}

/**
 * Matches one byte in the given inclusive ranges, as a flat `[lo0, hi0, lo1, hi1, ...]` list
 * (any order, may overlap; values 0..255).
 */
export function byteSet(ranges: readonly number[]): Expr {
  const norm = normalizeRanges(ranges);
  return norm.length === 0 ? NOTHING : { kind: 'byteSet', ranges: norm };
}

/**
 * Matches one code point in the given inclusive ranges (`[lo0, hi0, ...]`, values 0..0x10FFFF),
 * encoded as UTF-8. Surrogates (U+D800..U+DFFF) are never matched: they have no UTF-8 encoding.
 */
export function chars(ranges: readonly number[]): Expr {
  const norm = subtractRanges(normalizeRanges(ranges), [0xd800, 0xdfff]);
  return norm.length === 0 ? NOTHING : { kind: 'chars', ranges: norm };
}

/** Matches one code point NOT in the given ranges (a correct complement over all scalar values). */
export function notChars(ranges: readonly number[]): Expr {
  return chars(complementRanges(normalizeRanges(ranges), 0, MAX_CODE_POINT));
}

/**
 * Intersection of regular languages. Every operand must be free of `ref` nodes (the engine reports an error
 * otherwise); used for e.g. a JSON string that must satisfy both a `pattern` and a `maxLength`.
 */
export function and(...items: Expr[]): Expr {
  if (items.some((i) => i.kind === 'nothing')) return NOTHING;
  if (items.length === 1) return items[0]!;
  return { kind: 'and', items };
}

/** Embeds a byte DFA as an expression. */
export function dfa(automaton: ByteDfa): Expr {
  return { kind: 'dfa', dfa: automaton };
}

/** Concatenation. */
export function seq(...items: Expr[]): Expr {
  const flat: Expr[] = [];
  for (const item of items) {
    if (item.kind === 'empty') continue;
    if (item.kind === 'nothing') return NOTHING;
    if (item.kind === 'seq') flat.push(...item.items);
    else flat.push(item);
  }
  if (flat.length === 0) return EMPTY;
  if (flat.length === 1) return flat[0]!;
  return { kind: 'seq', items: flat };
}

/** Alternation (union of languages). */
export function alt(...items: Expr[]): Expr {
  const flat: Expr[] = [];
  for (const item of items) {
    if (item.kind === 'nothing') continue;
    if (item.kind === 'alt') flat.push(...item.items);
    else flat.push(item);
  }
  if (flat.length === 0) return NOTHING;
  if (flat.length === 1) return flat[0]!;
  return { kind: 'alt', items: flat };
}

/** `item{min,max}`; `max` may be `Infinity`. */
export function repeat(item: Expr, min: number, max: number): Expr {
  if (!(min >= 0) || !(max >= min)) throw new RangeError(`invalid repetition bounds {${min},${max}}`);
  if (max === 0 || item.kind === 'empty') return EMPTY;
  if (item.kind === 'nothing') return min === 0 ? EMPTY : NOTHING;
  if (min === 1 && max === 1) return item;
  return { kind: 'repeat', item, min, max };
}

export const star = (item: Expr): Expr => repeat(item, 0, Number.POSITIVE_INFINITY);
export const plus = (item: Expr): Expr => repeat(item, 1, Number.POSITIVE_INFINITY);
export const optional = (item: Expr): Expr => repeat(item, 0, 1);

/** A reference to rule `rule` (its index in `Grammar.rules`). */
export function ref(rule: number): Expr {
  return { kind: 'ref', rule };
}

/**
 * Incremental builder for grammars: declare rules first (so bodies can reference each other,
 * recursively), then set their bodies.
 */
export class GrammarBuilder {
  readonly rules: Rule[] = [];
  private readonly byName = new Map<string, number>();

  /** Declares a rule with a unique name (a numeric suffix is added on collision) and returns its index. */
  addRule(name: string, body: Expr = NOTHING): number {
    let unique = name;
    for (let i = 1; this.byName.has(unique); i++) unique = `${name}_${i}`;
    const index = this.rules.length;
    this.rules.push({ name: unique, body });
    this.byName.set(unique, index);
    return index;
  }

  /** Index of a rule by its exact name, or undefined. */
  lookup(name: string): number | undefined {
    return this.byName.get(name);
  }

  setBody(rule: number, body: Expr, lookahead?: Expr): void {
    const r = this.rules[rule];
    if (!r) throw new RangeError(`no rule ${rule}`);
    r.body = body;
    if (lookahead) r.lookahead = lookahead;
  }

  build(root: number): Grammar {
    if (!this.rules[root]) throw new RangeError(`no root rule ${root}`);
    return { rules: this.rules, root };
  }
}

/** Sorts and merges a flat inclusive range list. */
export function normalizeRanges(ranges: readonly number[]): number[] {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const lo = ranges[i]!;
    const hi = ranges[i + 1]!;
    if (lo <= hi) pairs.push([lo, hi]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

/** The complement of a normalized range list within `[min, max]`. */
export function complementRanges(ranges: readonly number[], min: number, max: number): number[] {
  const out: number[] = [];
  let next = min;
  for (let i = 0; i < ranges.length; i += 2) {
    if (ranges[i]! > next) out.push(next, ranges[i]! - 1);
    next = Math.max(next, ranges[i + 1]! + 1);
  }
  if (next <= max) out.push(next, max);
  return out;
}

/** `a` minus `b`, both normalized range lists. */
export function subtractRanges(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return [...a];
  const lo = Math.min(a[0] ?? 0, b[0]!);
  const hi = Math.max(a[a.length - 1] ?? 0, b[b.length - 1]!);
  return intersectRanges(a, complementRanges(b, lo, hi));
}

/** Intersection of two normalized range lists. */
export function intersectRanges(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]!, b[j]!);
    const hi = Math.min(a[i + 1]!, b[j + 1]!);
    if (lo <= hi) out.push(lo, hi);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out;
}
