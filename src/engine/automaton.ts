/**
 * Rule bodies (`Expr`) to automata. `Nfa` is a flat Thompson-style NFA over byte ranges, epsilon edges and
 * rule references (stored in typed-array linked lists: no object per state). Grammars determinize it
 * lazily (lazy-dfa.ts); reference-free expressions (regexes, intersections) can be determinized eagerly
 * here into a 256-wide `ByteDfa`.
 */
import { GrammarError } from './errors.js';
import type { ByteDfa, Expr } from './ir.js';
import { growInt32, growU8 } from './typed-arrays.js';
import { utf8RangeSequences } from './utf8-ranges.js';

/** Default cap on automaton states (NFA and eager DFA alike). */
export const DEFAULT_MAX_STATES = 200_000;

export interface AutomatonOptions {
  /** Cap on NFA and DFA states; exceeding it throws a GrammarError of kind 'limit'. */
  maxStates?: number;
  /** Name used in error messages. */
  ruleName?: string;
}

/**
 * A flat NFA under construction. Per state, three singly linked edge lists (epsilon, byte range,
 * rule reference) live in typed-array pools; `*Head[s]` is the first edge or -1.
 */
export class Nfa {
  size = 0;
  epsHead: Int32Array;
  byteHead: Int32Array;
  refHead: Int32Array;
  epsCount = 0;
  epsTo: Int32Array;
  epsNext: Int32Array;
  byteCount = 0;
  byteLo: Int32Array;
  byteHi: Int32Array;
  byteTo: Int32Array;
  byteNext: Int32Array;
  refCount = 0;
  refRule: Int32Array;
  refTo: Int32Array;
  refNext: Int32Array;
  /** Name of the rule being built, for error messages. */
  ruleName = '';

  /**
   * `capacity`: initial room for states and edges (a whole grammar's NFA starts larger than a sub-expression's,
   * sparing the repeated small allocations of growing from a few dozen entries).
   */
  constructor(
    readonly maxStates: number,
    capacity = 64,
  ) {
    this.epsHead = new Int32Array(capacity);
    this.byteHead = new Int32Array(capacity);
    this.refHead = new Int32Array(capacity);
    this.epsTo = new Int32Array(capacity);
    this.epsNext = new Int32Array(capacity);
    this.byteLo = new Int32Array(2 * capacity);
    this.byteHi = new Int32Array(2 * capacity);
    this.byteTo = new Int32Array(2 * capacity);
    this.byteNext = new Int32Array(2 * capacity);
    this.refRule = new Int32Array(Math.max(16, capacity >> 2));
    this.refTo = new Int32Array(Math.max(16, capacity >> 2));
    this.refNext = new Int32Array(Math.max(16, capacity >> 2));
  }

  newState(): number {
    if (this.size >= this.maxStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: the automaton of rule "${this.ruleName}" exceeds ${this.maxStates} states (large counted repetitions multiply states)`,
      );
    }
    if (this.size === this.epsHead.length) {
      this.epsHead = growInt32(this.epsHead, 0);
      this.byteHead = growInt32(this.byteHead, 0);
      this.refHead = growInt32(this.refHead, 0);
    }
    const s = this.size++;
    this.epsHead[s] = -1;
    this.byteHead[s] = -1;
    this.refHead[s] = -1;
    return s;
  }

  addEps(from: number, to: number): void {
    const e = this.epsCount++;
    if (e === this.epsTo.length) {
      this.epsTo = growInt32(this.epsTo, 0);
      this.epsNext = growInt32(this.epsNext, 0);
    }
    this.epsTo[e] = to;
    this.epsNext[e] = this.epsHead[from]!;
    this.epsHead[from] = e;
  }

  addBytes(from: number, lo: number, hi: number, to: number): void {
    const e = this.byteCount++;
    if (e === this.byteLo.length) {
      this.byteLo = growInt32(this.byteLo, 0);
      this.byteHi = growInt32(this.byteHi, 0);
      this.byteTo = growInt32(this.byteTo, 0);
      this.byteNext = growInt32(this.byteNext, 0);
    }
    this.byteLo[e] = lo;
    this.byteHi[e] = hi;
    this.byteTo[e] = to;
    this.byteNext[e] = this.byteHead[from]!;
    this.byteHead[from] = e;
  }

  addRef(from: number, rule: number, to: number): void {
    const e = this.refCount++;
    if (e === this.refRule.length) {
      this.refRule = growInt32(this.refRule, 0);
      this.refTo = growInt32(this.refTo, 0);
      this.refNext = growInt32(this.refNext, 0);
    }
    this.refRule[e] = rule;
    this.refTo[e] = to;
    this.refNext[e] = this.refHead[from]!;
    this.refHead[from] = e;
  }
}

/**
 * Builds `expr` into `nfa` starting at state `from`; returns the state where it ends. Loops always get a
 * fresh hub state entered by an epsilon edge, so building straight from `from` keeps the language exact
 * while creating far fewer states than textbook Thompson construction.
 */
export function build(expr: Expr, nfa: Nfa, from: number, opts: Required<AutomatonOptions>): number {
  switch (expr.kind) {
    case 'empty':
      return from;
    case 'nothing':
      return nfa.newState();
    case 'bytes': {
      let cur = from;
      for (const b of expr.bytes) {
        const next = nfa.newState();
        nfa.addBytes(cur, b, b, next);
        cur = next;
      }
      return cur;
    }
    case 'byteSet': {
      const end = nfa.newState();
      const r = expr.ranges;
      for (let i = 0; i < r.length; i += 2) nfa.addBytes(from, r[i]!, r[i + 1]!, end);
      return end;
    }
    case 'chars':
      return buildChars(expr.ranges, nfa, from);
    case 'seq': {
      let cur = from;
      for (const item of expr.items) cur = build(item, nfa, cur, opts);
      return cur;
    }
    case 'alt': {
      const end = nfa.newState();
      for (const item of expr.items) nfa.addEps(build(item, nfa, from, opts), end);
      return end;
    }
    case 'repeat': {
      let cur = from;
      const unit =
        (expr.max === Number.POSITIVE_INFINITY ? expr.min : expr.max) >= CHAIN_MIN_COPIES
          ? unitOf(expr.item)
          : null;
      if (unit) {
        // Copies of the item's minimal DFA, each starting in the previous one's accepting state.
        for (let i = 0; i < expr.min; i++) cur = chainCopy(unit, nfa, cur);
        if (expr.max !== Number.POSITIVE_INFINITY) {
          const end = nfa.newState();
          nfa.addEps(cur, end);
          for (let i = expr.min; i < expr.max; i++) {
            cur = chainCopy(unit, nfa, cur);
            nfa.addEps(cur, end);
          }
          return end;
        }
      } else {
        for (let i = 0; i < expr.min; i++) cur = build(expr.item, nfa, cur, opts);
      }
      if (expr.max === Number.POSITIVE_INFINITY) {
        const hub = nfa.newState();
        nfa.addEps(cur, hub);
        nfa.addEps(build(expr.item, nfa, hub, opts), hub);
        return hub;
      }
      // Optional copies x (x (x)?)?: each copy may stop early.
      const end = nfa.newState();
      nfa.addEps(cur, end);
      for (let i = expr.min; i < expr.max; i++) {
        const hub = nfa.newState();
        nfa.addEps(cur, hub);
        cur = build(expr.item, nfa, hub, opts);
        nfa.addEps(cur, end);
      }
      return end;
    }
    case 'ref': {
      const end = nfa.newState();
      nfa.addRef(from, expr.rule, end);
      return end;
    }
    case 'and':
      return embedDfa(intersectionDfa(expr), nfa, from);
    case 'dfa':
      return embedDfa(expr.dfa, nfa, from);
  }
}

/**
 * A code point class as UTF-8: the byte-range sequences share their suffixes (continuation-byte chains),
 * so e.g. "any code point" costs a handful of states.
 */
function buildChars(ranges: readonly number[], nfa: Nfa, from: number): number {
  const template = charsTemplate(ranges);
  // Template state 0 is `from`, 1 the end, the others are fresh.
  const ids = new Int32Array(template.numStates);
  ids[0] = from;
  for (let i = 1; i < template.numStates; i++) ids[i] = nfa.newState();
  const e = template.edges;
  for (let i = 0; i < e.length; i += 4) nfa.addBytes(ids[e[i]!]!, e[i + 1]!, e[i + 2]!, ids[e[i + 3]!]!);
  return ids[1]!;
}

export interface CharsTemplate {
  readonly numStates: number;
  /** `from, lo, hi, to` quadruples over template states. */
  readonly edges: Int32Array;
}

/** UTF-8 automata of code point classes, by class (front ends repeat the same classes a lot). */
const charsTemplates = new Map<string, CharsTemplate>();
const charsTemplatesByList = new WeakMap<readonly number[], CharsTemplate>();

/** The UTF-8 automaton of a code point class (state 0 the start, 1 the end; cached by class). */
export function charsTemplate(ranges: readonly number[]): CharsTemplate {
  // Range lists are immutable and shared by the expressions that carry them: look up the list itself first.
  const known = charsTemplatesByList.get(ranges);
  if (known) return known;
  const key = ranges.join(',');
  const hit = charsTemplates.get(key);
  if (hit) {
    charsTemplatesByList.set(ranges, hit);
    return hit;
  }
  let numStates = 2;
  const edges: number[] = [];
  const suffixState = new Map<string, number>();
  for (let i = 0; i < ranges.length; i += 2) {
    for (const seq of utf8RangeSequences(ranges[i]!, ranges[i + 1]!)) {
      let next = 1;
      let suffix = '';
      for (let j = seq.length - 2; j >= 2; j -= 2) {
        suffix = `${seq[j]},${seq[j + 1]};${suffix}`;
        let state = suffixState.get(suffix);
        if (state === undefined) {
          state = numStates++;
          edges.push(state, seq[j]!, seq[j + 1]!, next);
          suffixState.set(suffix, state);
        }
        next = state;
      }
      edges.push(0, seq[0]!, seq[1]!, next);
    }
  }
  const template = { numStates, edges: Int32Array.from(edges) };
  if (charsTemplates.size >= 4096) charsTemplates.clear();
  charsTemplates.set(key, template);
  charsTemplatesByList.set(ranges, template);
  return template;
}

/** Copies a byte DFA into the NFA, entered from `from`; returns its (single) end state. */
function embedDfa(dfa: ByteDfa, nfa: Nfa, from: number): number {
  const base = nfa.size;
  for (let s = 0; s < dfa.numStates; s++) nfa.newState();
  const end = nfa.newState();
  nfa.addEps(from, base);
  for (let s = 0; s < dfa.numStates; s++) {
    const row = s * 256;
    let b = 0;
    while (b < 256) {
      const to = dfa.transitions[row + b]!;
      let e = b;
      while (e + 1 < 256 && dfa.transitions[row + e + 1] === to) e++;
      if (to >= 0) nfa.addBytes(base + s, b, e, base + to);
      b = e + 1;
    }
    if (dfa.accepting[s]) nfa.addEps(base + s, end);
  }
  return end;
}

/**
 * Eager subset construction for a reference-free NFA, straight to 256-wide rows. DFA states are sets of
 * *important* NFA states only (those with byte edges, and the end state).
 */
function determinizeBytes(nfa: Nfa, start: number, end: number, opts: Required<AutomatonOptions>): ByteDfa {
  const ends = new Uint8Array(nfa.size);
  ends[end] = 1;
  const closure = epsilonClosure(nfa, ends);
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const intern = (set: number[]): number => {
    if (set.length === 0) return -1;
    const key = set.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = sets.length;
      if (id >= opts.maxStates) {
        throw new GrammarError(
          'limit',
          `Grammar too large: the automaton of rule "${opts.ruleName}" exceeds ${opts.maxStates} states`,
        );
      }
      ids.set(key, id);
      sets.push(set);
    }
    return id;
  };
  intern(closure([start]));
  let trans = new Int32Array(256 * 16);
  const accepting: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const to: number[] = [];
  const points: number[] = [];
  const targets: number[] = [];
  for (let d = 0; d < sets.length; d++) {
    if ((d + 1) * 256 > trans.length) trans = growInt32(trans, (d + 1) * 256);
    trans.fill(-1, d * 256, d * 256 + 256);
    let isFinal = 0;
    lo.length = 0;
    hi.length = 0;
    to.length = 0;
    points.length = 0;
    for (const s of sets[d]!) {
      if (s === end) isFinal = 1;
      for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) {
        lo.push(nfa.byteLo[e]!);
        hi.push(nfa.byteHi[e]!);
        to.push(nfa.byteTo[e]!);
        points.push(nfa.byteLo[e]!, nfa.byteHi[e]! + 1);
      }
    }
    accepting[d] = isFinal;
    // Sweep the segments between edge boundaries; each segment has one target set.
    points.sort((a, b) => a - b);
    for (let p = 0; p + 1 < points.length; p++) {
      const a = points[p]!;
      const b = points[p + 1]!;
      if (a === b) continue;
      targets.length = 0;
      for (let e = 0; e < lo.length; e++) if (lo[e]! <= a && hi[e]! >= b - 1) targets.push(to[e]!);
      if (targets.length > 0) trans.fill(intern(closure(targets)), d * 256 + a, d * 256 + b);
    }
  }
  return {
    numStates: sets.length,
    transitions: trans.slice(0, sets.length * 256),
    accepting: Uint8Array.from(accepting),
  };
}

/** Counted repetitions with at least this many copies of a suitable item are built as chains of its DFA. */
const CHAIN_MIN_COPIES = 8;
/** Items whose NFA or DFA is larger than these are repeated by the general construction. */
const UNIT_MAX_NFA_STATES = 4096;
const UNIT_MAX_DFA_STATES = 256;

/**
 * The minimal DFA of a reference-free item whose language is non-empty, excludes the empty string and is
 * prefix-free (no accepted string is a proper prefix of another: one JSON string character, a fixed-width
 * field), with no edge back into its start. Then the DFA has exactly one accepting state, without edges, and
 * `x{m,n}` is a chain of copies,
 * each starting in the previous one's accepting state: about half the states of unrolled Thompson copies
 * (one JSON string character: 22 states instead of 42), and directly deterministic.
 */
interface Unit {
  /** States: 0 the start, `n - 1` the accepting state. */
  readonly n: number;
  /** 256-wide rows of states 0..n-1 (-1: no edge). */
  readonly rows: Int32Array;
  /** `from, lo, hi, to` quadruples (byte runs with one target). */
  readonly edges: Int32Array;
  /** NFA states the general construction creates for one copy (the size limits keep counting these). */
  readonly unrolled: number;
}

const units = new WeakMap<Expr, Unit | null>();

/** The item's chain unit, or null if it is not suitable (cached per expression object). */
export function unitOf(item: Expr): Unit | null {
  const known = units.get(item);
  if (known !== undefined) return known;
  const unit = computeUnit(item);
  units.set(item, unit);
  return unit;
}

function computeUnit(item: Expr): Unit | null {
  const opts = { maxStates: UNIT_MAX_NFA_STATES, ruleName: 'unit' };
  const nfa = new Nfa(UNIT_MAX_NFA_STATES);
  const start = nfa.newState();
  let d: ByteDfa;
  try {
    const end = build(item, nfa, start, opts);
    if (nfa.refCount > 0) return null;
    d = trimDfa(determinizeBytes(nfa, start, end, { maxStates: UNIT_MAX_DFA_STATES, ruleName: 'unit' }));
  } catch (e) {
    if (e instanceof GrammarError && e.kind === 'limit') return null;
    throw e;
  }
  const unrolled = nfa.size - 1;
  // Reachable states (trimming cut every edge into a dead state); accepting ones must have no edges.
  const t = d.transitions;
  if (d.numStates === 0 || d.accepting[0]) return null;
  const order = [0];
  const seen = new Uint8Array(d.numStates);
  seen[0] = 1;
  let accepts = 0;
  for (let k = 0; k < order.length; k++) {
    const s = order[k]!;
    const acc = d.accepting[s] === 1;
    if (acc) accepts++;
    for (let b = 0; b < 256; b++) {
      const to = t[s * 256 + b]!;
      if (to < 0) continue;
      if (acc) return null;
      if (!seen[to]) {
        seen[to] = 1;
        order.push(to);
      }
    }
  }
  if (accepts === 0) return null;
  // Moore refinement over the reachable states (all accepting states are equivalent: no edges).
  const cls = new Int32Array(d.numStates).fill(-1);
  for (const s of order) cls[s] = d.accepting[s] ? 0 : 1;
  let numClasses = accepts === order.length ? 1 : 2;
  for (;;) {
    const ids = new Map<string, number>();
    const next = new Int32Array(d.numStates).fill(-1);
    for (const s of order) {
      const parts: number[] = [cls[s]!];
      let b = 0;
      while (b < 256) {
        const to = t[s * 256 + b]!;
        let e = b;
        while (e + 1 < 256 && t[s * 256 + e + 1] === to) e++;
        parts.push(e, to < 0 ? -1 : cls[to]!);
        b = e + 1;
      }
      const key = parts.join(',');
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      next[s] = id;
    }
    cls.set(next);
    if (ids.size === numClasses) break;
    numClasses = ids.size;
  }
  // Renumber: the start's class first, the accepting class last.
  const n = numClasses;
  const accClass = cls[order.find((s) => d.accepting[s] === 1)!]!;
  const id = new Int32Array(n).fill(-1);
  id[cls[0]!] = 0;
  id[accClass] = n - 1;
  let fresh = 1;
  for (const s of order) if (id[cls[s]!] === -1) id[cls[s]!] = fresh++;
  const rows = new Int32Array(n * 256).fill(-1);
  const done = new Uint8Array(n);
  const edges: number[] = [];
  for (const s of order) {
    const q = id[cls[s]!]!;
    if (done[q]) continue;
    done[q] = 1;
    let b = 0;
    while (b < 256) {
      const raw = t[s * 256 + b]!;
      const to = raw < 0 ? -1 : id[cls[raw]!]!;
      let e = b;
      while (e + 1 < 256 && t[s * 256 + e + 1] === raw) e++;
      // An edge back into the start would make a copy's start (the previous copy's end) a loop state.
      if (to === 0) return null;
      if (to >= 0) {
        rows.fill(to, q * 256 + b, q * 256 + e + 1);
        edges.push(q, b, e, to);
      }
      b = e + 1;
    }
  }
  return { n, rows, edges: Int32Array.from(edges), unrolled };
}

/** One copy of `unit` entered at NFA state `from`; returns the state of its accepting state. */
function chainCopy(unit: Unit, nfa: Nfa, from: number): number {
  const base = nfa.size - 1;
  // Unit state q > 0 becomes NFA state base + q; state 0 is `from`.
  for (let q = 1; q < unit.n; q++) nfa.newState();
  const e = unit.edges;
  for (let i = 0; i < e.length; i += 4) {
    const f = e[i]!;
    nfa.addBytes(f === 0 ? from : base + f, e[i + 1]!, e[i + 2]!, base + e[i + 3]!);
  }
  return base + unit.n - 1;
}

/**
 * The DFA of `unit{min,max}` written out directly: copy i's state q is DFA state `i * (n - 1) + q`, so
 * copy i's accepting state is copy i + 1's start; those with at least `min` copies behind them accept.
 */
function chainDfa(unit: Unit, min: number, max: number, opts: Required<AutomatonOptions>): ByteDfa {
  // The limit still counts the states of the unrolled construction, so the same expressions are accepted.
  const unrolled = 1 + min * unit.unrolled + 1 + (max - min) * (1 + unit.unrolled);
  if (unrolled > opts.maxStates) {
    throw new GrammarError(
      'limit',
      `Grammar too large: the automaton of rule "${opts.ruleName}" exceeds ${opts.maxStates} states (large counted repetitions multiply states)`,
    );
  }
  const step = unit.n - 1;
  const numStates = max * step + 1;
  const transitions = new Int32Array(numStates * 256);
  const rows = unit.rows;
  for (let i = 0; i < max; i++) {
    const off = i * step;
    for (let q = 0; q < step; q++) {
      const row = (off + q) * 256;
      const src = q * 256;
      for (let b = 0; b < 256; b++) {
        const to = rows[src + b]!;
        transitions[row + b] = to < 0 ? -1 : off + to;
      }
    }
  }
  transitions.fill(-1, max * step * 256);
  const accepting = new Uint8Array(numStates);
  for (let i = min; i <= max; i++) accepting[i * step] = 1;
  const dfa = { numStates, transitions, accepting };
  // Every row is a unit row shifted: the same byte runs.
  cutsCache.set(dfa, rowCuts(rows, unit.n));
  return dfa;
}

/**
 * Returns a function computing the sorted set of important states (byte or reference edges, or an end)
 * reachable from `seeds` by epsilon edges.
 */
export function epsilonClosure(nfa: Nfa, ends: Uint8Array): (seeds: readonly number[]) => number[] {
  const stamp = new Int32Array(nfa.size).fill(-1);
  let stampId = 0;
  const stack: number[] = [];
  return (seeds) => {
    stampId++;
    const out: number[] = [];
    for (const s of seeds) stack.push(s);
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (stamp[s] === stampId) continue;
      stamp[s] = stampId;
      if (nfa.byteHead[s]! >= 0 || nfa.refHead[s]! >= 0 || ends[s]) out.push(s);
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!)
        if (stamp[nfa.epsTo[e]!] !== stampId) stack.push(nfa.epsTo[e]!);
    }
    if (out.length > 1) out.sort((a, b) => a - b);
    return out;
  };
}

export function fullOptions(options: AutomatonOptions): Required<AutomatonOptions> {
  return { maxStates: options.maxStates ?? DEFAULT_MAX_STATES, ruleName: options.ruleName ?? 'regex' };
}

/**
 * Compiles a reference-free expression to a byte DFA with 256-wide rows, trimmed so that every
 * remaining state can still reach an accepting state. Throws GrammarError ('limit') past `maxStates`,
 * and ('unsupported') if the expression contains a rule reference.
 */
export function exprToDfa(expr: Expr, options: AutomatonOptions = {}): ByteDfa {
  const cacheable = options.maxStates === undefined;
  if (cacheable) {
    const hit = dfaCache.get(expr);
    if (hit) return hit;
  }
  const opts = fullOptions(options);
  if (expr.kind === 'repeat' && expr.max !== Number.POSITIVE_INFINITY) {
    const unit = unitOf(expr.item);
    if (unit) {
      const dfa = chainDfa(unit, expr.min, expr.max, opts);
      if (cacheable) dfaCache.set(expr, dfa);
      return dfa;
    }
  }
  const nfa = new Nfa(opts.maxStates);
  nfa.ruleName = opts.ruleName;
  const start = nfa.newState();
  const end = build(expr, nfa, start, opts);
  if (nfa.refCount > 0) {
    throw new GrammarError(
      'unsupported',
      'A rule reference cannot appear inside a regular sub-expression (and/regex)',
    );
  }
  const dfa = trimDfa(determinizeBytes(nfa, start, end, opts));
  if (cacheable) dfaCache.set(expr, dfa);
  return dfa;
}

/** The DFA of an `and` node (operands determinized and intersected with the default limits; cached). */
export function intersectionDfa(expr: Expr & { kind: 'and' }): ByteDfa {
  const hit = dfaCache.get(expr);
  if (hit) return hit;
  let acc: ByteDfa | undefined;
  for (const item of expr.items) {
    const d = exprToDfa(item);
    acc = acc ? intersectDfas(acc, d) : d;
  }
  const result = acc ?? exprToDfa({ kind: 'nothing' });
  dfaCache.set(expr, result);
  return result;
}

/**
 * Determinized expressions, by expression object: front ends reuse constant sub-expressions (a JSON
 * string character, a format), so their automata are built once per process.
 */
const dfaCache = new WeakMap<Expr, ByteDfa>();
/** Intersections, by operand objects. */
const intersectionCache = new WeakMap<ByteDfa, WeakMap<ByteDfa, ByteDfa>>();

/**
 * Removes states that cannot reach an accepting state (their incoming edges become -1). Returns `dfa` itself
 * when every state is live; `owned`: the caller's fresh table may be patched in place.
 */
export function trimDfa(dfa: ByteDfa, owned = false): ByteDfa {
  const n = dfa.numStates;
  const t = dfa.transitions;
  // Reverse edges in CSR form (one per run of equal targets in a row), then a backward search.
  const count = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) {
    let prev = -1;
    for (let i = s * 256, e = i + 256; i < e; i++) {
      const v = t[i]!;
      if (v !== prev) {
        if (v >= 0) count[v + 1]!++;
        prev = v;
      }
    }
  }
  for (let s = 0; s < n; s++) count[s + 1]! += count[s]!;
  const fill = count.slice(0, n);
  const from = new Int32Array(count[n]!);
  for (let s = 0; s < n; s++) {
    let prev = -1;
    for (let i = s * 256, e = i + 256; i < e; i++) {
      const v = t[i]!;
      if (v !== prev) {
        if (v >= 0) from[fill[v]!++] = s;
        prev = v;
      }
    }
  }
  const live = coReachable(count, from, n, dfa.accepting);
  let numLive = 0;
  for (let q = 0; q < n; q++) numLive += live[q]!;
  if (numLive === n) return dfa;
  const transitions = owned ? t : t.slice();
  for (let i = 0; i < transitions.length; i++) {
    const v = transitions[i]!;
    if (v >= 0 && !live[v]) transitions[i] = -1;
  }
  return { numStates: n, transitions, accepting: dfa.accepting };
}

/**
 * Byte runs that every state of `dfa` treats alike: `cuts[b]` is 1 where some row's target changes
 * between bytes b - 1 and b (and at 0 and 256). Cached per automaton.
 */
function cutsOf(dfa: ByteDfa): Uint8Array {
  let cuts = cutsCache.get(dfa);
  if (cuts) return cuts;
  cuts = rowCuts(dfa.transitions, dfa.numStates);
  cutsCache.set(dfa, cuts);
  return cuts;
}

function rowCuts(t: Int32Array, n: number): Uint8Array {
  const cuts = new Uint8Array(257);
  cuts[0] = 1;
  cuts[256] = 1;
  for (let s = 0; s < n; s++) {
    const row = s * 256;
    let prev = t[row]!;
    for (let b = 1; b < 256; b++) {
      const v = t[row + b]!;
      if (v !== prev) {
        cuts[b] = 1;
        prev = v;
      }
    }
  }
  return cuts;
}

const cutsCache = new WeakMap<ByteDfa, Uint8Array>();

/** Product construction: the language of both automata. */
export function intersectDfas(a: ByteDfa, b: ByteDfa, options: AutomatonOptions = {}): ByteDfa {
  const cacheable = options.maxStates === undefined;
  const hit = cacheable ? intersectionCache.get(a)?.get(b) : undefined;
  if (hit) return hit;
  const result = intersectUncached(a, b, options);
  if (cacheable) {
    let inner = intersectionCache.get(a);
    if (!inner) {
      inner = new WeakMap();
      intersectionCache.set(a, inner);
    }
    inner.set(b, result);
  }
  return result;
}

function intersectUncached(a: ByteDfa, b: ByteDfa, options: AutomatonOptions): ByteDfa {
  const opts = fullOptions(options);
  // Pair ids in an open-addressing table (a Map lookup per byte run dominated large products).
  let pairs = new Int32Array(128);
  let numPairs = 0;
  let slots = new Int32Array(256);
  const slotOf = (table: Int32Array, x: number, y: number): number => {
    const mask = table.length - 1;
    let h = (Math.imul(x, 0x9e3779b1) ^ Math.imul(y, 0x85ebca6b)) & mask;
    for (;;) {
      const id = table[h]! - 1;
      if (id < 0 || (pairs[2 * id] === x && pairs[2 * id + 1] === y)) return h;
      h = (h + 1) & mask;
    }
  };
  const intern = (x: number, y: number): number => {
    const h = slotOf(slots, x, y);
    if (slots[h] !== 0) return slots[h]! - 1;
    const id = numPairs;
    if (id >= opts.maxStates) {
      throw new GrammarError('limit', `Grammar too large: an intersection exceeds ${opts.maxStates} states`);
    }
    if (2 * id + 2 > pairs.length) pairs = growInt32(pairs, 0);
    pairs[2 * id] = x;
    pairs[2 * id + 1] = y;
    numPairs++;
    slots[h] = id + 1;
    if (2 * numPairs > slots.length) {
      const old = slots;
      slots = new Int32Array(2 * old.length);
      for (let k = 0; k < numPairs; k++) slots[slotOf(slots, pairs[2 * k]!, pairs[2 * k + 1]!)] = k + 1;
    }
    return id;
  };
  // An operand without states matches nothing: so does the product (one state, no edges, not accepting).
  if (a.numStates === 0 || b.numStates === 0)
    return { numStates: 1, transitions: new Int32Array(256).fill(-1), accepting: new Uint8Array(1) };
  intern(0, 0);
  // Byte runs on which both automata are constant in every state: one target lookup per run.
  const ca = cutsOf(a);
  const cb = cutsOf(b);
  const bounds: number[] = [];
  for (let c = 0; c <= 256; c++) if (ca[c] || cb[c]) bounds.push(c);
  const runs = Int32Array.from(bounds);
  const numRuns = runs.length - 1;
  // Rows of one target per run, in a growable typed array; widened to 256 bytes once, after trimming.
  let trans = new Int32Array(numRuns * 64);
  let accepting = new Uint8Array(64);
  const at = a.transitions;
  const bt = b.transitions;
  for (let i = 0; i < numPairs; i++) {
    if ((i + 1) * numRuns > trans.length) {
      trans = growInt32(trans, 0);
      accepting = growU8(accepting, 0);
    }
    const x = pairs[2 * i]!;
    const y = pairs[2 * i + 1]!;
    accepting[i] = a.accepting[x]! & b.accepting[y]!;
    const ax = x * 256;
    const by = y * 256;
    const row = i * numRuns;
    for (let r = 0; r < numRuns; r++) {
      const c = runs[r]!;
      const tx = at[ax + c]!;
      const ty = bt[by + c]!;
      trans[row + r] = tx < 0 || ty < 0 ? -1 : intern(tx, ty);
    }
  }
  const n = numPairs;
  const live = liveRows(trans, n, numRuns, accepting);
  const transitions = new Int32Array(n * 256);
  for (let i = 0; i < n; i++) {
    const row = i * numRuns;
    for (let r = 0; r < numRuns; r++) {
      const to = trans[row + r]!;
      const v = to >= 0 && live[to] ? to : -1;
      // A loop: TypedArray#fill costs a builtin call per (mostly short) run.
      for (let k = i * 256 + runs[r]!, e = i * 256 + runs[r + 1]!; k < e; k++) transitions[k] = v;
    }
  }
  return { numStates: n, transitions, accepting: accepting.slice(0, n) };
}

/** Which states of a `width`-wide transition table can reach an accepting state. */
function liveRows(t: Int32Array, n: number, width: number, accepting: Uint8Array): Uint8Array {
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n * width; i++) {
    const v = t[i]!;
    if (v >= 0) count[v + 1]!++;
  }
  for (let s = 0; s < n; s++) count[s + 1]! += count[s]!;
  const fill = count.slice(0, n);
  const from = new Int32Array(count[n]!);
  for (let i = 0; i < n * width; i++) {
    const v = t[i]!;
    if (v >= 0) from[fill[v]!++] = (i / width) | 0;
  }
  return coReachable(count, from, n, accepting);
}

/**
 * The states that reach an accepting state: a backward search over reverse edges in CSR form (the states with
 * an edge into `s` are `from[count[s] .. count[s + 1])`).
 */
function coReachable(count: Int32Array, from: Int32Array, n: number, accepting: Uint8Array): Uint8Array {
  const live = new Uint8Array(n);
  const queue: number[] = [];
  for (let s = 0; s < n; s++) {
    if (accepting[s]) {
      live[s] = 1;
      queue.push(s);
    }
  }
  while (queue.length > 0) {
    const s = queue.pop()!;
    for (let k = count[s]!; k < count[s + 1]!; k++) {
      const p = from[k]!;
      if (!live[p]) {
        live[p] = 1;
        queue.push(p);
      }
    }
  }
  return live;
}

/** Runs a byte DFA over `input`; true iff it ends in an accepting state. */
export function dfaAccepts(dfa: ByteDfa, input: Uint8Array): boolean {
  let s = 0;
  for (const b of input) {
    s = dfa.transitions[s * 256 + b]!;
    if (s < 0) return false;
  }
  return dfa.accepting[s] === 1;
}

/** Graphviz DOT text for a byte DFA (for `logitkit check` and debugging). */
export function dfaToDot(dfa: ByteDfa, name = 'dfa'): string {
  const lines = [`digraph ${JSON.stringify(name)} {`, '  rankdir=LR;'];
  for (let s = 0; s < dfa.numStates; s++) {
    lines.push(`  s${s} [shape=${dfa.accepting[s] ? 'doublecircle' : 'circle'}];`);
    const byTarget = new Map<number, number[]>();
    for (let b = 0; b < 256; b++) {
      const t = dfa.transitions[s * 256 + b]!;
      if (t < 0) continue;
      const list = byTarget.get(t);
      if (list) list.push(b);
      else byTarget.set(t, [b]);
    }
    for (const [t, bs] of byTarget)
      lines.push(`  s${s} -> s${t} [label=${JSON.stringify(byteRangesLabel(bs))}];`);
  }
  lines.push('}');
  return lines.join('\n');
}

function byteRangesLabel(bs: number[]): string {
  const show = (b: number): string =>
    b >= 0x21 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  const parts: string[] = [];
  let i = 0;
  while (i < bs.length) {
    let j = i;
    while (j + 1 < bs.length && bs[j + 1] === bs[j]! + 1) j++;
    parts.push(i === j ? show(bs[i]!) : `${show(bs[i]!)}-${show(bs[j]!)}`);
    i = j + 1;
  }
  return `[${parts.join('')}]`;
}
