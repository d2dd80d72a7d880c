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

const exceptCache = new Map<string, Expr>();
/** One char unit whose decoded code point is none of `cps` (cached: key tries repeat the same sets). */
function charUnitExcept(cps: number[]): Expr {
  const taken = normalizeRanges(cps.flatMap((c) => [c, c]));
  const key = taken.join(',');
  let e = exceptCache.get(key);
  if (!e) {
    e = jsonStringCharExpr(subtractRanges([0, MAX_CODE_POINT], taken));
    if (exceptCache.size > 4096) exceptCache.clear();
    exceptCache.set(key, e);
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

function excludingTrie(excluded: readonly string[]): Expr {
  interface TrieNode {
    end: boolean;
    children: Map<number, TrieNode>;
  }
  const root: TrieNode = { end: false, children: new Map() };
  for (const word of excluded) {
    let n = root;
    for (const ch of word) {
      const cp = ch.codePointAt(0)!;
      let next = n.children.get(cp);
      if (!next) {
        next = { end: false, children: new Map() };
        n.children.set(cp, next);
      }
      n = next;
    }
    n.end = true;
  }
  const anyRest = star(ANY_CHAR_UNIT);
  const build = (n: TrieNode): Expr => {
    const parts: Expr[] = [seq(charUnitExcept([...n.children.keys()]), anyRest)];
    if (!n.end) parts.push(EMPTY);
    for (const [cp, child] of n.children) parts.push(seq(charUnit(cp), build(child)));
    return alt(...parts);
  };
  return build(root);
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
