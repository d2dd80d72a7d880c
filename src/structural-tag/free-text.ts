/**
 * Free-text automata, taken from the EBNF front end's TagDispatch lowering (one Aho–Corasick automaton over
 * all the strings, embedded as `dfa` nodes) so there is one implementation of "text until a string".
 */
import { lowerTagDispatch } from '../ebnf/tag-dispatch.js';
import type { Expr } from '../engine/ir.js';

export interface TextAutomata {
  /** Text in which no stop string and no exclude completes (may end anywhere, even inside a partial stop). */
  free: Expr;
  /**
   * Per stop string: text that ends exactly where that stop string completes for the first time, with no
   * exclude and no other stop string completing before (the stop string itself is part of the text).
   */
  first: Expr[];
}

/** Builds the automata for `stops` (checked first, in order) and `excludes` over bytes. */
export function textAutomata(stops: readonly Uint8Array[], excludes: readonly Uint8Array[]): TextAutomata {
  const { expr } = lowerTagDispatch({
    tags: stops.map((bytes) => ({ bytes, rule: 0 })), // the rule refs are dropped below
    excludes: [...excludes],
    loopAfterDispatch: false,
    trieEndsOnly: false,
  });
  if (stops.length === 0 && expr.kind === 'dfa') return { free: expr, first: [] };
  // Non-looping TagDispatch lowers to alt(free-text DFA, seq(first-completion DFA of tag i, ref(rule i))...).
  if (expr.kind === 'alt' && expr.items.length === stops.length + 1 && expr.items[0]!.kind === 'dfa') {
    const first = expr.items.slice(1).map((item) => (item.kind === 'seq' ? item.items[0] : undefined));
    if (first.every((e): e is Expr => e?.kind === 'dfa')) return { free: expr.items[0]!, first };
  }
  throw new Error('internal: unexpected shape of the TagDispatch lowering');
}

const utf8 = new TextEncoder();

/** Distinct non-empty byte strings (strings are UTF-8 encoded), in first-seen order. */
export function distinctBytes(items: ReadonlyArray<string | Uint8Array>): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const item of items) {
    const b = typeof item === 'string' ? utf8.encode(item) : item;
    const key = b.join(',');
    if (b.length > 0 && !seen.has(key)) {
      seen.add(key);
      out.push(b);
    }
  }
  return out;
}
