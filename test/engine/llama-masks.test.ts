/**
 * Token masks with a real 128k vocabulary equal brute force (every token tried with acceptToken), along
 * instances that exercise the fast paths: the JSON-string slice, states closed under it (search states,
 * key positions), subtree shortcuts in key exclusions, bounded strings, patterns, and uncertain
 * (rule-crossing) subtrees.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateTokenBitmask, allowedTokens, GrammarCompiler, GrammarMatcher } from '../../src/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

let info: TokenizerInfo;
let compiler: GrammarCompiler;

beforeAll(async () => {
  info = await TokenizerInfo.fromPreset('llama-3.1');
  compiler = new GrammarCompiler(info);
});

function checkAlong(m: GrammarMatcher, ids: number[], every: number): void {
  const mask = allocateTokenBitmask(1, info.vocabSize);
  for (let k = 0; k <= ids.length; k++) {
    if (k % every === 0 || k === ids.length) {
      m.fillNextTokenBitmask(mask);
      const fast = allowedTokens(mask, info.vocabSize);
      const slow: number[] = [];
      for (let t = 0; t < info.vocabSize; t++) {
        if (m.acceptToken(t)) {
          slow.push(t);
          m.rollback(1);
        }
      }
      expect(fast.length, `after ${k} tokens`).toBe(slow.length);
      expect(fast).toEqual(slow);
    }
    if (k < ids.length) expect(m.acceptToken(ids[k]!)).toBe(true);
  }
}

describe('masks with the Llama-3.1 vocabulary equal brute force', () => {
  it('JSON Schema with additional properties, bounded strings and a pattern', () => {
    const g = compiler.compileJsonSchema({
      type: 'object',
      properties: {
        name: { type: 'string' },
        nick: { type: 'string', maxLength: 5 },
        bio: { type: 'string', minLength: 2, maxLength: 40 },
        zip: { type: 'string', pattern: '^[0-9]{5}$' },
      },
    });
    checkAlong(
      new GrammarMatcher(g),
      info.encode(
        '{"name": "Al \\"x\\"", "nick": "abc", "bio": "a short bio, \\u00e9 ok", "zip": "12345", "namex": [1, {"a": null}]}',
      ),
      4,
    );
  });

  it('unanchored patterns (near-loop search states) and additional-property keys', () => {
    const g = compiler.compileJsonSchema({
      type: 'object',
      properties: {
        kind: { type: 'string', pattern: '(LATEX|MATHML)' },
        note: { type: 'string', pattern: 'x+' },
      },
      additionalProperties: { type: 'string', pattern: 'ok' },
    });
    checkAlong(
      new GrammarMatcher(g),
      info.encode('{"kind": "a MATH LATEX é b", "note": "yxxz", "kinder": "is ok"}'),
      2,
    );
  });

  it('states closed under the slice: counted search patterns and keys among declared names', () => {
    const g = compiler.compileJsonSchema({
      type: 'object',
      properties: {
        schoolId: { type: 'string', pattern: '[a-f0-9]{4}' },
        naïve: { type: 'integer' },
        name: { type: 'string', minLength: 3 },
        names: { type: 'array' },
      },
      additionalProperties: { type: 'string', maxLength: 3 },
    });
    checkAlong(
      new GrammarMatcher(g),
      info.encode(
        '{"schoolId": "zz 12ab34 q", "naïve": 1, "nam": "abc", "names": [], "né": "ab", "name": "Bob"}',
      ),
      2,
    );
  });

  it('search states past the closure budget: a long counted pattern (its .* member loops on the slice)', () => {
    const g = compiler.compileJsonSchema({
      type: 'object',
      properties: { id: { type: 'string', pattern: '[a-f0-9]{24}' }, n: { type: 'integer' } },
      additionalProperties: false,
    });
    checkAlong(
      new GrammarMatcher(g),
      info.encode('{"id": "x 5f6a5a5a5a5a5a5a5a5a5a5a5a5a5 ab é 5f6a5a5a5a5a5a5a5a5a5a5a5a", "n": 1}'),
      3,
    );
  });

  it('the last characters of bounded strings (slice tokens by length), with multi-byte characters', () => {
    const g = compiler.compileJsonSchema({
      type: 'object',
      properties: {
        a: { type: 'string', maxLength: 12 },
        b: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 3 } },
      },
      required: ['a', 'b'],
      additionalProperties: false,
    });
    checkAlong(
      new GrammarMatcher(g),
      info.encode('{"a": "héllo wörld", "b": ["x", "éé", "abc", "\\"\\u00e9"]}'),
      1,
    );
  });

  it('regex and EBNF', () => {
    checkAlong(
      new GrammarMatcher(compiler.compileRegex('[a-z]+(, [a-z]+)*')),
      info.encode('hello, world, abc'),
      2,
    );
    checkAlong(
      new GrammarMatcher(
        compiler.compileEbnf('root ::= "[" item ("," item)* "]"\nitem ::= [0-9]+ | "\\"" [^"]* "\\""'),
      ),
      info.encode('[12,"ab c",3]'),
      2,
    );
  });
});
