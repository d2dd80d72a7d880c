/**
 * `GrammarMatcher`: the per-request state of constrained decoding (XGrammar's matcher API).
 *
 * Masks: for each item of the current Earley row whose DFA state can take a byte, the tokens its rule
 * accepts on its own come from the shared per-state token sets (token-sets.ts), OR-ed in as bitsets; only
 * the trie subtrees where a token may leave the rule are walked with the full parser. A one-entry cache
 * returns the previous mask when the row is unchanged (inside a string body, token after token).
 *
 * Token ids (token-ids.ts): in a grammar with token-id terminals, a token is read by its id (its 4-byte code)
 * and by its text at once, like XGrammar: both readings continue in one merged Earley row. Masks add each
 * state's id set to the text part.
 */
import { bitmaskWords } from './bitmask.js';
import type { CompiledGrammar } from './compiled-grammar.js';
import { EarleyParser, type SavedRow } from './earley.js';
import { BYTE_SET_WORDS } from './grammar-tables.js';
import { TOKEN_ID_MARKER, tokenIdCode } from './token-ids.js';

export interface GrammarMatcherOptions {
  /** Stop (EOS) token ids; default: the tokenizer's EOS ids. */
  stopTokenIds?: readonly number[];
  /**
   * If true, the matcher counts as terminated as soon as the input is a complete sentence, and stop tokens
   * are never accepted (XGrammar's `terminate_without_stop_token`).
   */
  terminateWithoutStopToken?: boolean;
  /** How many tokens `rollback` may undo; -1 (default) means unlimited. */
  maxRollbackTokens?: number;
}

/** The longest string `findJumpForwardString` returns, in bytes. */
const MAX_JUMP_FORWARD_BYTES = 4096;

const utf8Encoder = new TextEncoder();

export class GrammarMatcher {
  readonly stopTokenIds: readonly number[];
  readonly terminateWithoutStopToken: boolean;
  readonly maxRollbackTokens: number;
  private parser: EarleyParser;
  /** Row count before each accepted token or string; a stop token is recorded as -1 - rowCount. */
  private history: number[] = [];
  private stopAccepted = false;
  // Scratch space and the one-entry mask cache.
  private stateStamp: Int32Array;
  private stamp = 0;
  private uncertain = new Int32Array(256);
  private cacheItems = new Int32Array(0);
  private cacheItemCount = -1;
  private cacheMask: Int32Array | null = null;
  private readonly code = new Uint8Array(4);

  constructor(
    readonly compiled: CompiledGrammar,
    options: GrammarMatcherOptions = {},
  ) {
    this.stopTokenIds = [...(options.stopTokenIds ?? compiled.tokenizer?.eosTokenIds ?? [])];
    this.terminateWithoutStopToken = options.terminateWithoutStopToken ?? false;
    this.maxRollbackTokens = options.maxRollbackTokens ?? -1;
    this.parser = new EarleyParser(compiled.tables);
    this.stateStamp = new Int32Array(Math.max(64, compiled.tables.numStates));
  }

  /** True once a stop token was accepted (or, with `terminateWithoutStopToken`, once complete). */
  isTerminated(): boolean {
    return this.stopAccepted || (this.terminateWithoutStopToken && this.parser.isCompleted());
  }

  /** True if the input so far is a complete sentence of the grammar. */
  isCompleted(): boolean {
    return this.parser.isCompleted();
  }

  /**
   * Writes row `row` of `bitmask`: bit `t & 31` of word `row * ceil(V/32) + (t >> 5)` is set iff token
   * `t` may come next. After termination the row is all zeros.
   */
  fillNextTokenBitmask(bitmask: Int32Array, row = 0): void {
    const ctx = this.compiled.context;
    if (!ctx) throw new Error('This grammar was compiled without a tokenizer; token masks are unavailable');
    const words = bitmaskWords(this.compiled.vocabSize);
    const base = row * words;
    if (base + words > bitmask.length) throw new RangeError(`bitmask has no row ${row}`);
    if (this.isTerminated()) {
      bitmask.fill(0, base, base + words);
      return;
    }
    if (this.cacheHit()) {
      bitmask.set(this.cacheMask!, base);
    } else {
      bitmask.fill(0, base, base + words);
      this.computeTokenMask(bitmask, base);
      if (this.compiled.usesTokenIds) this.addTokenIds(bitmask, base);
      this.storeCache(bitmask.subarray(base, base + words));
    }
    if (this.parser.isCompleted() && !this.terminateWithoutStopToken) {
      const vocab = this.compiled.vocabSize;
      for (const t of this.stopTokenIds) if (t >= 0 && t < vocab) bitmask[base + (t >> 5)]! |= 1 << (t & 31);
    }
  }

  /**
   * Accepts one token; returns false (and changes nothing) if it is not allowed here. In a grammar with token-id
   * terminals the token is read by its id and by its text from the same point, and both readings continue; a
   * stop token the grammar names explicitly is read by id only (it does not end generation there).
   */
  acceptToken(tokenId: number): boolean {
    const tok = this.compiled.tokenizer;
    if (!tok || this.stopAccepted) return false;
    if (!Number.isInteger(tokenId) || tokenId < 0 || tokenId >= tok.vocabSize) return false;
    const byId = this.compiled.usesTokenIds;
    const p = this.parser;
    const rows = p.rowCount;
    // A token may be read by its id (token-level grammar parts) and by its text at the same time, like
    // XGrammar: both readings continue, as one merged row.
    let byIdRow: SavedRow | null = null;
    if (byId && p.pushBytes(tokenIdCode(tokenId, this.code))) {
      // A stop token named by the grammar is that grammar token here, not the end of generation.
      if (this.stopTokenIds.includes(tokenId)) {
        this.history.push(rows);
        return true;
      }
      byIdRow = p.saveCurrentRow(rows + 1);
      p.popTo(rows);
    }
    if (this.stopTokenIds.includes(tokenId)) {
      if (this.terminateWithoutStopToken || !p.isCompleted()) return false;
      this.history.push(-1 - rows);
      this.stopAccepted = true;
      return true;
    }
    // Text containing 0xFF could spell a token-id code: such tokens have no text reading in these grammars.
    const text = tok.trie.tokenNode[tokenId]! >= 0 ? tok.tokenBytes(tokenId) : null;
    const textOk = text !== null && !(byId && text.includes(TOKEN_ID_MARKER)) && p.pushBytes(text);
    if (textOk) {
      if (byIdRow) p.mergeIntoCurrentRow(byIdRow);
    } else if (byIdRow) {
      p.pushBytes(tokenIdCode(tokenId, this.code));
    } else {
      return false;
    }
    this.history.push(rows);
    return true;
  }

  /**
   * Accepts a string (or raw bytes) as one step: all or nothing. Never consumes stop tokens, and never matches
   * token-id terminals (bytes containing 0xFF are rejected in a grammar that has them).
   */
  acceptString(input: string | Uint8Array): boolean {
    if (this.stopAccepted) return false;
    const bytes = typeof input === 'string' ? utf8Encoder.encode(input) : input;
    if (this.compiled.usesTokenIds && bytes.includes(TOKEN_ID_MARKER)) return false;
    const rows = this.parser.rowCount;
    if (!this.parser.pushBytes(bytes)) return false;
    this.history.push(rows);
    return true;
  }

  /** Undoes the last `n` accepted tokens or strings (a stop token included). */
  rollback(n: number): void {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`rollback count must be a non-negative integer, got ${n}`);
    if (n > this.history.length) {
      throw new RangeError(`cannot roll back ${n} steps: only ${this.history.length} were accepted`);
    }
    if (this.maxRollbackTokens >= 0 && n > this.maxRollbackTokens) {
      throw new RangeError(`cannot roll back ${n} steps: maxRollbackTokens is ${this.maxRollbackTokens}`);
    }
    for (let i = 0; i < n; i++) {
      const h = this.history.pop()!;
      if (h < 0) {
        this.stopAccepted = false;
        this.parser.popTo(-1 - h);
      } else {
        this.parser.popTo(h);
      }
    }
    this.cacheItemCount = -1;
  }

  /** Back to the initial state. */
  reset(): void {
    this.parser.reset();
    this.history = [];
    this.stopAccepted = false;
    this.cacheItemCount = -1;
  }

  /** An independent copy of this matcher in its current state. */
  fork(): GrammarMatcher {
    const m = new GrammarMatcher(this.compiled, {
      stopTokenIds: this.stopTokenIds,
      terminateWithoutStopToken: this.terminateWithoutStopToken,
      maxRollbackTokens: this.maxRollbackTokens,
    });
    m.parser = this.parser.clone();
    m.history = [...this.history];
    m.stopAccepted = this.stopAccepted;
    return m;
  }

  /**
   * The bytes the grammar forces next (while exactly one byte is possible and the input is not yet
   * complete), as the longest complete-UTF-8 prefix. Stops before a token-id terminal (ids are not text).
   * Does not change the state.
   */
  findJumpForwardString(): string {
    if (this.isTerminated()) return '';
    const p = this.parser;
    const keep = p.rowCount;
    const next = new Int32Array(BYTE_SET_WORDS);
    const out: number[] = [];
    while (out.length < MAX_JUMP_FORWARD_BYTES && !p.isCompleted()) {
      p.nextBytes(next);
      let only = -1;
      let count = 0;
      for (let w = 0; w < BYTE_SET_WORDS && count < 2; w++) {
        let v = next[w]!;
        while (v !== 0 && count < 2) {
          only = w * 32 + (31 - Math.clz32(v & -v));
          count++;
          v &= v - 1;
        }
      }
      if (count !== 1 || only === TOKEN_ID_MARKER || !p.pushByte(only)) break;
      out.push(only);
    }
    p.popTo(keep);
    return decodeCompleteUtf8(Uint8Array.from(out));
  }

  /** Number of accepted tokens/strings that `rollback` can undo. */
  get acceptedSteps(): number {
    return this.history.length;
  }

  private cacheHit(): boolean {
    if (this.cacheItemCount < 0 || !this.cacheMask) return false;
    const [from, to] = this.parser.currentRowRange();
    if (to - from !== this.cacheItemCount) return false;
    const c = this.cacheItems;
    const p = this.parser;
    for (let i = from, k = 0; i < to; i++, k += 4) {
      if (
        c[k] !== p.stateAt(i) ||
        c[k + 1] !== p.originAt(i) ||
        c[k + 2] !== p.guardAt(i) ||
        c[k + 3] !== p.originGuardAt(i)
      )
        return false;
    }
    return true;
  }

  private storeCache(mask: Int32Array): void {
    const [from, to] = this.parser.currentRowRange();
    const n = to - from;
    // An item is (state, origin, obligations now, obligations at its origin): all four decide what follows.
    if (this.cacheItems.length < 4 * n) this.cacheItems = new Int32Array(4 * n);
    for (let i = from, k = 0; i < to; i++, k += 4) {
      this.cacheItems[k] = this.parser.stateAt(i);
      this.cacheItems[k + 1] = this.parser.originAt(i);
      this.cacheItems[k + 2] = this.parser.guardAt(i);
      this.cacheItems[k + 3] = this.parser.originGuardAt(i);
    }
    this.cacheItemCount = n;
    if (!this.cacheMask || this.cacheMask.length !== mask.length)
      this.cacheMask = new Int32Array(mask.length);
    this.cacheMask.set(mask);
  }

  private computeTokenMask(out: Int32Array, base: number): void {
    const t = this.compiled.tables;
    const p = this.parser;
    const [from, to] = p.currentRowRange();
    const stamp = ++this.stamp;
    if (this.stateStamp.length < t.numStates) {
      const grown = new Int32Array(t.numStates * 2);
      grown.set(this.stateStamp);
      this.stateStamp = grown;
    }
    let nUncertain = 0;
    let sources = 0;
    let guarded = false;
    let written = false;
    for (let i = from; i < to; i++) {
      const g = p.stateAt(i);
      if (!t.hasBytes[g]) continue;
      // A pending lookahead assertion also constrains the item's own bytes, which the per-state sets do not
      // know: such rows are walked with the full parser (assertions are short-lived in practice).
      if (p.guardAt(i) !== 0) guarded = true;
      if (guarded || this.stateStamp[g] === stamp) continue;
      this.stateStamp[g] = stamp;
      const set = this.compiled.tokenSet(g);
      if (set.acceptedBits) {
        // The row is still all zeros before the first set: a copy (memcpy) instead of a 4k-word OR loop.
        if (written) orWords(out, base, set.acceptedBits);
        else out.set(set.acceptedBits, base);
        written = true;
      } else {
        written ||= set.acceptedList!.length > 0;
        const list = set.acceptedList!;
        for (let k = 0; k < list.length; k++) {
          const tok = list[k]!;
          out[base + (tok >> 5)]! |= 1 << (tok & 31);
        }
      }
      const u = set.uncertain;
      if (u.length > 0) {
        if (nUncertain + u.length > this.uncertain.length) {
          const grown = new Int32Array(Math.max(2 * this.uncertain.length, nUncertain + u.length));
          grown.set(this.uncertain.subarray(0, nUncertain));
          this.uncertain = grown;
        }
        this.uncertain.set(u, nUncertain);
        nUncertain += u.length;
        sources++;
      }
    }
    if (guarded) {
      this.walkSubtrees(this.compiled.context!.rootChildren, out, base);
      return;
    }
    if (nUncertain === 0) return;
    const starts = this.uncertain.subarray(0, nUncertain);
    if (sources > 1) starts.sort();
    this.walkSubtrees(starts, out, base);
  }

  /**
   * The token-id part of a mask: drops the text reading of tokens whose bytes contain 0xFF, then ORs in the id
   * set of every row state that can read a token-id code.
   */
  private addTokenIds(out: Int32Array, base: number): void {
    const marker = this.compiled.markerByteTokens;
    for (let k = 0; k < marker.length; k++) {
      const tok = marker[k]!;
      out[base + (tok >> 5)]! &= ~(1 << (tok & 31));
    }
    const t = this.compiled.tables;
    const p = this.parser;
    const [from, to] = p.currentRowRange();
    if (this.stateStamp.length < t.numStates) {
      const grown = new Int32Array(t.numStates * 2);
      grown.set(this.stateStamp);
      this.stateStamp = grown;
    }
    const stamp = ++this.stamp;
    for (let i = from; i < to; i++) {
      const g = p.stateAt(i);
      if (!t.hasBytes[g] || this.stateStamp[g] === stamp) continue;
      this.stateStamp[g] = stamp;
      if (t.step(g, TOKEN_ID_MARKER) < 0) continue;
      const set = this.compiled.tokenIdSet(g);
      if (set.bits) {
        const bits = set.bits;
        for (let w = 0; w < bits.length; w++) out[base + w]! |= bits[w]!;
      } else {
        const list = set.list!;
        for (let k = 0; k < list.length; k++) {
          const tok = list[k]!;
          out[base + (tok >> 5)]! |= 1 << (tok & 31);
        }
      }
    }
  }

  /** Walks the given trie subtrees (ascending node indices) with the full parser, setting allowed tokens. */
  private walkSubtrees(starts: Int32Array, out: Int32Array, base: number): void {
    const ctx = this.compiled.context!;
    const { bytes, depth, token, subtreeEnd } = ctx.trie;
    const parent = ctx.parent;
    const p = this.parser;
    const baseRows = p.rowCount;
    let anc = ancestorScratch;
    let path = pathScratch;
    let pathLen = 0;
    let coveredEnd = -1;
    for (let k = 0; k < starts.length; k++) {
      const u = starts[k]!;
      if (u < coveredEnd) continue;
      coveredEnd = subtreeEnd[u]!;
      const D = depth[u]!;
      if (D >= anc.length) {
        const size = Math.max(2 * anc.length, D + 1);
        ancestorScratch = anc = new Int32Array(size);
        const grown = new Int32Array(size);
        grown.set(path);
        pathScratch = path = grown;
      }
      let a = parent[u]!;
      for (let d = D - 1; d >= 1; d--) {
        anc[d] = a;
        a = parent[a]!;
      }
      let common = 0;
      while (common < pathLen && common < D - 1 && path[common + 1] === anc[common + 1]) common++;
      p.popTo(baseRows + common);
      pathLen = common;
      let ok = true;
      for (let d = common + 1; d < D; d++) {
        if (!p.pushByte(bytes[anc[d]!]!)) {
          ok = false;
          break;
        }
        path[d] = anc[d]!;
        pathLen = d;
      }
      if (!ok) continue;
      const end = subtreeEnd[u]!;
      let i = u;
      while (i < end) {
        p.popTo(baseRows + depth[i]! - 1);
        if (!p.pushByte(bytes[i]!)) {
          i = subtreeEnd[i]!;
          continue;
        }
        const tok = token[i]!;
        if (tok >= 0) out[base + (tok >> 5)]! |= 1 << (tok & 31);
        i++;
      }
      p.popTo(baseRows + D - 1);
    }
    p.popTo(baseRows);
  }
}

/**
 * Scratch of `walkSubtrees` by trie depth (the ancestors of a subtree root, the path the parser holds), shared by
 * all matchers: a walk never starts another, and a matcher is created per request, so per-matcher arrays sized
 * for the deepest possible token cost more than the walk.
 */
let ancestorScratch = new Int32Array(64);
let pathScratch = new Int32Array(64);

/** Decodes the longest prefix of `bytes` that ends on a UTF-8 character boundary. */
function decodeCompleteUtf8(bytes: Uint8Array): string {
  let end = bytes.length;
  // Back off an incomplete trailing sequence.
  let i = end - 1;
  let cont = 0;
  while (i >= 0 && (bytes[i]! & 0xc0) === 0x80 && cont < 3) {
    i--;
    cont++;
  }
  if (i >= 0) {
    const lead = bytes[i]!;
    const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
    if (need > cont) end = i;
  }
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/** `out[base + w] |= bits[w]` for every word of `bits`. */
function orWords(out: Int32Array, base: number, bits: Int32Array): void {
  const n = bits.length;
  for (let w = 0; w < n; w++) out[base + w]! |= bits[w]!;
}
