import type { CompiledGrammar } from '../engine/compiled-grammar.js';
import { GrammarMatcher } from '../engine/matcher.js';
import type { TokenizerInfo } from '../vocabulary/index.js';
import type { SidecarEngine, SidecarMatcher, SidecarMatcherOptions } from './engine-port.js';
import { COMPILE_FLAG_JSON_FIXED_WHITESPACE, KeyType, type KeyTypeCode } from './protocol.js';

/** The compile methods the sidecar calls (logitkit's GrammarCompiler). */
export interface SidecarCompiler {
  compileJsonSchema(
    schema: string,
    options?: { whitespace?: { separators?: [string, string] } },
  ): CompiledGrammar;
  compileRegex(pattern: string): CompiledGrammar;
  compileEbnf(text: string): CompiledGrammar;
  /** Structural tags (SGLang's legacy and xgrammar-native forms); absent in builds without them. */
  compileStructuralTag?(tag: string): CompiledGrammar;
  /** Any JSON value (SGLang's `$$ANY$$` key); falls back to the schema `{}` when absent. */
  compileBuiltinJson?(): CompiledGrammar;
}

/** SGLang's key string for "any JSON". */
export const ANY_JSON_KEY = '$$ANY$$';

/**
 * The sidecar engine over logitkit's compiler and GrammarMatcher, for one tokenizer. Keys are dispatched like
 * SGLang's xgrammar backend: `json` (with `$$ANY$$` meaning any JSON), `regex`, `ebnf`, `structural_tag`.
 * `eosTokenIds` (default: the tokenizer's) are the matchers' stop tokens, like SGLang's model EOS ids.
 */
export function createLogitkitEngine(
  info: TokenizerInfo,
  compiler: SidecarCompiler,
  eosTokenIds: readonly number[] = info.eosTokenIds,
): SidecarEngine<CompiledGrammar> {
  return {
    vocabSize: info.vocabSize,
    eosTokenIds,
    description: `${info.source} (${info.kind}, ${info.tokenCount} tokens, vocab size ${info.vocabSize})`,
    compile(keyType: KeyTypeCode, key: string, flags: number): CompiledGrammar {
      switch (keyType) {
        case KeyType.json:
          if (key === ANY_JSON_KEY) {
            return compiler.compileBuiltinJson
              ? compiler.compileBuiltinJson()
              : compiler.compileJsonSchema('{}');
          }
          return (flags & COMPILE_FLAG_JSON_FIXED_WHITESPACE) !== 0
            ? compiler.compileJsonSchema(key, { whitespace: { separators: [', ', ': '] } })
            : compiler.compileJsonSchema(key);
        case KeyType.regex:
          return compiler.compileRegex(key);
        case KeyType.ebnf:
          return compiler.compileEbnf(key);
        case KeyType.structuralTag:
          if (!compiler.compileStructuralTag) {
            throw new Error('structural_tag grammars are not supported by this logitkit build');
          }
          return compiler.compileStructuralTag(key);
      }
    },
    createMatcher(grammar: CompiledGrammar, options: SidecarMatcherOptions): SidecarMatcher {
      return new GrammarMatcher(grammar, {
        stopTokenIds: options.stopTokenIds ?? eosTokenIds,
        terminateWithoutStopToken: options.terminateWithoutStopToken ?? false,
      });
    },
  };
}
