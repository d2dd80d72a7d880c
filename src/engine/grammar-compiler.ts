/**
 * `GrammarCompiler`: the front door. Each `compile*` method runs one front end (EBNF, regex, JSON Schema,
 * structural tag) to the grammar IR, then builds the engine tables for this compiler's tokenizer. Results
 * are cached by (kind, source, options) in an LRU bounded by entry count.
 */
import { BUILTIN_JSON_EBNF, type EbnfOptions, ebnfToGrammar } from '../ebnf/index.js';
import { type JsonSchemaOptions, jsonSchemaToGrammar } from '../json-schema/index.js';
import { type RegexOptions, regexToGrammar } from '../regex/index.js';
import { type StructuralTagOptions, structuralTagToGrammar } from '../structural-tag/index.js';
import { CompiledGrammar } from './compiled-grammar.js';
import type { GrammarLimits } from './grammar-tables.js';
import { inlineSmallRules } from './inline-rules.js';
import type { Grammar } from './ir.js';
import { type EngineTokenizer, tokenizerContext } from './token-sets.js';

export interface GrammarCompilerOptions {
  /** Cache compiled grammars by source and options (default true). */
  cache?: boolean;
  /** Most compiled grammars kept in the cache (default 1024). */
  cacheSize?: number;
  /** Automaton size limits (defaults in `DEFAULT_GRAMMAR_LIMITS`). */
  limits?: GrammarLimits;
}

export class GrammarCompiler {
  private readonly cache = new Map<string, CompiledGrammar>();
  private readonly cacheEnabled: boolean;
  private readonly cacheSize: number;

  constructor(
    readonly tokenizer: EngineTokenizer,
    private readonly options: GrammarCompilerOptions = {},
  ) {
    this.cacheEnabled = options.cache ?? true;
    this.cacheSize = options.cacheSize ?? 1024;
    // Per-tokenizer precomputation (token slices) happens here, not in the first compile or mask.
    tokenizerContext(tokenizer).precompute();
  }

  /**
   * Compiles a grammar in XGrammar's EBNF dialect (SGLang's `ebnf`). Token macros (`ExcludeToken`,
   * `TokenTagDispatch`) range over this compiler's tokenizer.
   */
  compileEbnf(source: string, options: Omit<EbnfOptions, 'tokenizer'> = {}): CompiledGrammar {
    return this.cached(`ebnf\0${JSON.stringify(options)}\0${source}`, () => {
      const { grammar, warnings } = ebnfToGrammar(source, { ...options, tokenizer: this.tokenizer });
      // EBNF only: small rules become part of their users' DFAs (masks at rule boundaries, inline-rules.ts).
      return this.compileGrammar(
        inlineSmallRules(grammar),
        warnings.map((w) => w.message),
      );
    });
  }

  /** Compiles a regex (default flavour `sglang`: XGrammar's regex, whole-string match). */
  compileRegex(pattern: string, options: RegexOptions = {}): CompiledGrammar {
    return this.cached(`regex\0${JSON.stringify(options)}\0${pattern}`, () =>
      this.compileGrammar(regexToGrammar(pattern, options)),
    );
  }

  /** Compiles a JSON Schema (object, boolean or JSON text; text keeps its key order). */
  compileJsonSchema(schema: object | string | boolean, options: JsonSchemaOptions = {}): CompiledGrammar {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    const { remotes, ...rest } = options;
    const key = typeof remotes === 'function' ? undefined : `json\0${JSON.stringify(options)}\0${text}`;
    const build = (): CompiledGrammar => {
      const { grammar, warnings } = jsonSchemaToGrammar(schema, { ...rest, remotes });
      return this.compileGrammar(
        grammar,
        warnings.map((w) => w.message),
      );
    };
    return key === undefined ? build() : this.cached(key, build);
  }

  /**
   * Compiles a structural tag (SGLang's `structural_tag`: the `format` form or the legacy `structures` form,
   * object or JSON text). `token` formats resolve through this compiler's tokenizer.
   */
  compileStructuralTag(
    tag: object | string,
    options: Omit<StructuralTagOptions, 'tokenizer'> = {},
  ): CompiledGrammar {
    const text = typeof tag === 'string' ? tag : JSON.stringify(tag);
    const build = (): CompiledGrammar => {
      const { grammar, warnings } = structuralTagToGrammar(tag, { ...options, tokenizer: this.tokenizer });
      return this.compileGrammar(grammar, warnings);
    };
    // a remote loader function cannot be part of the key
    if (typeof options.jsonSchema?.remotes === 'function') return build();
    return this.cached(`structural-tag\0${JSON.stringify(options)}\0${text}`, build);
  }

  /** The built-in JSON grammar (any JSON value; the `json_object` response format). */
  compileBuiltinJson(): CompiledGrammar {
    return this.cached('builtin-json', () => this.compileEbnf(BUILTIN_JSON_EBNF));
  }

  /** Compiles a grammar already in the IR. */
  compileGrammar(grammar: Grammar, warnings: readonly string[] = []): CompiledGrammar {
    return CompiledGrammar.fromGrammar(grammar, this.tokenizer, {
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      warnings,
    });
  }

  /** Drops every cached grammar. */
  clearCache(): void {
    this.cache.clear();
  }

  /** Number of cached grammars. */
  get cachedGrammars(): number {
    return this.cache.size;
  }

  private cached(key: string, build: () => CompiledGrammar): CompiledGrammar {
    if (!this.cacheEnabled) return build();
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const compiled = build();
    this.cache.set(key, compiled);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
    return compiled;
  }
}
