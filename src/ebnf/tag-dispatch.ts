/**
 * Lowering of `TagDispatch((tag, rule), ..., loop_after_dispatch, excludes)`: free text until a complete tag,
 * then the tag's rule, then free text again (or the end, without looping). Free text may end anywhere,
 * including inside a partial tag, but never contains an exclude string.
 *
 * One Aho–Corasick automaton over the tags and excludes (all bytes) is embedded as `dfa` nodes: a
 * free-text DFA (accepting while no tag/exclude has completed) and one DFA per tag (accepting exactly when
 * that tag has just completed, as the first tag in the text).
 */
import { alt, type ByteDfa, dfa, type Expr, ref, seq, star } from '../engine/ir.js';

export interface TagDispatchLowering {
  tags: Array<{ bytes: Uint8Array; rule: number }>;
  excludes: Uint8Array[];
  loopAfterDispatch: boolean;
  /**
   * XGrammar detects a pattern only when the automaton reaches the pattern's own trie node, so a tag that
   * ends inside a longer tag's path (e.g. `b` while reading `ab` of tag `abc`) is missed. With `true` this is
   * reproduced; otherwise every occurrence counts (dictionary suffix links).
   */
  trieEndsOnly: boolean;
}

const FREE = -1;
const DEAD = -2;

interface AhoCorasick {
  size: number;
  /** True if some pattern completes inside another pattern's trie path (where the two modes differ). */
  hasInnerMatches: boolean;
  /** Full transition function, `delta[s * 256 + b]`. */
  delta: Int32Array;
  /** Per state: FREE, DEAD (an exclude completed) or the index of the completed tag. */
  output: Int32Array;
}

function buildAhoCorasick(patterns: Uint8Array[], tagCount: number, trieEndsOnly: boolean): AhoCorasick {
  const children: Array<Map<number, number>> = [new Map()];
  const own: number[] = [FREE];
  patterns.forEach((pattern, p) => {
    let s = 0;
    for (const b of pattern) {
      let next = children[s]!.get(b);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        own.push(FREE);
        children[s]!.set(b, next);
      }
      s = next;
    }
    // The first pattern ending at a node wins (tags come before excludes).
    if (own[s] === FREE) own[s] = p < tagCount ? p : DEAD;
  });
  const size = children.length;
  const delta = new Int32Array(size * 256);
  const fail = new Int32Array(size);
  const output = Int32Array.from(own);
  const queue: number[] = [];
  let hasInnerMatches = false;
  for (let b = 0; b < 256; b++) {
    const c = children[0]!.get(b);
    delta[b] = c ?? 0;
    if (c !== undefined) queue.push(c);
  }
  for (let head = 0; head < queue.length; head++) {
    const s = queue[head]!;
    if (output[s] === FREE && output[fail[s]!] !== FREE) {
      hasInnerMatches = true;
      if (!trieEndsOnly) output[s] = output[fail[s]!]!;
    }
    for (let b = 0; b < 256; b++) {
      const c = children[s]!.get(b);
      if (c === undefined) delta[s * 256 + b] = delta[fail[s]! * 256 + b]!;
      else {
        fail[c] = delta[fail[s]! * 256 + b]!;
        delta[s * 256 + b] = c;
        queue.push(c);
      }
    }
  }
  return { size, delta, output, hasInnerMatches };
}

/** The AC automaton restricted to free text, accepting at the completion of `accept` (a tag index) or, for FREE, anywhere in free text. */
function restrict(ac: AhoCorasick, accept: number): ByteDfa {
  const transitions = new Int32Array(ac.size * 256).fill(-1);
  const accepting = new Uint8Array(ac.size);
  for (let s = 0; s < ac.size; s++) {
    const out = ac.output[s]!;
    accepting[s] = out === accept ? 1 : 0;
    if (out !== FREE) continue; // completed tags and excludes have no way on
    // Byte 0xFF never occurs in UTF-8 text; the engine reserves it for token-id codes (engine/token-ids.ts).
    for (let b = 0; b < 0xff; b++) {
      const t = ac.delta[s * 256 + b]!;
      const o = ac.output[t]!;
      if (o === FREE || o === accept) transitions[s * 256 + b] = t;
    }
  }
  return { numStates: ac.size, transitions, accepting };
}

/**
 * The IR expression of a TagDispatch, and whether a tag or exclude can complete inside another one's trie
 * path (the only case where `trieEndsOnly` changes the language).
 */
export function lowerTagDispatch(spec: TagDispatchLowering): { expr: Expr; hasInnerMatches: boolean } {
  const patterns = [...spec.tags.map((t) => t.bytes), ...spec.excludes];
  const ac = buildAhoCorasick(patterns, spec.tags.length, spec.trieEndsOnly);
  const freeText = dfa(restrict(ac, FREE));
  const dispatches = spec.tags.map((t, i) => seq(dfa(restrict(ac, i)), ref(t.rule)));
  const expr = spec.loopAfterDispatch
    ? seq(star(alt(...dispatches)), freeText)
    : alt(freeText, ...dispatches);
  return { expr, hasInnerMatches: ac.hasInnerMatches };
}
