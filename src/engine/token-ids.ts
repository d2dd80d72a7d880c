/**
 * Token-id terminals (XGrammar's `Token(...)` / `ExcludeToken(...)`, the structural tags' token-level formats).
 *
 * The grammar engine matches bytes, so a token id is encoded in the byte grammar as a 4-byte code: the marker
 * byte 0xFF followed by the id in 3 bytes, big-endian (vocabularies below 2^24 ids). 0xFF never occurs in UTF-8
 * and every front end produces UTF-8 text only (the free-text automata of TagDispatch skip 0xFF on purpose), so
 * ordinary text never reaches these transitions. The 4 bytes of a code always stay inside one rule's automaton
 * (the builders below emit no `ref`), so the set of ids a DFA state accepts depends on that state alone: the
 * matcher computes it once per state (`tokenIdSetOf`) and ORs it into the mask.
 *
 * Matching rules (GrammarMatcher):
 * - `acceptToken(t)` reads t by its id (t's code) and by its text from the same point; every reading the grammar
 *   can take continues (the parser merges the two rows), as in XGrammar.
 * - In a grammar that uses token ids, a token whose *text* contains the byte 0xFF (a byte-level BPE raw-byte
 *   token, a `<0xFF>` byte-fallback token) is never matched by its text (it could otherwise spell a code).
 * - Special tokens have no text reading; they are only reachable through an explicit id.
 * - `acceptString` never matches a code, and `findJumpForwardString` stops before one.
 */
import { bitmaskWords } from './bitmask.js';
import { GrammarError } from './errors.js';
import type { GrammarTables } from './grammar-tables.js';
import { alt, byteSet, bytes, complementRanges, type Expr, NOTHING, normalizeRanges, seq } from './ir.js';

/** The byte that starts every token-id code. */
export const TOKEN_ID_MARKER = 0xff;
/** Token ids must be below this bound (3 bytes of id). */
export const MAX_TOKEN_ID = 1 << 24;

/** The 4-byte code of token `id`. */
export function tokenIdCode(id: number, out: Uint8Array = new Uint8Array(4)): Uint8Array {
  out[0] = TOKEN_ID_MARKER;
  out[1] = (id >>> 16) & 0xff;
  out[2] = (id >>> 8) & 0xff;
  out[3] = id & 0xff;
  return out;
}

function checkIds(ids: readonly number[]): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= MAX_TOKEN_ID) {
      throw new GrammarError('unsupported', `Token id ${id} is not an integer in 0..${MAX_TOKEN_ID - 1}`);
    }
  }
}

/** Byte expression for the numbers `lo..hi` written in `n` big-endian bytes (UTF-8-style range splitting). */
function rangeBytes(lo: number, hi: number, n: number): Expr {
  if (n === 1) return byteSet([lo, hi]);
  const shift = 8 * (n - 1);
  const low = (1 << shift) - 1;
  const loHead = Math.floor(lo / 2 ** shift);
  const hiHead = Math.floor(hi / 2 ** shift);
  const loTail = lo & low;
  const hiTail = hi & low;
  if (loHead === hiHead) return seq(bytes(Uint8Array.of(loHead)), rangeBytes(loTail, hiTail, n - 1));
  const parts: Expr[] = [];
  let first = loHead;
  let last = hiHead;
  if (loTail !== 0) {
    parts.push(seq(bytes(Uint8Array.of(loHead)), rangeBytes(loTail, low, n - 1)));
    first++;
  }
  if (hiTail !== low) last--;
  if (first <= last) {
    const anyTail: Expr[] = [];
    for (let i = 1; i < n; i++) anyTail.push(byteSet([0, 0xff]));
    parts.push(seq(byteSet([first, last]), ...anyTail));
  }
  if (hiTail !== low) parts.push(seq(bytes(Uint8Array.of(hiHead)), rangeBytes(0, hiTail, n - 1)));
  return alt(...parts);
}

/** Exactly one token whose id is in the normalized inclusive range list `ranges` (`[lo0, hi0, lo1, hi1, ...]`). */
export function tokenIdRangesExpr(ranges: readonly number[]): Expr {
  const norm = normalizeRanges(ranges);
  if (norm.length === 0) return NOTHING;
  checkIds([norm[0]!, norm[norm.length - 1]!]);
  const items: Expr[] = [];
  for (let i = 0; i < norm.length; i += 2) items.push(rangeBytes(norm[i]!, norm[i + 1]!, 3));
  return seq(bytes(Uint8Array.of(TOKEN_ID_MARKER)), alt(...items));
}

/** Exactly one token whose id is one of `ids` (XGrammar's `Token(ids...)`); `nothing` for an empty list. */
export function tokenIdsExpr(ids: readonly number[]): Expr {
  checkIds(ids);
  return tokenIdRangesExpr(ids.flatMap((id) => [id, id]));
}

/**
 * Exactly one token with an id in `[0, vocabSize)` that is not in `excluded` (XGrammar's `ExcludeToken(ids...)`),
 * built from id ranges, so its size grows with the number of excluded ids, not with the vocabulary.
 */
export function tokenIdsExceptExpr(excluded: readonly number[], vocabSize: number): Expr {
  if (vocabSize <= 0) return NOTHING;
  checkIds([vocabSize - 1]);
  const ex = normalizeRanges(excluded.flatMap((id) => (id < vocabSize ? [id, id] : [])));
  return tokenIdRangesExpr(complementRanges(ex, 0, vocabSize - 1));
}

/** The ids a DFA state accepts as one token-id code: a bitset over the vocabulary, or a short sorted list. */
export interface TokenIdSet {
  readonly bits: Int32Array | null;
  readonly list: Int32Array | null;
}

const EMPTY_ID_SET: TokenIdSet = { bits: null, list: new Int32Array(0) };
/** At most this many ids are kept as a list instead of a bitset. */
const MAX_LIST_IDS = 256;

/**
 * The ids whose code DFA state `g` can read (every DFA state can still complete its rule, so "not dead after the
 * 4 bytes" means allowed). Steps the id bytes high to low, skipping dead prefixes; the low byte's set is
 * computed once per third-byte state and lands on 8 whole bitset words.
 */
export function tokenIdSetOf(tables: GrammarTables, g: number, vocabSize: number): TokenIdSet {
  const s1 = tables.step(g, TOKEN_ID_MARKER);
  if (s1 < 0 || vocabSize <= 0) return EMPTY_ID_SET;
  const words = bitmaskWords(vocabSize);
  const bits = new Int32Array(words);
  const lowSets = new Map<number, Int32Array>();
  const maxHigh = (vocabSize - 1) >>> 16;
  for (let b2 = 0; b2 <= maxHigh; b2++) {
    const s2 = tables.step(s1, b2);
    if (s2 < 0) continue;
    for (let b1 = 0; b1 < 256; b1++) {
      const base = (b2 << 16) | (b1 << 8);
      if (base >= vocabSize) break;
      const s3 = tables.step(s2, b1);
      if (s3 < 0) continue;
      let low = lowSets.get(s3);
      if (!low) {
        low = new Int32Array(8);
        for (let b0 = 0; b0 < 256; b0++) if (tables.step(s3, b0) >= 0) low[b0 >> 5]! |= 1 << (b0 & 31);
        lowSets.set(s3, low);
      }
      const w0 = base >> 5;
      for (let w = 0; w < 8 && w0 + w < words; w++) bits[w0 + w]! |= low[w]!;
    }
  }
  if (vocabSize & 31) bits[words - 1]! &= (1 << (vocabSize & 31)) - 1;
  let count = 0;
  for (let w = 0; w < words && count <= MAX_LIST_IDS; w++) {
    let v = bits[w]!;
    while (v !== 0) {
      v &= v - 1;
      count++;
    }
  }
  if (count > MAX_LIST_IDS) return { bits, list: null };
  const list = new Int32Array(count);
  let k = 0;
  for (let w = 0; w < words; w++) {
    let v = bits[w]!;
    while (v !== 0) {
      list[k++] = w * 32 + (31 - Math.clz32(v & -v));
      v &= v - 1;
    }
  }
  return { bits: null, list };
}

/** Whether the grammar's automaton has a transition on the marker byte (i.e. it uses token ids). */
export function usesTokenIds(tables: GrammarTables): boolean {
  const nfa = tables.nfa;
  for (let e = 0; e < nfa.byteCount; e++) if (nfa.byteHi[e] === TOKEN_ID_MARKER) return true;
  return false;
}

const markerTokens = new WeakMap<object, Int32Array>();

/** Ids of the tokens whose bytes contain the marker byte 0xFF (computed once per tokenizer). */
export function tokensWithMarkerByte(tokenizer: {
  readonly vocabSize: number;
  tokenBytes(id: number): Uint8Array;
}): Int32Array {
  let ids = markerTokens.get(tokenizer);
  if (!ids) {
    const found: number[] = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      if (tokenizer.tokenBytes(id).includes(TOKEN_ID_MARKER)) found.push(id);
    }
    ids = Int32Array.from(found);
    markerTokens.set(tokenizer, ids);
  }
  return ids;
}

/** What complements need to know about a vocabulary. */
export interface TokenIdVocabulary {
  readonly vocabSize: number;
  tokenBytes(id: number): Uint8Array;
  isSpecial?(id: number): boolean;
  readonly eosTokenIds?: readonly number[];
  /** If present, its `tokenNode` (-1: special, empty or missing) answers "ordinary?" without reading bytes. */
  readonly trie?: { readonly tokenNode: Int32Array };
}

const notOrdinaryIds = new WeakMap<object, number[]>();

/**
 * Ids that token-level complements leave out: special tokens, stop tokens and ids without bytes (computed once
 * per vocabulary). Stop tokens stay the matcher's stop tokens; special tokens only come from an explicit id.
 */
export function nonOrdinaryTokenIds(vocabulary: TokenIdVocabulary): readonly number[] {
  let ids = notOrdinaryIds.get(vocabulary);
  if (!ids) {
    const set = new Set(vocabulary.eosTokenIds ?? []);
    const nodes = vocabulary.trie?.tokenNode;
    for (let id = 0; id < vocabulary.vocabSize; id++) {
      const ordinary = nodes
        ? (nodes[id] ?? -1) >= 0
        : !vocabulary.isSpecial?.(id) && vocabulary.tokenBytes(id).length > 0;
      if (!ordinary) set.add(id);
    }
    ids = [...set].sort((a, b) => a - b);
    notOrdinaryIds.set(vocabulary, ids);
  }
  return ids;
}

/**
 * Any one *ordinary* token of `vocabulary` except `excluded` (see `nonOrdinaryTokenIds`); without a vocabulary,
 * any id below 2^24 except `excluded` (the matcher still only takes ids below its vocabulary size).
 */
export function ordinaryTokensExceptExpr(
  excluded: readonly number[],
  vocabulary: TokenIdVocabulary | undefined,
): Expr {
  if (!vocabulary) return tokenIdsExceptExpr(excluded, MAX_TOKEN_ID);
  return tokenIdsExceptExpr([...excluded, ...nonOrdinaryTokenIds(vocabulary)], vocabulary.vocabSize);
}
