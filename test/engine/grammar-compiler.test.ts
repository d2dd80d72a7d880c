import { describe, expect, it } from 'vitest';
import {
  allocateTokenBitmask,
  allowedTokens,
  GrammarCompiler,
  GrammarError,
  GrammarMatcher,
} from '../../src/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

const VOCAB = [
  '<s>',
  '</s>',
  'a',
  'b',
  'ab',
  '{',
  '}',
  '"',
  '":',
  ' ',
  '1',
  '2',
  '12',
  ',',
  'x',
  'true',
  '"x',
];
const info = TokenizerInfo.fromVocab(VOCAB, { kind: 'raw', eosTokenIds: [1], specialIds: [0, 1] });

function walk(m: GrammarMatcher, pieces: string[]): boolean {
  for (const p of pieces) if (!m.acceptToken(VOCAB.indexOf(p))) return false;
  return true;
}

describe('GrammarCompiler', () => {
  const compiler = new GrammarCompiler(info);

  it('compiles EBNF, regex and JSON Schema to matchers', () => {
    const ebnf = new GrammarMatcher(compiler.compileEbnf('root ::= ("a" | "b")+ "1"'));
    expect(walk(ebnf, ['ab', 'a', '1', '</s>'])).toBe(true);
    expect(ebnf.isTerminated()).toBe(true);

    const re = new GrammarMatcher(compiler.compileRegex('(ab)*[12]{1,2}'));
    expect(walk(re, ['ab', '12'])).toBe(true);
    const mask = allocateTokenBitmask(1, info.vocabSize);
    re.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, info.vocabSize)).toEqual([1]);

    const js = new GrammarMatcher(
      compiler.compileJsonSchema({ type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] }),
    );
    expect(walk(js, ['{', '"x', '":', ' ', '12', '}'])).toBe(true);
    expect(js.isCompleted()).toBe(true);
  });

  it('caches by source and reports errors as GrammarError', () => {
    expect(compiler.compileRegex('a+')).toBe(compiler.compileRegex('a+'));
    expect(() => compiler.compileEbnf('root ::= undefined_rule')).toThrow(GrammarError);
    expect(() => compiler.compileRegex('(a')).toThrow(GrammarError);
    expect(() => compiler.compileJsonSchema({ type: 'nonsense' })).toThrow(GrammarError);
  });

  it('compiles the built-in JSON grammar', () => {
    const m = new GrammarMatcher(compiler.compileBuiltinJson());
    expect(m.acceptString('{"a": [1, true, null, "x"]}')).toBe(true);
    expect(m.isCompleted()).toBe(true);
  });
});

describe('GrammarCompiler.compileEbnf token macros', () => {
  it("range over the compiler's tokenizer: ExcludeToken never yields special or stop tokens", () => {
    const compiler = new GrammarCompiler(info);
    const m = new GrammarMatcher(compiler.compileEbnf('root ::= ExcludeToken(2) ExcludeToken(3)'));
    const mask = allocateTokenBitmask(1, info.vocabSize);
    m.fillNextTokenBitmask(mask);
    const allowed = allowedTokens(mask, info.vocabSize);
    expect(allowed).not.toContain(0);
    expect(allowed).not.toContain(1);
    expect(allowed).not.toContain(2);
    expect(allowed).toContain(3);
    expect(m.acceptToken(1)).toBe(false);
    expect(m.acceptToken(3)).toBe(true);
    expect(m.acceptToken(3)).toBe(false);
    expect(m.acceptToken(2)).toBe(true);
    expect(m.isCompleted()).toBe(true);
  });
});
