import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FakeSglang, startFakeSglang } from './fake-sglang.js';
import { post, type Started, start } from './helpers.js';

let fake: FakeSglang;
let gw: Started;
beforeAll(async () => {
  fake = await startFakeSglang();
  gw = await start({ upstream: fake.url });
});
afterAll(async () => {
  await gw.close();
  await fake.close();
});

describe('gateway mode', () => {
  test('valid /generate is forwarded unchanged and the answer relayed', async () => {
    const body = { text: 'Hello', sampling_params: { max_new_tokens: 3, temperature: 0.5 }, rid: 'r1' };
    const before = fake.received.length;
    const r = await post(`${gw.url}/generate`, body);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ text: 'abc', output_ids: [1, 2, 3] });
    const got = fake.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.url).toBe('/generate');
    expect(JSON.parse(got[0]!.body)).toEqual(body);
  });

  test('streams are passed through chunk by chunk, byte-exact', async () => {
    const r = await post(`${gw.url}/generate`, { text: 'Hello', stream: true });
    expect(r.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(r.text.split('\n\n').filter(Boolean)).toHaveLength(4);
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true);
    const chat = await post(`${gw.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    expect(chat.text).toContain('"delta":{"content":"b"}');
  });

  test('invalid requests fail locally and never reach the upstream', async () => {
    const before = fake.received.length;
    const bad = await post(`${gw.url}/generate`, { text: 'a', sampling_params: { top_p: 3 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { message: 'top_p must be in (0, 1], got 3.' } });
    const oa = await post(`${gw.url}/v1/completions`, { model: 'x', prompt: 'a', max_tokens: -1 });
    expect(oa.body).toEqual({
      object: 'error',
      message: 'max_tokens must be positive',
      type: 'BadRequest',
      param: null,
      code: 400,
    });
    const chat = await post(`${gw.url}/v1/chat/completions`, { model: 'x', messages: [] });
    expect(chat.status).toBe(400);
    const malformed = await post(`${gw.url}/generate`, '{oops');
    expect(malformed.status).toBe(400);
    expect(fake.received.length).toBe(before);
  });

  test('grammars are compiled locally: a bad schema fails fast with the compiler message', async () => {
    const before = fake.received.length;
    const bad = {
      text: 'a',
      sampling_params: { json_schema: '{"type": "object", "properties": {"a": {"type": 7}}}' },
    };
    for (let i = 0; i < 2; i++) {
      const r = await post(`${gw.url}/generate`, bad);
      expect(r.status).toBe(400);
      expect((r.body as { error: { message: string } }).error.message).toMatch(
        /^Failed to compile json grammar: /,
      );
    }
    const oa = await post(`${gw.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'a' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'x', schema: { type: 'object', minProperties: 'x' } },
      },
    });
    expect(oa.status).toBe(400);
    expect((oa.body as { message: string }).message).toMatch(/^Failed to compile json grammar: /);
    expect(fake.received.length).toBe(before);
    const good = await post(`${gw.url}/generate`, { text: 'a', sampling_params: { regex: '[0-9]+' } });
    expect(good.status).toBe(200);
    expect(fake.received.length).toBe(before + 1);
  });

  test('other routes are proxied unchanged, including upstream errors', async () => {
    const info = await fetch(`${gw.url}/model_info`);
    expect(await info.json()).toEqual({
      model_path: 'fake/model',
      tokenizer_path: 'fake/model',
      is_generation: true,
    });
    const missing = await fetch(`${gw.url}/no/such/route?x=1`);
    expect(missing.status).toBe(404);
    expect(fake.received.at(-1)!.url).toBe('/no/such/route?x=1');
    const fail = await fetch(`${gw.url}/fail`);
    expect(fail.status).toBe(500);
    expect(await fail.json()).toMatchObject({ message: 'boom' });
  });

  test('forwarded generation requests obey --max-running-requests / --max-queued-requests', async () => {
    const limited = await start({ upstream: fake.url, maxRunningRequests: 1, maxQueuedRequests: 1 });
    try {
      const body = { text: 'Hello', stream: true, sampling_params: { max_new_tokens: 60 } };
      const results = await Promise.all([1, 2, 3].map(() => post(`${limited.url}/generate`, body)));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 503]);
      expect(results.find((r) => r.status === 503)!.body).toEqual({
        object: 'error',
        message: 'The request queue is full.',
        type: '503',
        param: null,
        code: 503,
      });
    } finally {
      await limited.close();
    }
  });

  test('upstream failures map to 502 and 503 with the error body', async () => {
    const hangup = await fetch(`${gw.url}/hangup`);
    expect(hangup.status).toBe(502);
    expect(await hangup.json()).toMatchObject({ object: 'error', type: '502', code: 502, param: null });
    const closed = await startFakeSglang();
    await closed.close();
    const down = await start({ upstream: closed.url });
    try {
      const r = await post(`${down.url}/generate`, { text: 'a' });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ object: 'error', type: '503', code: 503 });
      expect(String((r.body as { message: string }).message)).toContain('unavailable');
    } finally {
      await down.close();
    }
  });
});
