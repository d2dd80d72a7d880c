// Sidecar benchmark: `npm run bench:sidecar` (= npm run build && node bench/sidecar.mjs [--steps N]
// [--batches 1,16,64,256] [--repeat R]). Tokenizes real JSON/regex/EBNF outputs with the Llama-3.1 tokenizer (and
// checks them against the in-process engine), then runs bench/sidecar_client.py — the Python plugin's own client
// code — against a sidecar started from this checkout. See sidecar_client.py for the definitions of fill, compute,
// transport and worst case. Prints the machine, load average and command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist/cli/main.js')) && !process.env.LOGITKIT_SIDECAR_COMMAND) {
  console.error('dist/cli/main.js is missing: run `npm run build` first');
  process.exit(1);
}
const { GrammarCompiler, GrammarMatcher, TokenizerInfo } = await import(join(root, 'dist/index.js'));

/** Python json.dumps spacing (what SGLang's JSON grammars expect by default is any whitespace; this is one). */
const dumps = (v) =>
  JSON.stringify(v)
    .replace(/","/g, '", "')
    .replace(/":/g, '": ')
    .replace(/,(?=[[{\d"tfn-])/g, ', ');

const GRAMMARS = [
  {
    keyType: 'json',
    key: JSON.stringify({
      type: 'object',
      properties: {
        name: { type: 'string' },
        email: { type: 'string', format: 'email' },
        age: { type: 'integer', minimum: 0 },
        tags: { type: 'array', items: { type: 'string' } },
        address: {
          type: 'object',
          properties: {
            street: { type: 'string' },
            city: { type: 'string' },
            zip: { type: 'string', pattern: '^[0-9]{5}$' },
          },
          required: ['street', 'city', 'zip'],
        },
      },
      required: ['name', 'email', 'age', 'tags', 'address'],
    }),
    outputs: [
      {
        name: 'Ada Lovelace',
        email: 'ada@analytical.org',
        age: 36,
        tags: ['math', 'engines', 'poetry'],
        address: { street: '12 St James Square', city: 'London', zip: '10001' },
      },
      {
        name: 'Grace Hopper',
        email: 'grace.hopper@navy.mil',
        age: 85,
        tags: ['COBOL', 'compilers'],
        address: { street: '1 Navy Yard', city: 'Arlington', zip: '22202' },
      },
    ].map(dumps),
  },
  {
    keyType: 'json',
    key: JSON.stringify({
      type: 'object',
      properties: {
        name: { enum: ['search_web', 'get_weather', 'send_email'] },
        arguments: {
          type: 'object',
          properties: {
            query: { type: 'string', maxLength: 200 },
            limit: { type: 'integer' },
            lang: { type: 'string' },
          },
          required: ['query'],
        },
      },
      required: ['name', 'arguments'],
    }),
    outputs: [
      {
        name: 'search_web',
        arguments: {
          query: 'constrained decoding with Earley parsers and token tries',
          limit: 5,
          lang: 'en',
        },
      },
      {
        name: 'get_weather',
        arguments: { query: 'weather in Zurich tomorrow afternoon, in Celsius please' },
      },
    ].map(dumps),
  },
  {
    keyType: 'regex',
    key: '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z( [A-Z][a-z]+)+\\.',
    outputs: [
      '2026-11-22T03:05:41Z Deployment Finished Without Errors.',
      '1999-12-31T23:59:59Z Happy New Year.',
    ],
  },
  {
    keyType: 'ebnf',
    key: 'root ::= "SELECT " cols " FROM " name (" WHERE " cond)? ";"\ncols ::= name (", " name)*\nname ::= [a-z_]+\ncond ::= name " = " ([0-9]+ | "\'" [a-z ]* "\'")',
    outputs: [
      "SELECT id, name, email FROM users WHERE status = 'active';",
      'SELECT total FROM orders WHERE id = 42;',
    ],
  },
];

// --without KEYTYPE[,KEYTYPE]: leave those grammars out (e.g. `--without ebnf`: the EBNF walks' masks cost
// 10-30 ms at several positions, see bench/RESULTS.md, and dominate every batch's compute).
const withoutAt = process.argv.indexOf('--without');
const without = withoutAt >= 0 ? new Set(process.argv[withoutAt + 1].split(',')) : new Set();
const clientArgs =
  withoutAt >= 0
    ? process.argv.slice(2).filter((_, i) => i !== withoutAt - 2 && i !== withoutAt - 1)
    : process.argv.slice(2);
const info = await TokenizerInfo.fromPreset('llama-3.1');
const compiler = new GrammarCompiler(info, { cache: false });
const walks = [];
GRAMMARS.forEach((g, gi) => {
  if (without.has(g.keyType)) return;
  const compiled =
    g.keyType === 'json'
      ? compiler.compileJsonSchema(g.key)
      : g.keyType === 'regex'
        ? compiler.compileRegex(g.key)
        : compiler.compileEbnf(g.key);
  for (const text of g.outputs) {
    const tokens = Array.from(info.encode(text));
    const m = new GrammarMatcher(compiled);
    for (const t of tokens) {
      if (!m.acceptToken(t))
        throw new Error(`bench walk rejected by the engine: ${JSON.stringify(text)} at token ${t}`);
    }
    if (!m.isCompleted())
      throw new Error(`bench walk does not complete its grammar: ${JSON.stringify(text)}`);
    walks.push({ grammar: gi, tokens });
  }
});
const dir = mkdtempSync(join(os.tmpdir(), 'lk-bench-sidecar-'));
const walksPath = join(dir, 'walks.json');
writeFileSync(
  walksPath,
  JSON.stringify({ grammars: GRAMMARS.map(({ keyType, key }) => ({ keyType, key })), walks }),
);

const python = process.env.PYTHON ?? 'python3';
const loadBefore = os.loadavg();
const run = spawnSync(python, [join(root, 'bench/sidecar_client.py'), '--walks', walksPath, ...clientArgs], {
  cwd: root,
  env: { ...process.env, PYTHONPATH: join(root, 'python') },
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
});
rmSync(dir, { recursive: true, force: true });
if (run.error || run.status !== 0) {
  console.error(`bench client failed: ${run.error?.message ?? `exit ${run.status}`}`);
  process.exit(1);
}
const r = JSON.parse(run.stdout);
const f = (x, d = 0) => (x === undefined || x === null ? '-' : x.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${os.platform()} ${os.release()}, node ${process.version}, python ${r.python}`,
);
console.log(`load average: ${load(loadBefore)} (start), ${load(os.loadavg())} (end)`);
console.log(`command: node bench/sidecar.mjs ${process.argv.slice(2).join(' ')}`);
console.log(
  `sidecar startup (llama-3.1 preset): ${f(r.startup_ms)} ms; vocab ${r.vocab_size}; ${walks.length} token walks`,
);
console.log(`PING round trip: p50 ${f(r.ping_us.p50, 1)} us, p99 ${f(r.ping_us.p99, 1)} us`);
console.log(
  `compile (JSON schema): uncached round trip p50 ${r.compile_ms.uncached_round_trip_p50.toFixed(2)} ms ` +
    `(in sidecar ${r.compile_ms.uncached_in_sidecar_p50.toFixed(2)} ms), cached round trip p50 ${r.compile_ms.cached_round_trip_p50.toFixed(3)} ms`,
);
console.log(
  '\nper decode step, microseconds; p50 per run, median over runs (the runs in brackets).\n' +
    'fill = FILL_BATCH wall time; compute/accept = sidecar time in fillNextTokenBitmask / acceptToken;\n' +
    "post = the step's accept_token calls (posted, sent with the next fill); transport = fill + post - compute - accept;\n" +
    'py cpu = Python CPU time per step (all transport); worst = transport-only fill (no computation, every row\n' +
    "rewritten) and its CPU time per step (Python + the sidecar's main thread)",
);
console.log(
  `gap between a step's accepts and the next fill: ${r.gap_us} us of Python CPU work (--gap-us; 0 = SGLang's overlap\n` +
    'scheduler). mode sync = every fill is a FILL_BATCH round trip; ahead = the plugin sends FILL_AHEAD after the\n' +
    "step's last accept and the next fill reads the rows from shared memory (ready = fraction of steps whose rows\n" +
    "were written before the fill asked: no syscall). With ahead, compute that ran during the gap or during Python's\n" +
    'own work is not waited for, so transport (fill + post - compute - accept) can drop below the real transport\n' +
    'cost, down to negative values: read "fill" (the wait for the mask) against "compute" (an in-process engine\n' +
    'computing at fill time).',
);
console.log(
  'batch mode  |   fill compute  accept   post | transport p50 [runs]          p90 | rows written | ready | py cpu | worst p50 [runs]          cpu',
);
for (const [b, v] of Object.entries(r.batches)) {
  const worst = v.runs.map((x) => x.worst);
  const m = (xs, key, q = 'p50') => median(xs.map((x) => x[key][q]));
  const runs = (xs) => `[${xs.map((x) => f(x.transport_us.p50)).join(', ')}]`;
  for (const [mode, key] of [
    ['sync', 'walk'],
    ['ahead', 'walk_ahead'],
  ]) {
    if (!v.runs[0][key]) continue;
    const walk = v.runs.map((x) => x[key]);
    const ready = mode === 'ahead' ? walk[0].ahead_ready_fraction : undefined;
    console.log(
      `${b.padStart(5)} ${mode.padEnd(5)} | ${f(m(walk, 'fill_us')).padStart(6)} ${f(m(walk, 'compute_us')).padStart(7)} ${f(m(walk, 'accept_us')).padStart(7)} ` +
        `${f(m(walk, 'post_us')).padStart(6)} | ${f(m(walk, 'transport_us')).padStart(6)} ${runs(walk).padEnd(22)} ${f(m(walk, 'transport_us', 'p90')).padStart(4)} | ` +
        `${(100 * median(walk.map((x) => x.rows_written_fraction))).toFixed(0).padStart(11)}% | ` +
        `${ready === undefined ? '    -' : `${(100 * median(walk.map((x) => x.ahead_ready_fraction))).toFixed(0).padStart(4)}%`} | ` +
        `${f(median(walk.map((x) => x.cpu_python_us))).padStart(6)} | ` +
        `${f(m(worst, 'transport_us')).padStart(6)} ${runs(worst).padEnd(18)} ` +
        `${f(median(worst.map((x) => x.cpu_python_us + x.cpu_sidecar_main_us))).padStart(4)}`,
    );
  }
}
if (process.env.SIDECAR_BENCH_JSON) writeFileSync(process.env.SIDECAR_BENCH_JSON, JSON.stringify(r, null, 1));
