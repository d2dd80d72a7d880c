/**
 * Regex to token masks, end to end: `GrammarCompiler.compileRegex` + `GrammarMatcher` on a synthetic
 * vocabulary (single bytes, multi-byte tokens, partial UTF-8 sequences) agree with a byte-DFA oracle:
 * a token is allowed iff the text so far plus its bytes is still a prefix of some match, and the stop
 * token iff the text so far is a match.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exprToDfa } from '../../src/engine/automaton.js';
import { allocateTokenBitmask } from '../../src/engine/bitmask.js';
import { GrammarCompiler } from '../../src/engine/grammar-compiler.js';
import { GrammarMatcher } from '../../src/engine/matcher.js';
import { regexToExpr } from '../../src/regex/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { CORPUS } from './corpus.js';
import { COMMON_ATOMS, print, rng, treeArbitrary, WORD_ATOMS } from './support.js';

const MULTI = [
  '20',
  '24',
  '-0',
  '12',
  ':3',
  '00',
  'ab',
  'abc',
  'a@',
  '.com',
  '.',
  'é',
  'éa',
  '😀',
  '中文',
  ' a',
  'ba',
  '\n\n',
  'zz',
  '"',
  '\\',
];
const tokens: Array<string | Uint8Array> = [];
for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
tokens.push(...MULTI.map((s) => new TextEncoder().encode(s)));
tokens.push(
  Uint8Array.of(0xc3),
  Uint8Array.of(0xa9, 0x61),
  Uint8Array.of(0xf0, 0x9f),
  Uint8Array.of(0x98, 0x80),
);
const EOS = tokens.length;
tokens.push('</s>');
const info = TokenizerInfo.fromVocab(tokens, { eosTokenIds: [EOS] });
const tokenBytes = tokens.map((t) => (typeof t === 'string' ? new Uint8Array(0) : t));

function checkPattern(compiler: GrammarCompiler, pattern: string, seed: number): number {
  const dfa = exprToDfa(regexToExpr(pattern, { flavor: 'sglang' }));
  const matcher = new GrammarMatcher(compiler.compileRegex(pattern), { stopTokenIds: [EOS] });
  const mask = allocateTokenBitmask(1, info.vocabSize);
  const r = rng(seed);
  let state = 0;
  let steps = 0;
  for (let step = 0; step < 12 && state >= 0; step++) {
    matcher.fillNextTokenBitmask(mask, 0);
    const allowed: number[] = [];
    for (let t = 0; t < EOS; t++) {
      let s = state;
      for (const b of tokenBytes[t]!) {
        s = dfa.transitions[s * 256 + b]!;
        if (s < 0) break;
      }
      const expected = s >= 0;
      const got = ((mask[t >>> 5]! >>> (t & 31)) & 1) === 1;
      if (got !== expected)
        throw new Error(
          `${pattern}: token ${t} ${JSON.stringify(MULTI[t - 256] ?? t)} at step ${step}: mask ${got}`,
        );
      if (expected) allowed.push(t);
    }
    expect(((mask[EOS >>> 5]! >>> (EOS & 31)) & 1) === 1, `${pattern} stop token`).toBe(
      dfa.accepting[state] === 1,
    );
    steps++;
    if (allowed.length === 0) break;
    const t = allowed[Math.floor(r() * allowed.length)]!;
    expect(matcher.acceptToken(t)).toBe(true);
    for (const b of tokenBytes[t]!) state = dfa.transitions[state * 256 + b]!;
  }
  return steps;
}

describe('regex token masks (sglang flavour)', () => {
  const compiler = new GrammarCompiler(info, { cache: false });

  it('match a byte-DFA oracle on the corpus', () => {
    let steps = 0;
    CORPUS.forEach((p, i) => {
      steps += checkPattern(compiler, p, i);
    });
    expect(steps).toBeGreaterThan(100);
  });

  it('match a byte-DFA oracle on random patterns', () => {
    const trees = fc.sample(
      treeArbitrary({ atoms: [...COMMON_ATOMS, ...WORD_ATOMS, '.'], anchors: false, jsFlags: 'us' }),
      {
        numRuns: 60,
        seed: 21,
      },
    );
    let steps = 0;
    trees.forEach((t, i) => {
      steps += checkPattern(compiler, print(t), i);
    });
    expect(steps).toBeGreaterThan(100);
  });
});
