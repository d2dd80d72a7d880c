// @ts-check
/**
 * Shows where an engine rejects a MaskBench test: `node bench/maskbench/diagnose.mjs FILE [TEST_INDEX] [ENGINE]`
 * prints the serialised instance, the accepted prefix and the rejected token.
 */
import { readFileSync } from 'node:fs';
import { createEngine, loadTokenizer } from './engines.mjs';
import { parsePyJson, pyDumps, toJsonText } from './pyjson.mjs';

const [path, indexArg, engineName = 'logitkit'] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node bench/maskbench/diagnose.mjs FILE [TEST_INDEX] [ENGINE]\n');
  process.exit(2);
}
const info = await loadTokenizer();
const engine = await createEngine(engineName, info);
const file = /** @type {import("./pyjson.mjs").PyObject} */ (parsePyJson(readFileSync(path, 'utf8')));
const schemaText = toJsonText(file.get('schema') ?? null);
const tests = /** @type {any[]} */ (file.get('tests') ?? []);
const compiled = await engine.compile(schemaText);
const session = await engine.session(compiled);
for (let i = 0; i < tests.length; i++) {
  if (indexArg !== undefined && Number(indexArg) !== i) continue;
  const test = tests[i];
  const text = pyDumps(test.get('data'));
  const tokens = info.encode(text);
  await engine.reset(session);
  let accepted = 0;
  for (const t of tokens) {
    if (!(await engine.step(session, t))) break;
    accepted++;
  }
  const prefix = info.decode(tokens.slice(0, accepted));
  const verdict =
    accepted === tokens.length
      ? 'accepted'
      : `rejected token ${accepted} ${JSON.stringify(info.decode([tokens[accepted]]))}`;
  process.stdout.write(
    `test #${i} valid=${test.get('valid')}: ${verdict}\n  ...${JSON.stringify(prefix.slice(-160))}\n`,
  );
}
