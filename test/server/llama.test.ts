import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { post, type Started, start } from './helpers.js';

// The real llama-3.1 tokenizer (128k vocabulary, chat template from its tokenizer_config.json).
let s: Started;
let client: OpenAI;
beforeAll(async () => {
  s = await start({ preset: 'llama-3.1', modelCacheDir: mkdtempSync(join(tmpdir(), 'lk-llama-')) });
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 120_000);
afterAll(() => s.close());

test('llama-3.1: chat template, BOS and EOS handling, JSON schema', async () => {
  const tokens = await post(`${s.url}/tokenize`, { messages: [{ role: 'user', content: 'Hi' }] });
  const ids = (tokens.body as { tokens: number[] }).tokens;
  expect(ids[0]).toBe(128000); // <|begin_of_text|> rendered by the template, not added twice
  expect(ids.filter((id) => id === 128000)).toHaveLength(1);
  const detok = await post(`${s.url}/detokenize`, { tokens: ids, skip_special_tokens: false });
  expect((detok.body as { text: string }).text).toBe(
    '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  const plain = await post(`${s.url}/generate`, {
    text: 'The capital of France is',
    sampling_params: { max_new_tokens: 8, temperature: 0 },
  });
  const body = plain.body as { meta_info: { prompt_tokens: number } };
  expect(body.meta_info.prompt_tokens).toBe(6); // BOS + 5 tokens
  const schema = {
    type: 'object',
    properties: { answer: { type: 'string', enum: ['yes', 'no'] } },
    required: ['answer'],
    additionalProperties: false,
  };
  const r = await client.chat.completions.create({
    model: 'x',
    messages: [{ role: 'user', content: 'Is Paris in France? Answer in JSON.' }],
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    max_tokens: 60,
    seed: 1,
  });
  const content = r.choices[0]!.message.content!;
  expect(new AjvModule.default().validate(schema, JSON.parse(content))).toBe(true);
  expect(r.choices[0]!.finish_reason).toBe('stop');
  expect([128001, 128008, 128009]).toContain(
    (r.choices[0] as unknown as { matched_stop: number }).matched_stop,
  );
}, 120_000);
