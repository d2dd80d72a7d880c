#!/usr/bin/env node
// @ts-check
/**
 * Where compile time (TTFM) goes on a MaskBench sample, in CPU time (robust on a shared machine):
 *
 *   node bench/maskbench/profile-compile.mjs --data ../shared/maskbench-dev --limit 200 --seed 1
 *        [--repeat R] [--prof [--prof-under-ms X] [--prof-over-ms Y]] [--interval-us 200] [--functions K] [--top 15] [--root DIR] [--json OUT]
 *
 * Compiles every sampled schema (same sample as `bench:maskbench --limit --seed`, same schema text and
 * `GrammarCompiler.compileJsonSchema` call with the cache off) `--repeat` times and reports, per file, the best
 * CPU time (user + system, `process.cpuUsage`) and wall time of the compile: p50/p90/p99 over the files, the
 * compile-error count, and the slowest files. No masks are computed (MaskBench's worker runs masks between the
 * compiles, so its wall times also carry their GC and cache effects).
 *
 * `--prof` adds a second pass under V8's sampling profiler (`node:inspector`) and splits the CPU samples taken
 * inside the compile into phases by the functions on the stack: the outermost phase function (parse, ajv
 * meta-validation, schema build, lowering, tail recursion, tables) and the innermost detail inside it (regex,
 * formats, intersection/complement automata, NFA build, liveness/nullable, FIRST, FOLLOW, ...); GC samples are
 * their own phase; `--prof-under-ms X` / `--prof-over-ms Y` profile only the files that compiled in at most X / more than
 * Y ms CPU (the typical schema, the tail). `--root DIR` loads `DIR/dist` instead of this checkout's (for A/B runs of two builds).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PyObject, parsePyJson, toJsonText } from './pyjson.mjs';
import { sampleFiles } from './sample.mjs';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
    repeat: { type: 'string', default: '1' },
    prof: { type: 'boolean', default: false },
    'interval-us': { type: 'string', default: '200' },
    top: { type: 'string', default: '15' },
    root: { type: 'string' },
    json: { type: 'string' },
    'prof-under-ms': { type: 'string' },
    'prof-over-ms': { type: 'string' },
    functions: { type: 'string', default: '0' },
  },
});
if (!args.data) {
  process.stderr.write(
    'usage: node bench/maskbench/profile-compile.mjs --data DIR [--limit N --seed S] [--repeat R] [--prof] [--top K] [--root DIR] [--json OUT]\n',
  );
  process.exit(2);
}
const root = args.root ? resolve(args.root) : join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { TokenizerInfo } = await import(join(root, 'dist/vocabulary/index.js'));
const { GrammarCompiler } = await import(join(root, 'dist/engine/index.js'));

const info = await TokenizerInfo.fromPreset('llama-3.1');
const compiler = new GrammarCompiler(info, { cache: false });

const dir = resolve(args.data);
const files = sampleFiles(dir, args.limit === undefined ? undefined : Number(args.limit), Number(args.seed));
const schemas = files.map((f) => {
  const file = parsePyJson(readFileSync(join(dir, f), 'utf8'));
  return toJsonText(file instanceof PyObject ? (file.get('schema') ?? null) : null);
});

const cpuNow = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

/** Compiles file `i` once; returns [cpu µs, wall µs, error message or ''] */
function compileOnce(/** @type {number} */ i) {
  const c0 = cpuNow();
  const t0 = nowUs();
  let error = '';
  try {
    compiler.compileJsonSchema(/** @type {string} */ (schemas[i]));
  } catch (e) {
    error = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 160) ?? '';
  }
  return [cpuNow() - c0, nowUs() - t0, error];
}

const repeat = Math.max(1, Number(args.repeat));
const cpu = new Float64Array(files.length).fill(Infinity);
const wall = new Float64Array(files.length).fill(Infinity);
const errors = /** @type {string[]} */ (new Array(files.length).fill(''));
for (let r = 0; r < repeat; r++) {
  for (let i = 0; i < files.length; i++) {
    const [c, w, e] = /** @type {[number, number, string]} */ (compileOnce(i));
    if (c < /** @type {number} */ (cpu[i])) cpu[i] = c;
    if (w < /** @type {number} */ (wall[i])) wall[i] = w;
    errors[i] = e;
  }
}

/** pN as in MaskBench: element floor(len·N/100) of the sorted samples. */
const pct = (/** @type {Float64Array} */ xs, /** @type {number} */ p) => {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};
const sum = (/** @type {Float64Array} */ xs) => xs.reduce((a, b) => a + b, 0);
const fmt = (/** @type {number} */ us) =>
  us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`;
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(2));
const numErrors = errors.filter(Boolean).length;
console.log(
  `${files.length} files (seed ${args.seed}), best of ${repeat}, root ${root}, load ${load.join(' ')}; compile errors ${numErrors}`,
);
for (const [name, xs] of /** @type {Array<[string, Float64Array]>} */ ([
  ['cpu ', cpu],
  ['wall', wall],
])) {
  console.log(
    `  ${name}: p50 ${fmt(pct(xs, 50))}  p75 ${fmt(pct(xs, 75))}  p90 ${fmt(pct(xs, 90))}  p95 ${fmt(pct(xs, 95))}  p99 ${fmt(pct(xs, 99))}  max ${fmt(pct(xs, 100))}  total ${fmt(sum(xs))}`,
  );
}
const order = [...files.keys()].sort(
  (a, b) => /** @type {number} */ (cpu[b]) - /** @type {number} */ (cpu[a]),
);
console.log(`slowest ${args.top} (cpu):`);
for (const i of order.slice(0, Number(args.top))) {
  console.log(
    `  ${fmt(/** @type {number} */ (cpu[i])).padStart(10)}  ${files[i]}${errors[i] ? `  [error: ${errors[i]}]` : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Phase split under the sampling profiler.

/**
 * Outer phases (the outermost match on the stack decides) and inner details (the innermost match inside the
 * outer phase decides), matched on function name and file. Order matters only within each list.
 * @type {Array<[string, RegExp, RegExp]>} [phase, function name, url]
 */
const OUTER = [
  ['parse', /^readSchema$/, /json-schema\/index\.js$/],
  ['ajv meta-validation', /^assertValidSchema$/, /json-schema\/drafts\.js$/],
  ['registry', /^SchemaRegistry$/, /json-schema\/resolver\.js$/],
  ['schema build', /^compile$/, /json-schema\/build\.js$/],
  ['lowering', /^grammar$/, /json-schema\/lower\.js$/],
  ['tail recursion', /^loopTailRecursion$/, /engine\/tail-recursion\.js$/],
  ['tables', /^GrammarTables$/, /engine\/grammar-tables\.js$/],
  ['compiled grammar', /^CompiledGrammar$/, /engine\/compiled-grammar\.js$/],
];
/** @type {Array<[string, RegExp, RegExp]>} */
const INNER = [
  ['ajv', /./, /node_modules\/ajv/],
  ['toPlain', /^toPlain$/, /ordered-json\.js$/],
  ['regex', /./, /\/regex\//],
  ['formats', /./, /json-schema\/formats\.js$/],
  ['numbers', /./, /json-schema\/numbers\.js$/],
  ['intersect (schema)', /./, /json-schema\/intersect\.js$/],
  ['object order', /./, /json-schema\/object-order\.js$/],
  ['values', /./, /json-schema\/values\.js$/],
  ['ir', /./, /engine\/ir\.js$/],
  [
    'exprToDfa/intersectDfas',
    /^(exprToDfa|intersectDfas|determinizeBytes|complement\w*)$/,
    /engine\/automaton\.js$/,
  ],
  ['NFA build', /^(build|buildChars|embedDfa)$/, /engine\/automaton\.js$/],
  ['rule NFA analyses (lazy tables)', /^buildRule$/, /grammar-tables\.js$/],
  ['expression facts (size, FIRST)', /^(staticFacts|combine|union)$/, /grammar-analysis\.js$/],
  ['rule facts (productive, FIRST, FOLLOW)', /./, /grammar-analysis\.js$/],
  ['rule-reference check', /^checkRefs$/, /grammar-tables\.js$/],
  ['byte classes', /^byteClasses$/, /grammar-tables\.js$/],
  ['reverse edges', /^reverseEdges$/, /grammar-tables\.js$/],
  ['liveness/nullable', /^fixRules$/, /grammar-tables\.js$/],
  ['FIRST', /^computeFirst$/, /grammar-tables\.js$/],
  ['FOLLOW', /^computeFollow$/, /grammar-tables\.js$/],
  ['lookahead', /./, /engine\/lookahead\.js$/],
  ['start states (intern)', /^(intern|epsilonClosure)$/, /engine\/(grammar-tables|automaton)\.js$/],
  ['token ids', /./, /engine\/token-ids\.js$/],
];

if (args.prof) {
  const session = new Session();
  session.connect();
  const post = (/** @type {string} */ method, /** @type {object} */ params = {}) =>
    new Promise((res, rej) =>
      session.post(method, params, (err, result) => (err ? rej(err) : res(/** @type {any} */ (result)))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: Number(args['interval-us']) });
  await post('Profiler.start');
  const under = args['prof-under-ms'] === undefined ? Infinity : Number(args['prof-under-ms']) * 1000;
  const over = args['prof-over-ms'] === undefined ? -1 : Number(args['prof-over-ms']) * 1000;
  for (let i = 0; i < files.length; i++) {
    const c = /** @type {number} */ (cpu[i]);
    if (c <= under && c > over) compileOnce(i);
  }
  const { profile } = await post('Profiler.stop');
  session.disconnect();

  /** @type {Map<number, any>} */
  const nodes = new Map();
  for (const n of profile.nodes) nodes.set(n.id, n);
  /** @type {Map<number, number>} */
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** @type {Map<number, string>} */
  const phaseOf = new Map();
  const match = (/** @type {Array<[string, RegExp, RegExp]>} */ list, /** @type {any} */ frame) => {
    for (const [name, fn, url] of list) if (fn.test(frame.functionName) && url.test(frame.url)) return name;
    return undefined;
  };
  const classify = (/** @type {number} */ id) => {
    const known = phaseOf.get(id);
    if (known !== undefined) return known;
    /** @type {any[]} */
    const stack = [];
    for (let n = /** @type {number | undefined} */ (id); n !== undefined; n = parent.get(n))
      stack.push(nodes.get(n).callFrame);
    const leaf = stack[0];
    let phase;
    if (leaf.functionName === '(garbage collector)') phase = 'GC';
    else if (leaf.functionName === '(idle)' || leaf.functionName === '(program)') phase = '(idle/program)';
    else {
      let outer;
      let inner;
      for (let k = stack.length - 1; k >= 0; k--) {
        if (!outer) outer = match(OUTER, stack[k]);
        else {
          const m = match(INNER, stack[k]);
          if (m) inner = m;
        }
      }
      phase = outer ? `${outer} / ${inner ?? 'own'}` : 'other (compiler glue, harness)';
    }
    phaseOf.set(id, phase);
    return phase;
  };
  /** @type {Map<string, number>} */
  const total = new Map();
  /** @type {Map<string, number>} self time per function */
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let k = 0; k < profile.samples.length; k++) {
    const phase = classify(profile.samples[k]);
    const dt = deltas[k + 1] ?? 0;
    total.set(phase, (total.get(phase) ?? 0) + dt);
    const f = nodes.get(profile.samples[k]).callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  }
  const all = [...total.values()].reduce((a, b) => a + b, 0);
  /** @type {Map<string, number>} */
  const outerTotals = new Map();
  for (const [p, us] of total) {
    const o = p.split(' / ')[0] ?? p;
    outerTotals.set(o, (outerTotals.get(o) ?? 0) + us);
  }
  console.log(`profile (${fmt(all)} sampled, every ${args['interval-us']} µs):`);
  for (const [o, us] of [...outerTotals].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${((100 * us) / all).toFixed(1).padStart(5)}%  ${fmt(us).padStart(10)}  ${o}`);
    for (const [p, pus] of [...total].filter(([p]) => p.startsWith(`${o} / `)).sort((a, b) => b[1] - a[1])) {
      if (pus / all >= 0.002)
        console.log(`         ${((100 * pus) / all).toFixed(1).padStart(5)}%  ${p.slice(o.length + 3)}`);
    }
  }
  const topFunctions = Number(args.functions);
  if (topFunctions > 0) {
    console.log(`top ${topFunctions} functions by self time:`);
    for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, topFunctions))
      console.log(`  ${((100 * us) / all).toFixed(1).padStart(5)}%  ${name}`);
  }
}

if (args.json) {
  writeFileSync(
    args.json,
    JSON.stringify(
      files.map((f, i) => ({ file: f, cpuUs: cpu[i], wallUs: wall[i], error: errors[i] })),
      null,
      1,
    ),
  );
}
