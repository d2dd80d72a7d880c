/**
 * Rule bodies (`Expr`) to automata: a Thompson NFA over byte ranges and rule references, determinized by
 * subset construction over byte classes. Rule references are DFA edges like bytes, so the DFA of a rule
 * body is deterministic in both bytes and the rules it may descend into.
 */
import { GrammarError } from './errors.js';
import type { ByteDfa, Expr } from './ir.js';
import { utf8RangeSequences } from './utf8-ranges.js';

/** Default cap on automaton states per rule (NFA and DFA alike). */
export const DEFAULT_MAX_STATES = 200_000;

/** A deterministic automaton for one rule body. Byte transitions go through a byte-class map. */
export interface RuleDfa {
  readonly numStates: number;
  readonly numClasses: number;
  /** `classMap[b]` is the class of byte `b`. */
  readonly classMap: Uint8Array;
  /** `trans[s * numClasses + c]`: next state, or -1. State 0 is the start. */
  readonly trans: Int32Array;
  readonly final: Uint8Array;
  /** Rule-reference edges of state `s`: indices `refStart[s] .. refStart[s+1]-1` into `refRule`/`refNext`. */
  readonly refStart: Int32Array;
  readonly refRule: Int32Array;
  readonly refNext: Int32Array;
}

export interface AutomatonOptions {
  /** Cap on NFA and DFA states; exceeding it throws a GrammarError of kind 'limit'. */
  maxStates?: number;
  /** Name used in error messages. */
  ruleName?: string;
}

/** A Thompson NFA under construction. */
class Nfa {
  readonly eps: number[][] = [];
  /** Flat `lo, hi, to` triples per state. */
  readonly edges: number[][] = [];
  /** Flat `rule, to` pairs per state. */
  readonly refs: number[][] = [];

  constructor(
    private readonly maxStates: number,
    private readonly ruleName: string,
  ) {}

  get size(): number {
    return this.eps.length;
  }

  newState(): number {
    if (this.eps.length >= this.maxStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: the automaton of rule "${this.ruleName}" exceeds ${this.maxStates} states (large counted repetitions multiply states)`,
      );
    }
    this.eps.push([]);
    this.edges.push([]);
    this.refs.push([]);
    return this.eps.length - 1;
  }
}

/**
 * Builds `expr` into `nfa` starting at state `from`; returns the state where it ends. Loops always get a
 * fresh hub state entered by an epsilon edge, so building straight from `from` keeps the language exact
 * while creating far fewer states than textbook Thompson construction.
 */
function build(expr: Expr, nfa: Nfa, from: number, opts: Required<AutomatonOptions>): number {
  switch (expr.kind) {
    case 'empty':
      return from;
    case 'nothing':
      return nfa.newState();
    case 'bytes': {
      let cur = from;
      for (const b of expr.bytes) {
        const next = nfa.newState();
        nfa.edges[cur]!.push(b, b, next);
        cur = next;
      }
      return cur;
    }
    case 'byteSet': {
      const end = nfa.newState();
      const r = expr.ranges;
      for (let i = 0; i < r.length; i += 2) nfa.edges[from]!.push(r[i]!, r[i + 1]!, end);
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
      for (const item of expr.items) nfa.eps[build(item, nfa, from, opts)]!.push(end);
      return end;
    }
    case 'repeat': {
      let cur = from;
      for (let i = 0; i < expr.min; i++) cur = build(expr.item, nfa, cur, opts);
      if (expr.max === Number.POSITIVE_INFINITY) {
        const hub = nfa.newState();
        nfa.eps[cur]!.push(hub);
        nfa.eps[build(expr.item, nfa, hub, opts)]!.push(hub);
        return hub;
      }
      // Optional copies x (x (x)?)?: each copy may stop early.
      const end = nfa.newState();
      nfa.eps[cur]!.push(end);
      for (let i = expr.min; i < expr.max; i++) {
        const hub = nfa.newState();
        nfa.eps[cur]!.push(hub);
        cur = build(expr.item, nfa, hub, opts);
        nfa.eps[cur]!.push(end);
      }
      return end;
    }
    case 'ref': {
      const end = nfa.newState();
      nfa.refs[from]!.push(expr.rule, end);
      return end;
    }
    case 'and': {
      let acc: ByteDfa | undefined;
      for (const item of expr.items) {
        const d = exprToDfa(item, opts);
        acc = acc ? intersectDfas(acc, d, opts) : d;
      }
      return acc ? embedDfa(acc, nfa, from) : nfa.newState();
    }
    case 'dfa':
      return embedDfa(expr.dfa, nfa, from);
  }
}

/**
 * A code point class as UTF-8: the byte-range sequences share their suffixes (continuation-byte chains),
 * so e.g. "any code point" costs a handful of states.
 */
function buildChars(ranges: readonly number[], nfa: Nfa, from: number): number {
  const end = nfa.newState();
  const suffixState = new Map<string, number>();
  for (let i = 0; i < ranges.length; i += 2) {
    for (const seq of utf8RangeSequences(ranges[i]!, ranges[i + 1]!)) {
      let next = end;
      let key = '';
      for (let j = seq.length - 2; j >= 2; j -= 2) {
        key = `${seq[j]},${seq[j + 1]};${key}`;
        let state = suffixState.get(key);
        if (state === undefined) {
          state = nfa.newState();
          nfa.edges[state]!.push(seq[j]!, seq[j + 1]!, next);
          suffixState.set(key, state);
        }
        next = state;
      }
      nfa.edges[from]!.push(seq[0]!, seq[1]!, next);
    }
  }
  return end;
}

/** Copies a byte DFA into the NFA, entered from `from`; returns its (single) end state. */
function embedDfa(dfa: ByteDfa, nfa: Nfa, from: number): number {
  const base = nfa.size;
  for (let s = 0; s < dfa.numStates; s++) nfa.newState();
  const end = nfa.newState();
  nfa.eps[from]!.push(base);
  for (let s = 0; s < dfa.numStates; s++) {
    const row = s * 256;
    let b = 0;
    while (b < 256) {
      const to = dfa.transitions[row + b]!;
      let e = b;
      while (e + 1 < 256 && dfa.transitions[row + e + 1] === to) e++;
      if (to >= 0) nfa.edges[base + s]!.push(b, e, base + to);
      b = e + 1;
    }
    if (dfa.accepting[s]) nfa.eps[base + s]!.push(end);
  }
  return end;
}

/**
 * Subset construction. DFA states are sets of *important* NFA states only (those with byte or reference
 * edges, and the end state), so epsilon-only states never split DFA states. Transitions are found by
 * sweeping the member states' edge ranges, then written to every byte class each segment covers.
 */
function determinize(nfa: Nfa, start: number, end: number, opts: Required<AutomatonOptions>): RuleDfa {
  const n = nfa.size;
  const cut = new Uint8Array(257);
  cut[0] = 1;
  for (const list of nfa.edges) {
    for (let i = 0; i < list.length; i += 3) {
      cut[list[i]!] = 1;
      cut[list[i + 1]! + 1] = 1;
    }
  }
  const classMap = new Uint8Array(256);
  let numClasses = 0;
  for (let b = 0; b < 256; b++) {
    if (cut[b] && b > 0) numClasses++;
    classMap[b] = numClasses;
  }
  numClasses++;

  const important = new Uint8Array(n);
  for (let s = 0; s < n; s++)
    if (nfa.edges[s]!.length > 0 || nfa.refs[s]!.length > 0 || s === end) important[s] = 1;
  const stamp = new Int32Array(n).fill(-1);
  let stampId = 0;
  const stack: number[] = [];
  const closure = (seeds: readonly number[]): number[] => {
    stampId++;
    const out: number[] = [];
    for (const s of seeds) stack.push(s);
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (stamp[s] === stampId) continue;
      stamp[s] = stampId;
      if (important[s]) out.push(s);
      for (const t of nfa.eps[s]!) if (stamp[t] !== stampId) stack.push(t);
    }
    if (out.length > 1) out.sort((a, b) => a - b);
    return out;
  };

  const single = new Int32Array(n).fill(-1);
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const intern = (set: number[]): number => {
    if (set.length === 0) return -1;
    if (set.length === 1 && single[set[0]!]! >= 0) return single[set[0]!]!;
    const key = set.length === 1 ? '' : set.join(',');
    if (set.length > 1) {
      const id = ids.get(key);
      if (id !== undefined) return id;
    }
    const id = sets.length;
    if (id >= opts.maxStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: the automaton of rule "${opts.ruleName}" exceeds ${opts.maxStates} states`,
      );
    }
    if (set.length === 1) single[set[0]!] = id;
    else ids.set(key, id);
    sets.push(set);
    return id;
  };
  intern(closure([start]));

  let trans = new Int32Array(Math.max(16, numClasses * 16));
  const finals: number[] = [];
  const refLists: number[][] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const to: number[] = [];
  const points: number[] = [];
  const targets: number[] = [];
  for (let d = 0; d < sets.length; d++) {
    const set = sets[d]!;
    const row = d * numClasses;
    if (row + numClasses > trans.length) {
      const grown = new Int32Array(Math.max(trans.length * 2, row + numClasses));
      grown.set(trans);
      trans = grown;
    }
    trans.fill(-1, row, row + numClasses);
    lo.length = 0;
    hi.length = 0;
    to.length = 0;
    points.length = 0;
    const refTargets = new Map<number, number[]>();
    let isFinal = 0;
    for (const s of set) {
      if (s === end) isFinal = 1;
      const edges = nfa.edges[s]!;
      for (let i = 0; i < edges.length; i += 3) {
        lo.push(edges[i]!);
        hi.push(edges[i + 1]!);
        to.push(edges[i + 2]!);
        points.push(edges[i]!, edges[i + 1]! + 1);
      }
      const refs = nfa.refs[s]!;
      for (let i = 0; i < refs.length; i += 2) {
        const list = refTargets.get(refs[i]!);
        if (list) list.push(refs[i + 1]!);
        else refTargets.set(refs[i]!, [refs[i + 1]!]);
      }
    }
    finals[d] = isFinal;
    if (lo.length === 1) {
      const id = intern(closure(to));
      for (let c = classMap[lo[0]!]!; c <= classMap[hi[0]!]!; c++) trans[row + c] = id;
    } else if (lo.length > 1) {
      points.sort((a, b) => a - b);
      for (let p = 0; p + 1 < points.length; p++) {
        const a = points[p]!;
        const b = points[p + 1]!;
        if (a === b) continue;
        targets.length = 0;
        for (let e = 0; e < lo.length; e++) if (lo[e]! <= a && hi[e]! >= b - 1) targets.push(to[e]!);
        if (targets.length === 0) continue;
        const id = intern(closure(targets));
        for (let c = classMap[a]!; c <= classMap[b - 1]!; c++) trans[row + c] = id;
      }
    }
    const refList: number[] = [];
    for (const [rule, tos] of [...refTargets].sort((x, y) => x[0] - y[0]))
      refList.push(rule, intern(closure(tos)));
    refLists[d] = refList;
  }
  const numStates = sets.length;
  const refStart = new Int32Array(numStates + 1);
  let total = 0;
  for (let d = 0; d < numStates; d++) {
    refStart[d] = total;
    total += refLists[d]!.length / 2;
  }
  refStart[numStates] = total;
  const refRule = new Int32Array(total);
  const refNext = new Int32Array(total);
  for (let d = 0; d < numStates; d++) {
    const list = refLists[d]!;
    for (let i = 0, k = refStart[d]!; i < list.length; i += 2, k++) {
      refRule[k] = list[i]!;
      refNext[k] = list[i + 1]!;
    }
  }
  return {
    numStates,
    numClasses,
    classMap,
    trans: trans.slice(0, numStates * numClasses),
    final: Uint8Array.from(finals),
    refStart,
    refRule,
    refNext,
  };
}

function fullOptions(options: AutomatonOptions): Required<AutomatonOptions> {
  return { maxStates: options.maxStates ?? DEFAULT_MAX_STATES, ruleName: options.ruleName ?? 'regex' };
}

/** Compiles a rule body (which may contain rule references) to its DFA. */
export function exprToRuleDfa(expr: Expr, options: AutomatonOptions = {}): RuleDfa {
  const opts = fullOptions(options);
  const nfa = new Nfa(opts.maxStates, opts.ruleName);
  const start = nfa.newState();
  const end = build(expr, nfa, start, opts);
  return determinize(nfa, start, end, opts);
}

/**
 * Compiles a reference-free expression to a byte DFA with 256-wide rows, trimmed so that every
 * remaining state can still reach an accepting state. Throws GrammarError ('limit') past `maxStates`,
 * and ('unsupported') if the expression contains a rule reference.
 */
export function exprToDfa(expr: Expr, options: AutomatonOptions = {}): ByteDfa {
  const rule = exprToRuleDfa(expr, options);
  if (rule.refRule.length > 0) {
    throw new GrammarError(
      'unsupported',
      'A rule reference cannot appear inside a regular sub-expression (and/regex)',
    );
  }
  return trimDfa(expandClasses(rule));
}

function expandClasses(rule: RuleDfa): ByteDfa {
  const transitions = new Int32Array(rule.numStates * 256);
  for (let s = 0; s < rule.numStates; s++) {
    for (let b = 0; b < 256; b++)
      transitions[s * 256 + b] = rule.trans[s * rule.numClasses + rule.classMap[b]!]!;
  }
  return { numStates: rule.numStates, transitions, accepting: rule.final };
}

/** Removes states that cannot reach an accepting state (their incoming edges become -1). */
export function trimDfa(dfa: ByteDfa): ByteDfa {
  const n = dfa.numStates;
  // Reverse edges in CSR form, then a backward search from the accepting states.
  const count = new Int32Array(n + 1);
  for (let i = 0; i < dfa.transitions.length; i++) {
    const t = dfa.transitions[i]!;
    if (t >= 0) count[t + 1]!++;
  }
  for (let s = 0; s < n; s++) count[s + 1]! += count[s]!;
  const fill = count.slice(0, n);
  const from = new Int32Array(count[n]!);
  for (let i = 0; i < dfa.transitions.length; i++) {
    const t = dfa.transitions[i]!;
    if (t >= 0) from[fill[t]!++] = (i / 256) | 0;
  }
  const live = new Uint8Array(n);
  const queue: number[] = [];
  for (let s = 0; s < n; s++) {
    if (dfa.accepting[s]) {
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
  const transitions = dfa.transitions.slice();
  for (let i = 0; i < transitions.length; i++) {
    const t = transitions[i]!;
    if (t >= 0 && !live[t]) transitions[i] = -1;
  }
  return { numStates: n, transitions, accepting: dfa.accepting };
}

/** Product construction: the language of both automata. */
export function intersectDfas(a: ByteDfa, b: ByteDfa, options: AutomatonOptions = {}): ByteDfa {
  const opts = fullOptions(options);
  const ids = new Map<number, number>();
  const pairs: number[] = [];
  const key = (x: number, y: number): number => x * b.numStates + y;
  const intern = (x: number, y: number): number => {
    const k = key(x, y);
    let id = ids.get(k);
    if (id === undefined) {
      id = pairs.length / 2;
      if (id >= opts.maxStates) {
        throw new GrammarError(
          'limit',
          `Grammar too large: an intersection exceeds ${opts.maxStates} states`,
        );
      }
      ids.set(k, id);
      pairs.push(x, y);
    }
    return id;
  };
  intern(0, 0);
  const trans: number[] = [];
  const accepting: number[] = [];
  for (let i = 0; i < pairs.length / 2; i++) {
    const x = pairs[2 * i]!;
    const y = pairs[2 * i + 1]!;
    accepting[i] = a.accepting[x]! & b.accepting[y]!;
    for (let c = 0; c < 256; c++) {
      const tx = a.transitions[x * 256 + c]!;
      const ty = b.transitions[y * 256 + c]!;
      trans[i * 256 + c] = tx < 0 || ty < 0 ? -1 : intern(tx, ty);
    }
  }
  return trimDfa({
    numStates: pairs.length / 2,
    transitions: Int32Array.from(trans),
    accepting: Uint8Array.from(accepting),
  });
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
