/**
 * Token bitmasks: `Int32Array` rows of `ceil(vocabSize / 32)` words; bit `t & 31` of word `t >> 5` set means
 * token `t` is allowed (XGrammar's layout).
 */

/** Words per bitmask row. */
export function bitmaskWords(vocabSize: number): number {
  return Math.ceil(vocabSize / 32);
}

/** A `batch × ceil(vocabSize/32)` bitmask with every bit set (XGrammar's `allocate_token_bitmask`). */
export function allocateTokenBitmask(batch: number, vocabSize: number): Int32Array {
  return new Int32Array(batch * bitmaskWords(vocabSize)).fill(-1);
}

/** True if token `t` is allowed in row `row`. */
export function isTokenAllowed(bitmask: Int32Array, t: number, vocabSize: number, row = 0): boolean {
  return (bitmask[row * bitmaskWords(vocabSize) + (t >> 5)]! & (1 << (t & 31))) !== 0;
}

/** The allowed token ids of row `row`, ascending. */
export function allowedTokens(bitmask: Int32Array, vocabSize: number, row = 0): number[] {
  const words = bitmaskWords(vocabSize);
  const out: number[] = [];
  for (let w = 0; w < words; w++) {
    let v = bitmask[row * words + w]!;
    while (v !== 0) {
      const bit = 31 - Math.clz32(v & -v);
      const t = w * 32 + bit;
      if (t < vocabSize) out.push(t);
      v &= v - 1;
    }
  }
  return out;
}

/** Sets masked-out logits to -Infinity in place (XGrammar's `apply_token_bitmask_inplace`). */
export function applyTokenBitmask(
  logits: Float32Array,
  bitmask: Int32Array,
  vocabSize: number,
  row = 0,
): void {
  const base = row * bitmaskWords(vocabSize);
  const n = Math.min(logits.length, vocabSize);
  for (let t = 0; t < n; t++) {
    if ((bitmask[base + (t >> 5)]! & (1 << (t & 31))) === 0) logits[t] = Number.NEGATIVE_INFINITY;
  }
}
