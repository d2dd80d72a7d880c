import type { CompiledGrammar } from '../engine/compiled-grammar.js';
import { GrammarCompiler } from '../engine/grammar-compiler.js';
import { TokenizerInfo } from '../vocabulary/index.js';
import type { SidecarEngine } from './engine-port.js';
import { createLogitkitEngine, type SidecarCompiler } from './logitkit-engine.js';
import { SidecarServer } from './server.js';

/** How to start a sidecar over logitkit's engine. */
export interface StartSidecarOptions {
  /** Unix socket path to listen on. */
  socketPath: string;
  /** A model directory or tokenizer.json path (exactly one of `tokenizer` and `preset`). */
  tokenizer?: string;
  /** A built-in tokenizer preset, e.g. `llama-3.1`. */
  preset?: string;
  /** The model's vocabulary size (mask width); default from config.json or the tokenizer. */
  vocabSize?: number;
  /** The model's EOS ids (the grammars' stop tokens); default from the model's config files. */
  eosTokenIds?: number[];
  /** Compiled-grammar cache entries (LRU). */
  compileCacheEntries?: number;
  /** Version reported in the handshake. */
  version?: string;
  /** Diagnostics sink. */
  log?: (message: string) => void;
}

/** Loads the tokenizer, builds the compiler and listens. Rejects with a message naming what is wrong. */
export async function startSidecar(options: StartSidecarOptions): Promise<SidecarServer<unknown>> {
  const engine = await loadSidecarEngine(options);
  const server = new SidecarServer<unknown>({
    engine,
    socketPath: options.socketPath,
    ...(options.compileCacheEntries !== undefined
      ? { compileCacheEntries: options.compileCacheEntries }
      : {}),
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  });
  await server.listen();
  return server;
}

/** The tokenizer + compiler a sidecar serves, built in-process (also what tests use as the reference). */
export async function loadSidecarEngine(
  options: Pick<StartSidecarOptions, 'tokenizer' | 'preset' | 'vocabSize' | 'eosTokenIds'>,
): Promise<SidecarEngine<CompiledGrammar>> {
  if ((options.tokenizer === undefined) === (options.preset === undefined)) {
    throw new Error('give exactly one of --tokenizer PATH and --preset NAME');
  }
  const eos =
    options.eosTokenIds !== undefined && options.eosTokenIds.length > 0 ? options.eosTokenIds : undefined;
  let info: TokenizerInfo;
  if (options.preset !== undefined) {
    info = await TokenizerInfo.fromPreset(options.preset);
    if (options.vocabSize !== undefined && options.vocabSize !== info.vocabSize) {
      throw new Error(
        `--vocab-size ${options.vocabSize} differs from preset ${options.preset}'s ${info.vocabSize}`,
      );
    }
  } else {
    info = TokenizerInfo.fromTokenizerJson(options.tokenizer!, {
      ...(options.vocabSize !== undefined ? { vocabSize: options.vocabSize } : {}),
      ...(eos ? { eosTokenIds: eos } : {}),
    });
  }
  for (const id of eos ?? []) {
    if (!Number.isInteger(id) || id < 0 || id >= info.vocabSize) {
      throw new Error(`--eos-ids: ${id} is not a token id below the vocabulary size ${info.vocabSize}`);
    }
  }
  return createLogitkitEngine(info, createCompiler(info), eos);
}

/**
 * logitkit's GrammarCompiler without its own cache: the sidecar caches compile outcomes (errors included) per
 * key itself, so a second cache would only pin grammars the sidecar already evicted.
 */
function createCompiler(info: TokenizerInfo): SidecarCompiler {
  return new GrammarCompiler(info, { cache: false });
}
