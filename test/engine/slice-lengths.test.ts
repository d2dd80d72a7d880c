import { describe, expect, it } from 'vitest';
import { SliceLengths } from '../../src/engine/slice-lengths.js';
import { tokenizerContext } from '../../src/engine/token-sets.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

describe('SliceLengths', () => {
  it('holds exactly the slice tokens of at most L characters (Llama-3.1, per-token definition)', async () => {
    const info = await TokenizerInfo.fromPreset('llama-3.1');
    const slice = tokenizerContext(info).jsonStringSlice;
    const lengths = new SliceLengths(slice, 16);
    const chars = new Int32Array(info.vocabSize).fill(-1);
    // Keep a leading U+FEFF (a character of the token, not a byte-order mark).
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    for (let id = 0; id < info.vocabSize; id++) {
      if ((slice.bits[id >> 5]! & (1 << (id & 31))) === 0) continue;
      chars[id] = [...decoder.decode(info.tokenBytes(id))].length;
    }
    for (const L of [0, 1, 2, 5, 15, 16]) {
      const { bits, count } = lengths.upTo(L);
      const expected: number[] = [];
      const actual: number[] = [];
      for (let id = 0; id < info.vocabSize; id++) {
        if (chars[id]! >= 0 && chars[id]! <= L) expected.push(id);
        if ((bits[id >> 5]! & (1 << (id & 31))) !== 0) actual.push(id);
      }
      expect(actual, `L = ${L}`).toEqual(expected);
      expect(count).toBe(expected.length);
    }
  });
});
