/**
 * Token-level structural-tag formats (`token`, `exclude_token`, `any_tokens`, `token_triggered_tags`,
 * `token_dispatch`, token begins/ends of `tag`) on a small synthetic vocabulary with special tokens, a stop token
 * and a token whose bytes contain 0xFF: accepted and rejected token sequences, errors with JSON pointers, and
 * masks equal to the brute-force mask (fork + acceptToken for every id) along random walks.
 *
 * No differential against @mlc-ai/web-xgrammar here: its version 0.1.27 predates the token-level formats
 * (`Token`/`ExcludeToken`/`TokenTagDispatch` appear in XGrammar 0.1.33; the WASM bundle has none of them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateTokenBitmask, allowedTokens } from '../../src/engine/bitmask.js';
import { GrammarError } from '../../src/engine/errors.js';
import { GrammarCompiler } from '../../src/engine/grammar-compiler.js';
import { GrammarMatcher } from '../../src/engine/matcher.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

const VOCAB: Array<string | Uint8Array> = [
  '<s>', // 0 special
  '</s>', // 1 EOS
  'a', // 2
  'b', // 3
  'hello', // 4
  ' world', // 5
  '{', // 6
  '}', // 7
  '"', // 8
  ':', // 9
  'x', // 10
  '</', // 11
  'end', // 12
  '>', // 13
  '<tool>', // 14 special
  '<|eom|>', // 15 special
  Uint8Array.of(0xff), // 16: raw byte 0xFF
  '1', // 17
  'ab', // 18
  '</end>', // 19
  ' ', // 20
  'dup', // 21
  'dup', // 22 (same text as 21)
  '<call>', // 23 ordinary text
];
const EOS = 1;
const TOOL = 14;
const EOM = 15;
const FF = 16;
const info = TokenizerInfo.fromVocab(VOCAB, { eosTokenIds: [EOS], specialIds: [0, TOOL, EOM] });
const V = info.vocabSize;
const compiler = new GrammarCompiler(info);

function compile(format: object) {
  return compiler.compileStructuralTag({ type: 'structural_tag', format });
}

/** 'complete' / 'incomplete' after accepting all ids, or the index of the first rejected id. */
function run(format: object, ids: number[]): 'complete' | 'incomplete' | number {
  const m = new GrammarMatcher(compile(format));
  for (let i = 0; i < ids.length; i++) if (!m.acceptToken(ids[i]!)) return i;
  return m.isCompleted() ? 'complete' : 'incomplete';
}

function maskOf(m: GrammarMatcher): number[] {
  const mask = allocateTokenBitmask(1, V);
  m.fillNextTokenBitmask(mask);
  return allowedTokens(mask, V);
}

function bruteForce(m: GrammarMatcher): number[] {
  const out: number[] = [];
  for (let t = 0; t < V; t++) if (m.fork().acceptToken(t)) out.push(t);
  return out;
}

/** Masks equal the brute force along random walks through the mask. */
function expectMasksExact(format: object, runs = 30): void {
  const g = compile(format);
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { maxLength: 14 }), (choices) => {
      const m = new GrammarMatcher(g);
      for (const c of choices) {
        const allowed = maskOf(m);
        expect(allowed).toEqual(bruteForce(m));
        if (allowed.length === 0 || m.isTerminated()) break;
        expect(m.acceptToken(allowed[c % allowed.length]!)).toBe(true);
      }
    }),
    { numRuns: runs },
  );
}

function errorOf(format: object): GrammarError {
  try {
    compile(format);
  } catch (e) {
    if (e instanceof GrammarError) return e;
    throw e;
  }
  throw new Error('expected a GrammarError');
}

const ORDINARY = [...Array(V).keys()].filter((id) => !info.isSpecial(id));
const json = {
  type: 'json_schema',
  json_schema: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] },
};

describe('token', () => {
  it('matches exactly that token by id (not its text), also special tokens, by id or exact string', () => {
    expect(run({ type: 'token', token: 4 }, [4])).toBe('complete');
    expect(run({ type: 'token', token: 'hello' }, [4])).toBe('complete');
    expect(run({ type: 'token', token: 18 }, [2, 3])).toBe(0); // "a" "b" spell "ab" but are not token 18
    expect(run({ type: 'token', token: '<tool>' }, [TOOL])).toBe('complete');
    expect(run({ type: 'token', token: EOS }, [EOS])).toBe('complete'); // an explicit stop id is a grammar token
    const seq = {
      type: 'sequence',
      elements: [
        { type: 'token', token: TOOL },
        { type: 'const_string', value: 'ab' },
        { type: 'token', token: 13 },
      ],
    };
    expect(run(seq, [TOOL, 18, 13])).toBe('complete');
    expect(run(seq, [TOOL, 2, 3, 13])).toBe('complete');
    expect(run(seq, [TOOL, 2, 3, 7])).toBe(3);
    expectMasksExact(seq, 10);
  });

  it('errors name the JSON pointer: unknown string, ambiguous string, id out of range', () => {
    let e = errorOf({ type: 'sequence', elements: [{ type: 'token', token: 'nope' }] });
    expect(e.pointer).toBe('/format/elements/0');
    expect(e.message).toMatch(/no token of the vocabulary is exactly "nope"/);
    e = errorOf({ type: 'token', token: 'dup' });
    expect(e.message).toMatch(/ambiguous: tokens 21, 22/);
    e = errorOf({
      type: 'tag',
      begin: { type: 'token', token: V },
      content: { type: 'const_string', value: '' },
      end: 'x',
    });
    expect(e.pointer).toBe('/format/begin');
    expect(e.message).toMatch(/outside the vocabulary/);
  });
});

describe('exclude_token', () => {
  it('any one ordinary token except the excluded ones (ids or strings); never special or stop tokens', () => {
    const f = { type: 'exclude_token', exclude_tokens: [2, 'hello', 'dup'] };
    for (const id of [3, 5, 18, FF, 23]) expect(run(f, [id])).toBe('complete');
    for (const id of [2, 4, 21, 22, TOOL, EOM, 0, EOS]) expect(run(f, [id])).toBe(0);
    const m = new GrammarMatcher(compile(f));
    expect(maskOf(m)).toEqual(ORDINARY.filter((id) => ![2, 4, 21, 22, EOS].includes(id)));
  });

  it('rejects malformed token lists with pointers', () => {
    expect(() => compile({ type: 'exclude_token', exclude_tokens: [-1] })).toThrow(GrammarError);
    expect(errorOf({ type: 'exclude_token', exclude_tokens: [3, 1.5] }).pointer).toBe(
      '/format/exclude_tokens/1',
    );
    expect(errorOf({ type: 'exclude_token', exclude_tokens: ['zzz'] }).pointer).toBe(
      '/format/exclude_tokens/0',
    );
  });
});

describe('any_tokens', () => {
  it('zero or more ordinary tokens; the stop token ends it', () => {
    const f = { type: 'any_tokens', exclude_tokens: ['x'] };
    expect(run(f, [])).toBe('complete');
    expect(run(f, [4, 5, FF, 2, 23, EOS])).toBe('complete');
    expect(run(f, [4, 10])).toBe(1);
    expect(run(f, [TOOL])).toBe(0);
    const m = new GrammarMatcher(compile(f));
    expect(m.acceptToken(4)).toBe(true);
    expect(m.acceptToken(EOS)).toBe(true);
    expect(m.isTerminated()).toBe(true);
    expectMasksExact(f, 10);
  });

  it('max_tokens bounds the count', () => {
    const f = {
      type: 'sequence',
      elements: [
        { type: 'any_tokens', max_tokens: 2 },
        { type: 'token', token: TOOL },
      ],
    };
    expect(run(f, [4, 5, TOOL])).toBe('complete');
    expect(run(f, [TOOL])).toBe('complete');
    expect(run(f, [4, 5, 2])).toBe(2);
    expect(errorOf({ type: 'any_tokens', max_tokens: -2 }).pointer).toBe('/format/max_tokens');
    expectMasksExact(f, 10);
  });

  it('inside a tag: the end token is not a free token; tokens beginning a string end are both free and the end', () => {
    const tokenEnd = {
      type: 'tag',
      begin: { type: 'token', token: TOOL },
      content: { type: 'any_tokens' },
      end: { type: 'token', token: 7 },
    };
    expect(run(tokenEnd, [TOOL, 4, 6, 7])).toBe('complete');
    expect(run(tokenEnd, [TOOL, 4, 7, 5])).toBe(3); // the first "}" ends the tag
    expectMasksExact(tokenEnd, 10);
    const stringEnd = { type: 'tag', begin: '<call>', content: { type: 'any_tokens' }, end: '</end>' };
    expect(run(stringEnd, [23, 4, 11, 12, 13])).toBe('complete'); // "</" "end" ">" as text
    expect(run(stringEnd, [23, 4, 19])).toBe('complete');
    // "</" is read as a free token and as the start of the end at once: both readings continue
    expect(run(stringEnd, [23, 12, 13, 11, 4])).toBe('incomplete');
    expect(run(stringEnd, [23, 12, 13, 11, 4, 11, 12, 13])).toBe('complete');
    expectMasksExact(stringEnd, 10);
  });
});

describe('tag with token begin / end', () => {
  it('begin and end tokens around text content; free text stops at the end token', () => {
    const f = {
      type: 'tag',
      begin: { type: 'token', token: TOOL },
      content: { type: 'any_text' },
      end: { type: 'token', token: EOM },
    };
    expect(run(f, [TOOL, 4, 5, EOM])).toBe('complete');
    expect(run(f, [TOOL, EOM])).toBe('complete');
    expect(run(f, [4])).toBe(0);
    expect(run(f, [TOOL, 4, EOM, 4])).toBe(3);
    expectMasksExact(f, 10);
    const json1 = {
      type: 'tag',
      begin: { type: 'token', token: TOOL },
      content: json,
      end: { type: 'token', token: EOM },
    };
    expect(run(json1, [TOOL, 6, 8, 2, 8, 9, 17, 7, EOM, EOS])).toBe('complete');
    expect(run(json1, [TOOL, 6, 8, 2, 8, 9, 7])).toBe(6);
  });
});

describe('token_triggered_tags', () => {
  const tags = [
    { type: 'tag', begin: { type: 'token', token: TOOL }, content: json, end: { type: 'token', token: EOM } },
    { type: 'tag', begin: { type: 'token', token: 23 }, content: { type: 'any_tokens' }, end: '</end>' },
  ];
  const base = { type: 'token_triggered_tags', trigger_tokens: ['<tool>', 23], tags, exclude_tokens: [10] };
  const call = [TOOL, 6, 8, 2, 8, 9, 17, 7, EOM];

  it('free tokens until a trigger token, then its tag; loops', () => {
    expect(run(base, [4, 5, ...call, 2, ...call, 23, 4, 19, 3])).toBe('complete');
    expect(run(base, [4, 10])).toBe(1); // excluded
    expect(run(base, [EOM])).toBe(0); // special tokens are not free
    expect(run(base, [TOOL, 4])).toBe(1);
    expect(run(base, [...call.slice(0, 4)])).toBe('incomplete');
    expectMasksExact(base, 25);
  });

  it('at_least_one / stop_after_first', () => {
    const first = { ...base, at_least_one: true };
    expect(run(first, [4])).toBe(0);
    expect(run(first, [...call, 4, ...call])).toBe('complete');
    const once = { ...base, stop_after_first: true };
    expect(run(once, [4, ...call])).toBe('complete');
    expect(run(once, [4, ...call, 4])).toBe(call.length + 1);
    expect(run(once, [4, 5])).toBe('complete');
    const exactlyOne = { ...base, at_least_one: true, stop_after_first: true };
    expect(run(exactlyOne, call)).toBe('complete');
    expect(run(exactlyOne, [4])).toBe(0);
    expect(run(exactlyOne, [...call, 4])).toBe(call.length);
    expectMasksExact(once, 15);
  });

  it('inside a tag, the tag end token is not a free token', () => {
    const outer = { type: 'tag', begin: '{', content: base, end: { type: 'token', token: 13 } };
    expect(run(outer, [6, 4, ...call, 13])).toBe('complete');
    expect(run(outer, [6, 4, 13, 4])).toBe(3);
    expectMasksExact(outer, 15);
  });

  it('errors: string begins, tags without a trigger', () => {
    let e = errorOf({ ...base, tags: [{ type: 'tag', begin: '<tool>', content: json, end: 'x' }] });
    expect(e.pointer).toBe('/format/tags/0/begin');
    e = errorOf({ ...base, trigger_tokens: [TOOL] });
    expect(e.pointer).toBe('/format/tags/1');
    expect(e.message).toMatch(/does not match any trigger/);
    expect(errorOf({ ...base, trigger_tokens: [] }).pointer).toBe('/format');
  });
});

describe('token_dispatch', () => {
  const rules = [
    [TOOL, { type: 'const_string', value: 'ab' }],
    ['<call>', { type: 'sequence', elements: [json, { type: 'token', token: EOM }] }],
  ];
  it('free tokens, a trigger token dispatches to its format; loop (default) and no loop', () => {
    const f = { type: 'token_dispatch', rules, exclude_tokens: ['b'] };
    expect(run(f, [4, TOOL, 18, 5, 23, 6, 8, 2, 8, 9, 17, 7, EOM, 4])).toBe('complete');
    expect(run(f, [4, 3])).toBe(1);
    expect(run(f, [TOOL, 4])).toBe(1);
    expectMasksExact(f, 25);
    const once = { type: 'token_dispatch', rules, loop: false };
    expect(run(once, [4, TOOL, 2, 3])).toBe('complete');
    expect(run(once, [4, TOOL, 18, 4])).toBe(3);
    expectMasksExact(once, 15);
  });

  it('errors: a trigger that is also excluded, unknown trigger strings, malformed rules', () => {
    expect(errorOf({ type: 'token_dispatch', rules, exclude_tokens: [TOOL] }).pointer).toBe(
      '/format/rules/0/0',
    );
    expect(errorOf({ type: 'token_dispatch', rules: [['zz', json]] }).pointer).toBe('/format/rules/0/0');
    expect(errorOf({ type: 'token_dispatch', rules: [[TOOL]] }).pointer).toBe('/format/rules/0');
    expect(errorOf({ type: 'token_dispatch', rules: [] }).pointer).toBe('/format');
  });
});

describe('text tokens containing 0xFF', () => {
  it('are never read by their text once the grammar has token ids', () => {
    // Free text (string level) next to a token format: the raw 0xFF token is neither text nor free token there.
    const f = { type: 'sequence', elements: [{ type: 'any_text' }, { type: 'token', token: TOOL }] };
    expect(run(f, [4, FF])).toBe(1);
    expect(run(f, [4, TOOL])).toBe('complete');
    expectMasksExact(f, 10);
  });
});
