/**
 * XGrammar's token-level EBNF macros `Token(...)`, `ExcludeToken(...)` and `TokenTagDispatch(...)` (lowered to
 * the engine's token-id terminals). The cases and expected masks are XGrammar's `tests/python/test_token_edge.py`
 * (XGrammar ≥ 0.1.33; @mlc-ai/web-xgrammar 0.1.27 has no token macros, so there is no live differential), with
 * the vocabulary's `</s>` as the stop token. Where a token can be read both by id and as text at the same point,
 * XGrammar keeps both readings while logitkit takes the id reading (engine/token-ids.ts); those steps are marked.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import { allocateTokenBitmask, allowedTokens } from '../../src/engine/bitmask.js';
import { CompiledGrammar } from '../../src/engine/compiled-grammar.js';
import { GrammarMatcher } from '../../src/engine/matcher.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

const STOP = 1;

function matcher(vocab: string[], ebnf: string): GrammarMatcher {
  const tokenizer = TokenizerInfo.fromVocab(vocab, { eosTokenIds: [STOP] });
  const { grammar } = ebnfToGrammar(ebnf, { tokenizer });
  return new GrammarMatcher(CompiledGrammar.fromGrammar(grammar, tokenizer));
}

function accepted(m: GrammarMatcher): number[] {
  const v = m.compiled.vocabSize;
  const mask = allocateTokenBitmask(1, v);
  m.fillNextTokenBitmask(mask);
  return allowedTokens(mask, v);
}

const range = (n: number): number[] => [...Array(n).keys()];
const without = (all: number[], ...drop: number[]): number[] => all.filter((t) => !drop.includes(t));

/** Steps: [token to accept or null, expected mask after it]; `false` = the token is rejected. */
function walk(m: GrammarMatcher, steps: Array<[number | null, number[] | false]>): void {
  for (const [token, expected] of steps) {
    if (token !== null) {
      expect(m.acceptToken(token), `token ${token}`).toBe(expected !== false);
      if (expected === false) continue;
    }
    expect(accepted(m), `after ${token}`).toEqual(expected);
  }
}

describe('Token / ExcludeToken', () => {
  const V6 = ['<s>', '</s>', 'aa', 'bb', 'cc', 'dd'];
  it('Token(ids) accepts exactly those ids, then the stop token', () => {
    const m = matcher(V6, 'root ::= Token(2, 4)');
    expect(accepted(m)).toEqual([2, 4]);
    expect(m.acceptToken(3)).toBe(false);
    expect(m.acceptToken(4)).toBe(true);
    expect(m.acceptToken(STOP)).toBe(true);
    expect(m.isTerminated()).toBe(true);
  });
  it('Token next to strings (sequence, alternation)', () => {
    const V5 = ['<s>', '</s>', 'aa', 'bb', 'cc'];
    walk(matcher(V5, 'root ::= Token(2) "bb"'), [
      [null, [2]],
      [2, [3]],
      [3, [STOP]],
    ]);
    walk(matcher(V5, 'root ::= Token(2) | "bb"'), [
      [null, [2, 3]],
      [3, [STOP]],
    ]);
    walk(matcher(['<s>', '</s>', 'x', 'y', 'z', 'w'], 'root ::= Token(2, 3, 4) | "w"'), [
      [null, [2, 3, 4, 5]],
    ]);
    walk(matcher(['<s>', '</s>', 'A', 'B', 'hello', 'world'], 'root ::= "A" Token(4, 5)'), [
      [2, [4, 5]],
      [4, [STOP]],
    ]);
  });
  it('a text rule before a Token: tokens that leave bytes at the Token boundary are rejected', () => {
    walk(matcher(['<s>', '</s>', 'abc', 'abcd', 'X'], 'rule_a ::= [a-z]+\nroot ::= rule_a Token(4)'), [
      [null, [2, 3]],
    ]);
    walk(matcher(['<s>', '</s>', 'ab', 'a', 'X'], 'rule_a ::= "a"\nroot ::= rule_a Token(4)'), [[null, [3]]]);
    walk(matcher(['<s>', '</s>', 'abc', 'abc!', 'X'], 'rule_a ::= [a-z]+\nroot ::= rule_a "!" Token(4)'), [
      [null, [2, 3]],
    ]);
  });
  it('ExcludeToken is one ordinary token (never the stop token)', () => {
    walk(matcher(V6, 'root ::= ExcludeToken(2, 3) "cc"'), [
      [null, [0, 4, 5]],
      [5, [4]],
    ]);
  });
});

describe('TokenTagDispatch', () => {
  it('excludes only', () => {
    const m = matcher(
      ['<s>', '</s>', 'hello', 'world', 'blocked_1', 'blocked_2'],
      'root ::= TokenTagDispatch(excludes=(4, 5))',
    );
    for (let i = 0; i < 3; i++) {
      expect(accepted(m)).toEqual([0, 1, 2, 3]);
      expect(m.acceptToken(2)).toBe(true);
    }
    expect(m.acceptToken(4)).toBe(false);
  });
  it('triggers dispatch to their rule; loop_after_dispatch', () => {
    const vocab = ['<s>', '</s>', 'hello', 'trigger_tok', 'content'];
    walk(matcher(vocab, 'triggered_rule ::= Token(4)\nroot ::= TokenTagDispatch((3, triggered_rule))'), [
      [null, [0, 1, 2, 3, 4]],
      [3, [4]],
      [4, [0, 1, 2, 3, 4]],
    ]);
    walk(
      matcher(vocab, 'body ::= Token(4)\nroot ::= TokenTagDispatch((3, body), loop_after_dispatch=false)'),
      [
        [3, [4]],
        [4, [STOP]],
      ],
    );
    walk(
      matcher(
        ['<s>', '</s>', 'hello', 'B', '<tool>', 'content', 'blocked'],
        'tool_body ::= Token(5)\nother_body ::= Token(5)\nroot ::= TokenTagDispatch((3, tool_body), (4, other_body), excludes=(6,))',
      ),
      [
        [null, [0, 1, 2, 3, 4, 5]],
        [3, [5]],
      ],
    );
  });

  // fmt: XGrammar's test_e2e_complex
  const COMPLEX_VOCAB = [
    '<s>',
    '</s>',
    '<tool>',
    '<code>',
    '<blocked>',
    'hello',
    'he',
    'name',
    'val',
    'x',
    'y',
    '{',
    '}',
    ':',
    ',',
    '[',
    ']',
    ';',
    '42',
    'a:',
    '{a',
    'a}',
    'a;',
    'fn(',
    ')',
  ];
  const COMPLEX = `value ::= [a-z]+ | [0-9]+
entry ::= [a-z]+ ":" value
inner ::= entry (";" entry)*
body ::= "{" inner "}" | "[" inner "]"
tool_body ::= body ("," body)*
arg ::= [a-z]+
call ::= "fn(" Token(9, 10) "," arg ")"
code_body ::= call (";" call)*
root ::= TokenTagDispatch((2, tool_body), (3, code_body), excludes=(4,))`;
  const A = without(range(COMPLEX_VOCAB.length), 4);
  const AZ = [5, 6, 7, 8, 9, 10];
  const sorted = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

  it('end to end: a text grammar behind a trigger token', () => {
    walk(matcher(COMPLEX_VOCAB, COMPLEX), [
      [null, A],
      [2, [11, 15, 20]],
      [20, sorted([...AZ, 13, 19])],
      [19, sorted([...AZ, 18, 21, 22])],
      [18, [12, 17, 18]],
      [17, sorted([...AZ, 19])],
      [7, sorted([...AZ, 13, 19])],
      [13, sorted([...AZ, 18, 21, 22])],
      [8, sorted([...AZ, 12, 17, 21, 22])],
      [12, A],
      [STOP, []],
    ]);
  });
  it('end to end: Token inside the dispatched text grammar; rollback', () => {
    const m = matcher(COMPLEX_VOCAB, COMPLEX);
    walk(m, [
      [null, A],
      [3, [23]],
      [23, [9, 10]],
      [9, [14]],
      [14, AZ],
      [7, sorted([...AZ, 24])],
      [24, A],
    ]);
    m.rollback(4);
    expect(accepted(m)).toEqual([9, 10]);
    expect(m.acceptToken(10)).toBe(true);
    expect(accepted(m)).toEqual([14]);
  });

  it('nested dispatch: an inner excluded token is free outside and vice versa', () => {
    const vocab = [
      '<s>',
      '</s>',
      '<outer>',
      '<inner>',
      '<o_block>',
      '<i_block>',
      'hello',
      'world',
      'fn(',
      ')',
      'x',
      'y',
    ];
    const ebnf = `leaf ::= Token(10, 11)
inner ::= TokenTagDispatch((3, leaf), excludes=(5,))
tool_fn ::= "fn(" inner ")"
root ::= TokenTagDispatch((2, tool_fn), excludes=(4,))`;
    const ALL = range(vocab.length);
    const OUTER = without(ALL, 4);
    const INNER = without(ALL, 1, 5);
    walk(matcher(vocab, ebnf), [
      [null, OUTER],
      [2, [8]],
      [8, INNER],
      [6, INNER],
      [3, [10, 11]],
      [10, INNER],
      // As in XGrammar, ")" is read both as a free inner token and as the end of tool_fn: the mask is the union
      // of both continuations (and the stop token, root being complete), then the stop token terminates.
      [9, ALL],
      [STOP, []],
    ]);
    walk(matcher(vocab, ebnf), [
      [null, OUTER],
      [6, OUTER],
      [5, OUTER],
      [4, false],
      [STOP, []],
    ]);
    walk(matcher(vocab, ebnf), [
      [2, [8]],
      [8, INNER],
      [4, INNER],
    ]);
    // Excluding ")" from the inner free tokens leaves its text reading: the end of tool_fn, then the stop token.
    walk(matcher(vocab, ebnf.replace('excludes=(5,)', 'excludes=(5, 9)')), [
      [2, [8]],
      [8, INNER],
      [9, OUTER],
      [STOP, []],
    ]);
  });

  it('nested exclude loop between text', () => {
    const vocab = ['<s>', '</s>', 'hello', 'world', '###', '<END>', 'foo', 'done'];
    const AZ2 = [2, 3, 6, 7];
    const LOOP = [0, 2, 3, 5, 6, 7];
    walk(matcher(vocab, 'loop ::= TokenTagDispatch(excludes=(4, 5))\nroot ::= [a-z]+ loop Token(5) [a-z]+'), [
      [null, AZ2],
      [4, false],
      // XGrammar: LOOP after "hello" ([a-z]+ continues or the loop starts); logitkit the same set (the text
      // reading of "world" and the free id reading agree on the mask), then the id reading wins.
      [2, LOOP],
      [0, LOOP],
      [3, LOOP],
      [5, AZ2],
      [7, sorted([STOP, ...AZ2])],
      [STOP, []],
    ]);
  });

  it('masks equal the brute force along random walks', () => {
    const tokenizer = TokenizerInfo.fromVocab(COMPLEX_VOCAB, { eosTokenIds: [STOP] });
    const g = CompiledGrammar.fromGrammar(ebnfToGrammar(COMPLEX, { tokenizer }).grammar, tokenizer);
    const V = tokenizer.vocabSize;
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 16 }), (choices) => {
        const m = new GrammarMatcher(g);
        for (const c of choices) {
          const allowed = accepted(m);
          const brute = range(V).filter((t) => m.fork().acceptToken(t));
          expect(allowed).toEqual(brute);
          if (allowed.length === 0 || m.isTerminated()) break;
          expect(m.acceptToken(allowed[c % allowed.length]!)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('without a vocabulary, complements range over every id (GrammarCompiler passes its tokenizer)', () => {
    const { grammar } = ebnfToGrammar('root ::= ExcludeToken(2)');
    const tokenizer = TokenizerInfo.fromVocab(['<s>', '</s>', 'a', 'b'], { eosTokenIds: [STOP] });
    const m = new GrammarMatcher(CompiledGrammar.fromGrammar(grammar, tokenizer));
    expect(accepted(m)).toEqual([0, 1, 3]);
  });
});
