// @ts-check
/**
 * Where mask time goes on a MaskBench sample, in CPU time (robust on a shared machine):
 *
 *   node bench/maskbench/profile-masks.mjs --data ../shared/maskbench-dev --limit 300 --seed 1 [--warm] [--only F,G]
 *
 * Walks every test instance of the sampled files (same sample as `bench:maskbench --limit --seed`) through
 * logitkit's matcher, timing each `fillNextTokenBitmask` with `process.cpuUsage`, and splits the slow masks
 * (> 400 µs) into time spent computing *new* per-state token sets (first visits) and full-parser subtree walks.
 * `--warm` runs the sample twice and reports the second pass only (token sets cached, grammars recompiled), which
 * separates the steady state from first-visit costs. The per-call `process.cpuUsage` adds ~1 µs to timed masks.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parsePyJson, pyDumps, toJsonText } from './pyjson.mjs';
import { sampleFiles } from './sample.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    limit: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    warm: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
if (!args.data) {
  process.stderr.write(
    'usage: node bench/maskbench/profile-masks.mjs --data DIR [--limit N --seed S] [--warm] [--only F,G]\n',
  );
  process.exit(2);
}
const { TokenizerInfo } = await import(join(root, 'dist/vocabulary/index.js'));
const { CompiledGrammar, GrammarMatcher, GrammarCompiler, allocateTokenBitmask } = await import(
  join(root, 'dist/engine/index.js')
);
const STOP_IDS = [128001, 128008, 128009];
const SLOW_US = 400;

const info = await TokenizerInfo.fromPreset('llama-3.1');
const compiler = new GrammarCompiler(info, { cache: false });
const mask = allocateTokenBitmask(1, info.vocabSize);

// Instrumentation: CPU time in first-visit token sets and in full-parser subtree walks, per mask.
let newSetUs = 0;
let walkUs = 0;
const cpuUs = (/** @type {NodeJS.CpuUsage} */ c) => c.user + c.system;
const tokenSet = CompiledGrammar.prototype.tokenSet;
CompiledGrammar.prototype.tokenSet = function (/** @type {number} */ g) {
  // Cached sets (the grammar's own array; private in TypeScript, plain at run time) are not timed.
  if (this.stateSets[g]) return this.stateSets[g];
  const c0 = process.cpuUsage();
  const set = tokenSet.call(this, g);
  newSetUs += cpuUs(process.cpuUsage(c0));
  return set;
};
const walk = GrammarMatcher.prototype.walkSubtrees;
GrammarMatcher.prototype.walkSubtrees = function (/** @type {unknown[]} */ ...a) {
  const c0 = process.cpuUsage();
  walk.apply(this, a);
  walkUs += cpuUs(process.cpuUsage(c0));
};

const dir = resolve(args.data);
let files = sampleFiles(dir, Number(args.limit), Number(args.seed));
if (args.only) files = files.filter((f) => args.only?.split(',').includes(f));

/** One pass over the sample; returns per-mask CPU µs and the slow-mask breakdown. */
function pass() {
  const times = [];
  let slow = 0;
  let slowUs = 0;
  let slowSetUs = 0;
  let slowWalkUs = 0;
  for (const f of files) {
    const file = /** @type {any} */ (parsePyJson(readFileSync(join(dir, f), 'utf8')));
    let compiled;
    try {
      compiled = compiler.compileJsonSchema(toJsonText(file.get('schema') ?? null));
    } catch {
      continue;
    }
    const m = new GrammarMatcher(compiled, { stopTokenIds: STOP_IDS });
    for (const test of file.get('tests') ?? []) {
      const tokens = info.encode(pyDumps(test.get('data') ?? null));
      m.reset();
      for (const t of tokens) {
        newSetUs = 0;
        walkUs = 0;
        const c0 = process.cpuUsage();
        m.fillNextTokenBitmask(mask, 0);
        const us = cpuUs(process.cpuUsage(c0));
        times.push(us);
        if (us > SLOW_US) {
          slow++;
          slowUs += us;
          slowSetUs += newSetUs;
          slowWalkUs += walkUs;
        }
        if (!(((mask[t >>> 5] ?? 0) >>> (t & 31)) & 1) || !m.acceptToken(t)) break;
      }
    }
  }
  return { times, slow, slowUs, slowSetUs, slowWalkUs };
}

let result = pass();
if (args.warm) result = pass();
const { times, slow, slowUs, slowSetUs, slowWalkUs } = result;
const sorted = Float64Array.from(times).sort();
const q = (/** @type {number} */ p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const ms = (/** @type {number} */ us) => (us / 1000).toFixed(0);
process.stdout.write(
  `${args.warm ? 'warm (second pass)' : 'cold (first pass)'}: ${files.length} files, ${times.length} masks, ` +
    `CPU µs p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)}, total ${ms(times.reduce((a, b) => a + b, 0))} ms\n` +
    `masks > ${SLOW_US} µs: ${slow} (${((100 * slow) / Math.max(1, times.length)).toFixed(1)}%), ${ms(slowUs)} ms, of which ` +
    `first-visit token sets ${ms(slowSetUs)} ms, full-parser subtree walks ${ms(slowWalkUs)} ms\n`,
);
