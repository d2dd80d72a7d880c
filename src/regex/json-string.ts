/**
 * Regexes over the *decoded* value of a JSON string, lowered to the JSON-escaped text between the quotes.
 *
 * Every code point of the decoded value may appear in the JSON text raw (when JSON allows it raw: not `"`,
 * `\` or U+0000..U+001F) or as any valid escape: `\" \\ \/ \b \f \n \r \t`, `\uXXXX` with hex digits in
 * either case, and, for astral code points, a `\uD8xx\uDCxx` surrogate-pair escape. Lone surrogate
 * escapes are never produced (they decode to no Unicode scalar value).
 */
import {
  alt,
  byteSet,
  chars,
  EMPTY,
  type Expr,
  intersectRanges,
  literal,
  NOTHING,
  normalizeRanges,
  repeat,
  seq,
} from '../engine/ir.js';
import { ANY } from './charsets.js';
import { regexError } from './errors.js';
import { AnchorInRepetitionError, distributeAnchors, searchExpr } from './lower.js';
import { parseRegex } from './parser.js';

/** Code points JSON allows raw inside a string: everything but `"`, `\` and U+0000..U+001F. */
const RAW_ALLOWED: readonly number[] = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x10ffff];
/** The two-character escapes and the code point each stands for. */
const SHORT_ESCAPES: ReadonlyArray<readonly [number, string]> = [
  [0x22, '"'],
  [0x5c, '\\'],
  [0x2f, '/'],
  [0x08, 'b'],
  [0x0c, 'f'],
  [0x0a, 'n'],
  [0x0d, 'r'],
  [0x09, 't'],
];

/** One hex digit whose value lies in `[lo, hi]` (0..15), either case. */
function hexDigitClass(lo: number, hi: number): Expr {
  const ranges: number[] = [];
  const dLo = lo;
  const dHi = Math.min(hi, 9);
  if (dLo <= dHi) ranges.push(0x30 + dLo, 0x30 + dHi);
  const aLo = Math.max(lo, 10);
  if (aLo <= hi) ranges.push(0x61 + aLo - 10, 0x61 + hi - 10, 0x41 + aLo - 10, 0x41 + hi - 10);
  return byteSet(ranges);
}

const ANY_HEX = hexDigitClass(0, 15);

/** Exactly `digits` hex digits (either case) whose value lies in the normalized `ranges`. */
function hexNumber(ranges: readonly number[], digits: number): Expr {
  if (ranges.length === 0) return NOTHING;
  if (digits === 0) return EMPTY;
  const unit = 16 ** (digits - 1);
  if (ranges.length === 2 && ranges[0] === 0 && ranges[1] === 16 ** digits - 1)
    return repeat(ANY_HEX, digits, digits);
  const out: Expr[] = [];
  let fullRun = -1;
  const flush = (end: number): void => {
    if (fullRun >= 0) out.push(seq(hexDigitClass(fullRun, end), repeat(ANY_HEX, digits - 1, digits - 1)));
    fullRun = -1;
  };
  for (let nibble = 0; nibble < 16; nibble++) {
    const base = nibble * unit;
    const part = intersectRanges(ranges, [base, base + unit - 1]);
    if (part.length === 2 && part[0] === base && part[1] === base + unit - 1) {
      if (fullRun < 0) fullRun = nibble;
      continue;
    }
    flush(nibble - 1);
    if (part.length > 0) {
      out.push(
        seq(
          hexDigitClass(nibble, nibble),
          hexNumber(
            part.map((v) => v - base),
            digits - 1,
          ),
        ),
      );
    }
  }
  flush(15);
  return alt(...out);
}

/** The hex part of `\uD8xx\uDCxx` escapes (after the first `\u`) for the astral code points of a set. */
function surrogatePairs(astral: readonly number[]): Expr {
  // Group high surrogates by the set of low surrogates they combine with.
  const byLow = new Map<string, { low: number[]; high: number[] }>();
  const add = (hLo: number, hHi: number, lLo: number, lHi: number): void => {
    const key = `${lLo}-${lHi}`;
    const entry = byLow.get(key) ?? { low: [lLo, lHi], high: [] };
    entry.high.push(hLo, hHi);
    byLow.set(key, entry);
  };
  for (let i = 0; i < astral.length; i += 2) {
    const lo = astral[i]! - 0x10000;
    const hi = astral[i + 1]! - 0x10000;
    const h1 = 0xd800 + (lo >> 10);
    const h2 = 0xd800 + (hi >> 10);
    const l1 = 0xdc00 + (lo & 0x3ff);
    const l2 = 0xdc00 + (hi & 0x3ff);
    if (h1 === h2) {
      add(h1, h1, l1, l2);
      continue;
    }
    add(h1, h1, l1, 0xdfff);
    if (h1 + 1 <= h2 - 1) add(h1 + 1, h2 - 1, 0xdc00, 0xdfff);
    add(h2, h2, 0xdc00, l2);
  }
  const u = literal('\\u');
  return alt(
    ...[...byLow.values()].map(({ low, high }) =>
      seq(hexNumber(normalizeRanges(high), 4), u, hexNumber(normalizeRanges(low), 4)),
    ),
  );
}

const charExprCache = new Map<string, Expr>();

/**
 * One code point from `ranges` (a flat inclusive code point range list) as it may appear inside a JSON
 * string: raw where JSON allows it, or as any valid escape of it.
 */
export function jsonStringCharExpr(ranges: readonly number[]): Expr {
  const set = normalizeRanges(ranges);
  const key = set.join(',');
  const cached = charExprCache.get(key);
  if (cached) return cached;
  // Everything after a backslash shares that first byte, so the escapes form one branch (smaller NFAs).
  const shortLetters: number[] = [];
  for (const [cp, letter] of SHORT_ESCAPES) {
    if (intersectRanges(set, [cp, cp]).length > 0)
      shortLetters.push(letter.charCodeAt(0), letter.charCodeAt(0));
  }
  const bmp = intersectRanges(set, [0, 0xd7ff, 0xe000, 0xffff]);
  const astral = intersectRanges(set, [0x10000, 0x10ffff]);
  const afterU: Expr[] = [];
  if (bmp.length > 0) afterU.push(hexNumber(bmp, 4));
  if (astral.length > 0) afterU.push(surrogatePairs(astral));
  const escaped = seq(
    literal('\\'),
    alt(byteSet(shortLetters), afterU.length > 0 ? seq(literal('u'), alt(...afterU)) : NOTHING),
  );
  const options: Expr[] = [chars(intersectRanges(set, RAW_ALLOWED)), escaped];
  const expr = alt(...options);
  if (charExprCache.size > 256) charExprCache.clear();
  charExprCache.set(key, expr);
  return expr;
}

/** Any JSON string content character (one decoded code point). */
export function jsonStringAnyCharExpr(): Expr {
  return jsonStringCharExpr(ANY);
}

/**
 * The JSON-escaped content between the quotes of a string whose decoded value matches the JSON Schema
 * `pattern` (ECMA-262 `u` syntax, search semantics: unanchored unless `^`/`$` are used).
 * Throws `GrammarError` (kind `regex`) for invalid or unsupported patterns.
 */
export function regexToJsonStringExpr(pattern: string): Expr {
  const { node } = parseRegex(pattern, 'ecma');
  try {
    return searchExpr(distributeAnchors(node), jsonStringCharExpr, false);
  } catch (e) {
    if (e instanceof AnchorInRepetitionError) throw regexError(pattern, e.position, e.message);
    throw e;
  }
}
