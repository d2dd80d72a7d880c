import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post, type Started, sseEvents, start, TINY } from './helpers.js';

let s: Started;
beforeAll(async () => {
  s = await start();
});
afterAll(() => s.close());

describe('/generate', () => {
  test('single text request: response shape and meta_info keys in order', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'Hello world',
      sampling_params: { max_new_tokens: 8, temperature: 0 },
    });
    expect(r.status).toBe(200);
    const body = r.body as { text: string; output_ids: number[]; meta_info: Record<string, unknown> };
    expect(typeof body.text).toBe('string');
    expect(body.output_ids.length).toBeGreaterThan(0);
    expect(body.output_ids.length).toBeLessThanOrEqual(8);
    expect(Object.keys(body.meta_info)).toEqual([
      'id',
      'finish_reason',
      'prompt_tokens',
      'weight_version',
      'num_retractions',
      'completion_tokens',
      'cached_tokens',
      'e2e_latency',
    ]);
    expect(body.meta_info.id).toMatch(/^[0-9a-f]{32}$/);
    expect(body.meta_info.prompt_tokens).toBe(2); // Hello " world" (the synthetic tokenizer adds no BOS)
    expect(body.meta_info.completion_tokens).toBe(body.output_ids.length);
  });

  test('greedy and seeded requests are reproducible', async () => {
    const req = {
      text: 'The cat',
      sampling_params: { max_new_tokens: 12, temperature: 0.9, sampling_seed: 1234 },
    };
    const a = (await post(`${s.url}/generate`, req)).body as { output_ids: number[] };
    const b = (await post(`${s.url}/generate`, req)).body as { output_ids: number[] };
    expect(a.output_ids).toEqual(b.output_ids);
    const c = (
      await post(`${s.url}/generate`, {
        ...req,
        sampling_params: { ...req.sampling_params, sampling_seed: 99 },
      })
    ).body as { output_ids: number[] };
    expect(c.output_ids.length).toBeGreaterThan(0);
  });

  test('length finish reason and max_new_tokens 0', async () => {
    const r = await post(`${s.url}/generate`, {
      input_ids: [1, 2, 3],
      sampling_params: { max_new_tokens: 3, ignore_eos: true },
    });
    const meta = (r.body as { meta_info: { finish_reason: unknown } }).meta_info;
    expect(meta.finish_reason).toEqual({ type: 'length', length: 3 });
    const zero = await post(`${s.url}/generate`, {
      input_ids: [1, 2, 3],
      sampling_params: { max_new_tokens: 0 },
    });
    expect((zero.body as { output_ids: number[] }).output_ids).toEqual([]);
  });

  test('stop token ids: matched id reported and trimmed from the text', async () => {
    // logit_bias forces token 65 ("A") then stop on it.
    const r = await post(`${s.url}/generate`, {
      input_ids: [1],
      sampling_params: { max_new_tokens: 5, temperature: 0, stop_token_ids: [65], logit_bias: { '65': 100 } },
    });
    const body = r.body as { text: string; output_ids: number[]; meta_info: { finish_reason: unknown } };
    expect(body.output_ids).toEqual([65]);
    expect(body.meta_info.finish_reason).toEqual({ type: 'stop', matched: 65 });
    expect(body.text).toBe('');
  });

  test('stop strings are trimmed at the first occurrence', async () => {
    const r = await post(`${s.url}/generate`, {
      input_ids: [1],
      sampling_params: {
        max_new_tokens: 5,
        temperature: 0,
        stop: 'B',
        logit_bias: { '65': 100 },
        min_new_tokens: 0,
      },
    });
    const body = r.body as { text: string; meta_info: { finish_reason: unknown } };
    expect(body.text).toBe('AAAAA');
    const r2 = await post(`${s.url}/generate`, {
      input_ids: [1],
      sampling_params: { max_new_tokens: 5, temperature: 0, stop: ['AA'], logit_bias: { '65': 100 } },
    });
    const b2 = r2.body as { text: string; output_ids: number[]; meta_info: { finish_reason: unknown } };
    expect(b2.meta_info.finish_reason).toEqual({ type: 'stop', matched: 'AA' });
    expect(b2.text).toBe('');
    expect(b2.output_ids).toEqual([65, 65]);
  });

  test('batch and n > 1 return prompt-major arrays with fresh rids', async () => {
    const r = await post(`${s.url}/generate`, {
      text: ['Hello', 'The cat'],
      sampling_params: { max_new_tokens: 2, n: 2 },
      rid: 'mine',
    });
    const body = r.body as { meta_info: { id: string; prompt_tokens: number } }[];
    expect(body).toHaveLength(4);
    expect(new Set(body.map((b) => b.meta_info.id)).size).toBe(4);
    expect(body.map((b) => b.meta_info.prompt_tokens)).toEqual([1, 1, 2, 2]);
    const single = await post(`${s.url}/generate`, {
      text: 'Hello',
      sampling_params: { max_new_tokens: 1, n: 2 },
    });
    expect(Array.isArray(single.body)).toBe(true);
    const rids = await post(`${s.url}/generate`, {
      text: ['a', 'b'],
      rid: 'r',
      sampling_params: { max_new_tokens: 1 },
    });
    expect((rids.body as { meta_info: { id: string } }[]).map((b) => b.meta_info.id)).toEqual(['r_0', 'r_1']);
  });

  test('logprobs: input entry 0 is null, output tuples with text', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'The cat sat',
      sampling_params: { max_new_tokens: 3, temperature: 0 },
      return_logprob: true,
      top_logprobs_num: 2,
      logprob_start_len: 0,
      return_text_in_logprobs: true,
      token_ids_logprob: [65, 66],
    });
    const meta = (r.body as { meta_info: Record<string, unknown[]> }).meta_info;
    expect(meta.input_token_logprobs).toHaveLength(3);
    expect(meta.input_token_logprobs![0]).toEqual([null, 282, 'The']);
    expect((meta.input_token_logprobs![1] as number[])[0]).toBeLessThan(0);
    expect(meta.output_token_logprobs).toHaveLength(3);
    const [lp, id, text] = meta.output_token_logprobs![0] as [number, number, string];
    expect(lp).toBeLessThanOrEqual(0);
    expect(typeof id).toBe('number');
    expect(typeof text).toBe('string');
    expect(meta.output_top_logprobs![0]).toHaveLength(2);
    expect(meta.input_top_logprobs![0]).toBeNull();
    expect((meta.output_token_ids_logprobs![0] as unknown[]).map((e) => (e as unknown[])[1])).toEqual([
      65, 66,
    ]);
    // Greedy: the chosen token is the top-1.
    expect((meta.output_top_logprobs![0] as unknown[][])[0]![1]).toBe(id);
  });

  test('streaming: cumulative text, byte-exact framing, [DONE]', async () => {
    const r = await post(`${s.url}/generate`, {
      text: 'Hello',
      stream: true,
      sampling_params: { max_new_tokens: 4, ignore_eos: true, temperature: 0 },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.text).toMatch(/^(data: \{[^\n]*\}\n\n)+data: \[DONE\]\n\n$/);
    const events = sseEvents(r.text);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events
      .slice(0, -1)
      .map(
        (e) => JSON.parse(e) as { text: string; output_ids: number[]; meta_info: { finish_reason: unknown } },
      );
    expect(chunks).toHaveLength(4);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.text.startsWith(chunks[i - 1]!.text)).toBe(true);
      expect(chunks[i]!.output_ids.slice(0, i)).toEqual(chunks[i - 1]!.output_ids);
    }
    expect(chunks.slice(0, -1).every((c) => c.meta_info.finish_reason === null)).toBe(true);
    expect(chunks.at(-1)!.meta_info.finish_reason).toEqual({ type: 'length', length: 4 });
  });

  test('batch streaming chunks carry index', async () => {
    const r = await post(`${s.url}/generate`, {
      text: ['Hello', 'The'],
      stream: true,
      sampling_params: { max_new_tokens: 2, ignore_eos: true },
    });
    const chunks = sseEvents(r.text)
      .slice(0, -1)
      .map((e) => JSON.parse(e) as { index: number });
    expect(new Set(chunks.map((c) => c.index))).toEqual(new Set([0, 1]));
  });

  test('validation errors: native body with SGLang messages', async () => {
    const cases: [unknown, string][] = [
      [{ sampling_params: {} }, 'Either text, input_ids or input_embeds should be provided.'],
      [
        { text: 'a', sampling_params: { temperature: -1 } },
        'temperature must be a non-negative finite number, got -1.',
      ],
      [{ text: 'a', sampling_params: { top_p: 0 } }, 'top_p must be in (0, 1], got 0.'],
      ['{"text": "a", "sampling_params": {"top_p": 0.0}}', 'top_p must be in (0, 1], got 0.0.'],
      [{ text: 'a', sampling_params: { top_k: 0 } }, 'top_k must be -1 (disable) or at least 1, got 0.'],
      [{ text: 'a', sampling_params: { min_p: 2 } }, 'min_p must be in [0, 1], got 2.'],
      [
        { text: 'a', sampling_params: { repetition_penalty: 0 } },
        'repetition_penalty must be in (0, 2] (1.0 = no penalty), got 0.',
      ],
      [{ text: 'a', sampling_params: { max_new_tokens: -1 } }, 'max_new_tokens must be at least 0, got -1.'],
      [
        { text: 'a', sampling_params: { max_new_tokens: 2, min_new_tokens: 3 } },
        'min_new_tokens must be in [0, max_new_tokens(2)], got 3.',
      ],
      [
        { text: 'a', sampling_params: { regex: 'a', ebnf: 'root ::= "a"' } },
        'Only one of regex, json_schema, or ebnf can be set.',
      ],
      [
        { text: 'a', sampling_params: { logit_bias: { '100000': 1 } } },
        `logit_bias must has keys in [0, ${TINY.vocabSize - 1}], got 100000.`,
      ],
      [
        { input_ids: [1, 99999] },
        `The input_ids [1, 99999] contains values greater than the vocab size (${TINY.vocabSize}).`,
      ],
      [
        { text: ['a', 'b'], sampling_params: [{ n: 1 }, { n: 2 }] },
        'The parallel_sample_num should be the same for all samples in sample params.',
      ],
      [
        { text: ['a', 'b'], rid: ['x'] },
        'The specified rids length mismatch with the batch_size for batch processing.',
      ],
      [
        { text: 'a', custom_logit_processor: 'DisallowedTokensLogitsProcessor' },
        'The server is not configured to enable custom logit processor. Please set `--enable-custom-logit-processor` to enable this feature.',
      ],
      [
        { text: 'a', return_logprob: true, logprob_start_len: 5 },
        'req.logprob_start_len=5 is higher than the number of input tokens len(req.origin_input_ids)=1. Please use a smaller logprob_start_len.',
      ],
      [
        { text: 'a', sampling_params: { max_new_tokens: 9000 } },
        "Requested token count exceeds the model's maximum context length of 8192 tokens. You requested a total of 9001 tokens: 1 tokens from the input messages and 9000 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.",
      ],
    ];
    for (const [body, message] of cases) {
      const r = await post(`${s.url}/generate`, body);
      expect({ body, status: r.status, response: r.body }).toEqual({
        body,
        status: 400,
        response: { error: { message } },
      });
    }
  });

  test('streaming validation errors: HTTP 200, one error event, [DONE]', async () => {
    const r = await post(`${s.url}/generate`, { text: 'a', stream: true, sampling_params: { top_p: 5 } });
    expect(r.status).toBe(200);
    expect(r.text).toBe('data: {"error":{"message":"top_p must be in (0, 1], got 5."}}\n\ndata: [DONE]\n\n');
  });

  test('model-side features answer a clear 400', async () => {
    for (const field of ['input_embeds', 'image_data', 'audio_data', 'lora_path', 'return_hidden_states']) {
      const r = await post(`${s.url}/generate`, {
        text: 'a',
        [field]: field === 'return_hidden_states' ? true : 'x',
      });
      expect(r.status).toBe(400);
      expect((r.body as { error: { message: string } }).error.message).toContain(
        'not supported by the embedded model',
      );
    }
  });

  test('body validation errors use the flat Bad Request body', async () => {
    const bad = await post(`${s.url}/generate`, '{"text": ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ object: 'error', type: 'Bad Request', param: null, code: 400 });
    const unknown = await post(`${s.url}/generate`, { text: 'a', bogus: 1 });
    expect(unknown.body).toEqual({
      object: 'error',
      message: "Unknown field 'bogus' in the request body.",
      type: 'Bad Request',
      param: null,
      code: 400,
    });
    const wrongType = await post(`${s.url}/generate`, { text: 5 });
    expect(wrongType.status).toBe(400);
    const unknownParam = await post(`${s.url}/generate`, { text: 'a', sampling_params: { temprature: 1 } });
    expect(unknownParam.status).toBe(400);
    expect((unknownParam.body as { error: { message: string } }).error.message).toMatch(
      /^Unknown sampling parameter 'temprature'\. Valid parameters: /,
    );
  });
});

describe('other native routes', () => {
  test('/health, /health_generate', async () => {
    const health = await fetch(`${s.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
    const hg = await fetch(`${s.url}/health_generate`);
    expect(hg.status).toBe(200);
  });

  test('/model_info and /server_info with aliases', async () => {
    for (const path of ['/model_info', '/get_model_info']) {
      const info = (await (await fetch(`${s.url}${path}`)).json()) as Record<string, unknown>;
      expect(info).toMatchObject({
        model_path: 'logitkit/ngram-3',
        tokenizer_path: 'vocab',
        is_generation: true,
        preferred_sampling_params: null,
        weight_version: 'default',
        has_image_understanding: false,
        has_audio_understanding: false,
      });
      expect(String(info.model_description)).toContain('trigram');
    }
    for (const path of ['/server_info', '/get_server_info']) {
      const info = (await (await fetch(`${s.url}${path}`)).json()) as Record<string, unknown>;
      expect(info.context_length).toBe(8192);
      expect(Array.isArray(info.internal_states)).toBe(true);
      expect(typeof info.version).toBe('string');
    }
  });

  test('/flush_cache GET and POST', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await fetch(`${s.url}/flush_cache`, { method });
      expect(r.status).toBe(200);
      expect(await r.text()).toBe(
        'Cache flushed.\nPlease check backend logs for more details. (When there are running or waiting requests, the operation will not be performed.)\n',
      );
    }
  });

  test('/tokenize and /detokenize round trip', async () => {
    const t = await post(`${s.url}/tokenize`, { prompt: 'Hello world' });
    expect(t.body).toEqual({ tokens: [262, 263], count: 2, max_model_len: 8192 });
    const t2 = await post(`${s.url}/v1/tokenize`, { prompt: ['Hello', 'abc'], add_special_tokens: false });
    expect(t2.body).toEqual({ tokens: [[262], [292]], count: [1, 1], max_model_len: 8192 });
    const d = await post(`${s.url}/detokenize`, { tokens: [TINY.bos, 262, 263] });
    expect(d.body).toEqual({ text: 'Hello world' });
    const d2 = await post(`${s.url}/v1/detokenize`, {
      tokens: [[TINY.bos, 262]],
      skip_special_tokens: false,
    });
    expect(d2.body).toEqual({ text: ['<s>Hello'] });
    expect((await post(`${s.url}/detokenize`, { tokens: [] })).body).toEqual({ text: '' });
    const bad = await post(`${s.url}/detokenize`, { tokens: ['x'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      object: 'error',
      message: "Invalid input: 'tokens' must be a list of integers.",
      type: 'BadRequestError',
      param: null,
      code: 400,
    });
  });

  test('/v1/score: one probability list per item', async () => {
    const r = await post(`${s.url}/v1/score`, {
      query: 'The cat',
      items: [' sat', ' on'],
      label_token_ids: [65, 66, 67],
      apply_softmax: true,
    });
    const body = r.body as { scores: number[][]; object: string };
    expect(r.status).toBe(200);
    expect(body.object).toBe('scoring');
    expect(body.scores).toHaveLength(2);
    for (const row of body.scores) {
      expect(row).toHaveLength(3);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    const raw = await post(`${s.url}/v1/score`, {
      query: [1, 2],
      items: [[3], [4, 5]],
      label_token_ids: [65],
      item_first: true,
    });
    const scores = (raw.body as { scores: number[][] }).scores;
    expect(scores[0]![0]).toBeGreaterThan(0);
    expect(scores[0]![0]).toBeLessThan(1);
    const bad = await post(`${s.url}/v1/score`, { query: 'a', items: ['b'], label_token_ids: [] });
    expect(bad.status).toBe(400);
  });

  test('model-side routes answer 400', async () => {
    for (const path of ['/encode', '/v1/embeddings', '/v1/rerank', '/classify']) {
      const r = await post(`${s.url}${path}`, { text: 'a' });
      expect(r.status).toBe(400);
      expect(String((r.body as { message: string }).message)).toContain(
        'not supported by the embedded model',
      );
    }
  });
});
