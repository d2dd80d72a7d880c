import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateTokenBitmask,
  allowedTokens,
  CompiledGrammar,
  GrammarMatcher,
  isTokenAllowed,
} from '../../src/engine/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { jsonIrGrammar } from '../helpers/json-ir.js';

// XGrammar's test_token_operations vocabulary.
const VOCAB = ['<s>', '</s>', 'a', 'abc', 'b"', '"', ':"', '{', '}', ', ', '6', ':', '\n', ' ', '"a":true'];

function tinyInfo() {
  return TokenizerInfo.fromVocab(VOCAB, { kind: 'raw', eosTokenIds: [1], specialIds: [0, 1] });
}

/** The mask by brute force: a token is allowed iff a fork accepts it. */
function bruteForce(m: GrammarMatcher, vocabSize: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocabSize; t++) if (m.fork().acceptToken(t)) out.push(t);
  return out;
}

describe('GrammarMatcher', () => {
  it('matches the brute-force mask along random walks (tiny vocabulary)', () => {
    const info = tinyInfo();
    const g = CompiledGrammar.fromGrammar(jsonIrGrammar(), info);
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 25 }), (choices) => {
        const m = new GrammarMatcher(g);
        const mask = allocateTokenBitmask(1, info.vocabSize);
        for (const c of choices) {
          m.fillNextTokenBitmask(mask);
          const allowed = allowedTokens(mask, info.vocabSize);
          expect(allowed).toEqual(bruteForce(m, info.vocabSize));
          if (allowed.length === 0) break;
          const t = allowed[c % allowed.length]!;
          expect(m.acceptToken(t)).toBe(true);
          if (m.isTerminated()) break;
        }
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  it('follows XGrammar token-operation semantics', () => {
    const info = tinyInfo();
    const m = new GrammarMatcher(CompiledGrammar.fromGrammar(jsonIrGrammar(), info));
    const mask = allocateTokenBitmask(1, info.vocabSize);
    const accept = (s: string) => expect(m.acceptToken(VOCAB.indexOf(s)), s).toBe(true);
    accept('{');
    accept('"a":true');
    m.fillNextTokenBitmask(mask);
    expect(isTokenAllowed(mask, 1, info.vocabSize)).toBe(false);
    accept('}');
    m.fillNextTokenBitmask(mask);
    expect(isTokenAllowed(mask, 1, info.vocabSize)).toBe(true);
    expect(m.acceptToken(0)).toBe(false); // special token
    expect(m.acceptToken(1)).toBe(true);
    expect(m.isTerminated()).toBe(true);
    expect(m.acceptToken(13)).toBe(false);
    m.rollback(1);
    expect(m.isTerminated()).toBe(false);
    expect(m.acceptToken(13)).toBe(true);
  });

  it('rolls back, resets and forks', () => {
    const info = tinyInfo();
    const g = CompiledGrammar.fromGrammar(jsonIrGrammar(), info);
    const m = new GrammarMatcher(g);
    const ids = ['{', '"a":true', ', ', '"a":true'].map((s) => VOCAB.indexOf(s));
    const masks: number[][] = [];
    const mask = allocateTokenBitmask(1, info.vocabSize);
    for (const id of ids) {
      m.fillNextTokenBitmask(mask);
      masks.push(allowedTokens(mask, info.vocabSize));
      expect(m.acceptToken(id)).toBe(true);
    }
    const f = m.fork();
    m.rollback(2);
    m.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, info.vocabSize)).toEqual(masks[2]);
    expect(f.acceptToken(VOCAB.indexOf('}'))).toBe(true);
    expect(m.acceptToken(VOCAB.indexOf('}'))).toBe(true);
    m.reset();
    m.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, info.vocabSize)).toEqual(masks[0]);
  });

  it('finds jump-forward strings', () => {
    const info = tinyInfo();
    const m = new GrammarMatcher(CompiledGrammar.fromGrammar(jsonIrGrammar(), info));
    expect(m.acceptString('{"k": t')).toBe(true);
    expect(m.findJumpForwardString()).toBe('rue');
    expect(m.acceptString('rue')).toBe(true);
    expect(m.acceptString('x')).toBe(false);
  });
});
