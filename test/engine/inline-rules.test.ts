/**
 * Inlining small non-recursive rules (engine/inline-rules.ts): the language is unchanged (random grammars, every
 * short string), recursive rules and rules with a lookahead assertion stay references, the size budgets hold, and
 * masks with the Llama-3.1 vocabulary are the same as without inlining on an SQL-like EBNF grammar.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import { referencedRules, staticFacts } from '../../src/engine/grammar-analysis.js';
import {
  allocateTokenBitmask,
  allowedTokens,
  CompiledGrammar,
  GrammarCompiler,
  GrammarMatcher,
  grammarAcceptsString,
} from '../../src/engine/index.js';
import { inlineSmallRules } from '../../src/engine/inline-rules.js';
import {
  alt,
  byteSet,
  EMPTY,
  type Expr,
  type Grammar,
  literal,
  type Rule,
  ref,
  repeat,
  seq,
} from '../../src/engine/ir.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

/** Every string over `alphabet` of length at most `max`. */
function allStrings(alphabet: string, max: number): string[] {
  const out = [''];
  for (let start = 0, len = 1; len <= max; len++) {
    const end = out.length;
    for (let i = start; i < end; i++) for (const c of alphabet) out.push(out[i]! + c);
    start = end;
  }
  return out;
}
const STRINGS = allStrings('abc', 5);

/** A random expression over a, b, c and references to rules 0..n-1. */
function exprArb(n: number): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr; leaf: Expr }>((tie) => ({
    leaf: fc.oneof(
      fc.constantFrom(literal('a'), literal('b'), literal('c'), literal('ab'), byteSet([0x61, 0x62]), EMPTY),
      fc.nat(n - 1).map(ref),
    ),
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      tie('leaf'),
      fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((xs) => seq(...xs)),
      fc.array(tie('expr'), { minLength: 2, maxLength: 3 }).map((xs) => alt(...xs)),
      fc
        .tuple(tie('expr'), fc.nat(2), fc.constantFrom(0, 1, 2, Number.POSITIVE_INFINITY))
        .map(([x, min, extra]) => repeat(x, min, min + extra)),
    ),
  }));
  return expr;
}

const grammarArb: fc.Arbitrary<Grammar> = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc
    .tuple(
      fc.array(exprArb(n), { minLength: n, maxLength: n }),
      fc.array(fc.option(fc.constantFrom(literal('a'), literal('b'), byteSet([0x62, 0x63])), { freq: 4 }), {
        minLength: n,
        maxLength: n,
      }),
    )
    .map(([bodies, lookaheads]) => ({
      rules: bodies.map((body, i): Rule => {
        const lookahead = lookaheads[i];
        return lookahead ? { name: `r${i}`, body, lookahead } : { name: `r${i}`, body };
      }),
      root: 0,
    })),
);

/** Rules in a reference cycle (through any path back to themselves). */
function recursiveRules(g: Grammar): Set<number> {
  const refs = g.rules.map((r) => referencedRules(r.body));
  const out = new Set<number>();
  g.rules.forEach((_, start) => {
    const seen = new Set<number>();
    const stack = [...refs[start]!];
    while (stack.length > 0) {
      const q = stack.pop()!;
      if (q === start) out.add(start);
      if (seen.has(q)) continue;
      seen.add(q);
      stack.push(...refs[q]!);
    }
  });
  return out;
}

/** The grammar accepts `s`, or `null` when the engine gives up (a row item limit in a hopelessly ambiguous one). */
function accepts(g: CompiledGrammar, s: string): boolean | null {
  try {
    return grammarAcceptsString(g, s);
  } catch {
    return null;
  }
}

describe('inlineSmallRules', () => {
  it('keeps the language of random grammars (every string over a, b, c up to length 5)', () => {
    let changedGrammars = 0;
    let acceptedStrings = 0;
    fc.assert(
      fc.property(
        grammarArb,
        fc.constantFrom(1, 4, 16, 256),
        fc.constantFrom(8, 64, 4096),
        (g, maxRule, cap) => {
          const inlined = inlineSmallRules(g, { maxRuleSize: maxRule, maxGrownSize: cap });
          expect(inlined.rules.length).toBe(g.rules.length);
          expect(inlined.root).toBe(g.root);
          if (inlined !== g) changedGrammars++;
          const recursive = recursiveRules(g);
          g.rules.forEach((rule, r) => {
            const after = inlined.rules[r]!;
            expect(after.name).toBe(rule.name);
            expect(after.lookahead).toBe(rule.lookahead);
            // References to recursive rules and to rules with an assertion are never replaced.
            const now = new Set(referencedRules(after.body));
            for (const q of referencedRules(rule.body))
              if (recursive.has(q) || g.rules[q]!.lookahead) expect(now.has(q), `r${r} -> r${q}`).toBe(true);
            // Budget: a body grows only up to the cap.
            const before = staticFacts(rule.body).size;
            expect(staticFacts(after.body).size).toBeLessThanOrEqual(Math.max(before, cap));
          });
          const a = CompiledGrammar.fromGrammar(g, null);
          const b = CompiledGrammar.fromGrammar(inlined, null);
          for (const s of STRINGS) {
            const x = accepts(a, s);
            const y = accepts(b, s);
            if (x === null || y === null) continue;
            expect(y, JSON.stringify(s)).toBe(x);
            if (x) acceptedStrings++;
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
    // The property is not vacuous: grammars changed and strings were accepted.
    expect(changedGrammars).toBeGreaterThan(20);
    expect(acceptedStrings).toBeGreaterThan(500);
  });

  it('inlines small rules bottom-up and leaves recursive and asserted rules alone', () => {
    const { grammar } = ebnfToGrammar(`root ::= list " " paren " " la tail
list ::= "x" list | "y"
paren ::= "(" inner ")"
inner ::= paren | "z"
la ::= "q" (= "t")
tail ::= word "!"
word ::= [a-z]+`);
    const idx = (name: string) => grammar.rules.findIndex((r) => r.name === name);
    const inlined = inlineSmallRules(grammar);
    const rootRefs = referencedRules(inlined.rules[idx('root')]!.body).sort();
    expect(rootRefs).toEqual([idx('list'), idx('paren'), idx('la')].sort());
    // `tail` got `word` first, then went into `root` whole.
    expect(referencedRules(inlined.rules[idx('tail')]!.body)).toEqual([]);
    expect(referencedRules(inlined.rules[idx('paren')]!.body)).toEqual([idx('inner')]);
    expect(referencedRules(inlined.rules[idx('inner')]!.body)).toEqual([idx('paren')]);
    const a = CompiledGrammar.fromGrammar(grammar, null);
    const b = CompiledGrammar.fromGrammar(inlined, null);
    for (const s of ['xxy ((z)) qtoo!', 'y z qt!', 'y (z) qa!', 'y (z) qtab', 'xy (((z))) qtx!']) {
      expect(grammarAcceptsString(b, s), s).toBe(grammarAcceptsString(a, s));
    }
    expect(grammarAcceptsString(b, 'xxy ((z)) qtoo!')).toBe(true);
  });

  it('respects the rule size and the grown size budgets', () => {
    const big = literal('x'.repeat(40));
    const small = literal('ab');
    const g: Grammar = {
      rules: [
        { name: 'root', body: seq(ref(1), ref(2), ref(2), ref(2), ref(2), ref(2)) },
        { name: 'big', body: big },
        { name: 'small', body: small },
      ],
      root: 0,
    };
    // `big` (40 states) is over a 16-state rule budget, `small` (2) under it.
    const r1 = inlineSmallRules(g, { maxRuleSize: 16, maxGrownSize: 1000 });
    expect(referencedRules(r1.rules[0]!.body)).toEqual([1]);
    // Root is 6 states; each `small` adds 1: a cap of 9 lets three of the five in.
    const r2 = inlineSmallRules(g, { maxRuleSize: 16, maxGrownSize: 9 });
    const body = r2.rules[0]!.body;
    expect(staticFacts(body).size).toBe(9);
    expect(body.kind === 'seq' && body.items.filter((x) => x.kind === 'ref' && x.rule === 2).length).toBe(2);
    // Nothing fits: the grammar itself comes back.
    expect(inlineSmallRules(g, { maxRuleSize: 1, maxGrownSize: 1000 })).toBe(g);
  });

  it('keeps shared rules with counted repetitions, and references inside unrolled repetitions', () => {
    const { grammar } = ebnfToGrammar(`root ::= header "|" ws word ("," word){2,5} ("," word)*
header ::= name ("," name)*
name ::= [a-z_]{1,12}
ws ::= [ ]{0,2}
word ::= [a-z]+`);
    const idx = (name: string) => grammar.rules.findIndex((r) => r.name === name);
    const inlined = inlineSmallRules(grammar);
    // `name` (23 states, a counted repetition) stays shared; `ws` (5 states) is small enough to copy.
    expect(referencedRules(inlined.rules[idx('header')]!.body)).toEqual([idx('name')]);
    const rootRefs = referencedRules(inlined.rules[idx('root')]!.body);
    expect(rootRefs.includes(idx('ws'))).toBe(false);
    // `word` is inlined at its first use and in the star, not in the five copies of `{2,5}`.
    expect(rootRefs.sort()).toEqual([idx('name'), idx('word')].sort());
    const a = CompiledGrammar.fromGrammar(grammar, null);
    const b = CompiledGrammar.fromGrammar(inlined, null);
    for (const s of ['ab,c| x,y,z', 'ab|  x,y,z,w,v,u,t', 'a|x,y', 'a| x,y,z,w,v,u,t,s', 'a|   x,y,z']) {
      expect(grammarAcceptsString(b, s), s).toBe(grammarAcceptsString(a, s));
    }
    expect(grammarAcceptsString(b, 'ab|  x,y,z,w,v,u,t')).toBe(true);
  });
});

describe('masks with the Llama-3.1 vocabulary after inlining', () => {
  let info: TokenizerInfo;
  beforeAll(async () => {
    info = await TokenizerInfo.fromPreset('llama-3.1');
  });

  it('equal the masks without inlining (and brute force) along SQL walks', () => {
    const source =
      'root ::= "SELECT " cols " FROM " name (" WHERE " cond)? ";"\ncols ::= name (", " name)*\nname ::= [a-z_]+\ncond ::= name " = " ([0-9]+ | "\'" [a-z ]* "\'")';
    const compiler = new GrammarCompiler(info, { cache: false });
    const inlined = compiler.compileEbnf(source);
    // The pass ran on the EBNF path: the root is one regular expression now.
    expect(referencedRules(inlined.grammar.rules[inlined.grammar.root]!.body)).toEqual([]);
    const plain = CompiledGrammar.fromGrammar(ebnfToGrammar(source).grammar, info);
    const maskA = allocateTokenBitmask(1, info.vocabSize);
    const maskB = allocateTokenBitmask(1, info.vocabSize);
    for (const text of [
      "SELECT id, name, email FROM users WHERE status = 'active';",
      'SELECT total FROM orders WHERE id = 42;',
    ]) {
      const ids = Array.from(info.encode(text));
      const a = new GrammarMatcher(plain);
      const b = new GrammarMatcher(inlined);
      for (let k = 0; k <= ids.length; k++) {
        a.fillNextTokenBitmask(maskA);
        b.fillNextTokenBitmask(maskB);
        const allowed = allowedTokens(maskB, info.vocabSize);
        expect(allowed, `${text} after ${k} tokens`).toEqual(allowedTokens(maskA, info.vocabSize));
        if (k % 4 === 0) {
          const brute: number[] = [];
          for (let t = 0; t < info.vocabSize; t++) {
            if (b.acceptToken(t)) {
              brute.push(t);
              b.rollback(1);
            }
          }
          expect(allowed).toEqual(brute);
        }
        if (k < ids.length) {
          expect(a.acceptToken(ids[k]!)).toBe(true);
          expect(b.acceptToken(ids[k]!)).toBe(true);
        }
      }
      expect(b.isCompleted()).toBe(true);
    }
  });
});
