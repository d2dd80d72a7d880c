#!/usr/bin/env node
/**
 * Structural-tag mask benchmark: a 5-tool Llama-3.x JSON tool-call structural tag (`structuralTagForTools`),
 * a fixed assistant text (free text, two tool calls, free text) tokenized with the Llama-3.1 tokenizer and
 * replayed token by token. Per token: time of one mask fill. Samples are split by where the mask is taken:
 * inside free text, inside a call's JSON arguments, or in a tag's begin/end. logitkit (dist/) and XGrammar
 * WASM (@mlc-ai/web-xgrammar, `compileStructuralTag`, masks through `getNextTokenBitmask`) in the same run.
 *
 *   npm run bench:structural-tag -- [--passes N] [--style llama-3|qwen|python-tag] [--engine logitkit,xgrammar] [--trace]
 *
 * `--style python-tag` is the token-level variant (Llama 3.1's built-in tool calls): a `token_triggered_tags`
 * whose trigger and tag begin are the special token <|python_tag|>, the body `{"name": ..., "parameters": ...}`
 * JSON and the end the token <|eom_id|>; free text is free tokens (token-id terminals). logitkit only:
 * XGrammar-WASM 0.1.27 has no token-level formats.
 *
 * `LOGITKIT_DIST=DIR` loads logitkit from another build directory than dist/.
 * Pass 1 starts with cold per-state token-set caches; the table shows all passes and the warm ones (2..N), as
 * wall time and as process CPU time (user + system, `process.cpuUsage`), which moves much less than wall time
 * when other jobs compete for the cores. XGrammar's times include its async JS wrapper.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaXgrammarCompiler, loadXgrammar } from './xgrammar-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const _require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const passes = Number(option('passes', '5'));
const style = option('style', 'llama-3');
const engines = option('engine', 'logitkit,xgrammar')
  .split(',')
  .filter((e) => style !== 'python-tag' || e !== 'xgrammar');
/** `--trace`: print every logitkit mask slower than 1 ms with its position. */
const trace = args.includes('--trace');

async function importDist(path) {
  const file = join(process.env.LOGITKIT_DIST ?? join(root, 'dist'), path);
  if (!existsSync(file)) throw new Error(`dist/${path} not found: run \`npm run build\` first`);
  return import(file);
}

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
          days: { type: 'integer', minimum: 1, maximum: 14 },
        },
        required: ['city', 'unit'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'search_web',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', minLength: 1 },
          top_k: { type: 'integer' },
          safe: { type: 'boolean' },
        },
        required: ['query'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'send_email',
      parameters: {
        type: 'object',
        properties: {
          to: { type: 'array', items: { type: 'string' }, minItems: 1 },
          subject: { type: 'string' },
          body: { type: 'string' },
          priority: { enum: ['low', 'normal', 'high'] },
        },
        required: ['to', 'subject', 'body'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'create_event',
      parameters: {
        type: 'object',
        properties: {
          title: { type: 'string' },
          start: { type: 'string' },
          duration_minutes: { type: 'number' },
          attendees: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, email: { type: 'string' } },
              required: ['name'],
            },
          },
        },
        required: ['title', 'start'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'calculate',
      parameters: {
        type: 'object',
        properties: {
          expression: { type: 'string' },
          precision: { type: 'integer', minimum: 0, maximum: 10 },
        },
        required: ['expression'],
      },
    },
  },
];

const CALLS = [
  ['get_weather', { city: 'Paris', unit: 'celsius', days: 3 }],
  [
    'send_email',
    {
      to: ['ana@example.com', 'bo@example.com'],
      subject: 'Weekend plans',
      body: 'Hi both,\nthe forecast looks good for Saturday. Shall we meet at ten?\nCheers',
      priority: 'normal',
    },
  ],
];

function callText(name, argsValue) {
  const json = JSON.stringify(argsValue, null, 0).replaceAll('":', '": ').replaceAll(',"', ', "');
  const begin =
    style === 'qwen'
      ? `<tool_call>\n{"name": "${name}", "arguments": `
      : `{"name": "${name}", "parameters": `;
  const end = style === 'qwen' ? '}\n</tool_call>' : '}';
  return { begin, json, end };
}

/** The replayed text and, per byte, its region: 0 free text, 1 JSON arguments, 2 tag begin/end. */
function sample() {
  const pieces = [
    [0, 'Let me check the weather for your trip first, and then I will write the email to your friends. '],
    ...CALLS.flatMap(([name, value], i) => {
      const { begin, json, end } = callText(name, value);
      return [
        [2, begin],
        [1, json],
        [2, end],
        [
          0,
          i === 0
            ? ' The forecast says it will be sunny, around twenty degrees. Now the email: '
            : ' Done: both of them should have it in their inbox now.',
        ],
      ];
    }),
  ];
  const enc = new TextEncoder();
  const text = pieces.map((p) => p[1]).join('');
  const region = [];
  for (const [r, s] of pieces) for (let i = 0; i < enc.encode(s).length; i++) region.push(r);
  return { text, region };
}

const REGIONS = ['free text', 'JSON body', 'tag begin/end'];
const PYTHON_TAG = 128010;
const EOM = 128008;

/** The token-level structural tag: <|python_tag|> {"name": fn, "parameters": {...}} <|eom_id|>, in free tokens. */
function pythonTagFormat() {
  return {
    type: 'structural_tag',
    format: {
      type: 'token_triggered_tags',
      trigger_tokens: [PYTHON_TAG],
      tags: TOOLS.map(({ function: f }) => ({
        type: 'tag',
        begin: { type: 'token', token: PYTHON_TAG },
        content: {
          type: 'json_schema',
          json_schema: {
            type: 'object',
            properties: { name: { const: f.name }, parameters: f.parameters },
            required: ['name', 'parameters'],
          },
        },
        end: { type: 'token', token: EOM },
      })),
    },
  };
}

/** Tokens and per-token regions of the replayed sample (text pieces tokenized one by one for python-tag). */
function tokenSample(info) {
  if (style !== 'python-tag') {
    const { text, region } = sample();
    const tokens = info.encode(text);
    const regions = [];
    let offset = 0;
    for (const t of tokens) {
      regions.push(region[offset]);
      offset += info.tokenBytes(t).length;
    }
    return { tokens, regions };
  }
  const tokens = [];
  const regions = [];
  const push = (ids, r) => {
    for (const id of ids) {
      tokens.push(id);
      regions.push(r);
    }
  };
  push(info.encode('Let me check the weather for your trip first, and then I will write the email. '), 0);
  CALLS.forEach(([name, value], i) => {
    push([PYTHON_TAG], 2);
    const json = JSON.stringify({ name, parameters: value }).replaceAll('":', '": ').replaceAll(',"', ', "');
    push(info.encode(json), 1);
    push([EOM], 2);
    push(info.encode(i === 0 ? ' Sunny, around twenty degrees. Now the email: ' : ' Done.'), 0);
  });
  return { tokens, regions };
}

function percentile(sorted, p) {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const bit = (mask, t) => ((mask[t >>> 5] ?? 0) >>> (t & 31)) & 1;
const STOP_IDS = [128001, 128008, 128009];

async function main() {
  const { TokenizerInfo } = await importDist('vocabulary/index.js');
  const { GrammarCompiler, GrammarMatcher, allocateTokenBitmask } = await importDist('engine/index.js');
  const { structuralTagForTools } = await importDist('structural-tag/index.js');
  const info = await TokenizerInfo.fromPreset('llama-3.1');
  const tag = style === 'python-tag' ? pythonTagFormat() : structuralTagForTools(TOOLS, style);
  const { tokens, regions } = tokenSample(info);
  const results = {};

  if (engines.includes('logitkit')) {
    const compiler = new GrammarCompiler(info, { cache: false });
    const t0 = performance.now();
    const compiled = compiler.compileStructuralTag(tag);
    const compileMs = performance.now() - t0;
    const m = new GrammarMatcher(compiled, { stopTokenIds: STOP_IDS });
    const mask = allocateTokenBitmask(1, info.vocabSize);
    const samples = [];
    for (let pass = 0; pass < passes; pass++) {
      m.reset();
      for (let i = 0; i < tokens.length; i++) {
        const c = process.cpuUsage();
        const s = performance.now();
        m.fillNextTokenBitmask(mask, 0);
        const us = (performance.now() - s) * 1000;
        const cpu = process.cpuUsage(c);
        samples.push({ pass, region: regions[i], us, cpu: cpu.user + cpu.system });
        if (trace && us > 1000) {
          const before = JSON.stringify(info.decode(tokens.slice(Math.max(0, i - 8), i)));
          console.log(`logitkit pass ${pass} token ${i} after ${before}: ${us.toFixed(0)} us`);
        }
        if (!bit(mask, tokens[i]) || !m.acceptToken(tokens[i]))
          throw new Error(`logitkit rejected token ${i}`);
      }
      m.fillNextTokenBitmask(mask, 0);
      if (!bit(mask, 128009)) throw new Error('logitkit: the end of the text is not accepted');
    }
    results.logitkit = { compileMs, samples };
  }

  if (engines.includes('xgrammar')) {
    const xgr = loadXgrammar();
    const compiler = await llamaXgrammarCompiler(xgr, info.vocabSize, STOP_IDS);
    const t0 = performance.now();
    const compiled = await compiler.compileStructuralTag(tag);
    const compileMs = performance.now() - t0;
    const m = await xgr.GrammarMatcher.createGrammarMatcher(compiled);
    const samples = [];
    for (let pass = 0; pass < passes; pass++) {
      m.reset();
      for (let i = 0; i < tokens.length; i++) {
        const c = process.cpuUsage();
        const s = performance.now();
        const mask = await m.getNextTokenBitmask();
        const us = (performance.now() - s) * 1000;
        const cpu = process.cpuUsage(c);
        samples.push({ pass, region: regions[i], us, cpu: cpu.user + cpu.system });
        if (!bit(mask, tokens[i]) || !m.acceptToken(tokens[i]))
          throw new Error(`xgrammar rejected token ${i}`);
      }
    }
    results.xgrammar = { compileMs, samples };
  }

  const names = Object.keys(results);
  console.log(
    `# structural-tag masks: ${TOOLS.length} tools, style ${style}, ${tokens.length} tokens x ${passes} passes`,
  );
  console.log(
    `# ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString()}`,
  );
  console.log(`\n| metric | ${names.join(' | ')} |`);
  console.log(`| --- | ${names.map(() => '---:').join(' | ')} |`);
  console.log(`| compile (ms) | ${names.map((n) => results[n].compileMs.toFixed(1)).join(' | ')} |`);
  for (const [label, warmOnly] of [
    ['all passes', false],
    ['warm (pass 2+)', true],
  ]) {
    for (const [clock, field] of [
      ['wall', 'us'],
      ['CPU', 'cpu'],
    ]) {
      for (let r = 0; r < REGIONS.length; r++) {
        for (const p of [50, 99]) {
          const cells = names.map((n) => {
            const us = results[n].samples
              .filter((s) => s.region === r && (!warmOnly || s.pass > 0))
              .map((s) => s[field])
              .sort((a, b) => a - b);
            return `${percentile(us, p).toFixed(1)} (n=${us.length})`;
          });
          console.log(`| ${REGIONS[r]}, ${label}, mask p${p} ${clock} (us) | ${cells.join(' | ')} |`);
        }
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
