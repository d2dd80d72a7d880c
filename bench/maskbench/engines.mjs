// @ts-check
/**
 * Engine adapters for the MaskBench harness. Each engine is driven at its mask-fill / commit level:
 *
 * - `logitkit`: this library from dist/ (`GrammarCompiler.compileJsonSchema`, `GrammarMatcher`).
 * - `xgrammar`: @mlc-ai/web-xgrammar (XGrammar WASM) with `compileJSONSchema(schema, anyWhitespace = true)`
 *   and its other defaults (strict mode), compiler cache off; masks through its public async API.
 * - `hf`: @huggingface/transformers-structured-output, the `TokenConstraint` behind its logits processor
 *   (`fillMask` + `commit`); its mask cache is keyed by schema object, so it is cold for every schema.
 *
 * An adapter: `compile(schemaText)` (timed as TTFM), `session(compiled)` / `reset(session)` (untimed),
 * `step(session, token)` (timed as one TBM sample: fill the mask, check the token's bit, commit it if set;
 * returns whether it was allowed), `complete(session)` (untimed: could the output end here?), `dispose`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { llamaXgrammarCompiler, loadXgrammar } from '../xgrammar-wasm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const _require = createRequire(join(root, 'package.json'));

export const ENGINE_NAMES = ['logitkit', 'xgrammar', 'hf'];

/** Llama-3.1 stop tokens (generation_config.json of the instruct model). */
const STOP_IDS = [128001, 128008, 128009];
const EOT = 128009;

/** @param {Int32Array | Uint32Array} mask @param {number} t */
const bit = (mask, t) => ((mask[t >>> 5] ?? 0) >>> (t & 31)) & 1;

/**
 * Imports a dist module of logitkit (the build output), with a clear message if it is missing.
 * @param {string} path relative to dist/
 */
async function importDist(path) {
  const file = join(root, 'dist', path);
  if (!existsSync(file)) throw new Error(`dist/${path} not found: run \`npm run build\` first`);
  return import(file);
}

/** The shared tokenizer (logitkit's TokenizerInfo for Llama-3.1): same token ids for every engine. */
export async function loadTokenizer() {
  const { TokenizerInfo } = await importDist('vocabulary/index.js');
  return TokenizerInfo.fromPreset('llama-3.1');
}

/**
 * @typedef {object} Engine
 * @property {string} name
 * @property {(schemaText: string) => unknown | Promise<unknown>} compile
 * @property {(compiled: any) => unknown | Promise<unknown>} session
 * @property {(session: any) => void | Promise<void>} reset
 * @property {(session: any, token: number) => boolean | Promise<boolean>} step
 * @property {(session: any) => boolean | Promise<boolean>} complete
 * @property {(compiled: any, session: any) => void} dispose
 * @property {boolean} async whether step() returns a promise
 */

/**
 * @param {string} name
 * @param {any} info logitkit TokenizerInfo
 * @returns {Promise<Engine>}
 */
export async function createEngine(name, info) {
  if (name === 'logitkit') return logitkitEngine(info);
  if (name === 'xgrammar') return xgrammarEngine(info);
  if (name === 'hf') return hfEngine(info);
  throw new Error(`unknown engine ${JSON.stringify(name)} (known: ${ENGINE_NAMES.join(', ')})`);
}

/** @param {any} info @returns {Promise<Engine>} */
async function logitkitEngine(info) {
  const top = existsSync(join(root, 'dist', 'index.js')) ? await importDist('index.js') : {};
  const engine = await importDist('engine/index.js');
  const GrammarCompiler = top.GrammarCompiler ?? engine.GrammarCompiler;
  const GrammarMatcher = top.GrammarMatcher ?? engine.GrammarMatcher;
  const allocateTokenBitmask = top.allocateTokenBitmask ?? engine.allocateTokenBitmask;
  if (!GrammarCompiler) throw new Error('logitkit: GrammarCompiler is not exported by dist/ yet');
  const compiler = new GrammarCompiler(info, { cache: false });
  const mask = allocateTokenBitmask(1, info.vocabSize);
  return {
    name: 'logitkit',
    async: false,
    compile: (schemaText) => compiler.compileJsonSchema(schemaText),
    session: (compiled) => new GrammarMatcher(compiled, { stopTokenIds: STOP_IDS }),
    reset: (m) => m.reset(),
    step(m, t) {
      m.fillNextTokenBitmask(mask, 0);
      if (!bit(mask, t)) return false;
      return m.acceptToken(t);
    },
    complete: (m) => m.isCompleted(),
    dispose() {},
  };
}

/** @param {any} info @returns {Promise<Engine>} */
async function xgrammarEngine(info) {
  const xgr = loadXgrammar();
  const compiler = await llamaXgrammarCompiler(xgr, info.vocabSize, STOP_IDS);
  return {
    name: 'xgrammar',
    async: true,
    compile: (schemaText) => compiler.compileJSONSchema(schemaText, true),
    session: (compiled) => xgr.GrammarMatcher.createGrammarMatcher(compiled),
    reset: (m) => m.reset(),
    async step(m, t) {
      const mask = await m.getNextTokenBitmask();
      if (!bit(mask, t)) return false;
      return m.acceptToken(t);
    },
    async complete(m) {
      return bit(await m.getNextTokenBitmask(), EOT) === 1;
    },
    dispose(compiled, session) {
      session?.dispose?.();
      compiled?.dispose?.();
    },
  };
}

/** @param {any} info @returns {Promise<Engine>} */
async function hfEngine(info) {
  const { StructuredOutputProcessor } = await import('@huggingface/transformers-structured-output');
  /** @type {Uint8Array[]} */
  const tokens = [];
  for (let id = 0; id < info.vocabSize; id++)
    tokens.push(info.hasToken(id) ? info.tokenBytes(id) : new Uint8Array(0));
  // Special tokens and ids without a token (empty byte strings) are never allowed inside the output.
  const special = [];
  for (let id = 0; id < info.vocabSize; id++) if (!info.hasToken(id) || info.isSpecial(id)) special.push(id);
  // One tokenizer object for the whole run: the library caches its tries per tokenizer object.
  const tokenizer = { tokens, eosTokenId: EOT, specialTokenIds: special };
  StructuredOutputProcessor.warmup(tokenizer);
  const mask = new Uint32Array(Math.ceil(info.vocabSize / 32));
  /** The constraint behind the processor (not exported by the package; reached through the processor). */
  const constraintOf = (/** @type {any} */ processor) => processor.processors[0].state.constraint;
  /** @param {any} schema */
  const build = (schema) =>
    new StructuredOutputProcessor(tokenizer, { type: 'json_schema', json_schema: schema });
  return {
    name: 'hf',
    async: false,
    // A fresh schema object per file: the mask cache (keyed by schema object) starts cold for each schema.
    compile(schemaText) {
      const schema = JSON.parse(schemaText);
      build(schema);
      return schema;
    },
    session: (schema) => ({ schema, constraint: constraintOf(build(schema)) }),
    reset(s) {
      s.constraint = constraintOf(build(s.schema));
    },
    step(s, t) {
      s.constraint.fillMask(mask);
      if (!bit(mask, t)) return false;
      try {
        s.constraint.commit(t);
        return true;
      } catch {
        return false;
      }
    },
    complete(s) {
      s.constraint.fillMask(mask);
      return bit(mask, EOT) === 1;
    },
    dispose() {},
  };
}
