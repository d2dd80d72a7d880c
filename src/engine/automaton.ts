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

/** Builds `expr` into `nfa` between two fresh states; returns `[start, end]`. */
function build(expr: Expr, nfa: Nfa, opts: Required<AutomatonOptions>): [number, number] {
  const start = nfa.newState();
  switch (expr.kind) {
    case 'empty': {
      const end = nfa.newState();
      nfa.eps[start]!.push(end);
      return [start, end];
    }
    case 'nothing':
      return [start, nfa.newState()];
    case 'bytes': {
      let cur = start;
      for (const b of expr.bytes) {
        const next = nfa.newState();
        nfa.edges[cur]!.push(b, b, next);
        cur = next;
      }
      return [start, cur];
    }
    case 'byteSet': {
      const end = nfa.newState();
      const r = expr.ranges;
      for (let i = 0; i < r.length; i += 2) nfa.edges[start]!.push(r[i]!, r[i + 1]!, end);
      return [start, end];
    }
    case 'chars': {
      const end = nfa.newState();
      const r = expr.ranges;
      for (let i = 0; i < r.length; i += 2) {
        for (const seq of utf8RangeSequences(r[i]!, r[i + 1]!)) {
          let cur = start;
          for (let j = 0; j < seq.length; j += 2) {
            const next = j + 2 === seq.length ? end : nfa.newState();
            nfa.edges[cur]!.push(seq[j]!, seq[j + 1]!, next);
            cur = next;
          }
        }
      }
      return [start, end];
    }
    case 'seq': {
      let cur = start;
      for (const item of expr.items) {
        const [s, e] = build(item, nfa, opts);
        nfa.eps[cur]!.push(s);
        cur = e;
      }
      return [start, cur];
    }
    case 'alt': {
      const end = nfa.newState();
      for (const item of expr.items) {
        const [s, e] = build(item, nfa, opts);
        nfa.eps[start]!.push(s);
        nfa.eps[e]!.push(end);
      }
      return [start, end];
    }
    case 'repeat': {
      let cur = start;
      for (let i = 0; i < expr.min; i++) {
        const [s, e] = build(expr.item, nfa, opts);
        nfa.eps[cur]!.push(s);
        cur = e;
      }
      const end = nfa.newState();
      nfa.eps[cur]!.push(end);
      if (expr.max === Number.POSITIVE_INFINITY) {
        const [s, e] = build(expr.item, nfa, opts);
        nfa.eps[cur]!.push(s);
        nfa.eps[e]!.push(cur);
      } else {
        // Nested optional copies: x (x (x)?)? keeps the NFA unambiguous.
        for (let i = expr.min; i < expr.max; i++) {
          const [s, e] = build(expr.item, nfa, opts);
          nfa.eps[cur]!.push(s);
          nfa.eps[e]!.push(end);
          cur = e;
        }
      }
      return [start, end];
    }
    case 'ref': {
      const end = nfa.newState();
      nfa.refs[start]!.push(expr.rule, end);
      return [start, end];
    }
    case 'and': {
      let acc: ByteDfa | undefined;
      for (const item of expr.items) {
        const d = exprToDfa(item, opts);
        acc = acc ? intersectDfas(acc, d, opts) : d;
      }
      return acc ? embedDfa(acc, nfa, start) : [start, nfa.newState()];
    }
    case 'dfa':
      return embedDfa(expr.dfa, nfa, start);
  }
}

/** Copies a byte DFA into the NFA; `entry` gets an epsilon edge to its start. */
function embedDfa(dfa: ByteDfa, nfa: Nfa, entry: number): [number, number] {
  const base = nfa.size;
  for (let s = 0; s < dfa.numStates; s++) nfa.newState();
  const end = nfa.newState();
  nfa.eps[entry]!.push(base);
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
  return [entry, end];
}

/** Determinizes an NFA from `start` with final state `end`. */
function determinize(nfa: Nfa, start: number, end: number, opts: Required<AutomatonOptions>): RuleDfa {
  const n = nfa.size;
  // Byte classes: boundaries of every edge range.
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

  const stamp = new Int32Array(n).fill(-1);
  let stampId = 0;
  const closure = (seeds: number[]): number[] => {
    stampId++;
    const out: number[] = [];
    const stack = [...seeds];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (stamp[s] === stampId) continue;
      stamp[s] = stampId;
      out.push(s);
      for (const t of nfa.eps[s]!) if (stamp[t] !== stampId) stack.push(t);
    }
    out.sort((a, b) => a - b);
    return out;
  };

  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const trans: number[] = [];
  const finals: number[] = [];
  const refLists: number[][] = [];
  const intern = (set: number[]): number => {
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
  const targets: number[][] = Array.from({ length: numClasses }, () => []);
  for (let d = 0; d < sets.length; d++) {
    const set = sets[d]!;
    for (const t of targets) t.length = 0;
    const refTargets = new Map<number, number[]>();
    let isFinal = 0;
    for (const s of set) {
      if (s === end) isFinal = 1;
      const edges = nfa.edges[s]!;
      for (let i = 0; i < edges.length; i += 3) {
        const c0 = classMap[edges[i]!]!;
        const c1 = classMap[edges[i + 1]!]!;
        for (let c = c0; c <= c1; c++) targets[c]!.push(edges[i + 2]!);
      }
      const refs = nfa.refs[s]!;
      for (let i = 0; i < refs.length; i += 2) {
        const list = refTargets.get(refs[i]!);
        if (list) list.push(refs[i + 1]!);
        else refTargets.set(refs[i]!, [refs[i + 1]!]);
      }
    }
    finals[d] = isFinal;
    for (let c = 0; c < numClasses; c++) {
      const t = targets[c]!;
      trans[d * numClasses + c] = t.length === 0 ? -1 : intern(closure(t));
    }
    const refList: number[] = [];
    for (const [rule, tos] of [...refTargets].sort((a, b) => a[0] - b[0]))
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
    trans: Int32Array.from(trans),
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
  const [start, end] = build(expr, nfa, opts);
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
  const live = new Uint8Array(n);
  for (let s = 0; s < n; s++) live[s] = dfa.accepting[s]!;
  let changed = true;
  while (changed) {
    changed = false;
    for (let s = 0; s < n; s++) {
      if (live[s]) continue;
      const row = s * 256;
      for (let b = 0; b < 256; b++) {
        const t = dfa.transitions[row + b]!;
        if (t >= 0 && live[t]) {
          live[s] = 1;
          changed = true;
          break;
        }
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
