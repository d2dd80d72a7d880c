/** Loading the tokenizer, the embedded model and the grammar backend from resolved options. */
import { type CompiledGrammar, GrammarCompiler, GrammarMatcher } from '../engine/index.js';
import { TokenizerInfo } from '../vocabulary/index.js';
import type { CompiledConstraint, GrammarBackend, GrammarKind } from './grammar.js';
import { loadNgramModel } from './model/ngram.js';
import { ReplayModel } from './model/replay.js';
import type { LanguageModel } from './model/types.js';
import { UniformModel } from './model/uniform.js';
import type { ResolvedServerOptions } from './options.js';
import type { ServerTokenizer } from './tokenizer.js';

/** Loads `--tokenizer PATH` or `--preset NAME`. */
export async function loadTokenizerInfo(options: ResolvedServerOptions): Promise<TokenizerInfo> {
  if (options.tokenizerPath) return TokenizerInfo.fromTokenizerJson(options.tokenizerPath);
  return TokenizerInfo.fromPreset(options.preset);
}

/** Builds the `--model` model for the tokenizer. */
export function loadModel(
  model: string | LanguageModel | undefined,
  options: ResolvedServerOptions,
  tokenizer: ServerTokenizer,
  cacheDir: string | false | undefined,
): LanguageModel {
  if (typeof model === 'object') {
    if (model.vocabSize !== tokenizer.vocabSize) {
      throw new Error(
        `the model's vocabulary (${model.vocabSize}) differs from the tokenizer's (${tokenizer.vocabSize})`,
      );
    }
    return model;
  }
  const spec = options.modelSpec;
  if (spec === 'uniform') return new UniformModel(tokenizer.vocabSize);
  if (spec.startsWith('replay:')) return ReplayModel.load(spec.slice('replay:'.length), tokenizer.vocabSize);
  return loadNgramModel(tokenizer, { cacheDir });
}

/** logitkit's own grammar engine (src/engine) as the server's grammar backend. */
export function engineGrammarBackend(info: TokenizerInfo): GrammarBackend {
  // The service keeps its own LRU (failures included), so the compiler's cache is off.
  const compiler = new GrammarCompiler(info, { cache: false });
  const wrap = (compiled: CompiledGrammar): CompiledConstraint => ({
    createMatcher: (stopTokenIds) => new GrammarMatcher(compiled, { stopTokenIds }),
  });
  return {
    compile(kind: GrammarKind, source: string): CompiledConstraint {
      switch (kind) {
        case 'json':
          return wrap(
            source === '$$ANY$$' ? compiler.compileBuiltinJson() : compiler.compileJsonSchema(source),
          );
        case 'regex':
          return wrap(compiler.compileRegex(source));
        case 'ebnf':
          return wrap(compiler.compileEbnf(source));
        case 'structural_tag':
          return wrap(compiler.compileStructuralTag(source));
      }
    },
  };
}
