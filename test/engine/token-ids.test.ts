/**
 * Token-id terminals (engine/token-ids.ts): the 4-byte codes and their range builders, and the matcher's id
 * reading — masks equal the brute-force mask (fork + acceptToken for every id) along random walks, both readings
 * at once, stop tokens, tokens whose text contains 0xFF, rollback/fork across id tokens, jump-forward.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EarleyParser } from '../../src/engine/earley.js';
import { GrammarTables } from '../../src/engine/grammar-tables.js';
import {
  allocateTokenBitmask,
  allowedTokens,
  alt,
  CompiledGrammar,
  type Expr,
  GrammarBuilder,
  GrammarMatcher,
  literal,
  ref,
  seq,
  star,
} from '../../src/engine/index.js';
import { tokenIdCode, tokenIdSetOf, tokenIdsExceptExpr, tokenIdsExpr } from '../../src/engine/token-ids.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

// 0: BOS-like special, 1: EOS, 2..11 text, 12: the raw byte 0xFF, 13: text ending in 0xFF, 14: a special tool tag.
const VOCAB: Array<string | Uint8Array> = [
  '<s>',
  '</s>',
  'a',
  'b',
  'ab',
  'c',
  '}',
  '{',
  ' x',
  'bc',
  'cc',
  'abc',
  Uint8Array.of(0xff),
  Uint8Array.of(0x61, 0xff),
  '<|tool|>',
];
const EOS = 1;
const TOOL = 14;

function info(): TokenizerInfo {
  return TokenizerInfo.fromVocab(VOCAB, { eosTokenIds: [EOS], specialIds: [0, TOOL] });
}

function grammarOf(body: (b: GrammarBuilder) => Expr) {
  const b = new GrammarBuilder();
  const root = b.addRule('root');
  b.setBody(root, body(b));
  return b.build(root);
}

/** True iff the byte string is a complete sentence (raw parser: acceptString refuses 0xFF on purpose). */
function parses(expr: Expr, input: Uint8Array): boolean {
  const p = new EarleyParser(new GrammarTables(grammarOf(() => expr)));
  return p.pushBytes(input) && p.isCompleted();
}

function bruteForce(m: GrammarMatcher, vocabSize: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocabSize; t++) if (m.fork().acceptToken(t)) out.push(t);
  return out;
}

function maskOf(m: GrammarMatcher, vocabSize: number): number[] {
  const mask = allocateTokenBitmask(1, vocabSize);
  m.fillNextTokenBitmask(mask);
  return allowedTokens(mask, vocabSize);
}

describe('token-id codes', () => {
  it('tokenIdsExpr accepts exactly the codes of its ids', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(70_000), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(70_000), { maxLength: 8 }),
        (ids, probes) => {
          const expr = tokenIdsExpr(ids);
          for (const id of [...ids, ...probes]) expect(parses(expr, tokenIdCode(id))).toBe(ids.includes(id));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('tokenIdsExceptExpr accepts every id below the vocabulary size except the excluded ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200_000 }),
        fc.array(fc.nat(200_000), { maxLength: 6 }),
        fc.array(fc.nat(200_010), { maxLength: 10 }),
        (vocab, excluded, probes) => {
          const expr = tokenIdsExceptExpr(excluded, vocab);
          const edges = [0, vocab - 1, vocab, 255, 256, 65_535, 65_536, ...excluded, ...probes];
          for (const id of edges) {
            expect(parses(expr, tokenIdCode(id))).toBe(id < vocab && !excluded.includes(id));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a state id set equals stepping every code (bitset and list forms)', () => {
    const vocab = 70_000;
    const expr = alt(
      tokenIdsExpr([3, 300, 69_999]),
      seq(literal('q'), tokenIdsExceptExpr([0, 5, 65_536], vocab)),
    );
    const tables = new GrammarTables(grammarOf(() => expr));
    const start = tables.ruleStart[tables.root]!;
    const ids = tokenIdSetOf(tables, start, vocab);
    expect(ids.list ? [...ids.list] : null).toEqual([3, 300, 69_999]);
    const afterQ = tables.step(start, 'q'.charCodeAt(0));
    const set = tokenIdSetOf(tables, afterQ, vocab);
    expect(set.bits).not.toBeNull();
    let count = 0;
    for (let id = 0; id < vocab; id++) {
      const bit = (set.bits![id >> 5]! >>> (id & 31)) & 1;
      expect(bit).toBe(id === 0 || id === 5 || id === 65_536 ? 0 : 1);
      count += bit;
    }
    expect(count).toBe(vocab - 3);
  });

  it('rejects ids that do not fit in 3 bytes', () => {
    expect(() => tokenIdsExpr([1 << 24])).toThrow(/Token id/);
    expect(() => tokenIdsExpr([-1])).toThrow(/Token id/);
  });
});

describe('GrammarMatcher with token ids', () => {
  const tok = info();
  const V = tok.vocabSize;
  const grammars: Array<[string, Expr | ((b: GrammarBuilder) => Expr)]> = [
    // "a", then the special tool token or "}" by id, then any text/ids except "{" and EOS.
    [
      'sequence',
      seq(
        literal('a'),
        tokenIdsExpr([TOOL, 6]),
        star(alt(literal('b'), tokenIdsExceptExpr([7, EOS, 0, TOOL], V))),
      ),
    ],
    // Token 4 ("ab") by id or "ab" as text: both readings continue.
    ['id or text', alt(tokenIdsExpr([4]), seq(literal('ab'), literal('c')))],
    // An id terminal in its own rule, after text and before text.
    [
      'rule',
      (b) => {
        const x = b.addRule('x');
        b.setBody(x, tokenIdsExpr([TOOL]));
        return seq(star(literal('a')), ref(x), literal('}'), star(tokenIdsExceptExpr([0, EOS, 12], V)));
      },
    ],
  ];

  for (const [name, body] of grammars) {
    it(`masks equal the brute force along random walks (${name})`, () => {
      const g = CompiledGrammar.fromGrammar(
        grammarOf((b) => (typeof body === 'function' ? body(b) : body)),
        tok,
      );
      expect(g.usesTokenIds).toBe(true);
      fc.assert(
        fc.property(fc.array(fc.nat(1000), { maxLength: 12 }), (choices) => {
          const m = new GrammarMatcher(g);
          for (const c of choices) {
            const allowed = maskOf(m, V);
            expect(allowed).toEqual(bruteForce(m, V));
            if (allowed.length === 0 || m.isTerminated()) break;
            expect(m.acceptToken(allowed[c % allowed.length]!)).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('reads a token by id and by its text at once (like XGrammar), and tokens containing 0xFF never by text', () => {
    const g = CompiledGrammar.fromGrammar(
      grammarOf(() => alt(tokenIdsExpr([4]), seq(literal('ab'), literal('c')))),
      tok,
    );
    const m = new GrammarMatcher(g);
    expect(m.acceptToken(4)).toBe(true); // by id the grammar is complete; by text ("ab") "c" may follow
    expect(m.isCompleted()).toBe(true);
    expect(maskOf(m, V)).toEqual([5, EOS].sort((a, b) => a - b));
    const f1 = m.fork();
    expect(f1.acceptToken(5)).toBe(true); // the text reading continues
    expect(f1.isCompleted()).toBe(true);
    m.rollback(1);
    expect(m.acceptToken(2)).toBe(true); // "a" as text
    expect(maskOf(m, V)).toEqual([3, 9]); // "b", "bc"
    // Text with 0xFF (tokens 12, 13) could spell a code: never matched by text.
    const free = CompiledGrammar.fromGrammar(
      grammarOf(() => star(tokenIdsExceptExpr([13], V))),
      tok,
    );
    const f = new GrammarMatcher(free);
    expect(f.acceptToken(12)).toBe(true); // by id
    expect(f.acceptToken(13)).toBe(false); // excluded by id, no text reading
    expect(f.acceptString(Uint8Array.of(0xff, 0, 0, 2))).toBe(false);
  });

  it('stop tokens: an explicit id is a grammar token, otherwise the stop rule applies', () => {
    const explicit = CompiledGrammar.fromGrammar(
      grammarOf(() => seq(literal('a'), tokenIdsExpr([EOS]), literal('b'))),
      tok,
    );
    const m = new GrammarMatcher(explicit);
    expect(m.acceptToken(2)).toBe(true);
    expect(maskOf(m, V)).toEqual([EOS]);
    expect(m.acceptToken(EOS)).toBe(true);
    expect(m.isTerminated()).toBe(false);
    expect(m.acceptToken(3)).toBe(true);
    expect(m.acceptToken(EOS)).toBe(true); // now the stop token
    expect(m.isTerminated()).toBe(true);
    m.rollback(2);
    expect(m.acceptToken(3)).toBe(true);
  });

  it('rollback and fork across id tokens', () => {
    const g = CompiledGrammar.fromGrammar(
      grammarOf(() => seq(literal('a'), tokenIdsExpr([TOOL, 6]), star(tokenIdsExceptExpr([0, EOS, 7], V)))),
      tok,
    );
    const m = new GrammarMatcher(g);
    const masks = [maskOf(m, V)];
    for (const t of [2, TOOL, 5, 12, 10]) {
      expect(m.acceptToken(t)).toBe(true);
      masks.push(maskOf(m, V));
    }
    const f = m.fork();
    m.rollback(4);
    expect(maskOf(m, V)).toEqual(masks[1]);
    expect(maskOf(f, V)).toEqual(masks[5]);
    expect(m.acceptToken(6)).toBe(true);
    expect(maskOf(m, V)).toEqual(masks[2]);
  });

  it('jump-forward stops before an id; special tokens are reachable by id only', () => {
    const g = CompiledGrammar.fromGrammar(
      grammarOf(() => seq(literal('ab'), tokenIdsExpr([TOOL]), literal('c}'))),
      tok,
    );
    const m = new GrammarMatcher(g);
    expect(m.findJumpForwardString()).toBe('ab');
    expect(m.acceptString('ab')).toBe(true);
    expect(m.findJumpForwardString()).toBe('');
    expect(maskOf(m, V)).toEqual([TOOL]);
    expect(m.acceptToken(TOOL)).toBe(true);
    expect(m.findJumpForwardString()).toBe('c}');
  });

  it('grammars without token ids keep 0xFF text tokens', () => {
    const g = CompiledGrammar.fromGrammar(
      grammarOf(() => star(alt(literal('a'), literal('b')))),
      tok,
    );
    expect(g.usesTokenIds).toBe(false);
  });
});
