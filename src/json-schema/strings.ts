/**
 * JSON string content as grammar expressions. A schema constrains a string's *decoded* value, but its text
 * may spell each code point raw or escaped (`\n`, `\/`, `\u00e9`, a surrogate pair). Every expression here
 * accepts all spellings of the values it denotes (one "char unit" = one decoded code point, from
 * `jsonStringCharExpr`), so escapes never change what is accepted.
 */
import {
  alt,
  EMPTY,
  type Expr,
  MAX_CODE_POINT,
  NOTHING,
  normalizeRanges,
  repeat,
  seq,
  star,
  subtractRanges,
} from '../engine/ir.js';
import { jsonStringCharExpr, regexToJsonStringExpr } from '../regex/index.js';

/** Any single decoded code point. */
export const ANY_CHAR_UNIT: Expr = jsonStringCharExpr([0, MAX_CODE_POINT]);

/** String content (between the quotes) of any value with `min..max` code points. */
export function stringContentOfLength(min: number, max: number): Expr {
  return min === 0 && max === Number.POSITIVE_INFINITY
    ? star(ANY_CHAR_UNIT)
    : repeat(ANY_CHAR_UNIT, min, max);
}

const charCache = new Map<number, Expr>();
/** One char unit decoding to exactly `cp` (cached: property names repeat the same few characters). */
function charUnit(cp: number): Expr {
  let e = charCache.get(cp);
  if (!e) {
    e = jsonStringCharExpr([cp, cp]);
    if (charCache.size > 65536) charCache.clear();
    charCache.set(cp, e);
  }
  return e;
}

const literalCache = new Map<string, Expr>();
/** String content whose decoded value is exactly `value`, in every spelling (lone surrogates never match). */
export function stringContentLiteral(value: string): Expr {
  let e = literalCache.get(value);
  if (!e) {
    e = seq(...[...value].map((ch) => charUnit(ch.codePointAt(0)!)));
    if (literalCache.size > 16384) literalCache.clear();
    literalCache.set(value, e);
  }
  return e;
}

const ANY_REST = star(ANY_CHAR_UNIT);

const charSetCache = new Map<string, Expr>();
/** One char unit decoding to a code point in `ranges` (normalized pairs; cached: key tries repeat sets). */
function charUnitIn(ranges: number[]): Expr {
  const key = ranges.join(',');
  let e = charSetCache.get(key);
  if (!e) {
    e = jsonStringCharExpr(ranges);
    if (charSetCache.size > 4096) charSetCache.clear();
    charSetCache.set(key, e);
  }
  return e;
}

/**
 * String content whose decoded value is NOT in `excluded` (a trie complement over char units, so the
 * expression stays linear in the total length of the excluded strings).
 */
export function stringContentExcluding(excluded: readonly string[]): Expr {
  const key = JSON.stringify(excluded);
  let e = excludingCache.get(key);
  if (!e) {
    e = excludingTrie(excluded);
    if (excludingCache.size > 4096) excludingCache.clear();
    excludingCache.set(key, e);
  }
  return e;
}

const excludingCache = new Map<string, Expr>();

interface TrieNode {
  end: boolean;
  children: Map<number, TrieNode>;
  /** After construction: the children's code points (insertion order), the children, the code points sorted. */
  cps: number[];
  kids: TrieNode[];
  sorted: number[];
}

const newNode = (): TrieNode => ({ end: false, children: new Map(), cps: [], kids: [], sorted: [] });

/** A normalized range list minus some points (ascending): one pass, no intermediate lists. */
function minusPoints(ranges: readonly number[], points: readonly number[]): number[] {
  const out: number[] = [];
  let p = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    let lo = ranges[i]!;
    const hi = ranges[i + 1]!;
    while (p < points.length && points[p]! < lo) p++;
    while (p < points.length && points[p]! <= hi) {
      if (points[p]! > lo) out.push(lo, points[p]! - 1);
      lo = points[p]! + 1;
      p++;
    }
    if (lo <= hi) out.push(lo, hi);
  }
  return out;
}

/**
 * A value not in the trie's words is either a proper trie path (not a word), or a trie path followed by a
 * code point that does not continue it, then anything. The diverging code point is split: an ASCII one, or one
 * some excluded word uses, is matched per trie node (ASCII minus a node's children is a few ranges); every other
 * one (in practice all of non-ASCII) after a second, plain copy of the trie paths, so that there is ONE automaton
 * fragment for "any other code point" and ONE for the rest after any divergence. The lazy DFA then has one state
 * per trie node plus a few shared ones, instead of its own mid-character and "anything" states per node.
 */
function excludingTrie(excluded: readonly string[]): Expr {
  const root = newNode();
  const used = new Set<number>();
  const nodes: TrieNode[] = [root];
  for (const word of excluded) {
    let n = root;
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      used.add(cp);
      let next = n.children.get(cp);
      if (!next) {
        next = newNode();
        n.children.set(cp, next);
        nodes.push(next);
      }
      n = next;
    }
    n.end = true;
  }
  for (const n of nodes) {
    n.cps = [...n.children.keys()];
    n.kids = [...n.children.values()];
    n.sorted = n.cps.length > 1 ? [...n.cps].sort((a, b) => a - b) : n.cps;
  }
  // Code points handled per trie node: ASCII (a few contiguous ranges per node) and any other code point some
  // word uses; everything else diverges through the shared fragment.
  const usedRanges = normalizeRanges([0, 0x7f, ...[...used].flatMap((c) => [c, c])]);
  // Each pass builds one alternative per child: `node(n, own, rec)` = alt(own, charUnit(cp) rec(child), ...).
  const node = (n: TrieNode, own: Expr, rec: (child: TrieNode) => Expr): Expr => {
    const items: Expr[] = [own];
    for (let i = 0; i < n.cps.length; i++) items.push(seq(charUnit(n.cps[i]!), rec(n.kids[i]!)));
    return alt(...items);
  };
  const proper = (n: TrieNode): Expr => node(n, n.end ? NOTHING : EMPTY, proper);
  const divergeUsed = (n: TrieNode): Expr => {
    const others = minusPoints(usedRanges, n.sorted);
    return node(n, others.length > 0 ? charUnitIn(others) : NOTHING, divergeUsed);
  };
  const paths = (n: TrieNode): Expr => node(n, EMPTY, paths);
  const unused = subtractRanges([0, MAX_CODE_POINT], usedRanges);
  return alt(
    proper(root),
    seq(alt(divergeUsed(root), seq(paths(root), unused.length > 0 ? charUnitIn(unused) : NOTHING)), ANY_REST),
  );
}

const patternCache = new Map<string, Expr>();

/** JSON string content whose decoded value matches an ECMA pattern (search semantics), cached per pattern. */
export function patternContent(pattern: string): Expr {
  let e = patternCache.get(pattern);
  if (!e) {
    e = regexToJsonStringExpr(pattern);
    patternCache.set(pattern, e);
  }
  return e;
}
