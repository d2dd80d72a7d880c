#!/usr/bin/env node
/**
 * Benchmark: build time and memory of TokenizerInfo + token trie + the engine's per-tokenizer precomputation
 * (`new GrammarCompiler(info)`: the JSON-string token slice and its indexes), and, separately, the first text
 * encode, which builds the @lenml/tokenizers tokenizer.
 *
 *   npm run bench:tokenizer                      # llama-3.1 and qwen3, 5 runs each
 *   node bench/tokenizer.mjs --preset llama-2 --runs 10 --json
 *   node bench/tokenizer.mjs --tokenizer path/to/tokenizer.json
 *
 * Each tokenizer is measured in its own child process (with --expose-gc) so memory deltas are clean.
 * Times: wall clock, process CPU time (all threads: includes V8's background compiler and GC) and the
 * main thread's CPU time (Linux only, 10 ms resolution) — on a busy machine wall time mostly measures the load.
 * The first run is cold — what a server pays once at startup — later runs in the same process are warm.
 * Memory: heapUsed and arrayBuffers growth after a full GC with the TokenizerInfo, its trie and the engine's
 * precomputation (held per tokenizer) alive.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

if (args[0] === '--child') {
  await child(args[1], args[2], Number(args[3]));
} else {
  parent();
}

function parent() {
  const runs = Number(flag('--runs') ?? 5);
  const json = args.includes('--json');
  const targets = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--preset') targets.push(['preset', args[i + 1]]);
    if (args[i] === '--tokenizer') targets.push(['tokenizer', args[i + 1]]);
  }
  if (targets.length === 0) targets.push(['preset', 'llama-3.1'], ['preset', 'qwen3']);

  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const results = targets.map(([kind, value]) => {
    const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', kind, value, String(runs)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out);
  });
  machine.loadAverageAfter = os.loadavg().map((l) => Math.round(l * 100) / 100);

  if (json) {
    console.log(JSON.stringify({ machine, runs, results }, null, 2));
    return;
  }
  console.log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemGiB} GiB, node ${machine.node}, ${machine.platform}`,
  );
  console.log(
    `load average before/after: ${machine.loadAverage.join(' ')} / ${machine.loadAverageAfter.join(' ')}`,
  );
  console.log(`command: node bench/tokenizer.mjs ${args.join(' ')}`.trimEnd());
  console.log(`runs: ${runs} per tokenizer (first = cold, then warm; each in one child process)\n`);
  const header = [
    'tokenizer',
    'vocab',
    'trie nodes',
    'cold ms (load + trie + precompute = total wall / cpu / main-thread cpu)',
    'warm median ms (load + trie + precompute = total wall / cpu / main-thread cpu)',
    'heap MB',
    'arrayBuffers MB',
    'first encode ms',
  ];
  console.log(header.join(' | '));
  for (const r of results) {
    console.log(
      [
        r.name,
        r.vocabSize,
        r.trieNodeCount,
        `${r.cold.loadMs} + ${r.cold.trieMs} + ${r.cold.precomputeMs} = ${r.cold.totalMs} / ${r.cold.cpuMs} / ${r.cold.mainThreadCpuMs}`,
        `${r.warm.loadMs} + ${r.warm.trieMs} + ${r.warm.precomputeMs} = ${r.warm.totalMs} / ${r.warm.cpuMs} / ${r.warm.mainThreadCpuMs}`,
        r.memory.heapUsedMB,
        r.memory.arrayBuffersMB,
        r.firstEncodeMs,
      ].join(' | '),
    );
  }
}

/**
 * CPU time of the main thread alone (Linux /proc, 10 ms resolution). Process CPU time also counts V8's
 * background compiler and GC threads, which run on another core when the machine is not saturated.
 */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) of stat(5), counted after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Full GCs with a turn of the event loop between them, so freed ArrayBuffers are accounted. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function child(kind, value, runs) {
  const { TokenizerInfo } = await import('../dist/vocabulary/index.js');
  const { GrammarCompiler } = await import('../dist/index.js');
  const load = () =>
    kind === 'preset' ? TokenizerInfo.fromPresetSync(value) : TokenizerInfo.fromTokenizerJson(value);
  const mb = (bytes) => Math.round((bytes / 1e6) * 10) / 10;
  const round = (ms) => Math.round(ms * 10) / 10;

  const samples = [];
  let memory;
  let info;
  for (let r = 0; r < runs; r++) {
    info = undefined;
    // Only the first (cold) run starts from a fully collected heap: a forced GC also drops V8's optimized
    // code, so doing it before every run would make every run cold.
    if (r === 0) await settle();
    const before = process.memoryUsage();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const t0 = performance.now();
    info = load();
    const t1 = performance.now();
    const trie = info.trie;
    const t2 = performance.now();
    new GrammarCompiler(info);
    const t3 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const main1 = mainThreadCpuMs();
    samples.push({
      loadMs: t1 - t0,
      trieMs: t2 - t1,
      precomputeMs: t3 - t2,
      totalMs: t3 - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      mainThreadCpuMs: main0 === undefined || main1 === undefined ? Number.NaN : main1 - main0,
    });
    if (r === 0) {
      await settle();
      const after = process.memoryUsage();
      memory = {
        heapUsedMB: mb(after.heapUsed - before.heapUsed),
        arrayBuffersMB: mb(after.arrayBuffers - before.arrayBuffers),
        trieTypedArraysMB: mb(
          trie.bytes.byteLength +
            trie.depth.byteLength +
            trie.token.byteLength +
            trie.subtreeEnd.byteLength +
            trie.tokenNode.byteLength,
        ),
        tokenBytesMB: mb(info.tokenBytesData.byteLength + info.tokenBytesOffsets.byteLength),
      };
    }
  }
  const median = (key) => {
    const warm = samples.slice(runs > 1 ? 1 : 0).map((s) => s[key]);
    warm.sort((a, b) => a - b);
    return round(warm[Math.floor(warm.length / 2)]);
  };
  const t = performance.now();
  info.encode('Hello world');
  const firstEncodeMs = round(performance.now() - t);
  const cold = samples[0];
  process.stdout.write(
    JSON.stringify({
      name: kind === 'preset' ? value : info.source,
      vocabSize: info.vocabSize,
      tokenCount: info.tokenCount,
      trieNodeCount: info.trie.nodeCount,
      cold: {
        loadMs: round(cold.loadMs),
        trieMs: round(cold.trieMs),
        precomputeMs: round(cold.precomputeMs),
        totalMs: round(cold.totalMs),
        cpuMs: round(cold.cpuMs),
        mainThreadCpuMs: round(cold.mainThreadCpuMs),
      },
      warm: {
        loadMs: median('loadMs'),
        trieMs: median('trieMs'),
        precomputeMs: median('precomputeMs'),
        totalMs: median('totalMs'),
        cpuMs: median('cpuMs'),
        mainThreadCpuMs: median('mainThreadCpuMs'),
      },
      memory,
      firstEncodeMs,
    }),
  );
}
