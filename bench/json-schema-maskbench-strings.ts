/**
 * MaskBench correctness of the JSON Schema compiler at string level (no tokenizer, no timing): for each schema,
 * compile; for each test instance (serialised as MaskBench does), check complete acceptance against its
 * `valid` flag. A schema passes when it compiles and every test agrees. Also counts "prefix accepts" (an invalid
 * instance that is a viable prefix: MaskBench, which never checks the end, would count it as accepted).
 *
 * Usage:
 *   python3 bench/json-schema-maskbench-serialize.py /path/to/maskbench-dev > /tmp/mb.jsonl
 *   npm run bench:jsmb -- --jsonl /tmp/mb.jsonl [--shard 0/6] [--limit N]
 */
import fs from 'node:fs';
import { CompiledGrammar, GrammarError, GrammarMatcher } from '../src/engine/index.js';
import { jsonSchemaToGrammar } from '../src/json-schema/index.js';

interface Line {
  file: string;
  schema: string;
  tests: Array<{ valid: boolean; text: string }>;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const path = arg('--jsonl');
  if (!path) {
    console.error('usage: json-schema-maskbench-strings --jsonl FILE [--shard K/N] [--limit N]');
    process.exit(2);
  }
  const [k, n] = (arg('--shard') ?? '0/1').split('/').map(Number) as [number, number];
  const limit = Number(arg('--limit') ?? Number.POSITIVE_INFINITY);
  const lines = fs.readFileSync(path, 'utf8').trim().split('\n');
  const s = {
    schemas: 0,
    pass: 0,
    compileError: 0,
    wrongAccept: 0,
    prefixAccept: 0,
    wrongReject: 0,
    crash: 0,
  };
  const errors = new Map<string, number>();
  for (const [index, text] of lines.entries()) {
    if (index % n !== k || s.schemas >= limit) continue;
    const { file, schema, tests } = JSON.parse(text) as Line;
    s.schemas++;
    let compiled: CompiledGrammar;
    try {
      compiled = CompiledGrammar.fromGrammar(jsonSchemaToGrammar(schema).grammar, null);
    } catch (e) {
      if (!(e instanceof GrammarError)) {
        s.crash++;
        console.log(`CRASH ${file}: ${(e as Error).message}`);
        continue;
      }
      s.compileError++;
      const key = e.kind === 'limit' ? 'limit' : (/'([^']+)'/.exec(e.message)?.[1] ?? e.message.slice(0, 60));
      errors.set(key, (errors.get(key) ?? 0) + 1);
      continue;
    }
    let ok = true;
    for (const t of tests) {
      const m = new GrammarMatcher(compiled);
      const prefix = m.acceptString(t.text);
      const full = prefix && m.isCompleted();
      if (t.valid && !full) {
        s.wrongReject++;
        ok = false;
      } else if (!t.valid && full) {
        s.wrongAccept++;
        ok = false;
        console.log(`WRONG ACCEPT ${file}: ${t.text.slice(0, 300)}`);
      } else if (!t.valid && prefix) {
        s.prefixAccept++;
        ok = false;
      }
    }
    if (ok) s.pass++;
  }
  console.log(JSON.stringify(s));
  console.log(`passing ${((100 * s.pass) / s.schemas).toFixed(2)}% of ${s.schemas} schemas`);
  for (const [key, count] of [...errors].sort((a, b) => b[1] - a[1])) console.log(`${count}\t${key}`);
}

main();
