/**
 * A grammar compiled for the matcher: rule bodies in one flat NFA (automaton.ts), determinized *lazily*: a DFA
 * state is a set of NFA states of one rule, created the first time a parse reaches it, and each transition is
 * computed the first time it is taken (`MISSING` until then). The NFA is lazy too: at compile time only the
 * grammar-level facts are computed on the rule bodies (grammar-analysis.ts: sizes against the limit,
 * productive and nullable rules, FIRST and FOLLOW per rule) and the root rule is built; any other rule's NFA
 * and per-state analyses (liveness, "can end", byte-level FIRST) are built when a DFA state referencing it is
 * first created. Compile time is therefore linear in the size of the rule bodies, however large their
 * automata would be.
 *
 * Every DFA state holds only NFA states that can still reach their rule's end through bytes and productive
 * rules, so every Earley item the matcher creates can be completed: that is what makes the per-state token
 * sets (token-sets.ts) sound.
 */
import { type AutomatonOptions, build, fullOptions, Nfa } from './automaton.js';
import { GrammarError } from './errors.js';
import { GrammarFacts, referencedRules, staticFacts } from './grammar-analysis.js';
import type { Expr, Grammar } from './ir.js';
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

/**
 * Rules whose automaton has more NFA states than this are built at compile time (building costs roughly 1 ms per
 * thousand states); smaller ones when a parse first references them.
 */
export const EAGER_RULE_STATES = 20_000;

export class GrammarTables {
  readonly numRules: number;
  readonly ruleNames: readonly string[];
  /** Rules over {@link EAGER_RULE_STATES} NFA states, built at construction (besides the root). */
  readonly eagerRules: readonly number[];
  readonly root: number;
  readonly nfa: Nfa;
  /**
   * Per rule: its NFA entry state (state `r`, created with the grammar; an epsilon edge leads into the body
   * once the rule is built), end state and the range of NFA states its body owns (-1 until built).
   */
  readonly nfaStart: Int32Array;
  readonly nfaEnd: Int32Array;
  readonly nfaRangeStart: Int32Array;
  readonly nfaRangeEnd: Int32Array;
  /** Rule owning each NFA state. */
  nfaRule: Int32Array;
  /** 1 if the NFA state can reach its rule's end. */
  live: Uint8Array;
  /** 1 if the NFA state reaches its rule's end through epsilon edges and nullable rules only. */
  canEnd: Uint8Array;
  /** 1 if the rule derives the empty string / some string at all. */
  readonly nullable: Uint8Array;
  readonly productive: Uint8Array;
  /** Lookahead assertions of the rules, enforced by the parser. */
  readonly obligations: LookaheadObligations;
  /**
   * Byte-level FIRST per NFA state (8 words each; a rule's entry state holds the rule's FIRST). Inside a rule
   * only valid where `firstKnown` is set: read it through `firstOf`.
   */
  first: Int32Array;
  firstKnown: Uint8Array;
  /** Byte-level FOLLOW per rule (8 words each). */
  readonly follow: Int32Array;
  /** `classMaps[rule * 256 + b]`: byte class of `b` in that rule; `numClasses[rule]` (set when built). */
  readonly classMaps: Uint8Array;
  readonly numClasses: Int32Array;
  /** DFA start state of each rule (-1 if the rule derives nothing; set once a reachable state references it). */
  readonly ruleStart: Int32Array;
  /** Some byte edge of the grammar ends at 0xFF, the token-id marker byte (token-ids.ts). */
  readonly usesMarkerByte: boolean;

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
  /** Interned DFA states by a hash of their member set: the newest state per hash, older ones via `hashNext`. */
  private readonly idsByHash = new Map<number, number>();
  private hashNext: Int32Array = new Int32Array(64);
  // Scratch arrays of `step`, `closure` and `intern` (none of them is re-entered before it is done with them).
  private readonly targets: number[] = [];
  private readonly closureOut: number[] = [];
  private readonly closureStack: number[] = [];
  private readonly liveScratch: number[] = [];
  /** 1 once `fillRow` computed every transition of the state. */
  private rowFilled: Uint8Array = new Uint8Array(64);
  // Scratch of `fillRow`: per-class target counts and hashes, the targets, classes by target-list hash.
  private rowCount = new Int32Array(0);
  private rowHash = new Int32Array(0);
  private rowTargets = new Int32Array(0);
  private readonly rowSeen = new Map<number, number>();
  private readonly maxDfaStates: number;
  private readonly bodies: readonly Expr[];
  private readonly buildOptions: Required<AutomatonOptions>;
  /** Per rule: 1 once its NFA is built, 2 once its DFA start state is being interned. */
  private readonly ruleState: Uint8Array;
  private stamp = new Int32Array(0);
  private stampId = 0;
  private firstStamp = new Int32Array(0);
  private readonly firstStack: number[] = [];
  private firstStampId = 0;

  /**
   * Analyses the grammar on its rule bodies (grammar-analysis.ts) and builds only the root rule and the rules
   * larger than {@link EAGER_RULE_STATES}: every other rule's NFA, its per-state analyses and its DFA start state
   * are built the first time a DFA state that references it is created. Size limits are checked up front, so an
   * oversized grammar still fails here.
   */
  constructor(grammar: Grammar, limits: GrammarLimits = DEFAULT_GRAMMAR_LIMITS) {
    const numRules = grammar.rules.length;
    this.numRules = numRules;
    this.ruleNames = grammar.rules.map((r) => r.name);
    this.root = grammar.root;
    this.maxDfaStates = limits.maxDfaStates;
    this.bodies = grammar.rules.map((r) => r.body);
    // What `build` would create, rule by rule (an entry state plus the body), checked against the limit.
    let total = 0;
    let marker = false;
    const large: number[] = [];
    const refs: number[][] = [];
    for (let r = 0; r < numRules; r++) {
      const facts = staticFacts(this.bodies[r]!);
      total += 1 + facts.size;
      if (facts.size > EAGER_RULE_STATES) large.push(r);
      if (total > limits.maxNfaStates) {
        throw new GrammarError(
          'limit',
          `Grammar too large: the automaton of rule "${this.ruleNames[r]}" exceeds ${limits.maxNfaStates} states (large counted repetitions multiply states)`,
        );
      }
      const referenced = referencedRules(this.bodies[r]!);
      for (const q of referenced) {
        if (!(q >= 0 && q < numRules)) {
          throw new GrammarError('unsupported', `A rule references an unknown rule index ${q}`);
        }
      }
      refs.push(referenced);
      marker ||= facts.marker;
    }
    this.usesMarkerByte = marker;
    this.obligations = new LookaheadObligations(grammar);
    const facts = new GrammarFacts(this.bodies, refs);
    this.productive = facts.productive;
    this.nullable = facts.nullable;
    this.follow = facts.follow;

    const nfa = new Nfa(limits.maxNfaStates + 2 * numRules, Math.max(64, Math.min(4096, 4 * numRules + 256)));
    this.nfa = nfa;
    this.buildOptions = fullOptions({ maxStates: nfa.maxStates });
    this.nfaStart = new Int32Array(numRules);
    this.nfaEnd = new Int32Array(numRules).fill(-1);
    this.nfaRangeStart = new Int32Array(numRules).fill(-1);
    this.nfaRangeEnd = new Int32Array(numRules).fill(-1);
    const cap = nfa.epsHead.length;
    this.nfaRule = new Int32Array(cap);
    this.live = new Uint8Array(cap);
    this.canEnd = new Uint8Array(cap);
    this.first = new Int32Array(cap * W);
    this.firstKnown = new Uint8Array(cap);
    for (let r = 0; r < numRules; r++) {
      const entry = nfa.newState();
      this.nfaStart[r] = entry;
      this.nfaRule[entry] = r;
      this.live[entry] = this.productive[r]!;
      this.canEnd[entry] = this.nullable[r]!;
      this.first.set(facts.first.subarray(r * W, r * W + W), entry * W);
      this.firstKnown[entry] = 1;
    }
    this.classMaps = new Uint8Array(numRules * 256);
    this.numClasses = new Int32Array(numRules);
    this.ruleStart = new Int32Array(numRules).fill(-1);
    this.ruleState = new Uint8Array(numRules);
    if (numRules > 0) this.startRule(this.root);
    // Large rules (long counted repetitions: a `maxLength: 32767` string is about a million NFA states) take
    // up to seconds to build. That belongs to the compile, not to a mask in the middle of generation.
    for (const r of large) this.startRule(r);
    this.eagerRules = large;
  }

  /** Builds every rule and its DFA start state (tests and tools; the matcher builds rules on demand). */
  buildAll(): void {
    for (let r = 0; r < this.numRules; r++) this.startRule(r);
  }

  /** Whether rule `r`'s NFA has been built. */
  isBuilt(r: number): boolean {
    return this.ruleState[r]! >= 1;
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
    const targets = this.targets;
    targets.length = 0;
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

  /**
   * Computes every missing transition of DFA state `g` at once: one pass over its members' byte edges sorts
   * the targets by byte class, and classes with equal target lists share one closure and intern. Token-set
   * walks and slice checks take most classes of a state, and rules with many classes (key positions among
   * declared names) would otherwise pay a member scan, a closure and an intern per class.
   */
  fillRow(g: number): void {
    if (this.rowFilled[g] === 1) return;
    const r = this.stateRule[g]!;
    const nc = this.numClasses[r]!;
    const base = this.transBase[g]!;
    const cm = r << 8;
    const nfa = this.nfa;
    const live = this.live;
    if (this.rowCount.length < nc + 1) {
      this.rowCount = new Int32Array(2 * (nc + 1));
      this.rowHash = new Int32Array(2 * (nc + 1));
    }
    const count = this.rowCount;
    const hash = this.rowHash;
    count.fill(0, 0, nc + 1);
    const members = this.members[g]!;
    // Pass 1: targets per class (counting sort), pass 2: fill them in member and edge order (as `step`).
    let total = 0;
    for (let m = 0; m < members.length; m++) {
      for (let e = nfa.byteHead[members[m]!]!; e >= 0; e = nfa.byteNext[e]!) {
        if (live[nfa.byteTo[e]!] !== 1) continue;
        const c1 = this.classMaps[cm | nfa.byteHi[e]!]!;
        for (let c = this.classMaps[cm | nfa.byteLo[e]!]!; c <= c1; c++) count[c + 1]!++;
        total += c1 - this.classMaps[cm | nfa.byteLo[e]!]! + 1;
      }
    }
    for (let c = 0; c < nc; c++) count[c + 1]! += count[c]!;
    if (this.rowTargets.length < total) this.rowTargets = new Int32Array(2 * total);
    const targets = this.rowTargets;
    hash.fill(0x811c9dc5, 0, nc);
    for (let m = 0; m < members.length; m++) {
      for (let e = nfa.byteHead[members[m]!]!; e >= 0; e = nfa.byteNext[e]!) {
        const to = nfa.byteTo[e]!;
        if (live[to] !== 1) continue;
        const c1 = this.classMaps[cm | nfa.byteHi[e]!]!;
        for (let c = this.classMaps[cm | nfa.byteLo[e]!]!; c <= c1; c++) {
          targets[count[c]!++] = to;
          hash[c] = Math.imul(hash[c]! ^ to, 0x01000193);
        }
      }
    }
    // count[c] is now the end of class c's targets (and count[c - 1], or 0, its start).
    const seen = this.rowSeen;
    seen.clear();
    const list = this.targets;
    for (let c = 0; c < nc; c++) {
      if (this.trans[base + c] !== MISSING) continue;
      const from = c === 0 ? 0 : count[c - 1]!;
      const to = count[c]!;
      if (from === to) {
        this.trans[base + c] = -1;
        continue;
      }
      // A class with the same target list as an earlier one takes its result.
      const h = hash[c]! ^ (to - from);
      let next = -3;
      for (let k = seen.get(h) ?? -1; k >= 0; k = -1) {
        const kFrom = k === 0 ? 0 : count[k - 1]!;
        if (count[k]! - kFrom !== to - from) break;
        let same = true;
        for (let i = 0; i < to - from; i++) {
          if (targets[kFrom + i] !== targets[from + i]) {
            same = false;
            break;
          }
        }
        if (same) next = this.trans[base + k]!;
      }
      if (next === -3) {
        list.length = 0;
        for (let i = from; i < to; i++) list.push(targets[i]!);
        next = this.intern(this.closure(list));
        if (!seen.has(h)) seen.set(h, c);
      }
      // `intern` may grow `trans`: write through the field.
      this.trans[base + c] = next;
    }
    this.rowFilled[g] = 1;
  }

  /**
   * NFA-level step without interning: the live important states reached from the important states `set` on
   * byte `b` (sorted; a new array). For tests on single NFA states that must not create DFA states.
   */
  stepSet(set: readonly number[], b: number): number[] {
    const nfa = this.nfa;
    const targets: number[] = [];
    for (let i = 0; i < set.length; i++) {
      for (let e = nfa.byteHead[set[i]!]!; e >= 0; e = nfa.byteNext[e]!) {
        if (nfa.byteLo[e]! <= b && b <= nfa.byteHi[e]! && this.live[nfa.byteTo[e]!])
          targets.push(nfa.byteTo[e]!);
      }
    }
    if (targets.length === 0) return targets;
    const out: number[] = [];
    for (const s of this.closure(targets)) if (this.live[s] === 1) out.push(s);
    return out;
  }

  /** Interns a set of important NFA states (dead ones are dropped) as a DFA state; -1 if none is live. */
  private intern(set: readonly number[]): number {
    // Live members and their hash, without allocating: most calls find a known state.
    const live = this.live;
    const scratch = this.liveScratch;
    scratch.length = 0;
    let h = 0x811c9dc5;
    for (let i = 0; i < set.length; i++) {
      const s = set[i]!;
      if (live[s] !== 1) continue;
      scratch.push(s);
      h = Math.imul(h ^ s, 0x01000193);
    }
    if (scratch.length === 0) return -1;
    h = Math.imul(h ^ scratch.length, 0x01000193);
    const head = this.idsByHash.get(h);
    for (let k = head ?? -1; k >= 0; k = this.hashNext[k]!) {
      if (sameMembers(this.members[k]!, scratch)) return k;
    }
    const liveSet = scratch.slice();
    const g = this.numStates;
    if (g >= this.maxDfaStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: more than ${this.maxDfaStates} automaton states were needed`,
      );
    }
    this.ensureStateCapacity(g + 1);
    this.numStates++;
    this.hashNext[g] = head ?? -1;
    this.idsByHash.set(h, g);
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
      if (this.canEnd[s]) orByteSet(exit, g * W, this.follow, r * W);
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const q = nfa.refRule[e]!;
        const t = nfa.refTo[e]!;
        if (!this.productive[q] || !this.live[t]) continue;
        orByteSet(exit, g * W, this.first, this.nfaStart[q]! * W);
        if (this.nullable[q]) {
          this.firstOf(t);
          orByteSet(exit, g * W, this.first, t * W);
          if (this.canEnd[t]) orByteSet(exit, g * W, this.follow, r * W);
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
      if (next >= 0) {
        refs.push(q, next);
        // The parser predicts q from this state: its automaton must exist from now on.
        this.startRule(q);
      }
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
    this.rowFilled = growU8(this.rowFilled, n);
    this.transBase = growInt32(this.transBase, n);
    this.refOff = growInt32(this.refOff, n);
    this.refLen = growInt32(this.refLen, n);
    this.exitBytes = growInt32(this.exitBytes, this.stateRule.length * W);
    this.hashNext = growInt32(this.hashNext, this.stateRule.length);
  }

  /**
   * Byte-level FIRST of NFA state `s` of a built rule (computed on first use, then kept in `first`): the bytes
   * starting a path from `s` to its rule's end, i.e. byte edges into live states and the FIRST of productive
   * referenced rules, over epsilon edges and references to nullable rules through live states.
   */
  firstOf(s: number): Int32Array {
    const first = this.first;
    if (this.firstKnown[s]) return first.subarray(s * W, s * W + W);
    const nfa = this.nfa;
    const live = this.live;
    first.fill(0, s * W, s * W + W);
    if (live[s]) {
      if (this.firstStamp.length < nfa.size) this.firstStamp = new Int32Array(nfa.epsHead.length);
      const stamp = this.firstStamp;
      const id = ++this.firstStampId;
      const stack = this.firstStack;
      stack.length = 0;
      stack.push(s);
      stamp[s] = id;
      const at = s * W;
      while (stack.length > 0) {
        const u = stack.pop()!;
        if (this.firstKnown[u] && u !== s) {
          orByteSet(first, at, first, u * W);
          continue;
        }
        for (let e = nfa.byteHead[u]!; e >= 0; e = nfa.byteNext[e]!)
          if (live[nfa.byteTo[e]!]) setByteRange(first, at, nfa.byteLo[e]!, nfa.byteHi[e]!);
        for (let e = nfa.epsHead[u]!; e >= 0; e = nfa.epsNext[e]!) {
          const t = nfa.epsTo[e]!;
          if (live[t] && stamp[t] !== id) {
            stamp[t] = id;
            stack.push(t);
          }
        }
        for (let e = nfa.refHead[u]!; e >= 0; e = nfa.refNext[e]!) {
          const q = nfa.refRule[e]!;
          const t = nfa.refTo[e]!;
          if (!this.productive[q] || !live[t]) continue;
          orByteSet(first, at, first, this.nfaStart[q]! * W);
          if (this.nullable[q] && stamp[t] !== id) {
            stamp[t] = id;
            stack.push(t);
          }
        }
      }
    }
    this.firstKnown[s] = 1;
    return first.subarray(s * W, s * W + W);
  }

  /** Builds rule `r` if needed and interns its DFA start state (once). */
  private startRule(r: number): void {
    if (this.ruleState[r]! >= 2) return;
    if (this.ruleState[r] === 0) this.buildRule(r);
    this.ruleState[r] = 2;
    this.ruleStart[r] = this.intern(this.closure([this.nfaStart[r]!]));
  }

  /**
   * Builds rule `r`'s NFA (after its entry state, which gets an epsilon edge into it) and analyses it:
   * liveness, "can end", byte-level FIRST per state, and the rule's byte classes. The other rules enter only
   * through the grammar-level facts (productive, nullable, FIRST), so this is local to the rule.
   */
  private buildRule(r: number): void {
    const nfa = this.nfa;
    const opts = this.buildOptions;
    nfa.ruleName = this.ruleNames[r]!;
    opts.ruleName = this.ruleNames[r]!;
    const a = nfa.size;
    const bodyStart = nfa.newState();
    nfa.addEps(this.nfaStart[r]!, bodyStart);
    const end = build(this.bodies[r]!, nfa, bodyStart, opts);
    const b = nfa.size;
    this.nfaRangeStart[r] = a;
    this.nfaRangeEnd[r] = b;
    this.nfaEnd[r] = end;
    this.ruleState[r] = 1;
    if (b > this.nfaRule.length) {
      const cap = nfa.epsHead.length;
      this.nfaRule = growInt32(this.nfaRule, cap);
      this.live = growU8(this.live, cap);
      this.canEnd = growU8(this.canEnd, cap);
      this.first = growInt32(this.first, this.nfaRule.length * W);
      this.firstKnown = growU8(this.firstKnown, cap);
    }
    this.nfaRule.fill(r, a, b);

    // Reverse edges of the rule's states in CSR form (local indices), each tagged with -1 (epsilon),
    // -2 (byte) or the referenced rule.
    const m = b - a;
    const start = new Int32Array(m + 1);
    for (let s = a; s < b; s++) {
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!) start[nfa.epsTo[e]! - a + 1]!++;
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) start[nfa.byteTo[e]! - a + 1]!++;
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) start[nfa.refTo[e]! - a + 1]!++;
    }
    for (let i = 0; i < m; i++) start[i + 1]! += start[i]!;
    const fill = start.slice(0, m);
    const from = new Int32Array(start[m]!);
    const tag = new Int32Array(start[m]!);
    for (let s = a; s < b; s++) {
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!) {
        const k = fill[nfa.epsTo[e]! - a]!++;
        from[k] = s;
        tag[k] = -1;
      }
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        const k = fill[nfa.byteTo[e]! - a]!++;
        from[k] = s;
        tag[k] = -2;
      }
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const k = fill[nfa.refTo[e]! - a]!++;
        from[k] = s;
        tag[k] = nfa.refRule[e]!;
      }
    }
    // Liveness (bytes and productive rules) and "can end" (epsilon and nullable rules): backward from the end.
    const stack: number[] = [];
    for (const bytes of [true, false]) {
      const mark = bytes ? this.live : this.canEnd;
      const ruleSet = bytes ? this.productive : this.nullable;
      mark.fill(0, a, b);
      mark[end] = 1;
      stack.push(end);
      while (stack.length > 0) {
        const t = stack.pop()! - a;
        for (let k = start[t]!; k < start[t + 1]!; k++) {
          const s = from[k]!;
          if (mark[s]) continue;
          const g = tag[k]!;
          if (g === -2 ? !bytes : g >= 0 && !ruleSet[g]) continue;
          mark[s] = 1;
          stack.push(s);
        }
      }
    }
    // FIRST of the rule's states is computed on demand (`firstOf`): only reference targets need it.
    this.firstKnown.fill(0, a, b);
    // Byte classes from the boundaries of all the rule's byte edges.
    const cut = new Uint8Array(257);
    for (let s = a; s < b; s++) {
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        cut[nfa.byteLo[e]!] = 1;
        cut[nfa.byteHi[e]! + 1] = 1;
      }
    }
    let c = 0;
    const classMaps = this.classMaps;
    for (let x = 0; x < 256; x++) {
      if (cut[x] && x > 0) c++;
      classMaps[r * 256 + x] = c;
    }
    this.numClasses[r] = c + 1;
  }

  /**
   * The sorted set of important states (byte or reference edges, or their rule's end) reachable from `seeds`
   * by epsilon edges. The result is a scratch array, valid until the next call (`intern` copies what it keeps).
   */
  private closure(seeds: readonly number[]): readonly number[] {
    const nfa = this.nfa;
    if (this.stamp.length < nfa.size) this.stamp = new Int32Array(nfa.epsHead.length);
    const stamp = this.stamp;
    const id = ++this.stampId;
    const out = this.closureOut;
    out.length = 0;
    const stack = this.closureStack;
    stack.length = 0;
    for (let i = 0; i < seeds.length; i++) stack.push(seeds[i]!);
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (stamp[s] === id) continue;
      stamp[s] = id;
      if (nfa.byteHead[s]! >= 0 || nfa.refHead[s]! >= 0 || this.nfaEnd[this.nfaRule[s]!] === s) out.push(s);
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!)
        if (stamp[nfa.epsTo[e]!] !== id) stack.push(nfa.epsTo[e]!);
    }
    if (out.length > 1) out.sort((x, y) => x - y);
    return out;
  }
}

/** True if two sorted member lists are equal. */
function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** ORs the byte set at `src[si..]` into the one at `dst[di..]`; true if that changed `dst`. */
export function orByteSet(dst: Int32Array, di: number, src: Int32Array, si: number): boolean {
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
