import { describe, expect, it } from 'vitest';
import { dfaAccepts, exprToDfa, intersectDfas } from '../../src/engine/automaton.js';
import {
  alt,
  and,
  chars,
  literal,
  notChars,
  optional,
  plus,
  repeat,
  seq,
  star,
} from '../../src/engine/ir.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('exprToDfa', () => {
  it('matches literals, alternation and repetition', () => {
    const d = exprToDfa(seq(literal('a'), star(alt(literal('b'), literal('cd'))), optional(literal('e'))));
    for (const s of ['a', 'ab', 'acd', 'abcdb', 'abe', 'ae']) expect(dfaAccepts(d, enc(s)), s).toBe(true);
    for (const s of ['', 'b', 'ac', 'aee', 'abx']) expect(dfaAccepts(d, enc(s)), s).toBe(false);
  });

  it('lowers code point classes to UTF-8', () => {
    const greek = exprToDfa(plus(chars([0x3b1, 0x3c9])));
    expect(dfaAccepts(greek, enc('αβω'))).toBe(true);
    expect(dfaAccepts(greek, enc('αa'))).toBe(false);
    expect(dfaAccepts(greek, Uint8Array.of(0xb1))).toBe(false);
    const any = exprToDfa(star(notChars([0x22, 0x22])));
    expect(dfaAccepts(any, enc('héllo 中文 😀'))).toBe(true);
    expect(dfaAccepts(any, enc('a"b'))).toBe(false);
    expect(dfaAccepts(any, Uint8Array.of(0xed, 0xa0, 0x80))).toBe(false); // a surrogate is not UTF-8
    expect(dfaAccepts(any, Uint8Array.of(0xc3))).toBe(false);
  });

  it('handles counted repetition and intersection', () => {
    const d = exprToDfa(repeat(chars([0x61, 0x7a]), 2, 4));
    expect(['a', 'ab', 'abcd', 'abcde'].map((s) => dfaAccepts(d, enc(s)))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    const both = exprToDfa(and(star(chars([0x61, 0x7a])), seq(star(chars([0, 0x10ffff])), literal('z'))));
    expect(dfaAccepts(both, enc('abz'))).toBe(true);
    expect(dfaAccepts(both, enc('ab'))).toBe(false);
    expect(dfaAccepts(both, enc('aZz'))).toBe(false);
    const i = intersectDfas(exprToDfa(literal('ab')), exprToDfa(literal('ac')));
    expect(dfaAccepts(i, enc('ab'))).toBe(false);
  });

  it('reports a clear limit error instead of blowing up', () => {
    // (a|b){1000}c{1000} stays small (2001 states); (a|b)*a(a|b){20} needs 2^21 states.
    const ab = alt(literal('a'), literal('b'));
    const counted = exprToDfa(seq(repeat(ab, 1000, 1000), repeat(literal('c'), 1000, 1000)));
    expect(counted.numStates).toBeLessThan(2100);
    expect(() => exprToDfa(seq(star(ab), literal('a'), repeat(ab, 20, 20)), { maxStates: 5000 })).toThrow(
      /exceeds 5000 states/,
    );
  });
});
