/**
 * Counted repetitions of prefix-free items are built as chains of the item's minimal DFA (automaton.ts:
 * `chainDfa` for a bare repetition, `chainCopy` inside a larger expression's NFA). Both must accept exactly
 * the strings the definition does, and items that are not prefix-free must take the general construction.
 */
import { describe, expect, it } from 'vitest';
import { dfaAccepts, exprToDfa } from '../../src/engine/automaton.js';
import { alt, type Expr, literal, repeat, seq, star } from '../../src/engine/ir.js';
import { stringContentOfLength } from '../../src/json-schema/strings.js';
import { rng } from '../helpers/rng.js';

const utf8 = new TextEncoder();

/** Random strings made of `pieces`, 0..maxPieces of them. */
function samples(pieces: readonly string[], maxPieces: number, count: number, seed: number): string[] {
  const rand = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const k = Math.floor(rand() * (maxPieces + 1));
    for (let j = 0; j < k; j++) s += pieces[Math.floor(rand() * pieces.length)];
    out.push(s);
  }
  return out;
}

/** Checks a repetition bare (direct DFA) and between quotes (through the NFA) against `oracle`. */
function check(item: Expr, min: number, max: number, texts: string[], oracle: (s: string) => boolean): void {
  const bare = exprToDfa(repeat(item, min, max));
  const quoted = exprToDfa(seq(literal('"'), repeat(item, min, max), literal('"')));
  for (const s of texts) {
    const want = oracle(s);
    expect(dfaAccepts(bare, utf8.encode(s)), `${JSON.stringify(s)} in {${min},${max}}`).toBe(want);
    expect(dfaAccepts(quoted, utf8.encode(`"${s}"`)), `"${JSON.stringify(s)}" in {${min},${max}}`).toBe(want);
  }
}

describe('counted repetitions', () => {
  const bounds: Array<[number, number]> = [
    [0, 8],
    [3, 9],
    [8, 8],
    [0, 12],
    [10, 20],
  ];

  it('of one JSON string character count decoded code points (raw, escaped, surrogate pairs)', () => {
    const pieces = ['a', 'é', '€', '😀', '\\n', '\\"', '\\u00e9', '\\u20AC', '\\uD83D\\uDE00', '\\/'];
    const texts = samples(pieces, 24, 300, 1);
    // Not units: a raw quote, a lone surrogate escape, a bare backslash.
    texts.push('"', '\\uD83D', 'ab\\', 'a\\uDE00b');
    for (const [min, max] of bounds) {
      const item = stringContentOfLength(1, 1);
      check(item, min, max, texts, (s) => {
        if (/\\uD[89AB][0-9A-F]{2}(?!\\uD[C-F])|(?<!\\uD[89AB][0-9A-F]{2})\\uD[C-F]/i.test(s)) return false;
        let value: string;
        try {
          value = JSON.parse(`"${s}"`);
        } catch {
          return false;
        }
        const n = [...value].length;
        return n >= min && n <= max;
      });
    }
  });

  it('of prefix-free, non-prefix-free and start-looping items match their regexes', () => {
    const items: Array<[Expr, string]> = [
      [alt(literal('a'), literal('bc')), '(?:a|bc)'],
      [alt(literal('a'), literal('ab')), '(?:a|ab)'],
      [seq(star(literal('a')), literal('b')), '(?:a*b)'],
      [seq(literal('x'), alt(literal('y'), literal('zz'))), '(?:x(?:y|zz))'],
    ];
    const texts = samples(['a', 'b', 'c', 'x', 'y', 'z', 'zz', 'bc', 'ab'], 30, 400, 2);
    for (const [item, source] of items) {
      for (const [min, max] of bounds) {
        const re = new RegExp(`^${source}{${min},${max}}$`);
        check(item, min, max, texts, (s) => re.test(s));
      }
    }
  });
});
