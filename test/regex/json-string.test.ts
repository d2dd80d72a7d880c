/**
 * JSON-string mode: the content between the quotes is accepted iff it is valid JSON string content whose
 * decoded value matches the pattern (ECMAScript search semantics), whatever escapes were used.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seq } from '../../src/engine/ir.js';
import { jsonStringCharExpr, regexToJsonStringExpr } from '../../src/regex/index.js';
import { CORPUS } from './corpus.js';
import {
  accepts,
  COMMON_ATOMS,
  compile,
  print,
  rng,
  testStrings,
  treeArbitrary,
  WORD_ATOMS,
} from './support.js';

const SHORT: Record<number, string> = {
  34: '"',
  92: '\\',
  47: '/',
  8: 'b',
  12: 'f',
  10: 'n',
  13: 'r',
  9: 't',
};

function hex4(v: number, r: () => number): string {
  const h = v.toString(16).padStart(4, '0');
  return Array.from(h, (c) => (r() < 0.5 ? c.toUpperCase() : c)).join('');
}

/** A random valid JSON encoding of `s` (without quotes): every code point raw or escaped at random. */
function randomJsonEncoding(s: string, r: () => number): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const rawAllowed = c >= 0x20 && c !== 0x22 && c !== 0x5c;
    const choice = r();
    if (rawAllowed && choice < 0.5) out += ch;
    else if (SHORT[c] !== undefined && choice < 0.75) out += `\\${SHORT[c]}`;
    else if (c < 0x10000) out += `\\u${hex4(c, r)}`;
    else {
      const v = c - 0x10000;
      out += `\\u${hex4(0xd800 + (v >> 10), r)}\\u${hex4(0xdc00 + (v & 0x3ff), r)}`;
    }
  }
  return out;
}

describe('regexToJsonStringExpr', () => {
  it('accepts an encoding iff the decoded value matches (corpus and random patterns)', () => {
    const random = fc
      .sample(
        treeArbitrary({ atoms: [...COMMON_ATOMS, ...WORD_ATOMS, '.', '[^]'], anchors: true, jsFlags: 'u' }),
        {
          numRuns: 70,
          seed: 11,
        },
      )
      .map((t, i) => ({ pattern: print(t), strings: testStrings(t, i, true) }));
    const corpus = CORPUS.slice(0, 8).map((pattern) => ({
      pattern,
      strings: ['2024-01-31', '12:30', 'a@b.cd', 'x"y\\z/'],
    }));
    let checked = 0;
    let matched = 0;
    for (const { pattern, strings } of [...corpus, ...random]) {
      let dfa: ReturnType<typeof compile>;
      try {
        dfa = compile(regexToJsonStringExpr(pattern));
      } catch (e) {
        if (/anchor inside/.test((e as Error).message)) continue;
        throw e;
      }
      const re = new RegExp(pattern, 'u');
      const r = rng(checked + 1);
      for (const s of strings) {
        const expected = re.test(s);
        if (expected) matched++;
        for (const encoded of [
          JSON.stringify(s).slice(1, -1),
          randomJsonEncoding(s, r),
          randomJsonEncoding(s, r),
        ]) {
          checked++;
          if (accepts(dfa, encoded) !== expected) {
            throw new Error(
              `pattern ${pattern}: ${JSON.stringify(encoded)} (value ${JSON.stringify(s)}) expected ${expected}`,
            );
          }
          expect(JSON.parse(`"${encoded}"`)).toBe(s);
        }
      }
    }
    expect(checked).toBeGreaterThan(3000);
    expect(matched).toBeGreaterThan(200);
  });

  it('rejects content that is not valid JSON or decodes to no Unicode text', () => {
    const dfa = compile(regexToJsonStringExpr('')); // matches every decoded value
    for (const ok of [
      '',
      'abc',
      '\\"',
      '\\\\',
      '\\/',
      '\\u00e9',
      '\\uD83D\\uDE00',
      'é😀',
      '\\b\\f\\n\\r\\t',
    ]) {
      expect(accepts(dfa, ok), ok).toBe(true);
    }
    for (const bad of [
      '"',
      '\\',
      'a\\',
      '\\x41',
      '\\u12',
      '\\u12G4',
      '\n',
      '\u0001',
      '\\uD83D',
      '\\uDE00',
      '\\uD83Dx',
      '\\U0001F600',
      '\\a',
    ]) {
      expect(accepts(dfa, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('handles anchors on the decoded value, not the escaped text', () => {
    const dfa = compile(regexToJsonStringExpr('^"[a-z]+"$'));
    expect(accepts(dfa, '\\"abc\\"')).toBe(true);
    expect(accepts(dfa, '\\u0022abc\\u0022')).toBe(true);
    expect(accepts(dfa, 'x\\"abc\\"')).toBe(false);
    expect(accepts(dfa, '"abc"')).toBe(false); // a raw quote ends the string: not valid content
  });
});

describe('jsonStringCharExpr', () => {
  it('matches exactly the code points of the set, in every encoding', () => {
    const sets = [
      [0x61, 0x7a],
      [0x00, 0x1f],
      [0x22, 0x22, 0x5c, 0x5c],
      [0xe9, 0xe9, 0x4e00, 0x9fff],
      [0x1f600, 0x1f64f],
      [0xffff, 0x10000],
      [0x10fc00, 0x10ffff],
      [0, 0x10ffff],
    ];
    const probes = [
      0, 1, 8, 9, 0x1f, 0x20, 0x22, 0x2f, 0x41, 0x5c, 0x61, 0x7a, 0x7f, 0xe9, 0x4e00, 0x9fff, 0xfffd, 0xffff,
      0x10000, 0x1f600, 0x1f64f, 0x1f650, 0x10fc00, 0x10ffff,
    ];
    const r = rng(5);
    for (const set of sets) {
      const dfa = compile(jsonStringCharExpr(set));
      const pairDfa = compile(seq(jsonStringCharExpr(set), jsonStringCharExpr(set)));
      for (const c of probes) {
        let inSet = false;
        for (let i = 0; i < set.length; i += 2) if (c >= set[i]! && c <= set[i + 1]!) inSet = true;
        const ch = String.fromCodePoint(c);
        for (const encoded of [
          JSON.stringify(ch).slice(1, -1),
          randomJsonEncoding(ch, r),
          randomJsonEncoding(ch, r),
        ]) {
          expect(accepts(dfa, encoded), `${set} ${c.toString(16)} ${encoded}`).toBe(inSet);
          expect(accepts(pairDfa, encoded + encoded)).toBe(inSet);
        }
      }
    }
  });
});
