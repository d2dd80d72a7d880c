/**
 * `CompiledGrammar`: a grammar's tables bound to a tokenizer, shareable between matchers (its lazily built
 * automata grow as matchers explore them; JavaScript runs one matcher step at a time, so that is safe).
 */
import { DEFAULT_GRAMMAR_LIMITS, type GrammarLimits, GrammarTables } from './grammar-tables.js';
import type { Grammar } from './ir.js';
import { loopTailRecursion } from './tail-recursion.js';
import { type TokenIdSet, tokenIdSetOf, tokensWithMarkerByte } from './token-ids.js';
import {
  type EngineTokenizer,
  ruleSignature,
  type StateTokenSet,
  type TokenizerContext,
  tokenizerContext,
} from './token-sets.js';

export class CompiledGrammar {
  /** The tokenizer context (trie, shared token-set cache), or null for a string-only grammar. */
  readonly context: TokenizerContext | null;
  /** Whether the grammar has token-id terminals (token-ids.ts): the matcher then also reads tokens by id. */
  readonly usesTokenIds: boolean;
  private readonly ruleKeys: (string | undefined)[];
  private readonly stateSets: (StateTokenSet | undefined)[] = [];
  private readonly idSets: (TokenIdSet | undefined)[] = [];

  private constructor(
    readonly grammar: Grammar,
    readonly tables: GrammarTables,
    readonly tokenizer: EngineTokenizer | null,
    /** Warnings from the front end (quirks, annotations that are not enforced). */
    readonly warnings: readonly string[],
  ) {
    this.context = tokenizer ? tokenizerContext(tokenizer) : null;
    this.ruleKeys = new Array(tables.numRules);
    this.usesTokenIds = tables.usesMarkerByte;
    // The token-set cache key hashes a rule's whole automaton: for the large rules the tables built eagerly, at
    // compile time too (tens of milliseconds for a million states).
    if (this.context) for (const r of tables.eagerRules) this.ruleKey(r);
  }

  /**
   * Compiles a grammar IR. `tokenizer` may be null for grammars used only with `acceptString`
   * (masks then throw).
   */
  static fromGrammar(
    grammar: Grammar,
    tokenizer: EngineTokenizer | null,
    options: { limits?: GrammarLimits; warnings?: readonly string[] } = {},
  ): CompiledGrammar {
    // Right-recursive rules (XGrammar-style string bodies) run as loops: same language, cacheable masks.
    const tables = new GrammarTables(loopTailRecursion(grammar), options.limits ?? DEFAULT_GRAMMAR_LIMITS);
    return new CompiledGrammar(grammar, tables, tokenizer, options.warnings ?? []);
  }

  /** The model's vocabulary size (0 without a tokenizer). */
  get vocabSize(): number {
    return this.tokenizer?.vocabSize ?? 0;
  }

  /**
   * The token set of DFA state `g`: from the shared per-tokenizer cache the first time, then kept here so a
   * mask does not rebuild the cache key (a string) for every state on every call.
   */
  tokenSet(g: number): StateTokenSet {
    let set = this.stateSets[g];
    if (!set) {
      if (!this.context)
        throw new Error('This grammar was compiled without a tokenizer; token masks are unavailable');
      set = this.context.tokenSet(this.tables, this.ruleKey(this.tables.stateRule[g]!), g);
      this.stateSets[g] = set;
    }
    return set;
  }

  /** The token ids DFA state `g` accepts by id (computed on first use, then kept). */
  tokenIdSet(g: number): TokenIdSet {
    let set = this.idSets[g];
    if (!set) {
      set = tokenIdSetOf(this.tables, g, this.vocabSize);
      this.idSets[g] = set;
    }
    return set;
  }

  /** Tokens whose text contains the byte 0xFF: never matched by their text in a grammar with token ids. */
  get markerByteTokens(): Int32Array {
    return this.tokenizer ? tokensWithMarkerByte(this.tokenizer) : new Int32Array(0);
  }

  /** Cache key of rule `rule`'s automaton for the shared token-set cache (computed once). */
  ruleKey(rule: number): string {
    let key = this.ruleKeys[rule];
    if (key === undefined) {
      key = ruleSignature(this.tables, rule);
      this.ruleKeys[rule] = key;
    }
    return key;
  }
}
