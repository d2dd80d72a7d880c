/**
 * Token slices (llguidance's "slicer", adapted to per-state token sets): which DFA states may use one.
 *
 * Inside a JSON string most of the vocabulary is allowed; walking the whole trie to find that out costs a
 * few milliseconds per new DFA state. `token-slice.ts` precomputes, once per tokenizer, the set of such
 * tokens (a bitset) and a trie of all the *other* tokens. When no string of slice characters can kill a DFA state (checked by simulating
 * the slice's UTF-8 automaton against the state, see {@link SliceClosure}), its token set is the slice
 * bitset plus a walk of the much smaller remainder trie.
 */
import type { GrammarTables } from './grammar-tables.js';
import type { TokenSlice } from './token-slice.js';

/**
 * Budget of one closure check: pairs explored, and DFA states it may create (each costs a subset
 * construction step, so a check that would build hundreds of states costs more than the trie walk it saves).
 */
const MAX_CLOSURE_PAIRS = 16384;
const MAX_CLOSURE_NEW_STATES = 1024;
/** Most (slice state, NFA set) pairs inside one character explored by a member loop test. */
const MAX_LOOP_PAIRS = 64;
/** Most pairs explored when looking for a state's single slice successor. */
const MAX_SUCCESSOR_PAIRS = 4096;

/**
 * Which DFA states of one grammar are *closed* under a slice: from the state, every string of complete slice
 * characters keeps the rule's DFA alive (so every slice token is accepted from it without leaving the rule).
 * Loops over the slice (a string body) are the simplest case; the search states of an unanchored `pattern`
 * and the key positions of an object that admits additional names (the name may still turn out to be a
 * declared one, so the state changes, but no slice character kills it) are the others.
 *
 * `closed(g)` explores the (slice automaton state, DFA state) pairs reachable from `(0, g)`, stepping one
 * representative byte per (rule byte class, slice successor), and stops at states already known to be
 * closed. A proof marks every character-boundary state it reached as closed, since each of them only
 * reaches a subset of the explored pairs; a failure marks only `g`. Explorations over
 * {@link MAX_CLOSURE_PAIRS} pairs or creating over {@link MAX_CLOSURE_NEW_STATES} DFA states count as "not closed"
 * (the caller then walks the trie).
 */
export class SliceClosure {
  /** Per DFA state: -1 unknown, 0 not closed, 1 closed (grown as the lazy DFA grows). */
  flags: Int8Array = new Int8Array(64).fill(-1);
  private readonly representatives = new Map<number, Int32Array>();
  /** Per NFA state: -1 unknown, 0 no, 1 loops on the slice (see `loops`). */
  private memberLoops: Int8Array = new Int8Array(0);
  private readonly seen = new Set<number>();
  private readonly stack: number[] = [];
  private readonly boundary: number[] = [];

  constructor(
    private readonly tables: GrammarTables,
    private readonly slice: TokenSlice,
  ) {}

  /** True if DFA state `g` (at a character boundary) is closed under the slice. */
  closed(g: number): boolean {
    this.reserve(g);
    const known = this.flags[g]!;
    if (known >= 0) return known === 1;
    if (this.hasLoopingMember(g)) {
      this.flags[g] = 1;
      return true;
    }
    const ok = this.explore(g);
    this.reserve(this.tables.numStates - 1);
    if (ok) for (const s of this.boundary) this.flags[s] = 1;
    this.flags[g] = ok ? 1 : 0;
    return ok;
  }

  /** Records what another test found out about state `g` (e.g. a loop, or a bounded string body). */
  mark(g: number, closed: boolean): void {
    this.reserve(g);
    this.flags[g] = closed ? 1 : 0;
  }

  /**
   * True if some member of DFA state `g` loops on the slice: one NFA state that every complete slice character
   * leads back to (the `.*` of an unanchored pattern, a string body). A DFA state keeps such a member after any
   * slice string, so it is closed, without exploring (and creating) the DFA states in between.
   */
  hasLoopingMember(g: number): boolean {
    const members = this.tables.members[g]!;
    for (let i = 0; i < members.length; i++) if (this.loops(members[i]!)) return true;
    return false;
  }

  /** Whether NFA state `s` loops on the slice (memoised; explored on NFA state sets, budgeted). */
  private loops(s: number): boolean {
    const t = this.tables;
    if (s >= this.memberLoops.length) {
      const grown = new Int8Array(Math.max(64, (s + 1) * 2)).fill(-1);
      grown.set(this.memberLoops);
      this.memberLoops = grown;
    }
    const known = this.memberLoops[s]!;
    if (known >= 0) return known === 1;
    const rule = t.nfaRule[s]!;
    const transitions = this.slice.chars.transitions;
    // Pairs (slice state, NFA set) inside one character; every character must end on a set holding `s`.
    const seen = new Set<string>();
    const stack: { q: number; set: readonly number[] }[] = [{ q: 0, set: [s] }];
    let ok = true;
    let pairs = 0;
    search: while (stack.length > 0) {
      const { q, set } = stack.pop()!;
      const reps = this.representativesOf(rule, q);
      for (let k = 0; k < reps.length; k++) {
        const b = reps[k]!;
        const q2 = transitions[q * 256 + b]!;
        const next = t.stepSet(set, b);
        if (next.length === 0) {
          ok = false;
          break search;
        }
        if (q2 === 0) {
          if (!next.includes(s)) {
            ok = false;
            break search;
          }
          continue;
        }
        const key = `${q2}:${next.join(',')}`;
        if (seen.has(key)) continue;
        if (++pairs > MAX_LOOP_PAIRS) {
          ok = false;
          break search;
        }
        seen.add(key);
        stack.push({ q: q2, set: next });
      }
    }
    this.memberLoops[s] = ok ? 1 : 0;
    return ok;
  }

  private explore(g: number): boolean {
    const t = this.tables;
    const dfa = this.slice.chars;
    const Q = dfa.numStates;
    const seen = this.seen;
    const stack = this.stack;
    seen.clear();
    stack.length = 0;
    this.boundary.length = 0;
    seen.add(g * Q);
    stack.push(0, g);
    const rule = t.stateRule[g]!;
    const statesBefore = t.numStates;
    while (stack.length > 0) {
      const s = stack.pop()!;
      const q = stack.pop()!;
      const reps = this.representativesOf(rule, q);
      // Most classes of `s` are stepped below: one bulk row instead of a closure per class.
      t.fillRow(s);
      for (let k = 0; k < reps.length; k++) {
        const b = reps[k]!;
        const q2 = dfa.transitions[q * 256 + b]!;
        const s2 = t.step(s, b);
        if (s2 < 0) return false;
        if (q2 === 0 && s2 < this.flags.length) {
          const f = this.flags[s2]!;
          if (f === 1) continue;
          if (f === 0) return false;
        }
        const key = s2 * Q + q2;
        if (seen.has(key)) continue;
        if (seen.size >= MAX_CLOSURE_PAIRS || t.numStates - statesBefore > MAX_CLOSURE_NEW_STATES)
          return false;
        seen.add(key);
        if (q2 === 0) this.boundary.push(s2);
        stack.push(q2, s2);
      }
    }
    return true;
  }

  /**
   * The single state every complete slice character takes DFA state `s` to, if there is one (every character
   * accepted, all landing on the same state), else -1. A chain of such successors is a bounded string body:
   * from its first state every slice token of at most chain-length characters is accepted. Steps one
   * representative byte per (rule byte class, slice successor), each state's row computed at once.
   */
  successor(s: number): number {
    const t = this.tables;
    const dfa = this.slice.chars;
    const Q = dfa.numStates;
    const rule = t.stateRule[s]!;
    let target = -1;
    const seen = this.seen;
    const stack = this.stack;
    seen.clear();
    stack.length = 0;
    stack.push(0, s);
    while (stack.length > 0) {
      const st = stack.pop()!;
      const q = stack.pop()!;
      const reps = this.representativesOf(rule, q);
      t.fillRow(st);
      for (let k = 0; k < reps.length; k++) {
        const b = reps[k]!;
        const q2 = dfa.transitions[q * 256 + b]!;
        const s2 = t.step(st, b);
        if (s2 < 0) return -1;
        if (q2 === 0) {
          if (target < 0) target = s2;
          else if (s2 !== target) return -1;
          continue;
        }
        const key = s2 * Q + q2;
        if (seen.has(key)) continue;
        if (seen.size >= MAX_SUCCESSOR_PAIRS) return -1;
        seen.add(key);
        stack.push(q2, s2);
      }
    }
    return target;
  }

  /** True if every complete slice character kills DFA state `s` (e.g. a string body at its maximum length). */
  killedBySlice(s: number): boolean {
    const t = this.tables;
    const dfa = this.slice.chars;
    const Q = dfa.numStates;
    const rule = t.stateRule[s]!;
    const seen = this.seen;
    const stack = this.stack;
    seen.clear();
    stack.length = 0;
    stack.push(0, s);
    while (stack.length > 0) {
      const st = stack.pop()!;
      const q = stack.pop()!;
      const reps = this.representativesOf(rule, q);
      for (let k = 0; k < reps.length; k++) {
        const b = reps[k]!;
        const s2 = t.step(st, b);
        if (s2 < 0) continue;
        const q2 = dfa.transitions[q * 256 + b]!;
        if (q2 === 0) return false;
        const key = s2 * Q + q2;
        if (seen.has(key)) continue;
        if (seen.size >= MAX_SUCCESSOR_PAIRS) return false;
        seen.add(key);
        stack.push(q2, s2);
      }
    }
    return true;
  }

  /** One byte per distinct (byte class of `rule`, slice successor) among the bytes the slice allows after `q`. */
  private representativesOf(rule: number, q: number): Int32Array {
    const key = rule * this.slice.chars.numStates + q;
    let reps = this.representatives.get(key);
    if (!reps) {
      const transitions = this.slice.chars.transitions;
      const classMaps = this.tables.classMaps;
      const taken = new Set<number>();
      const list: number[] = [];
      for (let b = 0; b < 256; b++) {
        const q2 = transitions[q * 256 + b]!;
        if (q2 < 0) continue;
        const id = classMaps[(rule << 8) | b]! * 4096 + q2;
        if (taken.has(id)) continue;
        taken.add(id);
        list.push(b);
      }
      reps = Int32Array.from(list);
      this.representatives.set(key, reps);
    }
    return reps;
  }

  private reserve(g: number): void {
    if (g < this.flags.length) return;
    const grown = new Int8Array(Math.max(64, (g + 1) * 2)).fill(-1);
    grown.set(this.flags);
    this.flags = grown;
  }
}
