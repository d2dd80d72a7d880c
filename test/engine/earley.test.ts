import { describe, expect, it } from 'vitest';
import {
  alt,
  chars,
  EMPTY,
  GrammarBuilder,
  grammarAcceptsPrefix,
  grammarAcceptsString,
  literal,
  optional,
  ref,
  seq,
  star,
} from '../../src/engine/index.js';

/** expr ::= expr "+" term | term ; term ::= term "*" atom | atom ; atom ::= [0-9]+ | "(" expr ")" */
function arithmetic() {
  const b = new GrammarBuilder();
  const expr = b.addRule('expr');
  const term = b.addRule('term');
  const atom = b.addRule('atom');
  b.setBody(expr, alt(seq(ref(expr), literal('+'), ref(term)), ref(term)));
  b.setBody(term, alt(seq(ref(term), literal('*'), ref(atom)), ref(atom)));
  b.setBody(
    atom,
    alt(seq(chars([0x30, 0x39]), star(chars([0x30, 0x39]))), seq(literal('('), ref(expr), literal(')'))),
  );
  return b.build(expr);
}

describe('Earley over rule DFAs', () => {
  it('handles left recursion and nesting', () => {
    const g = arithmetic();
    for (const s of ['1', '12+3', '1*2+3*(4+5)', '((7))']) expect(grammarAcceptsString(g, s), s).toBe(true);
    for (const s of ['', '+', '1+', '(1', '1)', '1++2']) expect(grammarAcceptsString(g, s), s).toBe(false);
    expect(grammarAcceptsPrefix(g, '1+(2*')).toBe(true);
    expect(grammarAcceptsPrefix(g, '1+)')).toBe(false);
  });

  it('handles right recursion and nullable rules', () => {
    const b = new GrammarBuilder();
    const root = b.addRule('root');
    const list = b.addRule('list');
    const maybe = b.addRule('maybe');
    b.setBody(maybe, alt(EMPTY, literal('x')));
    b.setBody(list, alt(EMPTY, seq(literal('a'), ref(maybe), ref(list))));
    b.setBody(root, seq(ref(maybe), ref(list), ref(maybe), literal('!')));
    const g = b.build(root);
    for (const s of ['!', 'x!', 'a!', 'axa!', 'aaaax!', 'xaxax!'])
      expect(grammarAcceptsString(g, s), s).toBe(true);
    for (const s of ['', 'xx', 'axxa!', 'b!']) expect(grammarAcceptsString(g, s), s).toBe(false);
  });

  it('drops unproductive rules', () => {
    const b = new GrammarBuilder();
    const root = b.addRule('root');
    const loop = b.addRule('loop');
    b.setBody(loop, seq(literal('z'), ref(loop)));
    b.setBody(root, alt(literal('a'), seq(literal('b'), ref(loop))));
    const g = b.build(root);
    expect(grammarAcceptsString(g, 'a')).toBe(true);
    expect(grammarAcceptsPrefix(g, 'b')).toBe(false);
  });

  it('matches deeply nested input', () => {
    const b = new GrammarBuilder();
    const v = b.addRule('value');
    b.setBody(
      v,
      alt(
        literal('0'),
        seq(literal('['), optional(seq(ref(v), star(seq(literal(','), ref(v))))), literal(']')),
      ),
    );
    const g = b.build(v);
    const deep = `${'['.repeat(500)}0${']'.repeat(500)}`;
    expect(grammarAcceptsString(g, deep)).toBe(true);
    expect(grammarAcceptsString(g, `[0,[0,0],[]]`)).toBe(true);
    expect(grammarAcceptsString(g, `[0,]`)).toBe(false);
  });
});
