// Sampling benchmark: µs per row for each pipeline step and the full pipeline, side by side with
// @huggingface/transformers' own logits processors (4.x; its top-p/top-k warpers are stubs, top-k
// happens in its sampler through ONNX Runtime's TopK) and a naive full-sort JS baseline.
//
//   npm run bench:sampling -- [--sizes 32000,128256,262144] [--iters 300] [--quick] [--json out.json]
//   npm run bench:sampling -- --alloc [--sizes 128256]   (bytes allocated per row by each step)
//
// Logits: standard normal from a fixed seed (as in docs/js-anchors §1), 16 distinct rows, 512 previous
// output ids per row; every timed call gets a fresh copy of its row (copy not timed). "peaky" rows are
// the same normals times 3 (closer to LLM logits, where top-p decides within the first few tokens).
// The speed-ups over transformers.js are also timed as interleaved pairs (ours and theirs on the same
// row copy, back to back, order alternating), which a shared machine's changing load cannot skew.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import * as tjs from '@huggingface/transformers';
import { LogitsPipeline, SamplingParams, Xoshiro128 } from '../dist/sampling/index.js';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const quick = args.includes('--quick');
const sizes = arg('sizes', '32000,128256,262144').split(',').map(Number);
const iters = Number(arg('iters', quick ? 60 : 300));
const jsonOut = arg('json', undefined);

const POOL = 16;
const CONTEXT = 512;

function normalRows(v, seed, scale = 1) {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: POOL }, () => {
    const row = new Float32Array(v);
    for (let i = 0; i < v; i += 2) {
      const u = Math.max(rng.nextFloat(), 1e-300);
      const r = Math.sqrt(-2 * Math.log(u)) * scale;
      const t = 2 * Math.PI * rng.nextFloat();
      row[i] = r * Math.cos(t);
      if (i + 1 < v) row[i + 1] = r * Math.sin(t);
    }
    return row;
  });
}

function contexts(v, seed) {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: POOL }, () => Array.from({ length: CONTEXT }, () => rng.nextUint32() % v));
}

/**
 * Times `fn(row, i)` on fresh copies; returns wall-clock median/p90/p99 and the median of process CPU
 * time per call (µs). CPU time is what to compare on a shared machine: it excludes the time the process
 * waits for a core (it includes helper threads, e.g. ONNX Runtime's).
 */
async function time(rows, fn, n = iters, warmup = 30) {
  const scratch = rows.map((r) => new Float32Array(r.length));
  const samples = [];
  const cpu = [];
  for (let i = 0; i < warmup + n; i++) {
    const k = i % rows.length;
    const [dt, c] = await runOnce(scratch, rows, k, fn);
    if (i >= warmup) {
      samples.push(dt);
      cpu.push(c);
    }
  }
  samples.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const q = (arr, p) => arr[Math.min(arr.length - 1, Math.floor(p * arr.length))];
  return { median: q(samples, 0.5), p90: q(samples, 0.9), p99: q(samples, 0.99), cpu: q(cpu, 0.5), n };
}

/** One timed call of `fn` on a fresh copy of row `k`: [wall µs, CPU µs]. */
async function runOnce(scratch, rows, k, fn) {
  scratch[k].set(rows[k]);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn(scratch[k], k);
  if (out instanceof Promise) await out;
  const dt = (performance.now() - t0) * 1000;
  const c = process.cpuUsage(c0);
  return [dt, c.user + c.system];
}

/**
 * Times `fa` and `fb` on the same fresh row copies, alternating which of the two runs first on each
 * row, so that both see the same machine state (on a shared machine, the load changes within seconds:
 * medians of separate runs compare different moments). Returns the summaries of `fa` and `fb`.
 */
async function timePair(rows, fa, fb, n = iters, warmup = 30) {
  const scratch = rows.map((r) => new Float32Array(r.length));
  const wall = [[], []];
  const cpu = [[], []];
  for (let i = 0; i < warmup + n; i++) {
    const k = i % rows.length;
    for (const side of i & 1 ? [1, 0] : [0, 1]) {
      const [dt, c] = await runOnce(scratch, rows, k, side === 0 ? fa : fb);
      if (i >= warmup) {
        wall[side].push(dt);
        cpu[side].push(c);
      }
    }
  }
  const median = (arr) => arr.sort((a, b) => a - b)[arr.length >> 1];
  return [0, 1].map((side) => ({ median: median(wall[side]), cpu: median(cpu[side]) }));
}

function naiveFullSort(row, ids, params, rng) {
  // copy, penalties, temperature, full softmax, comparator sort of all ids, cut-offs, draw
  const v = row.length;
  const x = Float64Array.from(row);
  const counts = new Map();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const [id, c] of counts) {
    let y = x[id] - (params.frequency_penalty * c + params.presence_penalty);
    y = y < 0 ? y * params.repetition_penalty : y / params.repetition_penalty;
    x[id] = y;
  }
  let m = -Infinity;
  for (let i = 0; i < v; i++) if (x[i] > m) m = x[i];
  let z = 0;
  const p = new Float64Array(v);
  for (let i = 0; i < v; i++) {
    p[i] = Math.exp((x[i] - m) / params.temperature);
    z += p[i];
  }
  const order = new Uint32Array(v);
  for (let i = 0; i < v; i++) order[i] = i;
  order.sort((a, b) => p[b] - p[a] || a - b);
  let cum = 0;
  let kept = 0;
  const p0 = p[order[0]];
  for (; kept < Math.min(v, params.top_k); kept++) {
    const pi = p[order[kept]];
    if (cum / z > params.top_p || pi < p0 * params.min_p) break;
    cum += pi;
  }
  let target = rng.nextFloat() * cum;
  for (let r = 0; r < kept; r++) {
    target -= p[order[r]];
    if (target < 0) return order[r];
  }
  return order[kept - 1];
}

/** transformers.js MultinomialSampler.sample (not exported): topk → softmax → weighted draw. */
async function tjsMultinomial(tensor, k, rng) {
  const [values, indices] = await tjs.topk(tensor, k);
  const probs = tjs.softmax(values.data);
  let target = rng.nextFloat();
  for (let i = 0; i < probs.length; i++) {
    target -= probs[i];
    if (target < 0) return indices.data[i];
  }
  return indices.data[probs.length - 1];
}

function tjsArgmax(data) {
  // GreedySampler: utils/maths.js max()
  let max = data[0];
  let index = 0;
  for (let i = 1; i < data.length; ++i) {
    if (data[i] > max) {
      max = data[i];
      index = i;
    }
  }
  return index;
}

const full = {
  temperature: 0.7,
  top_k: 50,
  top_p: 0.9,
  min_p: 0.05,
  frequency_penalty: 0.5,
  presence_penalty: 0.5,
  repetition_penalty: 1.1,
};

async function benchSize(v) {
  const rows = normalRows(v, 1);
  const peaky = normalRows(v, 2, 3);
  const ctx = contexts(v, 3);
  const bigCtx = ctx.map((ids) => ids.map((id) => BigInt(id)));
  const pipe = new LogitsPipeline();
  const rng = new Xoshiro128(7);
  const P = (json) => SamplingParams.from(json).normalize().verify(v);
  const mask = new Int32Array(Math.ceil(v / 32));
  const maskRng = new Xoshiro128(9);
  for (let i = 0; i < mask.length; i++) mask[i] = maskRng.nextUint32() | 0;

  const ours =
    (params, options = {}) =>
    (row, k) => {
      if (options.edits !== false) pipe.applyEdits(row, params, { outputIds: ctx[k] });
      pipe.filter(row, params, options.mask);
      return pipe.sample(rng);
    };
  const results = [];
  const add = async (group, name, fn, n) => {
    const r = await time(name.startsWith('[peaky]') ? peaky : rows, fn, n);
    results.push({ group, name, ...r });
    process.stderr.write(
      `  V=${v} ${group.padEnd(16)} ${name.padEnd(58)} ${r.median.toFixed(1).padStart(9)} µs\n`,
    );
  };

  const pRep = P({ repetition_penalty: 1.1 });
  const pPen = P({ frequency_penalty: 0.5, presence_penalty: 0.5, repetition_penalty: 1.1 });
  await add('logitkit', 'repetition 1.1 over 512 ids (edits only)', (row, k) =>
    pipe.applyEdits(row, pRep, { outputIds: ctx[k] }),
  );
  await add('logitkit', 'freq+presence+repetition over 512 ids', (row, k) =>
    pipe.applyEdits(row, pPen, { outputIds: ctx[k] }),
  );
  await add('logitkit', 'greedy argmax', (row) => pipe.argmax(row));
  await add(
    'logitkit',
    'temperature 0.7 + top-k 50 + sample',
    ours(P({ temperature: 0.7, top_k: 50 }), { edits: false }),
  );
  await add(
    'logitkit',
    'temperature 0.7 + min-p 0.05 + sample',
    ours(P({ temperature: 0.7, min_p: 0.05 }), { edits: false }),
    quick ? 20 : 100,
  );
  await add(
    'logitkit',
    'temperature 0.7 + top-p 0.9 + sample',
    ours(P({ temperature: 0.7, top_p: 0.9 }), { edits: false }),
    quick ? 10 : 40,
  );
  await add(
    'logitkit',
    'rep 1.1 → temp 0.7 → top-k 50 → sample',
    ours(P({ repetition_penalty: 1.1, temperature: 0.7, top_k: 50 })),
  );
  await add('logitkit', 'FULL: penalties+temp+top-k 50+top-p .9+min-p .05+sample', ours(P(full)));
  await add('logitkit', 'FULL + grammar bitmask (50% allowed)', ours(P(full), { mask }));
  await add('logitkit', '[peaky] FULL', ours(P(full)));
  await add(
    'logitkit',
    '[peaky] temp 0.7 + top-p 0.9 (no top-k) + sample',
    ours(P({ temperature: 0.7, top_p: 0.9 }), { edits: false }),
  );

  const dims = [1, v];
  const rep = new tjs.RepetitionPenaltyLogitsProcessor(1.1);
  const temp = new tjs.TemperatureLogitsWarper(0.7);
  await add('transformers.js', 'RepetitionPenaltyLogitsProcessor(1.1), 512 ids', (row, k) =>
    rep([bigCtx[k]], new tjs.Tensor('float32', row, dims)),
  );
  await add('transformers.js', 'TemperatureLogitsWarper(0.7)', (row) =>
    temp([], new tjs.Tensor('float32', row, dims)),
  );
  await add('transformers.js', 'GreedySampler (argmax)', (row) => tjsArgmax(row));
  await add('transformers.js', 'temp 0.7 + MultinomialSampler top_k 50', async (row) => {
    const t = temp([], new tjs.Tensor('float32', row, dims));
    return tjsMultinomial(t, 50, rng);
  });
  await add('transformers.js', 'rep 1.1 → temp 0.7 → sampler top_k 50 (generate)', async (row, k) => {
    const t = temp([bigCtx[k]], rep([bigCtx[k]], new tjs.Tensor('float32', row, dims)));
    return tjsMultinomial(t, 50, rng);
  });
  await add(
    'naive JS',
    'FULL with a full comparator sort',
    (row, k) => naiveFullSort(row, ctx[k], P(full), rng),
    quick ? 5 : 20,
  );

  // The same comparisons timed as interleaved pairs (each row: ours and transformers.js back to back)
  const tjsTopK = async (row) => tjsMultinomial(temp([], new tjs.Tensor('float32', row, dims)), 50, rng);
  const tjsGenerate = async (row, k) =>
    tjsMultinomial(temp([bigCtx[k]], rep([bigCtx[k]], new tjs.Tensor('float32', row, dims))), 50, rng);
  const pairs = [
    [
      'repetition',
      (row, k) => pipe.applyEdits(row, pRep, { outputIds: ctx[k] }),
      (row, k) => rep([bigCtx[k]], new tjs.Tensor('float32', row, dims)),
    ],
    ['temp+top-k sample', ours(P({ temperature: 0.7, top_k: 50 }), { edits: false }), tjsTopK],
    ['greedy', (row) => pipe.argmax(row), (row) => tjsArgmax(row)],
    ['generate-equivalent', ours(P({ repetition_penalty: 1.1, temperature: 0.7, top_k: 50 })), tjsGenerate],
    ['FULL vs generate-equivalent', ours(P(full)), tjsGenerate],
  ];
  const paired = [];
  for (const [name, fa, fb] of pairs) {
    const [a, b] = await timePair(rows, fa, fb);
    paired.push({ name, ours: a, tjs: b });
    process.stderr.write(
      `  V=${v} pair ${name.padEnd(28)} ${a.median.toFixed(1).padStart(8)} vs ${b.median.toFixed(1).padStart(8)} µs\n`,
    );
  }
  return { results, paired };
}

/**
 * Allocation check (`--alloc`, run in a child with --expose-gc): for each logitkit step, after a
 * warm-up and a full GC, the bytes left in V8's young generation after 2,000 rows (no collection can
 * happen in between: 2,000 rows at even 1 KB each stay far below its size), divided by the rows;
 * the smallest of three rounds. States are preallocated, so what remains is what the pipeline
 * itself allocates.
 */
function allocCheck(v, rows = 2000) {
  const newSpaceUsed = () =>
    v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_used_size;
  const rng = new Xoshiro128(1);
  const logits = normalRows(v, 1);
  const peakyLogits = normalRows(v, 2, 3);
  const states = contexts(v, 3).map((ids) => ({ outputIds: Int32Array.from(ids) }));
  const mask = new Int32Array(Math.ceil(v / 32)).map(() => rng.nextUint32() | 0);
  const pipe = new LogitsPipeline();
  const P = (json) => SamplingParams.from(json).normalize().verify(v);
  const cases = [
    ['penalties over 512 ids (edits + restore only)', P(full), logits, undefined, false],
    ['greedy argmax', P({ temperature: 0 }), logits, undefined, true],
    ['temperature 0.7 + top-k 50 + sample', P({ temperature: 0.7, top_k: 50 }), logits, undefined, true],
    ['temperature 0.7 + min-p 0.05 + sample', P({ temperature: 0.7, min_p: 0.05 }), logits, undefined, true],
    ['FULL', P(full), logits, undefined, true],
    ['FULL + grammar bitmask', P(full), logits, mask, true],
    ['[peaky] FULL', P(full), peakyLogits, undefined, true],
    [
      '[peaky] temp 0.7 + top-p 0.9 (exact Z, dense path)',
      P({ temperature: 0.7, top_p: 0.9 }),
      peakyLogits,
      undefined,
      true,
    ],
  ];
  for (const [name, params, rowsOf, m, filter] of cases) {
    const once = (k) => {
      pipe.applyEdits(rowsOf[k], params, states[k]);
      if (filter) {
        pipe.filter(rowsOf[k], params, m);
        pipe.sample(rng);
      }
      pipe.restoreEdits(rowsOf[k]);
    };
    const n = name.includes('top-p 0.9 (') ? rows / 10 : rows;
    for (let i = 0; i < n; i++) once(i % POOL);
    // the smallest of three measurements: a (re)optimisation during one allocates on its own
    let perRow = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
      globalThis.gc();
      const before = newSpaceUsed();
      for (let i = 0; i < n; i++) once(i % POOL);
      perRow = Math.min(perRow, (newSpaceUsed() - before) / n);
    }
    console.log(`  V=${v} ${name.padEnd(52)} ${perRow.toFixed(1).padStart(7)} bytes/row (${n} rows)`);
  }
}

if (args.includes('--alloc-child')) {
  for (const v of sizes) allocCheck(v);
  process.exit(0);
}
if (args.includes('--alloc')) {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', self, '--alloc-child', '--sizes', sizes.join(',')],
    {
      stdio: 'inherit',
    },
  );
  process.exit(child.status ?? 1);
}

const machine = `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, node ${process.version}, load ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}`;
process.stderr.write(`machine: ${machine}\n`);
const all = {};
const allPairs = {};
for (const v of sizes) {
  const { results, paired } = await benchSize(v);
  all[v] = results;
  allPairs[v] = paired;
}

// Table: one line per step, one column per vocabulary size (median µs, p90 in parentheses).
const names = all[sizes[0]].map((r) => `${r.group}: ${r.name}`);
const header = `| step | ${sizes.map((v) => `V=${v} wall median (p90) / cpu median µs`).join(' | ')} |`;
console.log(`machine: ${machine}\n`);
console.log(header);
console.log(`|---|${sizes.map(() => '---').join('|')}|`);
names.forEach((name, i) => {
  console.log(
    `| ${name} | ${sizes.map((v) => `${all[v][i].median.toFixed(1)} (${all[v][i].p90.toFixed(1)}) / ${all[v][i].cpu.toFixed(0)}`).join(' | ')} |`,
  );
});
const ratio = (v, a, b, key) => {
  const find = (s) => all[v].find((r) => `${r.group}: ${r.name}`.includes(s))[key];
  return (find(b) / find(a)).toFixed(1);
};
for (const key of ['median', 'cpu']) {
  console.log(
    `\nspeed-up over transformers.js, interleaved pairs (${key === 'cpu' ? 'CPU time' : 'wall'} median; µs ours / theirs):`,
  );
  for (const v of sizes) {
    const cells = allPairs[v].map(
      (p) =>
        `${p.name} ${(p.tjs[key] / p.ours[key]).toFixed(1)}x (${p.ours[key].toFixed(0)} / ${p.tjs[key].toFixed(0)})`,
    );
    console.log(`  V=${v}: ${cells.join(', ')}`);
  }
}
for (const key of ['median', 'cpu']) {
  console.log(
    `\nspeed-up over transformers.js, from the table above (separate runs; ${key === 'cpu' ? 'CPU time' : 'wall'} median):`,
  );
  for (const v of sizes) {
    console.log(
      `  V=${v}: repetition ${ratio(v, 'logitkit: repetition 1.1', 'RepetitionPenalty', key)}x, ` +
        `temp+top-k sample ${ratio(v, 'logitkit: temperature 0.7 + top-k 50', 'temp 0.7 + MultinomialSampler', key)}x, ` +
        `greedy ${ratio(v, 'logitkit: greedy', 'GreedySampler', key)}x, ` +
        `generate-equivalent ${ratio(v, 'logitkit: rep 1.1 → temp', 'transformers.js: rep 1.1 → temp', key)}x`,
    );
  }
}
console.log(
  `\nload average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (jsonOut)
  writeFileSync(jsonOut, JSON.stringify({ machine, iters, results: all, pairs: allPairs }, null, 2));
