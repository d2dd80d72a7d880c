import { test } from 'vitest';
import { post, start } from './helpers.js';

test('scratch', async () => {
  const s = await start({ preset: 'llama-3.1', modelCacheDir: '/tmp/lk-cache-test2' });
  const schema = {
    type: 'object',
    properties: { answer: { type: 'string', enum: ['yes', 'no'] } },
    required: ['answer'],
  };
  for (const seed of [1, 2, 3]) {
    const r = await post(`${s.url}/v1/chat/completions`, {
      model: 'x',
      messages: [{ role: 'user', content: 'Is Paris in France? Answer in JSON.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
      max_tokens: 60,
      seed,
      logprobs: true,
    });
    const c = (
      r.body as {
        choices: {
          message: { content: string };
          finish_reason: string;
          logprobs: { content: { token: string }[] };
        }[];
      }
    ).choices[0]!;
    console.log(
      JSON.stringify(c.message.content),
      c.finish_reason,
      JSON.stringify(c.logprobs.content.map((t) => t.token)),
    );
  }
  await s.close();
}, 120000);
