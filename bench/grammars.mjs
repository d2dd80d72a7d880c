#!/usr/bin/env node
// @ts-check
/**
 * Grammar engine benchmark: compile time and mask time (p50/p99) for the built-in JSON grammar and three
 * other EBNF grammars along sampled token walks, logitkit next to XGrammar-WASM in the same process, on the
 * same token sequences, with the Llama-3.1 vocabulary.
 *
 *   npm run bench:grammars [-- --walks N --seed S]
 *
 * The walks are generated once with logitkit's masks (seeded, uniform over allowed tokens among those whose
 * first byte is not whitespace when possible, so walks make progress), then both engines replay exactly
 * those tokens: per token, time = fill mask + accept.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { llamaXgrammarCompiler, loadXgrammar } from './xgrammar-wasm.mjs';

const { values: args } = parseArgs({
  options: { walks: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } },
});
const WALKS = Number(args.walks);
let seed = Number(args.seed) >>> 0 || 1;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

const lk = await import('../dist/index.js');
const info = await lk.TokenizerInfo.fromPreset('llama-3.1');
const compiler = new lk.GrammarCompiler(info, { cache: false });

const GRAMMARS = {
  json: lk.BUILTIN_JSON_EBNF,
  arithmetic: `root ::= expr
expr ::= term (("+" | "-") term)*
term ::= factor (("*" | "/") factor)*
factor ::= number | "(" expr ")" | "-" factor
number ::= [0-9]+ ("." [0-9]+)?`,
  csv: `root ::= header ("\\n" row){1,20} "\\n"?
header ::= name ("," name){2,5}
row ::= cell ("," cell){2,5}
name ::= [a-z_]{1,12}
cell ::= [0-9]{1,6} | "\\"" [^"\\n]* "\\""`,
  nested: `root ::= item
item ::= "(" ws (item (ws "," ws item)*)? ws ")" | atom
atom ::= [a-zA-Z][a-zA-Z0-9]{0,7}
ws ::= [ ]{0,2}`,
};

function quantile(sorted, q) {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}

/** Token walks through logitkit's masks (max 128 tokens each). */
function makeWalks(compiled) {
  const walks = [];
  const mask = lk.allocateTokenBitmask(1, info.vocabSize);
  for (let w = 0; w < WALKS; w++) {
    const m = new lk.GrammarMatcher(compiled);
    const ids = [];
    for (let step = 0; step < 128; step++) {
      m.fillNextTokenBitmask(mask);
      const allowed = lk.allowedTokens(mask, info.vocabSize);
      if (allowed.length === 0) break;
      const stop = allowed.filter((t) => info.eosTokenIds.includes(t));
      if (stop.length > 0 && rand() < 0.15) break;
      const progress = allowed.filter((t) => !info.eosTokenIds.includes(t) && !/^\s/.test(info.tokenText(t)));
      const pool = progress.length > 0 ? progress : allowed.filter((t) => !info.eosTokenIds.includes(t));
      if (pool.length === 0) break;
      const t = pool[Math.floor(rand() * pool.length)];
      m.acceptToken(t);
      ids.push(t);
    }
    walks.push(ids);
  }
  return walks;
}

const xgr = loadXgrammar();
const xcompiler = await llamaXgrammarCompiler(xgr, info.vocabSize, [...info.eosTokenIds]);

const rows = [];
for (const [name, ebnf] of Object.entries(GRAMMARS)) {
  let t0 = performance.now();
  const compiled = compiler.compileEbnf(ebnf);
  const lkCompile = performance.now() - t0;
  const walks = makeWalks(compiled);
  const lkTimes = [];
  const mask = lk.allocateTokenBitmask(1, info.vocabSize);
  for (const ids of walks) {
    const m = new lk.GrammarMatcher(compiled);
    for (const t of ids) {
      const s = performance.now();
      m.fillNextTokenBitmask(mask);
      m.acceptToken(t);
      lkTimes.push((performance.now() - s) * 1000);
    }
  }
  t0 = performance.now();
  const xcompiled = await xcompiler.compileGrammar(ebnf);
  const xCompile = performance.now() - t0;
  const xTimes = [];
  for (const ids of walks) {
    const m = await xgr.GrammarMatcher.createGrammarMatcher(xcompiled);
    for (const t of ids) {
      const s = performance.now();
      await m.getNextTokenBitmask();
      m.acceptToken(t);
      xTimes.push((performance.now() - s) * 1000);
    }
    m.dispose();
  }
  lkTimes.sort((a, b) => a - b);
  xTimes.sort((a, b) => a - b);
  rows.push({
    name,
    tokens: lkTimes.length,
    lkCompile,
    xCompile,
    lkP50: quantile(lkTimes, 0.5),
    lkP99: quantile(lkTimes, 0.99),
    xP50: quantile(xTimes, 0.5),
    xP99: quantile(xTimes, 0.99),
  });
}

const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
console.log(
  `Grammar engine benchmark, Llama-3.1 vocabulary (${info.vocabSize} tokens), ${WALKS} walks per grammar`,
);
console.log(`Machine: ${cpus().length}× ${cpus()[0]?.model ?? '?'}, Node ${process.version}`);
console.log(
  'Command: npm run bench:grammars' +
    (process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''),
);
console.log('');
console.log(
  '| grammar | tokens | compile ms (logitkit / xgrammar) | mask p50 µs (logitkit / xgrammar) | mask p99 µs (logitkit / xgrammar) |',
);
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.tokens} | ${f(r.lkCompile, 2)} / ${f(r.xCompile, 2)} | ${f(r.lkP50)} / ${f(r.xP50)} | ${f(r.lkP99)} / ${f(r.xP99)} |`,
  );
}
