#!/usr/bin/env node
/**
 * Benchmark: `logitkit serve` overhead per generated token and requests/s for 1, 16 and 64 concurrent streaming
 * clients on loopback, with and without a JSON-schema constraint, using the `uniform` model (its forward pass is
 * a fill of the logits row; the time spent in it is measured by the server and subtracted).
 *
 *   npm run bench:server                          # llama-3.1 vocabulary, 64 new tokens per request
 *   node bench/server.mjs --preset qwen3 --tokens 128 --requests 2 --json
 *
 * The server runs in its own process (`node dist/cli/main.js serve --model uniform`, LOG_LEVEL=warn); the
 * clients run here. Per concurrency level it sends `max(concurrency, 8) * --requests` streaming /generate requests
 * (bounded, stops by itself) and reports:
 *   - req/s and tok/s: wall clock, all clients together;
 *   - server µs/token: the server process's CPU time (user + system, from /proc) minus the time inside the
 *     model's forward, divided by generated tokens: what the server adds per token (sampling, grammar masks,
 *     detokenisation, SSE, HTTP), independent of the model;
 *   - p50/p99 latency of whole requests.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const preset = flag('--preset', 'llama-3.1');
const newTokens = Number(flag('--tokens', '64'));
const requestsPerClient = Number(flag('--requests', '3'));
const levels = (flag('--concurrency', '1,16,64') ?? '').split(',').map(Number);
const asJson = args.includes('--json');

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 24 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    tags: { type: 'array', items: { type: 'string', maxLength: 8 }, maxItems: 4 },
  },
  required: ['name', 'age', 'tags'],
  additionalProperties: false,
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) of a process, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function serverState(base) {
  const info = await (await fetch(`${base}/server_info`)).json();
  return info.internal_states[0];
}

/** Sends one streaming request and reads it to the end; returns the number of SSE chunks. */
async function streamOne(base, body) {
  const response = await fetch(`${base}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true });
  if (!text.endsWith('data: [DONE]\n\n'))
    throw new Error(`stream did not end with [DONE]: ${text.slice(-80)}`);
  return text.split('\n\n').length - 2;
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runLevel(base, pid, concurrency, constrained) {
  const total = Math.max(concurrency, 8) * requestsPerClient;
  const body = {
    text: 'Write a JSON object describing a person:',
    stream: true,
    sampling_params: {
      max_new_tokens: newTokens,
      ignore_eos: true,
      temperature: 1,
      ...(constrained ? { json_schema: JSON.stringify(schema) } : {}),
    },
  };
  const before = await serverState(base);
  const cpu0 = cpuSeconds(pid);
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        await streamOne(base, body);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const after = await serverState(base);
  const tokens = after.generated_tokens - before.generated_tokens;
  const modelSeconds = (after.model_forward_ms - before.model_forward_ms) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    constraint: constrained ? 'json_schema' : 'none',
    concurrency,
    requests: total,
    tokens,
    reqPerSec: total / seconds,
    tokPerSec: tokens / seconds,
    serverUsPerToken: ((cpu - modelSeconds) / tokens) * 1e6,
    modelUsPerToken: (modelSeconds / tokens) * 1e6,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(
  process.execPath,
  [
    join(root, 'dist/cli/main.js'),
    'serve',
    '--model',
    'uniform',
    '--preset',
    preset,
    '--port',
    String(port),
    '--max-running-requests',
    String(Math.max(...levels)),
    '--max-queued-requests',
    '4096',
  ],
  { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
);
const stop = () => child.kill('SIGTERM');
process.on('exit', stop);
try {
  const startedAt = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() - startedAt > 60_000) throw new Error('server did not start within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const startupSeconds = (performance.now() - startedAt) / 1000;
  // Warm-up: JIT, the text tokenizer, and the schema (compiled once, then served from the cache).
  for (const constrained of [false, true]) await runLevel(base, child.pid, 2, constrained);
  const rows = [];
  for (const constrained of [false, true]) {
    for (const concurrency of levels) rows.push(await runLevel(base, child.pid, concurrency, constrained));
  }
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()}`;
  const command = `node bench/server.mjs ${args.join(' ')}`.trim();
  if (asJson) {
    console.log(JSON.stringify({ machine, command, preset, newTokens, startupSeconds, rows }, null, 2));
  } else {
    console.log(`# logitkit serve benchmark\n\nmachine: ${machine}\ncommand: ${command}`);
    console.log(
      `tokenizer: ${preset}; model: uniform; ${newTokens} new tokens per request (ignore_eos; a JSON schema may end earlier)`,
    );
    console.log(`server start-up (process spawn to /health 200): ${startupSeconds.toFixed(2)} s\n`);
    console.log(
      '| constraint | clients | requests | tokens | req/s | tok/s | server µs/token (excl. model) | model µs/token | p50 ms | p99 ms |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.constraint} | ${r.concurrency} | ${r.requests} | ${r.tokens} | ${r.reqPerSec.toFixed(1)} | ${r.tokPerSec.toFixed(0)} | ${r.serverUsPerToken.toFixed(0)} | ${r.modelUsPerToken.toFixed(0)} | ${r.p50Ms.toFixed(0)} | ${r.p99Ms.toFixed(0)} |`,
      );
    }
  }
} finally {
  stop();
}
