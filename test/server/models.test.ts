import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadNgramModel } from '../../src/server/index.js';
import { fromTokenizerInfo } from '../../src/server/tokenizer.js';
import { post, start, TINY, tinyTokenizer } from './helpers.js';

/** A little-endian float32 .npy file of shape [rows, cols]. */
function npy(rows: number, cols: number, fill: (r: number, c: number) => number): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + rows * cols * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const data = new DataView(out.buffer, 10 + header.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) data.setFloat32((r * cols + c) * 4, fill(r, c), true);
  return out;
}

function safetensors(rows: number, cols: number, fill: (r: number, c: number) => number): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify({
      __metadata__: {},
      logits: { dtype: 'F32', shape: [rows, cols], data_offsets: [0, rows * cols * 4] },
    }),
  );
  const out = new Uint8Array(8 + header.length + rows * cols * 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) view.setFloat32(8 + header.length + (r * cols + c) * 4, fill(r, c), true);
  }
  return out;
}

describe('replay model', () => {
  test('a missing or malformed file fails at start-up with the file named', async () => {
    await expect(start({ model: 'replay:/nonexistent/logits.npy' })).rejects.toThrow(
      /\/nonexistent\/logits\.npy/,
    );
  });

  const dir = mkdtempSync(join(tmpdir(), 'logitkit-replay-'));
  // Step r prefers token 65 + r ("A", "B", "C"), then EOS.
  const fill = (r: number, c: number) => (r < 3 ? (c === 65 + r ? 10 : 0) : c === TINY.eos ? 10 : 0);

  for (const [ext, bytes] of [
    ['npy', npy(4, TINY.vocabSize, fill)],
    ['safetensors', safetensors(4, TINY.vocabSize, fill)],
    [
      'json',
      new TextEncoder().encode(
        JSON.stringify(
          Array.from({ length: 4 }, (_, r) => Array.from({ length: TINY.vocabSize }, (_, c) => fill(r, c))),
        ),
      ),
    ],
  ] as const) {
    test(`--model replay:FILE.${ext} drives generation and /model_info names it`, async () => {
      const file = join(dir, `logits.${ext}`);
      writeFileSync(file, bytes);
      const s = await start({ model: `replay:${file}` });
      try {
        const r = await post(`${s.url}/generate`, { text: 'x', sampling_params: { temperature: 0 } });
        expect(r.body).toMatchObject({
          text: 'ABC',
          meta_info: { finish_reason: { type: 'stop', matched: TINY.eos } },
        });
        const info = (await (await fetch(`${s.url}/model_info`)).json()) as { model_path: string };
        expect(info.model_path).toBe(`logitkit/replay:${file}`);
      } finally {
        await s.close();
      }
    });
  }
});

describe('streaming detokenisation', () => {
  test('a character split across tokens is held back until complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logitkit-utf8-'));
    const file = join(dir, 'e-acute.npy');
    // "é" is C3 A9: one byte token per step, then EOS.
    const wanted = [0xc3, 0xa9, TINY.eos];
    writeFileSync(
      file,
      npy(3, TINY.vocabSize, (r, c) => (c === wanted[r] ? 10 : 0)),
    );
    const s = await start({ model: `replay:${file}` });
    try {
      const r = await post(`${s.url}/generate`, {
        text: 'x',
        stream: true,
        sampling_params: { temperature: 0 },
      });
      const texts = r.text
        .split('\n\n')
        .filter((e) => e.startsWith('data: {'))
        .map((e) => (JSON.parse(e.slice(6)) as { text: string }).text);
      expect(texts).toEqual(['', 'é', 'é']);
    } finally {
      await s.close();
    }
  });
});

describe('n-gram model', () => {
  test('is a normalised distribution and prefers seen continuations', () => {
    const tokenizer = fromTokenizerInfo(tinyTokenizer());
    const model = loadNgramModel(tokenizer, { cacheDir: false });
    const row = new Float32Array(model.vocabSize);
    const context = tokenizer.encode('The cat sat on the');
    model.forward([{ tokenIds: context, promptLength: context.length }], [row]);
    let total = 0;
    for (const x of row) total += Math.exp(x);
    expect(total).toBeCloseTo(1, 4);
    const mat = tokenizer.encode(' mat')[0]!;
    const xyz = tokenizer.encode('xyz')[0]!;
    expect(row[mat]!).toBeGreaterThan(row[xyz]!);
  });

  test('the disk cache gives the same model', () => {
    const tokenizer = fromTokenizerInfo(tinyTokenizer());
    const dir = mkdtempSync(join(tmpdir(), 'logitkit-ngram-'));
    const first = loadNgramModel(tokenizer, { cacheDir: dir });
    const second = loadNgramModel(tokenizer, { cacheDir: dir });
    const a = new Float32Array(first.vocabSize);
    const b = new Float32Array(second.vocabSize);
    const ids = tokenizer.encode('Hello world');
    first.forward([{ tokenIds: ids, promptLength: 2 }], [a]);
    second.forward([{ tokenIds: ids, promptLength: 2 }], [b]);
    expect([...b]).toEqual([...a]);
  });
});

describe('server options', () => {
  test('--preferred-sampling-params are merged under the request', async () => {
    const s = await start({ preferredSamplingParams: { max_new_tokens: 2, ignore_eos: true } });
    try {
      const r = await post(`${s.url}/generate`, { text: 'x' });
      expect((r.body as { output_ids: number[] }).output_ids).toHaveLength(2);
      const r2 = await post(`${s.url}/generate`, { text: 'x', sampling_params: { max_new_tokens: 3 } });
      expect((r2.body as { output_ids: number[] }).output_ids).toHaveLength(3);
      const info = (await (await fetch(`${s.url}/model_info`)).json()) as {
        preferred_sampling_params: string;
      };
      expect(JSON.parse(info.preferred_sampling_params)).toEqual({ max_new_tokens: 2, ignore_eos: true });
    } finally {
      await s.close();
    }
  });

  test('custom logit processors by registered name', async () => {
    const s = await start({ enableCustomLogitProcessor: true });
    try {
      const r = await post(`${s.url}/generate`, {
        input_ids: [1],
        custom_logit_processor: '{"callable": "DisallowedTokensLogitsProcessor"}',
        sampling_params: {
          max_new_tokens: 2,
          temperature: 0,
          logit_bias: { '65': 50, '66': 40 },
          custom_params: { token_ids: [65] },
        },
      });
      expect((r.body as { output_ids: number[] }).output_ids).toEqual([66, 66]);
      // Everything disallowed: SGLang's "NaN happened" stop (the sampler found no finite logit).
      const all = Array.from({ length: TINY.vocabSize }, (_, i) => i);
      const none = await post(`${s.url}/generate`, {
        input_ids: [1],
        custom_logit_processor: 'DisallowedTokensLogitsProcessor',
        sampling_params: { custom_params: { token_ids: all } },
      });
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({
        meta_info: { finish_reason: { type: 'stop', matched: 'NaN happened' } },
      });
      const unknown = await post(`${s.url}/generate`, {
        text: 'x',
        custom_logit_processor: 'NoSuchProcessor',
      });
      expect(unknown.status).toBe(400);
      expect((unknown.body as { error: { message: string } }).error.message).toContain(
        "Unknown custom logit processor 'NoSuchProcessor'",
      );
    } finally {
      await s.close();
    }
  });

  test('a grammar that rejects a token aborts: 500 body, or an error event in an OpenAI stream', async () => {
    const rejecting = {
      compile: () => ({
        createMatcher: () => ({
          fillNextTokenBitmask: (mask: Int32Array) => void mask.fill(-1),
          acceptToken: () => false,
          isTerminated: () => false,
        }),
      }),
    };
    const s = await start({ grammarBackend: rejecting });
    try {
      const plain = await post(`${s.url}/generate`, { text: 'x', sampling_params: { regex: 'a+' } });
      expect(plain.status).toBe(500);
      expect(plain.body).toMatchObject({
        object: 'error',
        type: 'InternalServerError',
        code: 500,
        param: null,
      });
      expect((plain.body as { message: string }).message).toMatch(
        /^Grammar accept_token failed for req [0-9a-f]{32} with token \d+/,
      );
      const stream = await post(`${s.url}/v1/completions`, {
        model: 'x',
        prompt: 'x',
        stream: true,
        regex: 'a+',
      });
      const events = stream.text.split('\n\n').filter(Boolean);
      expect(events.at(-1)).toBe('data: [DONE]');
      expect(JSON.parse(events.at(-2)!.slice(6))).toMatchObject({
        error: { object: 'error', type: 'INTERNAL_SERVER_ERROR', param: null, code: 500 },
      });
    } finally {
      await s.close();
    }
  });

  test('graceful shutdown lets a running request finish', async () => {
    const s = await start({ model: 'uniform' });
    let finished = false;
    const pending = post(`${s.url}/generate`, {
      input_ids: [1],
      sampling_params: { max_new_tokens: 5000, ignore_eos: true },
    });
    void pending.then(() => {
      finished = true;
    });
    const running = async () =>
      (
        (await (await fetch(`${s.url}/server_info`)).json()) as {
          internal_states: { running_requests: number }[];
        }
      ).internal_states[0]!.running_requests;
    while (!finished && (await running()) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await s.close();
    const r = await pending;
    expect(r.status).toBe(200);
    expect((r.body as { output_ids: number[] }).output_ids).toHaveLength(5000);
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });
});
