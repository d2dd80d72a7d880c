#!/usr/bin/env node
// @ts-check
/**
 * MaskBench (JSONSchemaBench's mask benchmark) for logitkit and JS anchors, with the Llama-3.1 tokenizer.
 *
 *   npm run bench:maskbench -- --data DIR [--engine logitkit,xgrammar,hf] [--limit N --seed S]
 *                              [--timeout-s T] [--json OUT]
 *
 * For every file `{schema, tests: [{valid, data}]}`: time the compile (TTFM); for each test, reset the matcher,
 * serialise `data` like Python's `json.dumps(data, ensure_ascii=False)`, tokenize it without special tokens,
 * and time mask fill + commit per token (TBM), stopping at the first rejected token. A valid test rejected
 * is a validation error; an invalid test whose tokens are all accepted is an invalidation error (MaskBench
 * does not check the end state; the table also counts those where the grammar could not have ended there).
 * Each engine runs in its own worker process; engines alternate file by file; a file over the time limit
 * kills the worker and counts as a timeout (TTFM at the limit if the compile had not returned).
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENGINE_NAMES } from './engines.mjs';
import { sampleFiles } from './sample.mjs';
import { EngineTotals, formatTable } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    engine: { type: 'string', default: 'logitkit' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'timeout-s': { type: 'string', default: '120' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (args.help || !args.data) {
  process.stderr.write(
    'usage: npm run bench:maskbench -- --data DIR [--engine logitkit,xgrammar,hf] [--limit N --seed S] [--timeout-s T] [--json OUT]\n',
  );
  process.exit(args.help ? 0 : 2);
}

const engines = /** @type {string} */ (args.engine)
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
for (const e of engines) {
  if (!ENGINE_NAMES.includes(e)) {
    process.stderr.write(`unknown engine ${JSON.stringify(e)} (known: ${ENGINE_NAMES.join(', ')})\n`);
    process.exit(2);
  }
}
const timeoutS = Number(args['timeout-s']);
const timeoutUs = timeoutS * 1e6;
const limit = args.limit === undefined ? undefined : Number(args.limit);
const seed = Number(args.seed);
if (!(timeoutS > 0) || (limit !== undefined && !(limit > 0)) || !Number.isFinite(seed)) {
  process.stderr.write('--timeout-s and --limit must be positive numbers, --seed a number\n');
  process.exit(2);
}

const dataDir = resolve(args.data);
const files = sampleFiles(dataDir, limit, seed);
if (files.length === 0) {
  process.stderr.write(`no .json files in ${dataDir}\n`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Workers.

/**
 * One engine's worker process, restarted after a timeout or crash.
 */
class Worker {
  /** @param {string} engine */
  constructor(engine) {
    this.engine = engine;
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.child = undefined;
    this.setupMs = 0;
  }

  /** Starts the worker and waits until it has loaded the tokenizer and engine. */
  async start() {
    const child = fork(join(HERE, 'worker.mjs'), [this.engine], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    await new Promise((resolveReady, reject) => {
      const onMessage = (/** @type {any} */ msg) => {
        if (msg?.type !== 'ready') return;
        this.setupMs = msg.setupMs;
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolveReady(undefined);
      };
      const onExit = (/** @type {number | null} */ code) =>
        reject(new Error(`${this.engine} worker failed to start (exit ${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }

  /**
   * Runs one file; resolves with its result (a timeout or crash is a result too).
   * @param {string} path
   * @returns {Promise<any>}
   */
  async run(path) {
    const name = path.split('/').pop();
    if (!this.child) {
      try {
        await this.start();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return { file: name, status: 'crash', message, ttfmUs: 0, tbmUs: [], tests: [] };
      }
    }
    const child = /** @type {import('node:child_process').ChildProcess} */ (this.child);
    let compiledUs = 0;
    const result = await new Promise((done) => {
      const finish = (/** @type {any} */ r) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        done(r);
      };
      const onMessage = (/** @type {any} */ msg) => {
        if (msg?.type === 'compiled') compiledUs = msg.ttfmUs;
        else if (msg?.type === 'result') {
          if (msg.restart) this.stop();
          finish(msg.result);
        }
      };
      const onExit = (/** @type {number | null} */ code, /** @type {string | null} */ signal) => {
        this.child = undefined;
        finish({
          file: name,
          status: 'crash',
          message: `worker exited (${signal ?? code})`,
          ttfmUs: compiledUs,
          tbmUs: [],
          tests: [],
        });
      };
      const timer = setTimeout(() => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        this.child = undefined;
        finish({
          file: name,
          status: 'timeout',
          message: compiledUs > 0 ? `tests exceeded ${timeoutS} s` : `compile exceeded ${timeoutS} s`,
          ttfmUs: compiledUs > 0 ? compiledUs : timeoutUs,
          tbmUs: [],
          tests: [],
        });
      }, timeoutS * 1000);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'file', path });
    });
    return result;
  }

  stop() {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Progress bar (stderr).

const startedAt = Date.now();
/** @param {number} done @param {Map<string, EngineTotals>} totals */
function progress(done, totals) {
  const width = 30;
  const filled = Math.round((done / files.length) * width);
  const elapsed = (Date.now() - startedAt) / 1000;
  const eta = done > 0 ? (elapsed / done) * (files.length - done) : 0;
  const passes = engines.map((e) => `${e} ${totals.get(e)?.counts.pass ?? 0}✓`).join(' ');
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${files.length} files | ${passes} | ${elapsed.toFixed(0)}s, ETA ${eta.toFixed(0)}s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
  else if (done === files.length || done % Math.max(1, Math.round(files.length / 20)) === 0)
    process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------------------------

const workers = new Map(engines.map((e) => [e, new Worker(e)]));
const totals = new Map(engines.map((e) => [e, new EngineTotals()]));
/** @type {Map<string, any[]>} */
const perFile = new Map(engines.map((e) => [e, []]));

try {
  for (const w of workers.values()) await w.start();
} catch (e) {
  for (const w of workers.values()) w.stop();
  process.stderr.write(
    `${e instanceof Error ? e.message : String(e)} (see its error above; is dist/ built?)\n`,
  );
  process.exit(1);
}
process.stderr.write(
  `MaskBench: ${files.length} files from ${dataDir}; engines ${engines.join(', ')} (setup ${[...workers.values()].map((w) => `${w.engine} ${Math.round(w.setupMs)} ms`).join(', ')}); timeout ${timeoutS} s\n`,
);

let filesDone = 0;
// Ctrl-C or SIGTERM: report what has been measured so far.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping after ${filesDone} files\n`);
    report(filesDone);
    process.exit(130);
  });
}

for (let i = 0; i < files.length; i++) {
  const path = join(dataDir, /** @type {string} */ (files[i]));
  // Alternate the engine order per file so that drift on a shared machine does not favour one engine.
  const order = i % 2 === 0 ? engines : [...engines].reverse();
  for (const e of order) {
    const r = await /** @type {Worker} */ (workers.get(e)).run(path);
    /** @type {EngineTotals} */ (totals.get(e)).add(r, timeoutUs);
    const tbm = r.tbmUs;
    let sum = 0;
    let max = 0;
    for (const t of tbm) {
      sum += t;
      if (t > max) max = t;
    }
    perFile.get(e)?.push({
      file: r.file,
      status: r.status,
      message: r.message,
      ttfmUs: r.ttfmUs,
      ttfmCpuUs: r.ttfmCpuUs,
      tbmCpuUs: r.tbmCpuUs,
      masks: tbm.length,
      tbmAvgUs: tbm.length ? sum / tbm.length : null,
      tbmMaxUs: tbm.length ? max : null,
      tests: r.tests,
    });
  }
  filesDone = i + 1;
  progress(filesDone, totals);
}
report(filesDone);

/** Prints the table and writes the JSON for the files done so far (all of them, or fewer after Ctrl-C). */
function report(/** @type {number} */ filesDone) {
  for (const w of workers.values()) w.stop();
  if (process.stderr.isTTY) process.stderr.write('\n');
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`;
  const command = `npm run bench:maskbench -- ${process.argv.slice(2).join(' ')}`;
  process.stdout.write(
    `\nMaskBench, Llama-3.1 tokenizer, times in µs. ${filesDone} of ${files.length} files.\nMachine: ${machine}\nCommand: ${command}\n\n`,
  );
  process.stdout.write(`${formatTable(engines, totals)}\n`);

  if (args.json) {
    const out = {
      command,
      machine,
      date: new Date().toISOString(),
      data: dataDir,
      options: { engines, limit, seed, timeoutS },
      engines: Object.fromEntries(
        engines.map((e) => {
          const t = /** @type {EngineTotals} */ (totals.get(e));
          return [
            e,
            {
              summary: { tbm: t.tbm.summary(), ttfm: t.ttfm.summary(), counts: t.counts, tokens: t.tokens },
              files: perFile.get(e),
            },
          ];
        }),
      ),
    };
    writeFileSync(resolve(args.json), `${JSON.stringify(out, null, 1)}\n`);
    process.stderr.write(`per-file results: ${resolve(args.json)}\n`);
  }
}
