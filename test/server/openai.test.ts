import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post, type Started, sseEvents, start } from './helpers.js';

let s: Started;
let client: OpenAI;
beforeAll(async () => {
  s = await start({ servedModelName: 'tiny' });
  client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => s.close());

describe('OpenAI routes with the official client', () => {
  test('models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
    const raw = (await (await fetch(`${s.url}/v1/models`)).json()) as { data: Record<string, unknown>[] };
    expect(raw.data[0]).toMatchObject({
      object: 'model',
      owned_by: 'sglang',
      root: 'tiny',
      parent: null,
      max_model_len: 8192,
    });
  });

  test('completions: default max_tokens 16, usage, n > 1', async () => {
    const r = await client.completions.create({
      model: 'tiny',
      prompt: 'The cat',
      temperature: 1,
      ignore_eos: true,
    } as never);
    expect(r.object).toBe('text_completion');
    expect(r.id).toMatch(/^[0-9a-f]{32}$/);
    expect(r.choices).toHaveLength(1);
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 });
    const many = await client.completions.create({
      model: 'tiny',
      prompt: ['Hello', 'The cat'],
      n: 2,
      max_tokens: 3,
    });
    expect(many.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(many.usage!.prompt_tokens).toBe(1 + 2);
  });

  test('completions: logprobs and echo', async () => {
    const r = await client.completions.create({
      model: 'tiny',
      prompt: 'The cat',
      max_tokens: 3,
      logprobs: 2,
      echo: true,
      ignore_eos: true,
    } as never);
    const choice = r.choices[0]!;
    expect(choice.text.startsWith('The cat')).toBe(true);
    const lp = choice.logprobs!;
    expect(lp.tokens).toHaveLength(2 + 3);
    expect(lp.token_logprobs![0]).toBeNull();
    expect(lp.text_offset!.every((o) => o === -1)).toBe(true);
    expect(Object.keys(lp.top_logprobs![2]!).length).toBeGreaterThan(0);
  });

  test('chat: response shape, logprobs, n > 1', async () => {
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 5,
      n: 2,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices).toHaveLength(2);
    const choice = r.choices[0]!;
    expect(choice.message.role).toBe('assistant');
    expect(typeof choice.message.content).toBe('string');
    expect(['stop', 'length']).toContain(choice.finish_reason);
    const content = choice.logprobs!.content!;
    expect(content.length).toBeGreaterThan(0);
    expect(content[0]!.top_logprobs).toHaveLength(2);
    expect(content[0]!.bytes).toEqual([...new TextEncoder().encode(content[0]!.token)]);
  });

  test('chat streaming with include_usage through the client', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let first = true;
    let finish: string | null = null;
    let usage: unknown = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (first) {
        expect(choice.delta).toMatchObject({ role: 'assistant', content: '' });
        first = false;
      }
      text += choice.delta.content ?? '';
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    expect(['stop', 'length']).toContain(finish);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
    expect(typeof text).toBe('string');
  });

  test('completions streaming: deltas add up to the non-stream text (seeded)', async () => {
    const base = { model: 'tiny', prompt: 'The cat', max_tokens: 8, seed: 7, temperature: 0.8 };
    const whole = await client.completions.create(base);
    const stream = await client.completions.create({ ...base, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(whole.choices[0]!.text);
  });
});

describe('OpenAI wire format', () => {
  test('chat SSE framing byte-for-byte', async () => {
    const r = await post(`${s.url}/v1/chat/completions`, {
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 2,
      stream: true,
      ignore_eos: true,
      stream_options: { include_usage: true },
    });
    expect(r.text).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const events = sseEvents(r.text);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    const first = chunks[0] as { choices: { delta: unknown; finish_reason: unknown }[]; object: string };
    expect(first.object).toBe('chat.completion.chunk');
    expect(first.choices[0]!.delta).toEqual({ role: 'assistant', content: '', reasoning_content: null });
    const finish = chunks.at(-2) as { choices: { delta: unknown; finish_reason: unknown }[] };
    expect(finish.choices[0]).toMatchObject({ delta: { reasoning_content: null }, finish_reason: 'length' });
    const usage = chunks.at(-1) as { choices: unknown[]; usage: Record<string, number> };
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 2 });
  });

  test('errors use the flat body', async () => {
    const cases: [string, unknown, number, string, string][] = [
      ['/v1/completions', { model: 'x', prompt: '' }, 400, 'Prompt cannot be empty', 'BadRequest'],
      [
        '/v1/completions',
        { model: 'x', prompt: 'a', max_tokens: 0 },
        400,
        'max_tokens must be positive',
        'BadRequest',
      ],
      ['/v1/chat/completions', { model: 'x', messages: [] }, 400, 'Messages cannot be empty.', 'BadRequest'],
      [
        '/v1/chat/completions',
        {
          model: 'x',
          messages: [{ role: 'user', content: 'a' }],
          response_format: { type: 'json_schema', json_schema: { name: 'x' } },
        },
        400,
        'schema_ is required for json_schema response format request.',
        'BadRequest',
      ],
      [
        '/v1/chat/completions',
        { model: 'x', messages: [{ role: 'user', content: 'a' }], tool_choice: 'required' },
        400,
        'Tools cannot be empty if tool choice is set to required.',
        'BadRequest',
      ],
      [
        '/v1/completions',
        { model: 'x', prompt: 'a', temperature: -2 },
        400,
        'temperature must be a non-negative finite number, got -2.',
        'BadRequestError',
      ],
      [
        '/v1/completions',
        { model: 'x', prompt: 'a', bogus: true },
        400,
        "Unknown field 'bogus' in the request body.",
        'Bad Request',
      ],
      [
        '/v1/completions',
        { model: 'x', prompt: 'a', n: 'two' },
        400,
        "Field 'n' must be an integer.",
        'Bad Request',
      ],
    ];
    for (const [path, body, status, message, type] of cases) {
      const r = await post(`${s.url}${path}`, body);
      expect({ path, body, status: r.status, response: r.body }).toEqual({
        path,
        body,
        status,
        response: { object: 'error', message, type, param: null, code: status },
      });
    }
  });

  test('wrong content type on /v1/* is a 400', async () => {
    const r = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({
      object: 'error',
      message: "Unsupported Media Type: Only 'application/json' is allowed",
      type: 'Bad Request',
      param: null,
      code: 400,
    });
  });
});
