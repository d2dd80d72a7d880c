/**
 * Code point sets used by the regex front end: the `\d \w \s` families of each flavour, `.`,
 * Unicode properties (resolved with the host's own ECMAScript engine, so `\p{…}` means exactly what
 * `new RegExp('\\p{…}', 'u')` means), and Unicode simple case folding.
 *
 * Every set is a normalized flat range list `[lo0, hi0, lo1, hi1, …]` (see `normalizeRanges` in the IR).
 */
import { complementRanges, MAX_CODE_POINT, normalizeRanges, subtractRanges } from '../engine/ir.js';

/** Which regex dialect a pattern is written in. */
export type RegexFlavor = 'sglang' | 'ecma' | 'python';

/** ASCII digits `[0-9]`. */
export const ASCII_DIGIT: readonly number[] = [0x30, 0x39];
/** ASCII word characters `[0-9A-Z_a-z]`. */
export const ASCII_WORD: readonly number[] = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** XGrammar's `\s`: `[\t\n\v\f\r \u00a0]` (regex_converter.cc). */
export const XGRAMMAR_SPACE: readonly number[] = [0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0];
/** ECMA-262 `\s`: WhiteSpace + LineTerminator. */
export const ECMA_SPACE: readonly number[] = normalizeRanges([
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f,
  0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
]);
/** Python `str.isspace()` characters, which `\s` matches in a `str` pattern (note U+001C..U+001F). */
export const PYTHON_SPACE: readonly number[] = normalizeRanges([
  0x09, 0x0d, 0x1c, 0x20, 0x85, 0x85, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f,
  0x202f, 0x205f, 0x205f, 0x3000, 0x3000,
]);
/** Python's ASCII `\s` (flag `a`): `[ \t\n\r\f\v]`. */
export const PYTHON_ASCII_SPACE: readonly number[] = [0x09, 0x0d, 0x20, 0x20];
/** ECMAScript line terminators, excluded by `.` without the `s` flag. */
export const ECMA_LINE_TERMINATORS: readonly number[] = [0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029];
/** Every code point. */
export const ANY: readonly number[] = [0, MAX_CODE_POINT];

/** The complement of a normalized set over all code points. */
export function negate(ranges: readonly number[]): number[] {
  return complementRanges(ranges, 0, MAX_CODE_POINT);
}

/**
 * Planes 4..13 (U+40000..U+DFFFF) are entirely unassigned, so every property holds for all of them or
 * for none; scanning one representative instead of 655,360 code points makes `nativeCharSet` 2.4x faster.
 */
const UNASSIGNED_PLANES: readonly [number, number] = [0x40000, 0xdffff];

let scannedText: string | undefined;
/** Every scalar value outside the unassigned planes, in order (surrogates excluded). */
function scannedScalars(): string {
  if (scannedText === undefined) {
    const parts: string[] = [];
    for (let start = 0; start <= MAX_CODE_POINT; start += 0x1000) {
      if (start >= UNASSIGNED_PLANES[0] && start <= UNASSIGNED_PLANES[1]) continue;
      const cps: number[] = [];
      for (let c = start; c < start + 0x1000; c++) {
        if (c < 0xd800 || c > 0xdfff) cps.push(c);
      }
      parts.push(String.fromCodePoint(...cps));
    }
    scannedText = parts.join('');
  }
  return scannedText;
}

const nativeSetCache = new Map<string, number[]>();

/**
 * The code points matched by a one-character ECMAScript `u`-mode class or escape (e.g. `\p{L}`,
 * `[\p{N}\p{L}_]`), computed by scanning the scalar values with the host engine, so the result is
 * exactly what the host's RegExp matches. Throws the host's `SyntaxError` when the source is invalid
 * (e.g. an unknown property name). Cached per source.
 */
export function nativeCharSet(source: string): number[] {
  const cached = nativeSetCache.get(source);
  if (cached) return cached;
  const re = new RegExp(`(?:${source})+`, 'gu');
  const text = scannedScalars();
  const ranges: number[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const first = m[0].codePointAt(0)!;
    const last = m[0].codePointAt(m[0].length - (m[0].charCodeAt(m[0].length - 1) >= 0xdc00 ? 2 : 1))!;
    // A run of consecutive scanned values; it may straddle the surrogate gap (removed by `chars`) or
    // the skipped planes (handled below).
    ranges.push(first, last);
  }
  const planeMember = new RegExp(`^(?:${source})$`, 'u').test(String.fromCodePoint(UNASSIGNED_PLANES[0]));
  let out = normalizeRanges(ranges);
  out = planeMember
    ? normalizeRanges([...out, UNASSIGNED_PLANES[0], UNASSIGNED_PLANES[1]])
    : subtractRanges(out, [UNASSIGNED_PLANES[0], UNASSIGNED_PLANES[1]]);
  nativeSetCache.set(source, out);
  return out;
}

/** Python's Unicode `\d` (decimal digits, category Nd). */
export function pythonDigit(): number[] {
  return nativeCharSet('\\p{Nd}');
}

/** Python's Unicode `\w` (`str.isalnum()` or `_`), approximated as letters, numbers and `_`. */
export function pythonWord(): number[] {
  return nativeCharSet('[\\p{L}\\p{N}_]');
}

let foldTable: { members: number[]; groupOf: Map<number, number[]> } | undefined;

function singleCodePoint(s: string): number | undefined {
  const c = s.codePointAt(0);
  return c !== undefined && String.fromCodePoint(c).length === s.length ? c : undefined;
}

/**
 * Case-folding equivalence classes: code points whose simple upper-then-lower mapping agrees
 * (so `k`, `K` and KELVIN SIGN fall together, as do `s`, `S` and LONG S). Only code points with a
 * non-trivial class are listed.
 */
function caseFoldTable(): { members: number[]; groupOf: Map<number, number[]> } {
  if (foldTable) return foldTable;
  const byKey = new Map<number, number[]>();
  for (let c = 0; c <= 0x1ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    const upper = singleCodePoint(s.toUpperCase()) ?? c;
    const key = singleCodePoint(String.fromCodePoint(upper).toLowerCase()) ?? upper;
    const list = byKey.get(key);
    if (list) list.push(c);
    else byKey.set(key, [c]);
  }
  const groupOf = new Map<number, number[]>();
  for (const [key, list] of byKey) {
    if (!list.includes(key)) list.push(key);
    if (list.length < 2) continue;
    for (const c of list) groupOf.set(c, list);
  }
  foldTable = { members: [...groupOf.keys()].sort((a, b) => a - b), groupOf };
  return foldTable;
}

function contains(ranges: readonly number[], c: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < ranges[2 * mid]!) hi = mid - 1;
    else if (c > ranges[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Closes a set under case folding: every code point whose case-fold class meets the set is added.
 * With `asciiOnly`, only ASCII letters fold (Python's `(?ai)`).
 */
export function caseFold(ranges: readonly number[], asciiOnly = false): number[] {
  const extra: number[] = [];
  if (asciiOnly) {
    for (let c = 0x41; c <= 0x5a; c++) {
      if (contains(ranges, c) || contains(ranges, c + 32)) extra.push(c, c, c + 32, c + 32);
    }
  } else {
    const { members, groupOf } = caseFoldTable();
    for (const c of members) {
      if (!contains(ranges, c)) continue;
      for (const m of groupOf.get(c)!) extra.push(m, m);
    }
  }
  return extra.length === 0 ? [...ranges] : normalizeRanges([...ranges, ...extra]);
}
