/**
 * Tool-call walks with the Llama-3.1 vocabulary: free text, then the trigger, then a JSON body, then the end of
 * the tag, every token chosen (seeded) among the tokens the mask allows. The arguments are validated with ajv.
 */
import AjvModule from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { allocateTokenBitmask, allowedTokens, isTokenAllowed } from '../../src/engine/bitmask.js';
import { GrammarCompiler } from '../../src/engine/grammar-compiler.js';
import { GrammarMatcher } from '../../src/engine/matcher.js';
import { structuralTagForTools, type ToolCallStyle } from '../../src/structural-tag/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { rng } from '../helpers/rng.js';

const TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', maxLength: 8 },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['city', 'unit'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'add',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer', minimum: 0, maximum: 999 }, b: { type: 'boolean' } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
  },
];

let info: TokenizerInfo;
/** Ids of short ASCII word tokens, for readable free text. */
let wordTokens: number[];
/** Token ids by their text. */
const byText = new Map<string, number[]>();
let compiler: GrammarCompiler;
const decoder = new TextDecoder();
const ajv = new AjvModule.default();

beforeAll(async () => {
  info = await TokenizerInfo.fromPreset('llama-3.1');
  compiler = new GrammarCompiler(info);
  wordTokens = [];
  for (let id = 0; id < info.vocabSize; id++) {
    const text = decoder.decode(info.tokenBytes(id));
    if (/^ ?[a-zA-Z]{1,8}[.,]?$/.test(text)) wordTokens.push(id);
    byText.set(text, [...(byText.get(text) ?? []), id]);
  }
});

interface Walk {
  text: string;
  steps: number;
}

/** Generates through the masks: `free` random free-text tokens, the call's begin (random tokenization), a random body. */
function walk(style: ToolCallStyle, seed: number, begin: (tool: string) => string): Walk & { tool: number } {
  const random = rng(seed);
  const compiled = compiler.compileStructuralTag(structuralTagForTools(TOOLS, style), {
    jsonSchema: { maxWhitespace: 1 },
  });
  const m = new GrammarMatcher(compiled);
  const mask = allocateTokenBitmask(1, info.vocabSize);
  const out: Uint8Array[] = [];
  let steps = 0;
  const take = (candidates: number[]): void => {
    expect(candidates.length).toBeGreaterThan(0);
    const id = candidates[Math.floor(random() * candidates.length)]!;
    expect(isTokenAllowed(mask, id, info.vocabSize)).toBe(true);
    expect(m.acceptToken(id)).toBe(true);
    out.push(info.tokenBytes(id));
    steps++;
  };
  // 1. free text: any allowed tokens (ASCII only, so the text stays readable)
  for (let i = 0; i < 6; i++) {
    m.fillNextTokenBitmask(mask);
    take(wordTokens.filter((id) => isTokenAllowed(mask, id, info.vocabSize)));
  }
  // 2. the trigger and the rest of the begin string, as random allowed prefixes of it
  const tool = Math.floor(random() * TOOLS.length);
  let forced = begin(TOOLS[tool]!.function.name);
  while (forced.length > 0) {
    m.fillNextTokenBitmask(mask);
    const fits: number[] = [];
    for (let k = 1; k <= forced.length; k++) {
      for (const id of byText.get(forced.slice(0, k)) ?? [])
        if (isTokenAllowed(mask, id, info.vocabSize)) fits.push(id);
    }
    const before = out.length;
    take(fits);
    forced = forced.slice(decoder.decode(out[before]!).length);
  }
  // 3. the body and the end: random allowed tokens until the grammar may end (only outside a tag)
  while (!m.isCompleted()) {
    m.fillNextTokenBitmask(mask);
    take(allowedTokens(mask, info.vocabSize).filter((id) => id !== info.eosTokenIds[0]));
    expect(steps).toBeLessThan(400);
  }
  return { text: decoder.decode(Buffer.concat(out)), steps, tool };
}

/** The first complete JSON object starting at `from`, and where it ends. */
function jsonAt(text: string, from: number): { value: unknown; end: number } {
  for (let end = text.indexOf('}', from); end !== -1; end = text.indexOf('}', end + 1)) {
    try {
      return { value: JSON.parse(text.slice(from, end + 1)), end: end + 1 };
    } catch {
      // not complete yet
    }
  }
  throw new Error(`no JSON object at ${from} in ${JSON.stringify(text)}`);
}

describe('tool-call walk, Llama-3.1 vocabulary', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`llama-3 JSON call, seed ${seed}`, () => {
      const begin = (name: string) => `{"name": "${name}", "parameters": `;
      const { text, tool } = walk('llama-3', seed, begin);
      const name = TOOLS[tool]!.function.name;
      const start = text.indexOf(begin(name));
      expect(start).toBeGreaterThan(0); // free text came first
      const args = jsonAt(text, start + begin(name).length);
      expect(ajv.validate(TOOLS[tool]!.function.parameters, args.value), JSON.stringify(args.value)).toBe(
        true,
      );
      expect(text[args.end]).toBe('}');
    });
  }
  for (const seed of [5, 6]) {
    it(`qwen <tool_call> call, seed ${seed}`, () => {
      const begin = (name: string) => `<tool_call>\n{"name": "${name}", "arguments": `;
      const { text, tool } = walk('qwen', seed, begin);
      const name = TOOLS[tool]!.function.name;
      const start = text.indexOf(begin(name));
      expect(start).toBeGreaterThan(0);
      const args = jsonAt(text, start + begin(name).length);
      expect(ajv.validate(TOOLS[tool]!.function.parameters, args.value)).toBe(true);
      expect(text.slice(args.end, args.end + 14)).toBe('}\n</tool_call>');
    });
  }
  it('token-level call: free tokens, <|python_tag|>, a JSON body (ajv), <|eom_id|>, then a stop token', () => {
    const PYTHON_TAG = 128010;
    const EOM = 128008;
    const EOT = 128009;
    const schema = {
      type: 'object',
      properties: { name: { const: 'get_weather' }, parameters: TOOLS[0]!.function.parameters },
      required: ['name', 'parameters'],
      additionalProperties: false,
    };
    const g = compiler.compileStructuralTag(
      {
        type: 'structural_tag',
        format: {
          type: 'token_triggered_tags',
          trigger_tokens: ['<|python_tag|>'],
          tags: [
            {
              type: 'tag',
              begin: { type: 'token', token: '<|python_tag|>' },
              content: { type: 'json_schema', json_schema: schema },
              end: { type: 'token', token: EOM },
            },
          ],
          stop_after_first: true,
        },
      },
      { jsonSchema: { maxWhitespace: 1 } },
    );
    const random = rng(7);
    const m = new GrammarMatcher(g);
    const mask = allocateTokenBitmask(1, info.vocabSize);
    const pick = (ids: number[]): number => ids[Math.floor(random() * ids.length)]!;
    // Free tokens: every ordinary token, the trigger by id, stop tokens (the grammar may end); no other specials.
    m.fillNextTokenBitmask(mask);
    const free = allowedTokens(mask, info.vocabSize);
    const ordinary = [...Array(info.vocabSize).keys()].filter((id) => !info.isSpecial(id));
    expect(free).toEqual([...ordinary, ...info.eosTokenIds, PYTHON_TAG].sort((a, b) => a - b));
    for (let i = 0; i < 5; i++) expect(m.acceptToken(pick(wordTokens))).toBe(true);
    expect(m.acceptToken(PYTHON_TAG)).toBe(true);
    m.fillNextTokenBitmask(mask);
    expect(isTokenAllowed(mask, EOM, info.vocabSize)).toBe(false);
    const body: Uint8Array[] = [];
    for (let steps = 0; ; steps++) {
      expect(steps).toBeLessThan(300);
      m.fillNextTokenBitmask(mask);
      const id = pick(allowedTokens(mask, info.vocabSize));
      expect(m.acceptToken(id)).toBe(true);
      if (id === EOM) break;
      expect(info.isSpecial(id)).toBe(false);
      body.push(info.tokenBytes(id));
    }
    const call = JSON.parse(decoder.decode(Buffer.concat(body)));
    expect(ajv.validate(schema, call), JSON.stringify(call)).toBe(true);
    // After the tag only a stop token may follow (<|eom_id|> is now a stop token again).
    m.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, info.vocabSize)).toEqual([...info.eosTokenIds].sort((a, b) => a - b));
    expect(m.acceptToken(EOT)).toBe(true);
    expect(m.isTerminated()).toBe(true);
    // Rolling back over the end token and the whole call restores the free-token mask.
    m.rollback(body.length + 3);
    m.fillNextTokenBitmask(mask);
    expect(allowedTokens(mask, info.vocabSize)).toEqual(free);
  });
});
