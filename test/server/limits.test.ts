import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { post, type Started, start } from './helpers.js';

describe('API key', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ apiKey: 'sekret' });
  });
  afterAll(() => s.close());

  test('every route but /health needs the bearer key', async () => {
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/generate'],
      ['GET', '/model_info'],
      ['GET', '/v1/models'],
      ['POST', '/v1/chat/completions'],
      ['GET', '/health_generate'],
    ] as const) {
      const r = await fetch(`${s.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect({ path, status: r.status, body: await r.json() }).toEqual({
        path,
        status: 401,
        body: { error: 'Unauthorized' },
      });
    }
    const wrong = await post(`${s.url}/generate`, { text: 'a' }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const ok = await post(
      `${s.url}/generate`,
      { text: 'a', sampling_params: { max_new_tokens: 1 } },
      { authorization: 'Bearer sekret' },
    );
    expect(ok.status).toBe(200);
  });
});

describe('load limits, disconnects and body size', () => {
  let s: Started;
  beforeAll(async () => {
    s = await start({ model: 'uniform', maxRunningRequests: 1, maxQueuedRequests: 1, bodyLimit: 4096 });
  });
  afterAll(() => s.close());

  const long = { input_ids: [1], sampling_params: { max_new_tokens: 3000, ignore_eos: true } };

  test('over max-running requests wait, over max-queued they get 503', async () => {
    const results = await Promise.all([
      post(`${s.url}/generate`, long),
      post(`${s.url}/generate`, long),
      post(`${s.url}/generate`, long),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 503]);
    const rejected = results.find((r) => r.status === 503)!;
    expect(rejected.body).toEqual({
      object: 'error',
      message: 'The request queue is full.',
      type: '503',
      param: null,
      code: 503,
    });
    for (const r of results.filter((x) => x.status === 200)) {
      expect((r.body as { output_ids: number[] }).output_ids).toHaveLength(3000);
    }
  });

  test('a client disconnect aborts the generation', async () => {
    const controller = new AbortController();
    const response = await fetch(`${s.url}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...long,
        stream: true,
        sampling_params: { max_new_tokens: 7000, ignore_eos: true },
      }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    const info = async () =>
      (await (await fetch(`${s.url}/server_info`)).json()) as {
        internal_states: { running_requests: number }[];
      };
    expect((await info()).internal_states[0]!.running_requests).toBe(1);
    controller.abort();
    let running = 1;
    for (let i = 0; i < 100 && running > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      running = (await info()).internal_states[0]!.running_requests;
    }
    expect(running).toBe(0);
    // Non-streaming request aborted mid-way also frees its slot.
    const c2 = new AbortController();
    const pending = fetch(`${s.url}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input_ids: [1], sampling_params: { max_new_tokens: 7000, ignore_eos: true } }),
      signal: c2.signal,
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    c2.abort();
    await pending;
    running = 1;
    for (let i = 0; i < 100 && running > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      running = (await info()).internal_states[0]!.running_requests;
    }
    expect(running).toBe(0);
  });

  test('oversize bodies get 413 with the error body', async () => {
    const r = await post(`${s.url}/generate`, { text: 'x'.repeat(10_000) });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ object: 'error', type: 'Payload Too Large', param: null, code: 413 });
    expect(
      (await post(`${s.url}/generate`, { text: 'ok', sampling_params: { max_new_tokens: 1 } })).status,
    ).toBe(200);
  });
});
