// @ts-check
/**
 * Regex benchmark: compile time and per-token mask time for realistic patterns (SGLang `regex`
 * semantics), logitkit (dist/) next to XGrammar-WASM (@mlc-ai/web-xgrammar) in one run, on the
 * Llama-3.1 tokenizer.
 *
 *   npm run build && node bench/regex.mjs [--reps 20] [--limit 10] [--engines logitkit,xgrammar]
 *
 * - compile: `GrammarCompiler.compileRegex(p)` (cache off) vs XGrammar `compileGrammar(ebnf)`, where the
 *   EBNF is XGrammar's own regex translation (taken from its JSON-schema converter, which embeds
 *   `pattern` through the same converter as `compile_regex`; the translation itself is not timed).
 * - compile+1st mask: a fresh compile plus the first mask (logitkit computes token sets lazily).
 * - stop_regex: `StreamingRegexSearch.push` per decoded token over a long text (p50/p99 per push).
 * - mask: one `fillNextTokenBitmask` (logitkit) / `getNextTokenBitmask` (XGrammar, async API) per token
 *   while the tokenized example is accepted, repeated `--reps` times; p50/p99 over all steps.
 * Prints one JSON line per pattern and engine, then a table. Numbers are only meaningful on a quiet
 * machine; record the machine and command with them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaXgrammarCompiler, loadXgrammar } from './xgrammar-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const _require = createRequire(join(root, 'package.json'));
const STOP_IDS = [128001, 128008, 128009];

/** [name, pattern, an example the pattern matches] */
const PATTERNS = [
  ['date', '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])', '2024-02-29'],
  ['time', '([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d)?', '23:59:07'],
  [
    'datetime',
    '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})',
    '2024-05-01T12:30:45.123Z',
  ],
  ['email', '[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}', 'jane.doe+news@example.co.uk'],
  [
    'ipv4',
    '((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)',
    '192.168.100.254',
  ],
  [
    'uuid',
    '[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}',
    '123e4567-e89b-42d3-a456-426614174000',
  ],
  ['phone', '\\+?1?[-. ]?\\(?\\d{3}\\)?[-. ]?\\d{3}[-. ]?\\d{4}', '+1 (555) 123-4567'],
  ['number', '-?(0|[1-9]\\d{0,5})(\\.\\d{1,4})?', '-12345.678'],
  ['answer', '(The answer is|Answer:) (yes|no|[0-9]+)\\.', 'The answer is 42.'],
  ['sentence', '[A-Z][a-z]+( [a-z]+){2,12}[.!?]', 'The quick brown fox jumps over the lazy dog.'],
];

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const reps = Number(arg('reps', '20'));
const limit = Number(arg('limit', String(PATTERNS.length)));
const engines = arg('engines', 'logitkit,xgrammar').split(',');

async function importDist(path) {
  const file = join(root, 'dist', path);
  if (!existsSync(file)) throw new Error(`dist/${path} not found: run \`npm run build\` first`);
  return import(file);
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const bit = (mask, t) => ((mask[t >>> 5] ?? 0) >>> (t & 31)) & 1;

/** XGrammar's EBNF for a regex: the `string` rule of its JSON-schema translation, without the quotes. */
async function xgrammarRegexEbnf(xgr, pattern) {
  const ebnf = await xgr.Testings._jsonSchemaToEBNF(JSON.stringify({ type: 'string', pattern }), true, -1);
  const prefix = 'string ::= "\\"" ';
  const suffix = ' "\\""';
  const line = ebnf.split('\n').find((l) => l.startsWith(prefix) && l.endsWith(suffix));
  if (!line) throw new Error(`unexpected XGrammar EBNF for ${pattern}`);
  return `root ::= ${line.slice(prefix.length, line.length - suffix.length)}\n`;
}

async function main() {
  const { TokenizerInfo } = await importDist('vocabulary/index.js');
  const engine = await importDist('engine/index.js');
  const info = await TokenizerInfo.fromPreset('llama-3.1');
  const rows = [];
  const xgr = engines.includes('xgrammar') ? loadXgrammar() : undefined;
  const xgCompiler = xgr ? await llamaXgrammarCompiler(xgr, info.vocabSize, STOP_IDS) : undefined;
  const compiler = new engine.GrammarCompiler(info, { cache: false });
  const mask = engine.allocateTokenBitmask(1, info.vocabSize);

  for (const [name, pattern, example] of PATTERNS.slice(0, limit)) {
    const tokens = info.encode(example);
    if (engines.includes('logitkit')) {
      const compileMs = [];
      let compiled;
      for (let r = 0; r < Math.max(3, Math.ceil(reps / 4)); r++) {
        const t0 = performance.now();
        compiled = compiler.compileRegex(pattern);
        compileMs.push(performance.now() - t0);
      }
      // Time to first mask on a fresh compile: the engine computes token sets lazily.
      const ttfm0 = performance.now();
      new engine.GrammarMatcher(compiler.compileRegex(pattern), {
        stopTokenIds: STOP_IDS,
      }).fillNextTokenBitmask(mask, 0);
      const firstMaskMs = performance.now() - ttfm0;
      const maskUs = [];
      let accepted = true;
      for (let r = 0; r < reps; r++) {
        const m = new engine.GrammarMatcher(compiled, { stopTokenIds: STOP_IDS });
        for (const t of tokens) {
          const t0 = performance.now();
          m.fillNextTokenBitmask(mask, 0);
          maskUs.push((performance.now() - t0) * 1000);
          if (!bit(mask, t) || !m.acceptToken(t)) accepted = false;
        }
      }
      rows.push({
        pattern: name,
        engine: 'logitkit',
        compileMs: quantile(compileMs, 0.5),
        firstMaskMs,
        maskP50Us: quantile(maskUs, 0.5),
        maskP99Us: quantile(maskUs, 0.99),
        steps: maskUs.length,
        accepted,
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
    if (xgr && xgCompiler) {
      const ebnf = await xgrammarRegexEbnf(xgr, pattern);
      const compileMs = [];
      let compiled;
      for (let r = 0; r < Math.max(3, Math.ceil(reps / 4)); r++) {
        compiled?.dispose?.();
        const t0 = performance.now();
        compiled = await xgCompiler.compileGrammar(ebnf);
        compileMs.push(performance.now() - t0);
      }
      const ttfm0 = performance.now();
      const fresh = await xgCompiler.compileGrammar(ebnf);
      const first = await xgr.GrammarMatcher.createGrammarMatcher(fresh);
      await first.getNextTokenBitmask();
      const firstMaskMs = performance.now() - ttfm0;
      first.dispose();
      fresh.dispose();
      const maskUs = [];
      let accepted = true;
      for (let r = 0; r < reps; r++) {
        const m = await xgr.GrammarMatcher.createGrammarMatcher(compiled);
        for (const t of tokens) {
          const t0 = performance.now();
          const bits = await m.getNextTokenBitmask();
          maskUs.push((performance.now() - t0) * 1000);
          if (!bit(bits, t) || !m.acceptToken(t)) accepted = false;
        }
        m.dispose();
      }
      compiled?.dispose?.();
      rows.push({
        pattern: name,
        engine: 'xgrammar-wasm',
        compileMs: quantile(compileMs, 0.5),
        firstMaskMs,
        maskP50Us: quantile(maskUs, 0.5),
        maskP99Us: quantile(maskUs, 0.99),
        steps: maskUs.length,
        accepted,
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
  }
  // stop_regex checking: StreamingRegexSearch.push per decoded token over a long non-matching text.
  const { StreamingRegexSearch } = await importDist('regex/index.js');
  const text = 'The quick brown fox jumps over the lazy dog, again and again; 42 times. '.repeat(60);
  const chunks = info.encode(text).map((t) => info.decode([t]));
  for (const stop of ['</answer>', '(?i)final answer: \\d+$', '\\n{3,}', 'Observation:|Action:']) {
    const search = new StreamingRegexSearch(stop);
    const pushUs = [];
    for (let r = 0; r < Math.max(1, Math.ceil(reps / 4)); r++) {
      search.reset();
      for (const c of chunks) {
        const t0 = performance.now();
        search.push(c);
        pushUs.push((performance.now() - t0) * 1000);
      }
    }
    const row = {
      stopRegex: stop,
      pushP50Us: quantile(pushUs, 0.5),
      pushP99Us: quantile(pushUs, 0.99),
      pushes: pushUs.length,
    };
    console.log(JSON.stringify(row));
  }

  console.log(
    `\nmachine: ${cpus().length}x ${cpus()[0]?.model ?? '?'}, node ${process.version}; reps=${reps}`,
  );
  console.log(
    'pattern    engine         compile ms  compile+1st mask ms  mask p50 us   mask p99 us   steps  accepted',
  );
  for (const r of rows) {
    console.log(
      `${r.pattern.padEnd(10)} ${r.engine.padEnd(14)} ${r.compileMs.toFixed(2).padStart(10)}  ${r.firstMaskMs.toFixed(2).padStart(19)}  ${r.maskP50Us.toFixed(1).padStart(11)}   ${r.maskP99Us.toFixed(1).padStart(11)}   ${String(r.steps).padStart(5)}  ${r.accepted}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
