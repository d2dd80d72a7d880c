/** Lowering to the grammar IR, semantics in both compat modes, warnings, TagDispatch, limits, builtin JSON. */
import { describe, expect, it } from 'vitest';
import { BUILTIN_JSON_EBNF, type EbnfOptions, ebnfToGrammar } from '../../src/ebnf/index.js';
import { GrammarError } from '../../src/engine/errors.js';
import { CompiledGrammar, grammarAcceptsString } from '../../src/engine/index.js';
import { bytes, chars, EMPTY, type Expr, literal, notChars, ref, repeat } from '../../src/engine/ir.js';
import { xgrammarBuiltinJson, xgrammarMatcher } from '../helpers/xgrammar.js';
import { mutate, sampleSentences } from './sample.js';

const body = (ebnf: string, options?: EbnfOptions): Expr => {
  const { grammar } = ebnfToGrammar(ebnf, options);
  return grammar.rules[grammar.root]!.body;
};
const accepts = (ebnf: string, input: string | Uint8Array, options?: EbnfOptions): boolean =>
  grammarAcceptsString(ebnfToGrammar(ebnf, options).grammar, input);
const XG = { compat: 'xgrammar' } as const;

describe('lowering to the IR', () => {
  it('lowers literals to UTF-8 bytes, with greedy \\x escapes', () => {
    expect(body('root ::= "ab"')).toEqual(literal('ab'));
    expect(body('root ::= "\\x41B"')).toEqual(literal('\u041b'));
    expect(body('root ::= "\\x41" "B"')).toEqual({ kind: 'seq', items: [literal('A'), literal('B')] });
    expect(body('root ::= "é\\n"')).toEqual(literal('é\n'));
    expect(body('root ::= ""')).toEqual(EMPTY);
    // a surrogate escape is encoded like XGrammar's CharToUTF8 (3 bytes); no valid text matches it
    expect(body('root ::= "\\uD800"')).toEqual(bytes(Uint8Array.of(0xed, 0xa0, 0x80)));
  });

  it('lowers classes to code-point sets', () => {
    expect(body('root ::= [a-cx]')).toEqual(chars([0x61, 0x63, 0x78, 0x78]));
    expect(body('root ::= [-a]')).toEqual(chars([0x2d, 0x2d, 0x61, 0x61]));
    expect(body('root ::= [\\--\\]]')).toEqual(chars([0x2d, 0x5d]));
    expect(body('root ::= [^a-c]')).toEqual(notChars([0x61, 0x63]));
    expect(body('root ::= [^]')).toEqual(notChars([]));
  });

  it('lowers quantifiers to repeat nodes', () => {
    const a = literal('a');
    expect(body('root ::= "a"*')).toEqual(repeat(a, 0, Number.POSITIVE_INFINITY));
    expect(body('root ::= "a"+')).toEqual(repeat(a, 1, Number.POSITIVE_INFINITY));
    expect(body('root ::= "a"?')).toEqual(repeat(a, 0, 1));
    expect(body('root ::= "a"{2}')).toEqual(repeat(a, 2, 2));
    expect(body('root ::= "a"{2,}')).toEqual(repeat(a, 2, Number.POSITIVE_INFINITY));
    expect(body('root ::= "a"{2,-1}')).toEqual(repeat(a, 2, Number.POSITIVE_INFINITY));
    expect(body('root ::= "a"{2,5}')).toEqual(repeat(a, 2, 5));
    expect(body('root ::= "a"{0}')).toEqual(EMPTY);
  });

  it('keeps rules in source order, with forward references and a configurable root', () => {
    const { grammar } = ebnfToGrammar('a ::= b "x"\nb ::= "y" | a\nroot ::= a', { root: 'b' });
    expect(grammar.rules.map((r) => r.name)).toEqual(['a', 'b', 'root']);
    expect(grammar.root).toBe(1);
    expect(grammar.rules[0]!.body).toEqual({ kind: 'seq', items: [ref(1), literal('x')] });
  });

  it('treats macro names as calls in element position', () => {
    expect(() => ebnfToGrammar('root ::= Token\nToken ::= "a"')).toThrow(
      'EBNF parser error at line 2, column 1: Expect ( after macro function name',
    );
  });
});

describe('compat modes and warnings', () => {
  it('negated class with non-ASCII members: correct complement by default, XGrammar quirk in xgrammar mode', () => {
    const g = 'root ::= [^中é]';
    expect(accepts(g, '中')).toBe(false);
    expect(accepts(g, 'é')).toBe(false);
    expect(accepts(g, '-')).toBe(true);
    expect(accepts(g, 'ü')).toBe(true);
    // XGrammar: 中 = U+4E2D is cut to its low byte 0x2D ('-'); é = U+E9 is clamped to 127 (excludes nothing)
    expect(accepts(g, '中', XG)).toBe(true);
    expect(accepts(g, 'é', XG)).toBe(true);
    expect(accepts(g, '-', XG)).toBe(false);
    const { warnings } = ebnfToGrammar(g);
    expect(warnings).toEqual([
      { kind: 'negated-class-non-ascii', line: 1, column: 10, message: expect.any(String) },
    ]);
    expect(ebnfToGrammar('root ::= [^a-z]').warnings).toEqual([]);
  });

  it('XGrammar mode: a member range ending above 127 excludes everything from its low byte up to 127', () => {
    const g = 'root ::= [^a-é]';
    expect(accepts(g, 'z', XG)).toBe(false);
    expect(accepts(g, '~', XG)).toBe(false);
    expect(accepts(g, 'A', XG)).toBe(true);
    expect(accepts(g, 'é', XG)).toBe(true);
    expect(accepts(g, 'é')).toBe(false);
    expect(accepts(g, 'ÿ')).toBe(true);
  });

  it('XGrammar mode: negated classes accept UTF-8-shaped invalid sequences (documented, not warned)', () => {
    const overlong = Uint8Array.of(0xc0, 0x80);
    const surrogate = Uint8Array.of(0xed, 0xa0, 0x80);
    const f7 = Uint8Array.of(0xf7, 0xbf, 0xbf, 0xbf);
    for (const input of [overlong, surrogate, f7]) {
      expect(accepts('root ::= [^a]', input, XG)).toBe(true);
      expect(accepts('root ::= [^a]', input)).toBe(false);
    }
    // a stray continuation byte or a truncated sequence is rejected in both modes
    for (const input of [Uint8Array.of(0x80), Uint8Array.of(0xe4, 0xb8)]) {
      expect(accepts('root ::= [^a]+', input, XG)).toBe(false);
      expect(accepts('root ::= [^a]+', input)).toBe(false);
    }
    // XGrammar's own test: [^a]+ accepts "©" and the bytes E2 A1 A1
    expect(accepts('root ::= [^a]+', '©', XG)).toBe(true);
    expect(accepts('root ::= [^a]+', Uint8Array.of(0xe2, 0xa1, 0xa1), XG)).toBe(true);
  });

  it('keeps lookahead assertions in Rule.lookahead and warns that XGrammar does not enforce them', () => {
    const { grammar, warnings } = ebnfToGrammar('root ::= a "b"\na ::= "x" (= "b")');
    expect(grammar.rules[1]!.lookahead).toEqual(literal('b'));
    expect(grammar.rules[0]!.lookahead).toBeUndefined();
    expect(warnings).toEqual([
      { kind: 'lookahead-not-enforced', line: 2, column: 11, message: expect.any(String) },
    ]);
  });
});

describe('TagDispatch', () => {
  const TD =
    'root ::= TagDispatch(("<tool>", tool), ("<think>", think))\ntool ::= "{" [a-z]* "}"\nthink ::= [a-z]* "</think>"';

  it('dispatches after a complete tag and loops back to free text', () => {
    expect(accepts(TD, '')).toBe(true);
    expect(accepts(TD, 'free text')).toBe(true);
    expect(accepts(TD, 'a<tool>{x} b<think>hm</think>c<tool>{}')).toBe(true);
    expect(accepts(TD, 'a<tool>x')).toBe(false);
    expect(accepts(TD, 'a<tool>')).toBe(false);
  });

  it('lets free text end inside a partial tag', () => {
    expect(accepts(TD, 'text <to')).toBe(true);
    expect(accepts(TD, '<think')).toBe(true);
  });

  it('stops after one dispatch with loop_after_dispatch=false', () => {
    const g = 'root ::= TagDispatch(("<a>", r), loop_after_dispatch=false)\nr ::= "x"';
    expect(accepts(g, 'hi<a>x')).toBe(true);
    expect(accepts(g, 'hi<a>xy')).toBe(false);
    expect(accepts(g, 'hi')).toBe(true);
  });

  it('forbids excludes in free text', () => {
    const g = 'root ::= TagDispatch(("<a>", r), excludes=("STOP", "<b"))\nr ::= "x"';
    expect(accepts(g, 'hello')).toBe(true);
    expect(accepts(g, 'hello STOP')).toBe(false);
    expect(accepts(g, 'hello ST')).toBe(true);
    expect(accepts(g, '<a>x<b')).toBe(false);
    expect(accepts(g, '<a>x<')).toBe(true);
  });

  it('works inside a sequence and with recursive dispatch rules', () => {
    const g = 'root ::= "[" TagDispatch(("(", inner)) "]"\ninner ::= [a-z]* ")"';
    expect(accepts(g, '[a(b)c]')).toBe(true);
    expect(accepts(g, '[a(b]')).toBe(false);
    const rec =
      'root ::= TagDispatch(("<", root2))\nroot2 ::= TagDispatch((">", done), loop_after_dispatch=false)\ndone ::= "!"';
    expect(accepts(rec, 'a<b>!')).toBe(true);
  });

  it('default mode sees a tag inside another tag; xgrammar mode (trie ends only) does not', () => {
    const g = 'root ::= TagDispatch(("abc", r), ("b", s))\nr ::= "1"\ns ::= "2"';
    // reading "ab": "b" has completed (default), so its rule must follow; XGrammar is still on the "abc"
    // path, so for it "ab" is free text and "abc" dispatches
    expect(accepts(g, 'ab2')).toBe(true);
    expect(accepts(g, 'ab')).toBe(false);
    expect(accepts(g, 'abc1')).toBe(false);
    expect(accepts(g, 'ab', XG)).toBe(true);
    expect(accepts(g, 'abc1', XG)).toBe(true);
    expect(accepts(g, 'xb2', XG)).toBe(true);
    expect(ebnfToGrammar(g).warnings.map((w) => w.kind)).toEqual(['tag-dispatch-inner-match']);
    expect(ebnfToGrammar(TD).warnings).toEqual([]);
  });
});

describe('limits', () => {
  it('accepts 1000 nested parentheses and rejects 1001', () => {
    expect(accepts(`root ::= ${'('.repeat(1000)}"a"${')'.repeat(1000)}`, 'a')).toBe(true);
    expect(() => ebnfToGrammar(`root ::= ${'('.repeat(1001)}"a"${')'.repeat(1001)}`)).toThrow(
      'Nest layer exceeded the maximum limit',
    );
  });

  it('bounds repetition counts and expanded size (configurable)', () => {
    expect(() => ebnfToGrammar('root ::= "a"{11}', { maxRepetition: 10 })).toThrow(
      'EBNF parser error at line 1, column 14: Repetition bound 11 exceeds the limit of 10',
    );
    expect(() => ebnfToGrammar('root ::= ("ab"{10}){10}', { maxExpandedSize: 100 })).toThrow(GrammarError);
    expect(ebnfToGrammar('root ::= ("ab"{10}){5}', { maxExpandedSize: 100 }).grammar.rules).toHaveLength(1);
  });

  it('rejects huge grammar texts before lexing', () => {
    expect(() => ebnfToGrammar(`root ::= "${'a'.repeat(8_000_001)}"`)).toThrow(/too long/);
  });

  it('parses in linear time (long sequences, long choices, many rules)', () => {
    const items = Array.from({ length: 8000 }, (_, i) => `"a${i}"`);
    const t0 = performance.now();
    expect(body(`root ::= ${items.join(' ')}`)).toMatchObject({ kind: 'seq' });
    expect(body(`root ::= ${items.join(' | ')}`)).toMatchObject({ kind: 'alt' });
    // a generous bound: a smoke test against pathological (e.g. quadratic) parse times
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('parses a large grammar quickly', () => {
    const rules = Array.from(
      { length: 2000 },
      (_, i) => `r${i} ::= "k${i}" [a-z]* (r${(i + 1) % 2000} | "end")?`,
    );
    const t0 = performance.now();
    const { grammar } = ebnfToGrammar(`root ::= r0\n${rules.join('\n')}`);
    expect(grammar.rules).toHaveLength(2001);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('built-in JSON grammar', () => {
  const { grammar, warnings } = ebnfToGrammar(BUILTIN_JSON_EBNF);

  it('compiles without warnings and accepts RFC 8259 objects and arrays', () => {
    expect(warnings).toEqual([]);
    for (const ok of [
      '{}',
      '[]',
      '{ "a" : [1, -0.5e+3, "x\\u00e9\\n", true, false, null] }',
      '[\n\t{"k": {}}\n]',
    ]) {
      expect(grammarAcceptsString(grammar, ok), ok).toBe(true);
    }
    for (const bad of ['1', '"s"', ' {}', '{} ', '{"a":1,}', '[01]', '{"a" 1}', '["\u0001"]', "{'a': 1}"]) {
      expect(grammarAcceptsString(grammar, bad), bad).toBe(false);
    }
  });

  it("accepts exactly what XGrammar's builtin JSON grammar accepts", async () => {
    const hand = [
      '{"name": "John", "age": 30, "city": "New York"}',
      '[1, 2, {"a": [true, null, "é中😀"]}]',
      '{"a":{"b":{"c":[[],[{}]]}}}',
      '{"esc": "\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"}',
      '[-0, 0.25, 1e5, 1E-5, -12.5e+10]',
    ];
    const sampled = sampleSentences(grammar, 150, 7);
    const inputs = [...new Set([...hand, ...sampled, ...mutate([...hand, ...sampled], 400, 8)])];
    const oracle = await xgrammarBuiltinJson();
    const compiled = CompiledGrammar.fromGrammar(grammar, null);
    try {
      const diffs = inputs.filter((s) => grammarAcceptsString(compiled, s) !== oracle.accepts(s));
      expect(diffs).toEqual([]);
      expect(inputs.length).toBeGreaterThan(400);
    } finally {
      oracle.dispose();
    }
  });
});

describe('large repetitions (XGrammar test_grammar_matcher_ebnf.py)', () => {
  it('nested row{150} of cell{130}, and a 2048-bounded UTF-8 class, agree with XGrammar', async () => {
    const nested = 'root ::= row{150}\nrow ::= cell{130} "\\n"\ncell ::= "a" | "b"';
    const row = `${'ab'.repeat(65)}\n`;
    const compiled = CompiledGrammar.fromGrammar(ebnfToGrammar(nested).grammar, null);
    const oracle = await xgrammarMatcher(nested);
    try {
      for (const input of [
        row.repeat(150),
        row.repeat(149),
        `${row.repeat(149)}${'a'.repeat(131)}\n`,
        `${row.repeat(149)}${'a'.repeat(130)}\n`,
      ]) {
        expect(grammarAcceptsString(compiled, input)).toBe(oracle.accepts(input));
      }
      expect(grammarAcceptsString(compiled, row.repeat(150))).toBe(true);
    } finally {
      oracle.dispose();
    }
    // the oracle mishandles non-ASCII ranges, so these are explicit expectations
    const utf8 = CompiledGrammar.fromGrammar(ebnfToGrammar('root ::= [a-zа-я一-龥]{0,2048}').grammar, null);
    expect(grammarAcceptsString(utf8, 'я'.repeat(2048))).toBe(true);
    expect(grammarAcceptsString(utf8, '一'.repeat(2049))).toBe(false);
    expect(grammarAcceptsString(utf8, `${'a'.repeat(1000)}龥`)).toBe(true);
  });
});
