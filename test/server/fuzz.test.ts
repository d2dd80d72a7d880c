import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { post, type Started, start } from './helpers.js';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** A lighter client than fetch for thousands of small requests: raw http with a keep-alive agent. */
function rawPost(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let s: Started;
beforeAll(async () => {
  s = await start({ model: 'uniform', bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  agent.destroy();
  await s.close();
});

const junkValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);
const SAMPLING_KEYS = [
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'max_new_tokens',
  'min_new_tokens',
  'stop',
  'stop_token_ids',
  'n',
  'logit_bias',
  'regex',
  'json_schema',
  'repetition_penalty',
  'frequency_penalty',
  'bogus',
];
const GENERATE_KEYS = [
  'text',
  'input_ids',
  'sampling_params',
  'rid',
  'return_logprob',
  'logprob_start_len',
  'top_logprobs_num',
  'stream',
  'unknown_field',
];

/** A request body that is wrong somewhere: malformed JSON, wrong types, unknown fields or invalid values. */
const badBody = fc.oneof(
  fc.string({ maxLength: 40 }).map((t) => `{${t}`),
  fc.constantFrom('', '[]', 'null', '42', '"text"', '{"text": "a",}', '{"text": NaN}'),
  fc
    .record({ key: fc.constantFrom(...GENERATE_KEYS.filter((k) => k !== 'text')), value: junkValue })
    .map(({ key, value }) => JSON.stringify({ [key]: value })),
  fc
    .record({ key: fc.constantFrom(...SAMPLING_KEYS), value: junkValue })
    .map(({ key, value }) =>
      JSON.stringify({ text: 'a', sampling_params: { [key]: value, max_new_tokens: 2, temperature: -1 } }),
    ),
  fc
    .record({ text: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { minLength: 1 })) })
    .map((b) => JSON.stringify(b)),
);

test('thousands of bad requests get 4xx error bodies; the server keeps serving', async () => {
  const bodies = fc.sample(badBody, { numRuns: 3000, seed: 42 });
  const routes = [
    '/generate',
    '/v1/completions',
    '/v1/chat/completions',
    '/tokenize',
    '/detokenize',
    '/v1/score',
  ];
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const body = bodies[i]!;
      const route = routes[i % routes.length]!;
      const r = await rawPost(`${s.url}${route}`, body);
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.text);
      } catch {
        parsed = undefined;
      }
      const isError =
        typeof parsed === 'object' &&
        parsed !== null &&
        ('error' in parsed || (parsed as { object?: string }).object === 'error');
      // A fuzzed body may happen to be valid (e.g. a plain prompt); anything else must be a 4xx error body.
      const valid = r.status === 200;
      if (!valid && !(r.status >= 400 && r.status < 500 && isError))
        failures.push(`${route} ${body} -> ${r.status} ${r.text}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(failures.slice(0, 5)).toEqual([]);
  const ok = await post(`${s.url}/generate`, { text: 'Hello', sampling_params: { max_new_tokens: 3 } });
  expect(ok.status).toBe(200);
  expect((ok.body as { output_ids: number[] }).output_ids.length).toBeGreaterThan(0);
}, 60_000);
