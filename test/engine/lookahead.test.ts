/**
 * Lookahead assertions `(= …)`: enforced in the default mode on strings and masks alike (the text after the
 * rule must be consistent with the assertion), ignored in `compat: 'xgrammar'` like XGrammar's matcher.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import {
  allocateTokenBitmask,
  allowedTokens,
  CompiledGrammar,
  GrammarError,
  GrammarMatcher,
} from '../../src/engine/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

const compile = (
  ebnf: string,
  compat: 'default' | 'xgrammar' = 'default',
  info: TokenizerInfo | null = null,
) => CompiledGrammar.fromGrammar(ebnfToGrammar(ebnf, { compat }).grammar, info);

function accepts(ebnf: string, text: string, compat: 'default' | 'xgrammar' = 'default'): boolean {
  const m = new GrammarMatcher(compile(ebnf, compat));
  return m.acceptString(text) && m.isCompleted();
}

function acceptsPrefix(ebnf: string, text: string): boolean {
  return new GrammarMatcher(compile(ebnf)).acceptString(text);
}

describe('lookahead assertions on strings', () => {
  const G = 'root ::= a b\na ::= "x"+ (= "y")\nb ::= "y" | "z"';

  it('rejects text whose continuation contradicts the assertion; compat xgrammar ignores it', () => {
    expect(accepts(G, 'xy')).toBe(true);
    expect(accepts(G, 'xxy')).toBe(true);
    expect(accepts(G, 'xz')).toBe(false);
    expect(accepts(G, 'xxz')).toBe(false);
    expect(accepts(G, 'xz', 'xgrammar')).toBe(true);
    expect(accepts(G, 'xxz', 'xgrammar')).toBe(true);
  });

  it('kills the prefix at the first contradicting byte', () => {
    expect(acceptsPrefix(G, 'xx')).toBe(true);
    expect(acceptsPrefix(G, 'xxz')).toBe(false);
  });

  it('is satisfied by the end of the input (the text after the rule is a prefix of an assertion string)', () => {
    expect(accepts('root ::= a "b"?\na ::= "x" (= "bc")', 'x')).toBe(true);
    expect(accepts('root ::= a "b"?\na ::= "x" (= "bc")', 'xb')).toBe(true);
    expect(accepts('root ::= a ("b" | "c")\na ::= "x" (= "bc")', 'xc')).toBe(false);
  });

  it('spans several rules and bytes after the asserted rule', () => {
    const g = 'root ::= a b\na ::= "x" (= "yz")\nb ::= c "w"\nc ::= "y" "z"?';
    expect(accepts(g, 'xyzw')).toBe(true);
    expect(accepts(g, 'xyw')).toBe(false);
    expect(accepts(g, 'xyw', 'xgrammar')).toBe(true);
  });

  it('allows class stars and rule references inside the assertion', () => {
    const g =
      'root ::= a ws end\na ::= "\\"" [a-z]* "\\"" (= ws [,}])\nws ::= [ \\n]*\nend ::= "," | "}" | ";"';
    expect(accepts(g, '"ab" ,')).toBe(true);
    expect(accepts(g, '"ab"\n}')).toBe(true);
    expect(accepts(g, '"ab" ;')).toBe(false);
    expect(accepts(g, '"ab";')).toBe(false);
  });

  it('only constrains the derivations that use the asserted rule (alternatives stay open)', () => {
    const g = 'root ::= a "z" | "x" "z" | a "y"\na ::= "x" (= "y")';
    expect(accepts(g, 'xz')).toBe(true); // through the second alternative
    expect(accepts(g, 'xy')).toBe(true);
    const h = 'root ::= a "z" | a "y"\na ::= "x" (= "y")';
    expect(accepts(h, 'xz')).toBe(false);
  });

  it('applies to empty derivations of nullable asserted rules', () => {
    const g = 'root ::= a "z" | a "y"\na ::= "x"* (= "y")';
    expect(accepts(g, 'y')).toBe(true);
    expect(accepts(g, 'xy')).toBe(true);
    expect(accepts(g, 'z')).toBe(false);
    expect(accepts(g, 'xz')).toBe(false);
    // nullable through an inner asserted rule: the outer rule's empty derivation carries the obligation
    const h = 'root ::= b "z" | b "y" | "q"\nb ::= a\na ::= "x"* (= "y")';
    expect(accepts(h, 'y')).toBe(true);
    expect(accepts(h, 'z')).toBe(false);
    // ... unless another empty derivation avoids it
    const k = 'root ::= b "z"\nb ::= a | ""\na ::= "x"* (= "y")';
    expect(accepts(k, 'z')).toBe(true);
    expect(accepts(k, 'xz')).toBe(false);
  });

  it('handles recursion in the rules and several pending assertions at once', () => {
    // after each ")" the next byte must be a paren; the end of the input is always fine
    const g = 'root ::= item+\nitem ::= "(" root? ")" (= [()])';
    expect(accepts(g, '(())()')).toBe(true);
    expect(accepts(g.replace('root ::= item+', 'root ::= item+ "x"?'), '(())x')).toBe(false);
    expect(accepts('root ::= list\nlist ::= item | item list\nitem ::= "a" (= [ab])\n', 'aa')).toBe(true);
    const two = 'root ::= a b "q"\na ::= "x" (= "yq")\nb ::= "y" (= "q")';
    expect(accepts(two, 'xyq')).toBe(true);
    const clash = 'root ::= a b "r"\na ::= "x" (= "yq")\nb ::= "y" (= "r")';
    expect(accepts(clash, 'xyr')).toBe(false);
    expect(accepts(clash, 'xyr', 'xgrammar')).toBe(true);
  });

  it('has an explicit limit on the ways a rule can match the empty string under different assertions', () => {
    const names = Array.from({ length: 70 }, (_, i) => `a${i}`);
    const ebnf = `root ::= r "x"\nr ::= ${names.join(' | ')}\n${names.map((n, i) => `${n} ::= "y"* (= "${String.fromCharCode(65 + (i % 26))}${i}")`).join('\n')}`;
    expect(() => compile(ebnf)).toThrow(/more than 64 ways to match the empty string/);
    expect(() => compile(ebnf, 'xgrammar')).not.toThrow();
  });

  it('reports a recursive assertion instead of approximating it', () => {
    expect(() => compile('root ::= a b\na ::= "x" (= b)\nb ::= "(" b? ")"')).toThrow(GrammarError);
    expect(() => compile('root ::= a b\na ::= "x" (= b)\nb ::= "(" b? ")"')).toThrow(/recursively/);
    // compat mode ignores assertions, so there is nothing to report
    expect(() => compile('root ::= a b\na ::= "x" (= b)\nb ::= "(" b? ")"', 'xgrammar')).not.toThrow();
  });
});

// A vocabulary whose tokens cross rule ends, so masks must check assertions inside tokens.
const VOCAB = [
  '<eos>',
  'x',
  'xx',
  'xy',
  'xz',
  'y',
  'z',
  'yz',
  'zy',
  '"',
  '"a',
  'a',
  'a"',
  '" ',
  ' ',
  ',',
  '}',
  '",',
  '"}',
  ' ,',
  ';',
];

function info(): TokenizerInfo {
  return TokenizerInfo.fromVocab(VOCAB, { kind: 'raw', eosTokenIds: [0], specialIds: [0] });
}

function bruteForce(m: GrammarMatcher, vocabSize: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocabSize; t++) if (m.fork().acceptToken(t)) out.push(t);
  return out;
}

describe('lookahead assertions in token masks', () => {
  const grammars = [
    'root ::= a b\na ::= "x"+ (= "y")\nb ::= "y" | "z"',
    'root ::= (a ws end)+\na ::= "\\"" [a-z]* "\\"" (= ws [,}])\nws ::= [ ]*\nend ::= "," | "}" | ";"',
    'root ::= a "z" | a "y" | "zy"\na ::= "x"* (= "y")',
    'root ::= a b "z"\na ::= "x" (= "yz")\nb ::= "y" (= "z")',
  ];

  it('equal the brute-force masks along random walks', () => {
    const tok = info();
    for (const ebnf of grammars) {
      const g = compile(ebnf, 'default', tok);
      fc.assert(
        fc.property(fc.array(fc.nat(1000), { maxLength: 12 }), (choices) => {
          const m = new GrammarMatcher(g);
          const mask = allocateTokenBitmask(1, tok.vocabSize);
          for (const c of choices) {
            m.fillNextTokenBitmask(mask);
            const allowed = allowedTokens(mask, tok.vocabSize);
            expect(allowed, ebnf).toEqual(bruteForce(m, tok.vocabSize));
            if (allowed.length === 0) break;
            expect(m.acceptToken(allowed[c % allowed.length]!)).toBe(true);
            if (m.isTerminated()) break;
          }
        }),
        { numRuns: 40, seed: 7 },
      );
    }
  });

  it('prune tokens that run past the asserted rule into a contradiction', () => {
    const tok = info();
    const m = new GrammarMatcher(compile(grammars[0]!, 'default', tok));
    const mask = allocateTokenBitmask(1, tok.vocabSize);
    m.fillNextTokenBitmask(mask);
    const names = allowedTokens(mask, tok.vocabSize).map((t) => VOCAB[t]);
    expect(names).toContain('xy');
    expect(names).not.toContain('xz');
    const x = new GrammarMatcher(compile(grammars[0]!, 'xgrammar', tok));
    x.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, tok.vocabSize).map((t) => VOCAB[t])).toContain('xz');
  });

  it('survive rollback and fork', () => {
    const tok = info();
    const m = new GrammarMatcher(compile(grammars[0]!, 'default', tok));
    expect(m.acceptToken(VOCAB.indexOf('x'))).toBe(true);
    const f = m.fork();
    expect(m.acceptToken(VOCAB.indexOf('z'))).toBe(false);
    expect(m.acceptToken(VOCAB.indexOf('y'))).toBe(true);
    expect(m.isCompleted()).toBe(true);
    m.rollback(1);
    expect(m.acceptToken(VOCAB.indexOf('z'))).toBe(false);
    expect(f.acceptToken(VOCAB.indexOf('x'))).toBe(true);
    expect(f.acceptToken(VOCAB.indexOf('z'))).toBe(false);
  });
});
