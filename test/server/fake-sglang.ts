/**
 * A small fake SGLang server speaking the wire format of the spec, for gateway tests: it records every request
 * and answers /generate, /v1/completions and /v1/chat/completions (plain and streaming), /health, /model_info,
 * plus `/fail` (500) and `/hangup` (socket destroyed).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running fake upstream. */
export interface FakeSglang {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function meta(id: string, finished: boolean, completion: number) {
  return {
    id,
    finish_reason: finished ? { type: 'length', length: 3 } : null,
    prompt_tokens: 2,
    weight_version: 'default',
    num_retractions: 0,
    completion_tokens: completion,
    cached_tokens: 0,
    ...(finished ? { e2e_latency: 0.01 } : {}),
  };
}

/** Starts the fake on a free port. */
export async function startFakeSglang(): Promise<FakeSglang> {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const path = (req.url ?? '').split('?')[0];
    const parsed = body ? (JSON.parse(body) as { stream?: boolean }) : {};
    if (path === '/health') return res.writeHead(200).end();
    if (path === '/model_info')
      return json(200, { model_path: 'fake/model', tokenizer_path: 'fake/model', is_generation: true });
    if (path === '/fail')
      return json(500, {
        object: 'error',
        message: 'boom',
        type: 'InternalServerError',
        param: null,
        code: 500,
      });
    if (path === '/hangup') return req.socket.destroy();
    if (path === '/generate') {
      if (!parsed.stream)
        return json(200, { text: 'abc', output_ids: [1, 2, 3], meta_info: meta('f00d', true, 3) });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // As many chunks as max_new_tokens asks for (default 3), 5 ms apart: tests can make a stream last.
      const count =
        (parsed as { sampling_params?: { max_new_tokens?: number } }).sampling_params?.max_new_tokens ?? 3;
      for (let i = 1; i <= count; i++) {
        res.write(
          `data: ${JSON.stringify({ text: 'abc'.slice(0, i), output_ids: [1, 2, 3].slice(0, i), meta_info: meta('f00d', i === count, i) })}\n\n`,
        );
        await sleep(5);
      }
      return res.end('data: [DONE]\n\n');
    }
    if (path === '/v1/completions' || path === '/v1/chat/completions') {
      const chat = path === '/v1/chat/completions';
      if (!parsed.stream) {
        return json(200, {
          id: 'f00d',
          object: chat ? 'chat.completion' : 'text_completion',
          created: 1,
          model: 'fake',
          choices: [
            chat
              ? {
                  index: 0,
                  message: { role: 'assistant', content: 'abc' },
                  logprobs: null,
                  finish_reason: 'length',
                  matched_stop: null,
                }
              : { index: 0, text: 'abc', logprobs: null, finish_reason: 'length', matched_stop: null },
          ],
          usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
        });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of ['a', 'b', 'c']) {
        const choice = chat ? { index: 0, delta: { content: piece } } : { index: 0, text: piece };
        res.write(
          `data: ${JSON.stringify({ id: 'f00d', object: chat ? 'chat.completion.chunk' : 'text_completion', choices: [choice] })}\n\n`,
        );
        await sleep(5);
      }
      return res.end('data: [DONE]\n\n');
    }
    return json(404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
