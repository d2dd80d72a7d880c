/**
 * Right-linear self-recursion runs as a loop (engine/tail-recursion.ts): same language (checked against XGrammar on
 * an XGrammar-style string grammar), the rule no longer refers to itself, and masks stay exact.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import {
  allocateTokenBitmask,
  allowedTokens,
  CompiledGrammar,
  GrammarMatcher,
  grammarAcceptsString,
} from '../../src/engine/index.js';
import { loopTailRecursion } from '../../src/engine/tail-recursion.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { xgrammarMatcher } from '../helpers/xgrammar.js';

// XGrammar's JSON-schema converter writes string bodies like this (with its lookahead).
const STRING_GRAMMAR = String.raw`root ::= "[" basic_string ("," basic_string)* "]"
basic_escape ::= ["\\/bfnrt] | "u" [A-Fa-f0-9]{4}
basic_string_sub ::= ("\"" | [^"\\\r\n] basic_string_sub | "\\" basic_escape basic_string_sub) (= [ \n\t]* [,}\]:])
basic_string ::= "\"" basic_string_sub`;

const refersToItself = (g: ReturnType<typeof loopTailRecursion>, name: string): boolean => {
  const r = g.rules.findIndex((x) => x.name === name);
  return JSON.stringify(g.rules[r]!.body).includes(`"rule":${r}}`);
};

describe('loopTailRecursion', () => {
  it('rewrites right-linear self-recursion and leaves other rules alone', () => {
    const { grammar } = ebnfToGrammar(`${STRING_GRAMMAR}\nnested ::= "(" nested ")" | "x"`);
    const looped = loopTailRecursion(grammar);
    expect(refersToItself(grammar, 'basic_string_sub')).toBe(true);
    expect(refersToItself(looped, 'basic_string_sub')).toBe(false);
    expect(refersToItself(looped, 'nested')).toBe(true); // not right-linear: kept
    expect(looped.rules.find((r) => r.name === 'basic_string_sub')!.lookahead).toBeDefined();
    expect(grammar.rules.find((r) => r.name === 'basic_string_sub')!.body).not.toBe(
      looped.rules.find((r) => r.name === 'basic_string_sub')!.body,
    ); // the input grammar is not modified
  });

  describe('accepts what XGrammar accepts', () => {
    let oracle: Awaited<ReturnType<typeof xgrammarMatcher>>;
    beforeAll(async () => {
      oracle = await xgrammarMatcher(STRING_GRAMMAR);
    });
    afterAll(() => oracle.dispose());

    it('on random strings over the grammar alphabet (compat xgrammar: lookahead ignored like XGrammar)', () => {
      const compiled = CompiledGrammar.fromGrammar(
        ebnfToGrammar(STRING_GRAMMAR, { compat: 'xgrammar' }).grammar,
        null,
      );
      const alphabet = ['[', ']', '"', ',', 'a', 'b', '\\', 'n', 'u', '0', 'F', ' '];
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 14 }), (chars) => {
          const s = chars.join('');
          expect(grammarAcceptsString(compiled, s), JSON.stringify(s)).toBe(oracle.accepts(s));
        }),
        { numRuns: 400, seed: 11 },
      );
      for (const s of ['["ab","\\n"]', '[""]', '["\\u00FF"]', '["a]', '["a\\x"]'])
        expect(grammarAcceptsString(compiled, s), s).toBe(oracle.accepts(s));
    });
  });

  it('keeps masks exact (brute force) in default mode', () => {
    const vocab = ['<eos>', '[', ']', '"', '",', '"]', 'a', 'ab', '\\', '\\n', 'n', ',', ' ', '["', 'b"'];
    const info = TokenizerInfo.fromVocab(vocab, { kind: 'raw', eosTokenIds: [0], specialIds: [0] });
    const g = CompiledGrammar.fromGrammar(ebnfToGrammar(STRING_GRAMMAR).grammar, info);
    const mask = allocateTokenBitmask(1, info.vocabSize);
    fc.assert(
      fc.property(fc.array(fc.nat(100), { maxLength: 14 }), (choices) => {
        const m = new GrammarMatcher(g);
        for (const c of choices) {
          m.fillNextTokenBitmask(mask);
          const allowed = allowedTokens(mask, info.vocabSize);
          const brute = [...Array(info.vocabSize).keys()].filter((t) => m.fork().acceptToken(t));
          expect(allowed).toEqual(brute);
          if (allowed.length === 0 || m.isTerminated()) break;
          expect(m.acceptToken(allowed[c % allowed.length]!)).toBe(true);
        }
      }),
      { numRuns: 60, seed: 5 },
    );
  });
});
