/**
 * A grammar compiled for the matcher: all rule bodies in one flat NFA (automaton.ts), analysed once
 * (liveness, nullable rules, byte-level FIRST/FOLLOW), and determinized *lazily*: a DFA state is a set of
 * NFA states of one rule, created the first time a parse reaches it, and each transition is computed the
 * first time it is taken (`MISSING` until then). Compile time is therefore linear in the grammar's size,
 * however large its automata would be if built eagerly.
 *
 * Every DFA state holds only NFA states that can still reach their rule's end through bytes and productive
 * rules, so every Earley item the matcher creates can be completed: that is what makes the per-state token
 * sets (token-sets.ts) sound.
 */
import { build, epsilonClosure, fullOptions, Nfa } from './automaton.js';
import { GrammarError } from './errors.js';
import type { Grammar } from './ir.js';
import { LookaheadObligations } from './lookahead.js';
import { growInt32, growU8 } from './typed-arrays.js';

/** Limits applied while compiling and while lazily extending a grammar's automata. */
export interface GrammarLimits {
  /** Most NFA states for the whole grammar (built at compile time). */
  maxNfaStates: number;
  /** Most DFA states built lazily for one grammar (the matcher throws a 'limit' GrammarError past it). */
  maxDfaStates: number;
}

export const DEFAULT_GRAMMAR_LIMITS: GrammarLimits = { maxNfaStates: 2_000_000, maxDfaStates: 2_000_000 };

/** 256-bit byte sets are stored as 8 Int32 words. */
export const BYTE_SET_WORDS = 8;
/** A transition not computed yet. */
export const MISSING = -2;

const W = BYTE_SET_WORDS;

/** Sets bits `lo..hi` of the 256-bit set at `set[at .. at+8)`. */
function setByteRange(set: Int32Array, at: number, lo: number, hi: number): void {
  for (let w = lo >> 5; w <= hi >> 5; w++) {
    const a = w === lo >> 5 ? lo & 31 : 0;
    const b = w === hi >> 5 ? hi & 31 : 31;
    const bits = b === 31 ? -1 << a : ((1 << (b + 1)) - 1) & (-1 << a);
    set[at + w]! |= bits;
  }
}

export class GrammarTables {
  readonly numRules: number;
  readonly ruleNames: readonly string[];
  readonly root: number;
  readonly nfa: Nfa;
  /** Per rule: its NFA start/end states and the range of NFA states it owns. */
  readonly nfaStart: Int32Array;
  readonly nfaEnd: Int32Array;
  readonly nfaRangeStart: Int32Array;
  readonly nfaRangeEnd: Int32Array;
  /** Rule owning each NFA state. */
  readonly nfaRule: Int32Array;
  /** 1 if the NFA state can reach its rule's end. */
  readonly live: Uint8Array;
  /** 1 if the NFA state reaches its rule's end through epsilon edges and nullable rules only. */
  readonly canEnd: Uint8Array;
  /** 1 if the rule derives the empty string / some string at all. */
  readonly nullable: Uint8Array;
  readonly productive: Uint8Array;
  /** Lookahead assertions of the rules, enforced by the parser. */
  readonly obligations: LookaheadObligations;
  /** Byte-level FIRST per NFA state and FOLLOW per rule (8 words each). */
  readonly first: Int32Array;
  readonly follow: Int32Array;
  /** `classMaps[rule * 256 + b]`: byte class of `b` in that rule; `numClasses[rule]`. */
  readonly classMaps: Uint8Array;
  readonly numClasses: Int32Array;
  /** DFA start state of each rule (-1 if the rule derives nothing). */
  readonly ruleStart: Int32Array;

  // Lazily grown DFA state tables (re-read them after any call that may create states).
  numStates = 0;
  stateRule: Int32Array = new Int32Array(64);
  final: Uint8Array = new Uint8Array(64);
  hasBytes: Uint8Array = new Uint8Array(64);
  transBase: Int32Array = new Int32Array(64);
  trans: Int32Array = new Int32Array(1024);
  private transSize = 0;
  refOff: Int32Array = new Int32Array(64);
  refLen: Int32Array = new Int32Array(64);
  refRule: Int32Array = new Int32Array(64);
  refNext: Int32Array = new Int32Array(64);
  private refSize = 0;
  exitBytes: Int32Array = new Int32Array(64 * W);
  /** Member NFA states of each DFA state. */
  readonly members: number[][] = [];
  private readonly ids = new Map<string, number>();
  private readonly closure: (seeds: readonly number[]) => number[];
  private readonly maxDfaStates: number;

  constructor(grammar: Grammar, limits: GrammarLimits = DEFAULT_GRAMMAR_LIMITS) {
    const numRules = grammar.rules.length;
    this.numRules = numRules;
    this.ruleNames = grammar.rules.map((r) => r.name);
    this.root = grammar.root;
    this.maxDfaStates = limits.maxDfaStates;
    const nfa = new Nfa(limits.maxNfaStates, 4096);
    this.nfa = nfa;
    this.nfaStart = new Int32Array(numRules);
    this.nfaEnd = new Int32Array(numRules);
    this.nfaRangeStart = new Int32Array(numRules);
    this.nfaRangeEnd = new Int32Array(numRules);
    const opts = fullOptions({ maxStates: limits.maxNfaStates });
    for (let r = 0; r < numRules; r++) {
      const rule = grammar.rules[r]!;
      nfa.ruleName = rule.name;
      opts.ruleName = rule.name;
      this.nfaRangeStart[r] = nfa.size;
      const start = nfa.newState();
      this.nfaStart[r] = start;
      this.nfaEnd[r] = build(rule.body, nfa, start, opts);
      this.nfaRangeEnd[r] = nfa.size;
    }
    for (let e = 0; e < nfa.refCount; e++) {
      const q = nfa.refRule[e]!;
      if (!(q >= 0 && q < numRules)) {
        throw new GrammarError('unsupported', `A rule references an unknown rule index ${q}`);
      }
    }
    this.obligations = new LookaheadObligations(grammar);
    const n = nfa.size;
    this.nfaRule = new Int32Array(n);
    for (let r = 0; r < numRules; r++) this.nfaRule.fill(r, this.nfaRangeStart[r]!, this.nfaRangeEnd[r]!);

    const { classMaps, numClasses } = this.byteClasses();
    this.classMaps = classMaps;
    this.numClasses = numClasses;
    const reverse = this.reverseEdges();
    this.productive = new Uint8Array(numRules);
    this.live = this.fixRules(reverse, true, this.productive);
    this.nullable = new Uint8Array(numRules);
    this.canEnd = this.fixRules(reverse, false, this.nullable);
    this.first = this.computeFirst(reverse);
    this.follow = this.computeFollow();
    const ends = new Uint8Array(n);
    for (let r = 0; r < numRules; r++) ends[this.nfaEnd[r]!] = 1;
    this.closure = epsilonClosure(nfa, ends);
    this.ruleStart = new Int32Array(numRules);
    for (let r = 0; r < numRules; r++) this.ruleStart[r] = this.intern(this.closure([this.nfaStart[r]!]));
  }

  /**
   * The next state from DFA state `g` on byte `b` (-1 if none), computing it on first use.
   */
  step(g: number, b: number): number {
    const r = this.stateRule[g]!;
    const slot = this.transBase[g]! + this.classMaps[(r << 8) | b]!;
    const known = this.trans[slot]!;
    if (known !== MISSING) return known;
    const nfa = this.nfa;
    const targets: number[] = [];
    for (const s of this.members[g]!) {
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        if (nfa.byteLo[e]! <= b && b <= nfa.byteHi[e]! && this.live[nfa.byteTo[e]!])
          targets.push(nfa.byteTo[e]!);
      }
    }
    const next = targets.length === 0 ? -1 : this.intern(this.closure(targets));
    this.trans[slot] = next;
    return next;
  }

  /** Interns a set of important NFA states (dead ones are dropped) as a DFA state; -1 if none is live. */
  private intern(set: number[]): number {
    const liveSet = set.filter((s) => this.live[s] === 1);
    if (liveSet.length === 0) return -1;
    const key = liveSet.join(',');
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const g = this.numStates;
    if (g >= this.maxDfaStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: more than ${this.maxDfaStates} automaton states were needed`,
      );
    }
    this.ensureStateCapacity(g + 1);
    this.numStates++;
    this.ids.set(key, g);
    this.members.push(liveSet);
    const r = this.nfaRule[liveSet[0]!]!;
    const nfa = this.nfa;
    this.stateRule[g] = r;
    let hasBytes = 0;
    let isFinal = 0;
    const end = this.nfaEnd[r]!;
    const refTargets = new Map<number, number[]>();
    const exit = this.exitBytes;
    for (const s of liveSet) {
      if (s === end) isFinal = 1;
      if (!hasBytes) {
        for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
          if (this.live[nfa.byteTo[e]!]) {
            hasBytes = 1;
            break;
          }
        }
      }
      if (this.canEnd[s]) this.orInto(exit, g * W, this.follow, r * W);
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const q = nfa.refRule[e]!;
        const t = nfa.refTo[e]!;
        if (!this.productive[q] || !this.live[t]) continue;
        this.orInto(exit, g * W, this.first, this.nfaStart[q]! * W);
        if (this.nullable[q]) {
          this.orInto(exit, g * W, this.first, t * W);
          if (this.canEnd[t]) this.orInto(exit, g * W, this.follow, r * W);
        }
        const list = refTargets.get(q);
        if (list) list.push(t);
        else refTargets.set(q, [t]);
      }
    }
    this.final[g] = isFinal;
    this.hasBytes[g] = hasBytes;
    const classes = this.numClasses[r]!;
    if (this.transSize + classes > this.trans.length)
      this.trans = growInt32(this.trans, this.transSize + classes);
    this.transBase[g] = this.transSize;
    this.trans.fill(MISSING, this.transSize, this.transSize + classes);
    this.transSize += classes;
    // Reference edges (targets interned recursively; this state's id is already registered).
    const refs: number[] = [];
    for (const [q, tos] of [...refTargets].sort((a, b) => a[0] - b[0])) {
      const next = this.intern(this.closure(tos));
      if (next >= 0) refs.push(q, next);
    }
    if (this.refSize + refs.length / 2 > this.refRule.length) {
      this.refRule = growInt32(this.refRule, this.refSize + refs.length);
      this.refNext = growInt32(this.refNext, this.refSize + refs.length);
    }
    this.refOff[g] = this.refSize;
    this.refLen[g] = refs.length / 2;
    for (let i = 0; i < refs.length; i += 2) {
      this.refRule[this.refSize] = refs[i]!;
      this.refNext[this.refSize] = refs[i + 1]!;
      this.refSize++;
    }
    return g;
  }

  private ensureStateCapacity(n: number): void {
    if (n <= this.stateRule.length) return;
    this.stateRule = growInt32(this.stateRule, n);
    this.final = growU8(this.final, n);
    this.hasBytes = growU8(this.hasBytes, n);
    this.transBase = growInt32(this.transBase, n);
    this.refOff = growInt32(this.refOff, n);
    this.refLen = growInt32(this.refLen, n);
    this.exitBytes = growInt32(this.exitBytes, this.stateRule.length * W);
  }

  private orInto(dst: Int32Array, di: number, src: Int32Array, si: number): boolean {
    let changed = false;
    for (let w = 0; w < W; w++) {
      const v = dst[di + w]! | src[si + w]!;
      if (v !== dst[di + w]) {
        dst[di + w] = v;
        changed = true;
      }
    }
    return changed;
  }

  /** Per rule: byte classes from the boundaries of all its byte edges. */
  private byteClasses(): { classMaps: Uint8Array; numClasses: Int32Array } {
    const nfa = this.nfa;
    const classMaps = new Uint8Array(this.numRules * 256);
    const numClasses = new Int32Array(this.numRules);
    const cut = new Uint8Array(257);
    for (let r = 0; r < this.numRules; r++) {
      cut.fill(0);
      for (let s = this.nfaRangeStart[r]!; s < this.nfaRangeEnd[r]!; s++) {
        for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
          cut[nfa.byteLo[e]!] = 1;
          cut[nfa.byteHi[e]! + 1] = 1;
        }
      }
      let c = 0;
      for (let b = 0; b < 256; b++) {
        if (cut[b] && b > 0) c++;
        classMaps[r * 256 + b] = c;
      }
      numClasses[r] = c + 1;
    }
    return { classMaps, numClasses };
  }

  /**
   * Reverse edges in CSR form: for each NFA state, its predecessors, each tagged with -1 (epsilon),
   * -2 (byte) or the referenced rule (a reference edge).
   */
  private reverseEdges(): { start: Int32Array; from: Int32Array; tag: Int32Array } {
    const nfa = this.nfa;
    const n = nfa.size;
    const start = new Int32Array(n + 1);
    for (let e = 0; e < nfa.epsCount; e++) start[nfa.epsTo[e]! + 1]!++;
    for (let e = 0; e < nfa.byteCount; e++) start[nfa.byteTo[e]! + 1]!++;
    for (let e = 0; e < nfa.refCount; e++) start[nfa.refTo[e]! + 1]!++;
    for (let s = 0; s < n; s++) start[s + 1]! += start[s]!;
    const fill = start.slice(0, n);
    const from = new Int32Array(start[n]!);
    const tag = new Int32Array(start[n]!);
    for (let s = 0; s < n; s++) {
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!) {
        const k = fill[nfa.epsTo[e]!]!++;
        from[k] = s;
        tag[k] = -1;
      }
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        const k = fill[nfa.byteTo[e]!]!++;
        from[k] = s;
        tag[k] = -2;
      }
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const k = fill[nfa.refTo[e]!]!++;
        from[k] = s;
        tag[k] = nfa.refRule[e]!;
      }
    }
    return { start, from, tag };
  }

  /**
   * Backward reachability from every rule's end, following epsilon edges, byte edges (if `bytes`), and
   * reference edges to rules already in `ruleSet`; a rule joins `ruleSet` once its start is reached.
   * Repeats until `ruleSet` is stable. With bytes: liveness and productive rules; without: "can end
   * without input" and nullable rules.
   */
  private fixRules(
    rev: { start: Int32Array; from: Int32Array; tag: Int32Array },
    bytes: boolean,
    ruleSet: Uint8Array,
  ): Uint8Array {
    const n = this.nfa.size;
    const reached = new Uint8Array(n);
    const stack: number[] = [];
    for (let r = 0; r < this.numRules; r++) {
      const e = this.nfaEnd[r]!;
      if (!reached[e]) {
        reached[e] = 1;
        stack.push(e);
      }
    }
    // Reference edges per referenced rule, as indices into the reverse CSR (edge k: from[k] -> its target).
    const refTarget = new Int32Array(rev.from.length);
    const byRule: number[][] = Array.from({ length: this.numRules }, () => []);
    for (let t = 0; t < n; t++) {
      for (let k = rev.start[t]!; k < rev.start[t + 1]!; k++) {
        refTarget[k] = t;
        if (rev.tag[k]! >= 0) byRule[rev.tag[k]!]!.push(k);
      }
    }
    for (;;) {
      while (stack.length > 0) {
        const t = stack.pop()!;
        for (let k = rev.start[t]!; k < rev.start[t + 1]!; k++) {
          const s = rev.from[k]!;
          if (reached[s]) continue;
          const tag = rev.tag[k]!;
          if (tag === -2 ? !bytes : tag >= 0 && !ruleSet[tag]) continue;
          reached[s] = 1;
          stack.push(s);
        }
      }
      let changed = false;
      for (let r = 0; r < this.numRules; r++) {
        if (ruleSet[r] || !reached[this.nfaStart[r]!]) continue;
        ruleSet[r] = 1;
        changed = true;
        // Edges through the new rule whose target was already reached now reach their source.
        for (const k of byRule[r]!) {
          const s = rev.from[k]!;
          if (!reached[s] && reached[refTarget[k]!]) {
            reached[s] = 1;
            stack.push(s);
          }
        }
      }
      if (!changed) return reached;
    }
  }

  /** Byte-level FIRST of every NFA state: own byte edges, then a worklist over predecessors. */
  private computeFirst(rev: { start: Int32Array; from: Int32Array; tag: Int32Array }): Int32Array {
    const nfa = this.nfa;
    const n = nfa.size;
    const first = new Int32Array(n * W);
    for (let s = 0; s < n; s++) {
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        if (this.live[nfa.byteTo[e]!]) setByteRange(first, s * W, nfa.byteLo[e]!, nfa.byteHi[e]!);
      }
    }
    // Rule starts feed every state referencing the rule; collect those edges per rule.
    const refSources: number[][] = Array.from({ length: this.numRules }, () => []);
    for (let s = 0; s < n; s++) {
      if (!this.live[s]) continue;
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const q = nfa.refRule[e]!;
        if (this.productive[q] && this.live[nfa.refTo[e]!]) refSources[q]!.push(s);
      }
    }
    const ruleOfStart = new Int32Array(n).fill(-1);
    for (let r = 0; r < this.numRules; r++) ruleOfStart[this.nfaStart[r]!] = r;
    const queued = new Uint8Array(n);
    const work: number[] = [];
    for (let s = n - 1; s >= 0; s--) {
      if (this.live[s]) {
        queued[s] = 1;
        work.push(s);
      }
    }
    while (work.length > 0) {
      const t = work.pop()!;
      queued[t] = 0;
      // Predecessors whose FIRST includes FIRST(t): epsilon edges, and reference edges into t whose rule is
      // nullable; plus, if t starts a rule, every state referencing that rule.
      const push = (s: number): void => {
        if (this.live[s] && this.orInto(first, s * W, first, t * W) && !queued[s]) {
          queued[s] = 1;
          work.push(s);
        }
      };
      for (let k = rev.start[t]!; k < rev.start[t + 1]!; k++) {
        const tag = rev.tag[k]!;
        if (tag === -1 || (tag >= 0 && this.nullable[tag] && this.productive[tag])) push(rev.from[k]!);
      }
      const r = ruleOfStart[t]!;
      if (r >= 0 && this.productive[r]) for (const s of refSources[r]!) push(s);
    }
    return first;
  }

  /** Byte-level FOLLOW of every rule: what may come right after it ends. */
  private computeFollow(): Int32Array {
    const nfa = this.nfa;
    const follow = new Int32Array(this.numRules * W);
    let changed = true;
    while (changed) {
      changed = false;
      for (let s = 0; s < nfa.size; s++) {
        if (!this.live[s]) continue;
        for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
          const q = nfa.refRule[e]!;
          const t = nfa.refTo[e]!;
          if (!this.productive[q] || !this.live[t]) continue;
          if (this.orInto(follow, q * W, this.first, t * W)) changed = true;
          if (this.canEnd[t] && this.orInto(follow, q * W, follow, this.nfaRule[s]! * W)) changed = true;
        }
      }
    }
    return follow;
  }
}
