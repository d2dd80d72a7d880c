/**
 * Lowers a range of Unicode scalar values to sequences of UTF-8 byte ranges, so that a code point class
 * becomes a small byte automaton (the classic "utf8-ranges" construction).
 */

/** One byte-range sequence: `[lo0, hi0, lo1, hi1, ...]`, one pair per UTF-8 byte. */
export type ByteRangeSeq = number[];

const MAX_PER_LENGTH = [0x7f, 0x7ff, 0xffff, 0x10ffff];

/** Splits `[lo, hi]` (scalar values, surrogates already removed) into byte-range sequences. */
export function utf8RangeSequences(lo: number, hi: number): ByteRangeSeq[] {
  const out: ByteRangeSeq[] = [];
  split(lo, hi, out);
  return out;
}

function split(lo: number, hi: number, out: ByteRangeSeq[]): void {
  if (lo > hi) return;
  // Split at encoded-length boundaries first.
  for (let len = 0; len < 3; len++) {
    const max = MAX_PER_LENGTH[len]!;
    if (lo <= max && hi > max) {
      split(lo, max, out);
      split(max + 1, hi, out);
      return;
    }
  }
  if (hi <= 0x7f) {
    out.push([lo, hi]);
    return;
  }
  const len = hi <= 0x7ff ? 2 : hi <= 0xffff ? 3 : 4;
  // Split so that all but the leading bytes cover full continuation ranges.
  for (let i = 1; i < len; i++) {
    const m = (1 << (6 * i)) - 1;
    if ((lo & ~m) !== (hi & ~m)) {
      if ((lo & m) !== 0) {
        split(lo, lo | m, out);
        split((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) !== m) {
        split(lo, (hi & ~m) - 1, out);
        split(hi & ~m, hi, out);
        return;
      }
    }
  }
  const a = encode(lo);
  const b = encode(hi);
  const seq: ByteRangeSeq = [];
  for (let i = 0; i < a.length; i++) seq.push(a[i]!, b[i]!);
  out.push(seq);
}

function encode(cp: number): number[] {
  if (cp <= 0x7f) return [cp];
  if (cp <= 0x7ff) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp <= 0xffff) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
