import AjvModule from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post, type Started, start } from './helpers.js';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 6 },
    age: { type: 'integer', minimum: 0, maximum: 120 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};
// ajv is CommonJS: under NodeNext the constructor is the default export's `default`.
const Ajv = AjvModule.default;
const validate = new Ajv().compile(schema);

let s: Started;
let client: OpenAI;
beforeAll(async () => {
  s = await start();
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => s.close());

describe('constrained generation', () => {
  test('json_schema on /generate: output validates with ajv and ends on EOS', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'Give me JSON:',
      sampling_params: { json_schema: JSON.stringify(schema), max_new_tokens: 200, sampling_seed: 3 },
    });
    expect(r.status).toBe(200);
    const body = r.body as { text: string; meta_info: { finish_reason: { type: string } } };
    expect(body.meta_info.finish_reason.type).toBe('stop');
    const value = JSON.parse(body.text);
    expect(validate(value)).toBe(true);
  });

  test('regex and ebnf constraints', async () => {
    const re = await post(`${s.url}/generate`, {
      text: 'x',
      sampling_params: { regex: '(abc|xyz)[0-9]{2}', max_new_tokens: 20 },
    });
    expect((re.body as { text: string }).text).toMatch(/^(abc|xyz)[0-9]{2}$/);
    const ebnf = await post(`${s.url}/generate`, {
      text: 'x',
      sampling_params: { ebnf: 'root ::= "yes" | "no"', max_new_tokens: 10, n: 3 },
    });
    for (const out of ebnf.body as { text: string }[]) expect(['yes', 'no']).toContain(out.text);
  });

  test('invalid grammars: 400 with the compiler message, cached failures too', async () => {
    for (let i = 0; i < 2; i++) {
      const bad = await post(`${s.url}/generate`, {
        text: 'x',
        sampling_params: { json_schema: '{"type": "object",' },
      });
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { message: string } }).error.message).toMatch(
        /^Failed to compile json grammar: .+/,
      );
    }
    const regex = await post(`${s.url}/generate`, { text: 'x', sampling_params: { regex: '(unclosed' } });
    expect((regex.body as { error: { message: string } }).error.message).toMatch(
      /^Failed to compile regex grammar: .+/,
    );
    const ebnf = await post(`${s.url}/generate`, { text: 'x', sampling_params: { ebnf: 'root ::= "a' } });
    expect((ebnf.body as { error: { message: string } }).error.message).toMatch(
      /^Failed to compile ebnf grammar: .*line/,
    );
    const oa = await post(`${s.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'a' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nonsense' } } },
    });
    expect(oa.status).toBe(400);
    expect(oa.body).toMatchObject({ object: 'error', type: 'BadRequestError', code: 400 });
    expect((oa.body as { message: string }).message).toMatch(/^Failed to compile json grammar: /);
  });

  test('OpenAI response_format json_schema and json_object through the client', async () => {
    const r = await client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Who are you? Answer in JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
      max_tokens: 200,
      seed: 11,
    });
    const content = r.choices[0]!.message.content!;
    expect(validate(JSON.parse(content))).toBe(true);
    const obj = await client.completions.create({
      model: 'x',
      prompt: 'JSON:',
      max_tokens: 300,
      response_format: { type: 'json_object' },
      n: 2,
      seed: 5,
    } as never);
    for (const choice of (obj as unknown as { choices: { text: string; finish_reason: string }[] }).choices) {
      if (choice.finish_reason === 'stop') expect(typeof JSON.parse(choice.text)).toBe('object');
    }
  });

  test('flush_cache empties the grammar cache', async () => {
    const info = async () =>
      (await (await fetch(`${s.url}/server_info`)).json()) as {
        internal_states: { grammar_cache: { size: number } }[];
      };
    expect((await info()).internal_states[0]!.grammar_cache.size).toBeGreaterThan(0);
    await fetch(`${s.url}/flush_cache`, { method: 'POST' });
    expect((await info()).internal_states[0]!.grammar_cache.size).toBe(0);
  });
});

describe('structural tags', () => {
  const tag = {
    type: 'structural_tag',
    format: {
      type: 'tag',
      begin: '<f>',
      content: { type: 'json_schema', json_schema: schema },
      end: '</f>',
    },
  };

  test('native structural_tag and OpenAI response_format structural_tag', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'call:',
      sampling_params: { structural_tag: JSON.stringify(tag), max_new_tokens: 200, sampling_seed: 1 },
    });
    expect(r.status).toBe(200);
    const text = (r.body as { text: string }).text;
    const match = /^<f>([\s\S]*)<\/f>$/.exec(text);
    expect(match).not.toBeNull();
    expect(validate(JSON.parse(match![1]!))).toBe(true);
    const chat = await post(`${s.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'call' }],
      response_format: tag,
      max_tokens: 200,
      seed: 2,
    });
    const content = (chat.body as { choices: { message: { content: string } }[] }).choices[0]!.message
      .content;
    expect(content).toMatch(/^<f>[\s\S]*<\/f>$/);
  });

  test('a bad structural tag is a 400 naming the problem', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'x',
      sampling_params: {
        structural_tag: JSON.stringify({ type: 'structural_tag', format: { type: 'nonsense' } }),
      },
    });
    expect(r.status).toBe(400);
    expect((r.body as { error: { message: string } }).error.message).toMatch(
      /^Failed to compile structural_tag grammar: .+/,
    );
  });
});

describe('tool calls', () => {
  const weather = {
    type: 'function' as const,
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 10 } },
        required: ['city'],
        additionalProperties: false,
      },
    },
  };

  test('a named tool_choice forces one call, parsed into tool_calls', async () => {
    for (const toolChoice of [{ type: 'function', function: { name: 'get_weather' } }, 'required'] as const) {
      const r = await client.chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [weather],
        tool_choice: toolChoice,
        max_tokens: 120,
        seed: 4,
      });
      const choice = r.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const call = choice.message.tool_calls![0]! as {
        type: string;
        function: { name: string; arguments: string };
      };
      expect(call.type).toBe('function');
      expect(call.function.name).toBe('get_weather');
      const args = JSON.parse(call.function.arguments) as { city: string };
      expect(typeof args.city).toBe('string');
      expect(args.city.length).toBeLessThanOrEqual(10);
    }
  });

  test('streamed tool calls arrive as a tool_calls delta before the finish chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weather],
      tool_choice: 'required',
      max_tokens: 120,
      seed: 5,
      stream: true,
    });
    const calls: { function?: { name?: string; arguments?: string } }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.tool_calls) calls.push(...choice.delta.tool_calls);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(finish).toBe('tool_calls');
    expect(calls[0]!.function!.name).toBe('get_weather');
    expect(JSON.parse(calls[0]!.function!.arguments!)).toHaveProperty('city');
  });

  test('tool_choice validation', async () => {
    const r = await post(`${s.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'a' }],
      tools: [weather],
      tool_choice: { type: 'function', function: { name: 'nope' } },
    });
    expect(r.body).toEqual({
      object: 'error',
      message: "Tool 'nope' not found in tools list.",
      type: 'BadRequest',
      param: null,
      code: 400,
    });
  });
});
