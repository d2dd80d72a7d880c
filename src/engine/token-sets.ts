/**
 * Per-state token sets (XGrammar's "adaptive token mask cache", computed lazily and shared across grammars).
 *
 * For a DFA state `g` of rule R, walking the token trie with R's DFA alone splits the vocabulary into:
 * - accepted: the token's bytes stay inside R from `g`. Because the grammar is trimmed, R can then still
 *   end and its parents continue, so the token is allowed in *every* context where an item at `g` exists;
 * - uncertain: somewhere after its first byte the token reaches a point where R could end or descend into
 *   another rule, and the next byte is one that could follow there (per the byte-level FIRST/FOLLOW sets).
 *   Only these subtrees need the full parser at mask time; they are stored as trie node indices;
 * - rejected: everything else.
 * The result depends only on R's automaton from `g` (and its exit byte sets), so it is keyed by a hash of
 * the rule and shared by every grammar compiled for the same tokenizer.
 */
import type { TokenTrie } from '../vocabulary/trie.js';
import { BYTE_SET_WORDS, type GrammarTables, MISSING } from './grammar-tables.js';
import { SliceLengths } from './slice-lengths.js';
import { SliceClosure } from './slices.js';
import {
  buildTokenSlice,
  JSON_STRING_RAW_RANGES,
  SHORT_TOKEN_CHARS,
  type TokenSlice,
} from './token-slice.js';

/** The tokenizer facts the engine needs (satisfied by `TokenizerInfo`). */
export interface EngineTokenizer {
  readonly vocabSize: number;
  readonly trie: TokenTrie;
  readonly eosTokenIds: readonly number[];
  tokenBytes(id: number): Uint8Array;
}

/** Accepted tokens of one state (a bitset or an id list, in no particular order) and the uncertain trie subtrees. */
export interface StateTokenSet {
  readonly acceptedBits: Int32Array | null;
  readonly acceptedList: Int32Array | null;
  readonly uncertain: Int32Array;
  readonly bytes: number;
}

/** Default memory budget for cached token sets per tokenizer. */
export const DEFAULT_TOKEN_SET_CACHE_BYTES = 256 * 1024 * 1024;

/** Trie depths fit in a Uint16Array. */
const MAX_TRIE_DEPTH = 0xffff;

/** Per-tokenizer data shared by all grammars: trie parents and the token-set cache. */
export class TokenizerContext {
  readonly trie: TokenTrie;
  readonly vocabWords: number;
  /** `parent[i]`: parent node of trie node `i` (root: -1). */
  readonly parent: Int32Array;
  /**
   * 1 for trie nodes whose path ends at a UTF-8 character boundary (complete characters only): a slice token
   * below such a node continues with complete characters, which is what the slice closure speaks about.
   */
  private readonly charBoundary: Uint8Array;
  /** The root's children, ascending: walking them all is a walk of the whole trie. */
  readonly rootChildren: Int32Array;
  private readonly cache = new Map<string, StateTokenSet>();
  private cacheBytes = 0;
  // Scratch for walks (one walk at a time: JS is single-threaded).
  private readonly stateStack: Int32Array;
  private uncertain: Int32Array;
  private nUncertain = 0;
  private readonly scratchBits: Int32Array;
  // Tokens the walks accepted one by one (in trie order), and how many more came in bulk (slice bitsets and
  // slice subtrees): the size of a set is known without counting bits, and a small set is its list.
  private readonly acceptedIds: Int32Array;
  private nAccepted = 0;
  private bulkAccepted = 0;
  private sliceLengthsCache: SliceLengths | undefined;
  /** End state of the last `chainLength` chain. */
  private chainEnd = -1;
  private slice: TokenSlice | undefined;
  private readonly closureCache = new WeakMap<GrammarTables, SliceClosure>();
  private readonly successorCache = new WeakMap<GrammarTables, Int32Array>();

  constructor(
    readonly tokenizer: EngineTokenizer,
    private readonly maxCacheBytes = DEFAULT_TOKEN_SET_CACHE_BYTES,
  ) {
    this.trie = tokenizer.trie;
    this.vocabWords = Math.ceil(tokenizer.vocabSize / 32);
    // One pass over the trie (DFS order: depth d-1 holds the parent): parents and character boundaries.
    const { bytes, depth, nodeCount: n } = this.trie;
    this.parent = new Int32Array(n);
    this.charBoundary = new Uint8Array(n);
    let maxDepth = 0;
    const lastAtDepth = new Int32Array(MAX_TRIE_DEPTH + 1);
    // pending[d]: continuation bytes still due after the path to the last node at depth d (-1: invalid).
    const pending = new Int32Array(MAX_TRIE_DEPTH + 1);
    this.parent[0] = -1;
    for (let i = 1; i < n; i++) {
      const d = depth[i]!;
      this.parent[i] = lastAtDepth[d - 1]!;
      lastAtDepth[d] = i;
      if (d > maxDepth) maxDepth = d;
      const before = pending[d - 1]!;
      const b = bytes[i]!;
      let after: number;
      if (before < 0) after = -1;
      else if (b < 0x80) after = before === 0 ? 0 : -1;
      else if (b < 0xc0) after = before > 0 ? before - 1 : -1;
      else if (before !== 0) after = -1;
      else after = b < 0xe0 ? 1 : b < 0xf0 ? 2 : b < 0xf8 ? 3 : -1;
      pending[d] = after;
      if (after === 0) this.charBoundary[i] = 1;
    }
    const children: number[] = [];
    for (let i = 1; i < n; i = this.trie.subtreeEnd[i]!) children.push(i);
    this.rootChildren = Int32Array.from(children);
    this.stateStack = new Int32Array(maxDepth + 2);
    this.scratchBits = new Int32Array(this.vocabWords);
    this.acceptedIds = new Int32Array(tokenizer.vocabSize);
    this.uncertain = new Int32Array(1024);
  }

  /** Number of cached token sets (for diagnostics). */
  get cachedSets(): number {
    return this.cache.size;
  }

  /** The token set of DFA state `g` of `tables`, whose rule has signature `ruleKey`. */
  tokenSet(tables: GrammarTables, ruleKey: string, g: number): StateTokenSet {
    const base = tables.nfaRangeStart[tables.stateRule[g]!]!;
    const key = `${ruleKey}:${tables.members[g]!.map((s) => s - base).join(',')}`;
    let set = this.cache.get(key);
    if (set) {
      // Refresh recency (Map iteration order is insertion order).
      this.cache.delete(key);
      this.cache.set(key, set);
      return set;
    }
    set = this.compute(tables, g);
    this.cache.set(key, set);
    this.cacheBytes += set.bytes;
    while (this.cacheBytes > this.maxCacheBytes && this.cache.size > 1) {
      const oldest = this.cache.keys().next().value as string;
      this.cacheBytes -= this.cache.get(oldest)!.bytes;
      this.cache.delete(oldest);
    }
    return set;
  }

  /** The JSON-string-body slice (built once per tokenizer, on first use or by `precompute`). */
  get jsonStringSlice(): TokenSlice {
    this.slice ??= buildTokenSlice(JSON_STRING_RAW_RANGES, this.tokenizer.vocabSize, this.trie);
    return this.slice;
  }

  /** Builds the per-tokenizer precomputations now instead of on the first mask that needs them. */
  precompute(): void {
    void this.sliceLengths;
  }

  /** The closure flags of a grammar's DFA states under the JSON-string slice (created on first use). */
  private closure(t: GrammarTables): SliceClosure {
    let closure = this.closureCache.get(t);
    if (!closure) {
      closure = new SliceClosure(t, this.jsonStringSlice);
      this.closureCache.set(t, closure);
    }
    return closure;
  }

  /** How many slice-character steps from `g` each lead to a single next state (at most SHORT_TOKEN_CHARS). */
  private chainLength(t: GrammarTables, g: number): number {
    let length = 0;
    let s = g;
    while (length < SHORT_TOKEN_CHARS) {
      const next = this.successor(t, s);
      if (next < 0) break;
      length++;
      s = next;
    }
    this.chainEnd = s;
    return length;
  }

  /** Slice tokens by length (built on first use). */
  private get sliceLengths(): SliceLengths {
    this.sliceLengthsCache ??= new SliceLengths(this.jsonStringSlice, SHORT_TOKEN_CHARS);
    return this.sliceLengthsCache;
  }

  /** The single state every slice character takes `s` to, or -1 (cached per grammar; see `SliceClosure.successor`). */
  private successor(t: GrammarTables, s: number): number {
    let cache = this.successorCache.get(t);
    if (!cache || cache.length <= s) {
      const grown = new Int32Array(Math.max(64, (s + 1) * 2)).fill(-2);
      if (cache) grown.set(cache);
      cache = grown;
      this.successorCache.set(t, cache);
    }
    let next = cache[s]!;
    if (next === -2) {
      next = this.closure(t).successor(s);
      this.successorCache.get(t)![s] = next;
    }
    return next;
  }

  /**
   * True if no string of slice characters kills state `g`. A state with a single slice successor is closed
   * only if that successor is itself (a loop): the other single-successor states are bounded string bodies,
   * whose exploration would run to the bound (they take the chain shortcut instead).
   */
  private closedUnderSlice(t: GrammarTables, g: number): boolean {
    const closure = this.closure(t);
    if (g < closure.flags.length && closure.flags[g]! >= 0) return closure.flags[g] === 1;
    if (closure.hasLoopingMember(g)) {
      closure.mark(g, true);
      return true;
    }
    const next = this.successor(t, g);
    if (next < 0) return closure.closed(g);
    closure.mark(g, next === g);
    return next === g;
  }

  private compute(t: GrammarTables, g: number): StateTokenSet {
    const slice = this.jsonStringSlice;
    const bits = this.scratchBits;
    bits.fill(0);
    this.nUncertain = 0;
    this.nAccepted = 0;
    this.bulkAccepted = 0;
    const closed = slice.size > 0 && this.closedUnderSlice(t, g);
    const chain = slice.size > 0 && !closed ? this.chainLength(t, g) : 0;
    if (closed) {
      // The whole slice is accepted; walk only the remainder trie.
      bits.set(slice.bits);
      this.bulkAccepted = slice.size;
      this.walk(t, slice.rest, slice.restToFull, 1, slice.rest.nodeCount, g, 0, false);
    } else if (slice.size > 0 && chain < SHORT_TOKEN_CHARS && this.closure(t).killedBySlice(this.chainEnd)) {
      // The last characters of a bounded string body: `chain` more slice characters, then none. The slice
      // tokens of at most that many characters are accepted, the longer ones rejected; walk the remainder only.
      const short = this.sliceLengths.upTo(chain);
      bits.set(short.bits);
      this.bulkAccepted = short.count;
      this.walk(t, slice.rest, slice.restToFull, 1, slice.rest.nodeCount, g, 0, false);
    } else if (chain >= SHORT_TOKEN_CHARS) {
      // A bounded string body with room for at least SHORT_TOKEN_CHARS more characters: the short slice
      // tokens are accepted; walk the remainder and the long slice tokens.
      const short = this.sliceLengths.upTo(SHORT_TOKEN_CHARS);
      bits.set(short.bits);
      this.bulkAccepted = short.count;
      this.walk(t, slice.rest, slice.restToFull, 1, slice.rest.nodeCount, g, 0, false);
      this.walk(t, slice.long, slice.longToFull, 1, slice.long.nodeCount, g, 0, false);
    } else {
      this.walk(t, this.trie, null, 1, this.trie.nodeCount, g, 0, slice.size > 0);
    }
    const uncertain = this.uncertain.slice(0, this.nUncertain);
    // Every token sits at one trie node, and the bulk parts (slice bits, slice subtrees) are disjoint from
    // the walked tries: the sum is the set's size.
    const count = this.nAccepted + this.bulkAccepted;
    // Lists cost 4 bytes per token, bitsets 4 bytes per 32 tokens: keep whichever is smaller.
    if (count > this.vocabWords) {
      const copy = bits.slice();
      return {
        acceptedBits: copy,
        acceptedList: null,
        uncertain,
        bytes: copy.byteLength + uncertain.byteLength + 64,
      };
    }
    let list: Int32Array;
    if (this.bulkAccepted === 0) {
      list = this.acceptedIds.slice(0, count);
    } else {
      list = new Int32Array(count);
      let k = 0;
      for (let w = 0; w < bits.length; w++) {
        let v = bits[w]!;
        while (v !== 0) {
          list[k++] = w * 32 + (31 - Math.clz32(v & -v));
          v &= v - 1;
        }
      }
    }
    return {
      acceptedBits: null,
      acceptedList: list,
      uncertain,
      bytes: list.byteLength + uncertain.byteLength + 64,
    };
  }

  /**
   * Walks trie nodes `from .. to-1` (a run of whole subtrees whose parent is at depth `baseDepth`, in
   * state `stack[baseDepth]`, here `g` when `baseDepth` is 0) with the rule's DFA alone. Accepted tokens go
   * to `scratchBits`, uncertain subtrees (as full-trie nodes) to `uncertain`. With `shortcut`, a node whose
   * state is closed under the JSON-string slice (and sits at a character boundary) takes all slice tokens below it from the slice's token order and
   * walks only the remainder trie below it.
   */
  private walk(
    t: GrammarTables,
    trie: TokenTrie,
    toFull: Int32Array | null,
    from: number,
    to: number,
    g: number,
    baseDepth: number,
    shortcut: boolean,
  ): void {
    const { bytes, depth, token, subtreeEnd } = trie;
    const stack = this.stateStack;
    const bits = this.scratchBits;
    const ids = this.acceptedIds;
    const classMaps = t.classMaps;
    const cm = t.stateRule[g]! << 8;
    const W = BYTE_SET_WORDS;
    const closure = shortcut ? this.closure(t) : null;
    const boundary = shortcut ? this.charBoundary : EMPTY_BOUNDARY;
    if (baseDepth === 0) stack[0] = g;
    let i = from;
    // The inner loop reads the tables through constants (so V8 keeps their lengths and base pointers in
    // registers); whatever may create DFA states (a missing transition, a closure check, a slice subtree)
    // leaves it, and the outer loop re-reads the tables and resumes at node `i`.
    outer: for (;;) {
      const trans = t.trans;
      const transBase = t.transBase;
      const exit = t.exitBytes;
      // Per-state "closed under the slice" flags (-1 unknown).
      const closedFlags: Int8Array = closure ? closure.flags : EMPTY_FLAGS;
      while (i < to) {
        const d = depth[i]!;
        const s = stack[d - 1]!;
        const b = bytes[i]!;
        if (d > 1 && (exit[s * W + (b >> 5)]! & (1 << (b & 31))) !== 0) {
          this.addUncertain(toFull ? toFull[i]! : i);
          i = subtreeEnd[i]!;
          continue;
        }
        const next = trans[transBase[s]! + classMaps[cm | b]!]!;
        if (next === MISSING) {
          // The walk will take most classes of this state: compute its whole row at once.
          t.fillRow(s);
          continue outer;
        }
        if (next < 0) {
          i = subtreeEnd[i]!;
          continue;
        }
        const tok = token[i]!;
        if (tok >= 0) {
          bits[tok >> 5]! |= 1 << (tok & 31);
          ids[this.nAccepted++] = tok;
        }
        stack[d] = next;
        if (shortcut) {
          const end = subtreeEnd[i]!;
          if (end - i > SHORTCUT_MIN_SUBTREE && boundary[i] === 1) {
            const closedHere = next < closedFlags.length ? closedFlags[next]! : -1;
            if (closedHere < 0) {
              // Decide (and record) it, then redo this node with the tables re-read.
              this.closedUnderSlice(t, next);
              continue outer;
            }
            if (closedHere === 1) {
              this.takeSliceSubtree(t, i, d, next);
              i = end;
              continue outer;
            }
          }
        }
        i++;
      }
      return;
    }
  }

  /** Records an uncertain subtree (a full-trie node). */
  private addUncertain(node: number): void {
    if (this.nUncertain === this.uncertain.length) {
      const grown = new Int32Array(this.nUncertain * 2);
      grown.set(this.uncertain);
      this.uncertain = grown;
    }
    this.uncertain[this.nUncertain++] = node;
  }

  /** Below full-trie node `n` (depth `d`, state `s` closed under the slice): slice tokens, then the rest. */
  private takeSliceSubtree(t: GrammarTables, n: number, d: number, s: number): void {
    const slice = this.jsonStringSlice;
    const { order, orderStart: start } = slice;
    const bits = this.scratchBits;
    const endK = start[this.trie.subtreeEnd[n]!]!;
    this.bulkAccepted += endK - start[n + 1]!;
    for (let k = start[n + 1]!; k < endK; k++) {
      const tok = order[k]!;
      bits[tok >> 5]! |= 1 << (tok & 31);
    }
    const m = slice.fullToRest[n]!;
    if (m >= 0) {
      this.stateStack[d] = s;
      this.walk(t, slice.rest, slice.restToFull, m + 1, slice.rest.subtreeEnd[m]!, s, d, false);
    }
  }
}

const EMPTY_FLAGS = new Int8Array(0);
const EMPTY_BOUNDARY = new Uint8Array(0);

/** Subtrees smaller than this are walked node by node (the shortcut's bookkeeping costs more). */
const SHORTCUT_MIN_SUBTREE = 32;

const contexts = new WeakMap<EngineTokenizer, TokenizerContext>();

/** The shared context of a tokenizer (created on first use). */
export function tokenizerContext(tokenizer: EngineTokenizer): TokenizerContext {
  let ctx = contexts.get(tokenizer);
  if (!ctx) {
    ctx = new TokenizerContext(tokenizer);
    contexts.set(tokenizer, ctx);
  }
  return ctx;
}

/**
 * A 64-bit hash (two 32-bit lanes) of everything a token-set walk can read about a rule: its NFA (edges
 * relative to the rule's first state), which states are live or can end, what may follow the rule, and
 * the FIRST sets and nullability of the rules it references. Used as the cross-grammar cache key, so equal
 * rules in different grammars (a JSON string, "any JSON value") share their token sets.
 */
export function ruleSignature(t: GrammarTables, rule: number): string {
  const nfa = t.nfa;
  const base = t.nfaRangeStart[rule]!;
  const end = t.nfaRangeEnd[rule]!;
  let h1 = 0x811c9dc5 ^ (end - base);
  let h2 = 0x9747b28c ^ (t.nfaEnd[rule]! - base);
  const mix = (v: number): void => {
    h1 = Math.imul(h1 ^ v, 0x01000193);
    h2 = Math.imul(h2 ^ (v + 0x9e3779b9), 0x85ebca6b);
    h2 ^= h2 >>> 13;
  };
  const W = BYTE_SET_WORDS;
  for (let w = 0; w < W; w++) mix(t.follow[rule * W + w]!);
  for (let s = base; s < end; s++) {
    mix(-1 - (t.live[s]! | (t.canEnd[s]! << 1)));
    for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!) mix(nfa.epsTo[e]! - base);
    mix(-7);
    for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
      mix(nfa.byteLo[e]!);
      mix(nfa.byteHi[e]!);
      mix(nfa.byteTo[e]! - base);
    }
    mix(-8);
    for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
      const q = nfa.refRule[e]!;
      mix(nfa.refTo[e]! - base);
      mix(t.productive[q]! | (t.nullable[q]! << 1));
      for (let w = 0; w < W; w++) mix(t.first[t.nfaStart[q]! * W + w]!);
    }
    mix(-9);
  }
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}.${end - base}`;
}
