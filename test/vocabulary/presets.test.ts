import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { isValidUtf8 } from '../../src/vocabulary/utf8.js';
import { checkTrieInvariants } from './trie-invariants.js';

const utf8 = new TextEncoder();

interface PresetCase {
  name: string;
  kind: string;
  vocabSize: number;
  tokenCount: number;
  eos: number[];
  bos: number | undefined;
  /** The tokenizer's decode strips one leading space (SentencePiece `Strip` decoder). */
  stripsLeadingSpace: boolean;
}

const CASES: PresetCase[] = [
  {
    name: 'llama-3.1',
    kind: 'byte_level',
    vocabSize: 128256,
    tokenCount: 128256,
    eos: [128001, 128008, 128009],
    bos: 128000,
    stripsLeadingSpace: false,
  },
  {
    name: 'qwen3',
    kind: 'byte_level',
    vocabSize: 151936,
    tokenCount: 151669,
    eos: [151645, 151643],
    bos: undefined,
    stripsLeadingSpace: false,
  },
  {
    name: 'llama-2',
    kind: 'byte_fallback',
    vocabSize: 32000,
    tokenCount: 32000,
    eos: [2],
    bos: 1,
    stripsLeadingSpace: true,
  },
];

// Each preset (and its text tokenizer) is loaded once for the whole file.
const loaded = new Map<string, Promise<TokenizerInfo>>();
function preset(name: string): Promise<TokenizerInfo> {
  let info = loaded.get(name);
  if (!info) {
    info = TokenizerInfo.fromPreset(name);
    loaded.set(name, info);
  }
  return info;
}

/** What the tokenizer's own decode should print for `ids`, from TokenizerInfo's bytes. */
function expectedDecode(info: TokenizerInfo, ids: number[], c: PresetCase): Uint8Array {
  const bytes = info.decodeBytes(ids);
  return c.stripsLeadingSpace && bytes[0] === 0x20 ? bytes.subarray(1) : bytes;
}

function ownDecode(info: TokenizerInfo, ids: number[]): Uint8Array {
  return utf8.encode(info.decode(ids, { cleanUpTokenizationSpaces: false }));
}

describe.each(CASES)('preset $name', (c) => {
  let info: TokenizerInfo;
  beforeAll(async () => {
    info = await preset(c.name);
    info.decode([0]); // build the text tokenizer once, outside the timed tests
  });

  it('has the model facts', () => {
    expect(info.kind).toBe(c.kind);
    expect(info.vocabSize).toBe(c.vocabSize);
    expect(info.tokenCount).toBe(c.tokenCount);
    expect([...info.eosTokenIds]).toEqual(c.eos);
    expect(info.bosTokenId).toBe(c.bos);
    expect(info.source).toBe(`preset:${c.name}`);
    for (const id of c.eos) expect(info.isSpecial(id)).toBe(true);
  });

  it('flags added special tokens as special and nothing else', () => {
    const specials = new Set(info.addedTokens.filter((t) => t.special).map((t) => t.id));
    for (const id of c.eos) specials.add(id);
    expect([...info.specialTokenIds]).toEqual([...specials].sort((a, b) => a - b));
    for (const t of info.addedTokens) expect(utf8.encode(t.content)).toEqual(info.tokenBytes(t.id));
  });

  it('ids past the tokenizer entries have no token and are not in the trie', () => {
    for (let id = c.tokenCount; id < c.vocabSize; id++) {
      expect(info.hasToken(id)).toBe(false);
      expect(info.tokenBytes(id).length).toBe(0);
      expect(info.trie.tokenNode[id]).toBe(-1);
    }
    expect(() => info.tokenBytes(c.vocabSize)).toThrow(RangeError);
  });

  it('every single token: bytes equal the tokenizer’s own decode wherever that is valid UTF-8', () => {
    let compared = 0;
    for (let id = 0; id < c.tokenCount; id++) {
      const expected = expectedDecode(info, [id], c);
      if (!isValidUtf8(expected)) continue;
      const actual = ownDecode(info, [id]);
      if (Buffer.compare(actual, expected) !== 0) {
        expect.fail(
          `token ${id}: decode ${JSON.stringify(info.decode([id]))} vs bytes ${info.tokenText(id)}`,
        );
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(c.tokenCount * 0.9);
  });

  it('random id sequences: concatenated bytes equal the tokenizer’s own decode (valid UTF-8)', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: c.tokenCount - 1 }), { minLength: 1, maxLength: 8 }),
        (ids) => {
          const expected = expectedDecode(info, ids, c);
          if (!isValidUtf8(expected)) return;
          compared++;
          expect(Buffer.from(ownDecode(info, ids)).toString('hex')).toBe(
            Buffer.from(expected).toString('hex'),
          );
        },
      ),
      { numRuns: 2000 },
    );
    expect(compared).toBeGreaterThan(300);
  });

  it('encode → token bytes gives back the text (no BOS by default)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        const ids = info.encode(text);
        const normalized = c.name === 'qwen3' ? text.normalize('NFC') : text;
        const expected = c.stripsLeadingSpace ? ` ${normalized}` : normalized;
        if (text.length === 0) expect(ids).toEqual([]);
        else expect(new TextDecoder().decode(info.decodeBytes(ids))).toBe(expected);
        expect(ids.some((id) => info.isSpecial(id))).toBe(false);
      }),
      { numRuns: 300 },
    );
    if (c.bos !== undefined) expect(info.encode('hi', { addSpecialTokens: true })[0]).toBe(c.bos);
  });

  it('trie invariants hold and every non-special token is found at its node', () => {
    const tokens: (Uint8Array | null)[] = [];
    for (let id = 0; id < info.vocabSize; id++) tokens.push(info.hasToken(id) ? info.tokenBytes(id) : null);
    checkTrieInvariants(info.trie, tokens, (id) => info.isSpecial(id));
    let inTrie = 0;
    for (let id = 0; id < info.vocabSize; id++) if (info.trie.tokenNode[id]! >= 0) inTrie++;
    expect(inTrie).toBe(c.tokenCount - info.specialTokenIds.length);
  });
});

describe('preset specifics', () => {
  it('llama-3.1: MaskBench spot checks and the Unicode White_Space pre-tokenizer fix', async () => {
    const info = await preset('llama-3.1');
    expect(info.encode('Hello world')).toEqual([9906, 1917]);
    expect(info.encode('Hello, world!')).toEqual([9906, 11, 1917, 0]);
    expect(info.encode('1234')).toEqual([4513, 19]);
    expect(info.encode("I'M DON'T")).toEqual([40, 28703, 45373, 17773]);
    // U+FEFF is not White_Space: " \uFEFF" is one pre-token (JS \s would split it off as whitespace).
    expect(info.encode(' \uFEFFa')).toEqual([76880, 64]);
    // U+0085 is White_Space: it does not join the space before it into one punctuation pre-token.
    expect(info.encode(' \u0085a')).toEqual([220, 116360, 64]);
    expect(info.chatTemplate).toContain('<|start_header_id|>');
    // Llama 3.1's names for the added tokens (the package ships 3.0's files).
    expect(info.tokenText(128004)).toBe('<|finetune_right_pad_id|>');
    expect(info.tokenText(128008)).toBe('<|eom_id|>');
    expect(info.tokenText(128010)).toBe('<|python_tag|>');
    expect(info.tokenText(128011)).toBe('<|reserved_special_token_3|>');
    expect(info.tokenText(128255)).toBe('<|reserved_special_token_247|>');
    expect(info.encode('<|python_tag|>{"a": 1}<|eom_id|>')).toEqual([
      128010, 5018, 64, 794, 220, 16, 92, 128008,
    ]);
    expect(info.decode([128010, 128008])).toBe('<|python_tag|><|eom_id|>');
    expect(info.decode([9906, 128009], { skipSpecialTokens: true })).toBe('Hello');
    expect(info.tokenText(9906)).toBe('Hello');
    expect(info.tokenText(1917)).toBe(' world');
  });

  it('llama-2: every <0xNN> token is the single byte NN; ▁ is a space; duplicates share a trie path', async () => {
    const info = await preset('llama-2');
    for (let b = 0; b < 256; b++) {
      const id = 3 + b; // <0x00> .. <0xFF> follow <unk>, <s>, </s>
      expect(info.tokenText(id)).toBe(
        b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase()}`,
      );
      expect(Array.from(info.tokenBytes(id))).toEqual([b]);
    }
    expect(info.addsPrefixSpace).toBe(true);
    // `<0x20>` (id 35) and `▁` both spell " ": two trie nodes with the same byte and depth.
    const spaces: number[] = [];
    for (let id = 0; id < info.vocabSize; id++) if (info.tokenText(id) === ' ') spaces.push(id);
    expect(spaces.length).toBe(2);
    expect(spaces).toContain(35);
    const [n1, n2] = spaces.map((id) => info.trie.tokenNode[id]!);
    expect(n1).not.toBe(n2);
    for (const n of [n1!, n2!]) {
      expect(info.trie.depth[n]).toBe(1);
      expect(info.trie.bytes[n]).toBe(0x20);
    }
  });

  it('qwen3: non-special added tokens (<think>) are ordinary text tokens', async () => {
    const info = await preset('qwen3');
    const think = info.addedTokens.find((t) => t.content === '<think>')!;
    expect(think.special).toBe(false);
    expect(info.isSpecial(think.id)).toBe(false);
    expect(info.trie.tokenNode[think.id]).toBeGreaterThan(0);
    expect(info.encode('<think>')).toEqual([think.id]);
    const imEnd = info.addedTokens.find((t) => t.content === '<|im_end|>')!;
    expect(info.isSpecial(imEnd.id)).toBe(true);
    expect(info.trie.tokenNode[imEnd.id]).toBe(-1);
  });

  it('llama-2 ships Mistral 7B v0.1 ids, also available under that name', async () => {
    const info = await preset('llama-2');
    expect(info.encode('[INST]')).toEqual([733, 16289, 28793]);
    const mistral = await TokenizerInfo.fromPreset('mistral-7b-v0.1');
    expect(mistral.tokenBytesData).toEqual(info.tokenBytesData);
    expect(mistral.source).toBe('preset:mistral-7b-v0.1');
  });

  it('an unknown preset lists the known ones', async () => {
    await expect(TokenizerInfo.fromPreset('gpt-9')).rejects.toThrow(
      /unknown tokenizer preset "gpt-9".*llama-3\.1/,
    );
  });
});
