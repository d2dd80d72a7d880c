/**
 * A grammar compiled to flat tables: every rule body becomes a DFA (see automaton.ts) and all DFA states
 * of all rules share one global numbering, so the matcher's Earley items are plain (state, origin) pairs.
 *
 * After the per-rule DFAs are built, the grammar is trimmed: rules that derive no string are dropped and
 * every state that cannot reach its rule's end is removed. Hence every item the matcher creates can still
 * be completed, which is what makes per-state token sets sound (see token-sets.ts).
 */
import { exprToRuleDfa, type RuleDfa } from './automaton.js';
import { GrammarError } from './errors.js';
import type { Grammar } from './ir.js';

/** Limits applied while compiling a grammar. */
export interface GrammarLimits {
  /** Most DFA states in one rule. */
  maxStatesPerRule: number;
  /** Most DFA states in the whole grammar. */
  maxTotalStates: number;
}

export const DEFAULT_GRAMMAR_LIMITS: GrammarLimits = { maxStatesPerRule: 200_000, maxTotalStates: 1_000_000 };

/** 256-bit byte sets are stored as 8 Int32 words. */
export const BYTE_SET_WORDS = 8;

export interface GrammarTables {
  readonly numRules: number;
  readonly ruleNames: readonly string[];
  readonly root: number;
  /** Global start state of each rule. */
  readonly ruleStart: Int32Array;
  /** 1 if the rule derives the empty string. */
  readonly nullable: Uint8Array;
  readonly numStates: number;
  /** Rule owning each global state. */
  readonly stateRule: Int32Array;
  /** 1 if the rule may end at this state. */
  readonly final: Uint8Array;
  /** 1 if the state has at least one byte transition. */
  readonly hasBytes: Uint8Array;
  /** `classMaps[rule * 256 + b]`: byte class of `b` in that rule's DFA. */
  readonly classMaps: Uint8Array;
  /** `trans[transBase[s] + class]`: global next state, or -1. */
  readonly transBase: Int32Array;
  readonly trans: Int32Array;
  /** Rule-reference edges of state `s`: `refStart[s] .. refStart[s+1]-1` into `refRule`/`refNext`. */
  readonly refStart: Int32Array;
  readonly refRule: Int32Array;
  readonly refNext: Int32Array;
  /**
   * Bytes that can come right after leaving state `s` other than by its own byte transitions: by ending
   * the rule (then what may follow the rule) or by descending into a referenced rule. 8 words per state.
   */
  readonly exitBytes: Int32Array;
  /** Per rule, the rule DFA it was built from (kept for signatures and debugging). */
  readonly ruleDfas: readonly RuleDfa[];
}

/** Compiles the IR to tables. Throws GrammarError on limits. */
export function buildGrammarTables(
  grammar: Grammar,
  limits: GrammarLimits = DEFAULT_GRAMMAR_LIMITS,
): GrammarTables {
  const numRules = grammar.rules.length;
  const dfas: RuleDfa[] = [];
  let numStates = 0;
  for (let r = 0; r < numRules; r++) {
    const rule = grammar.rules[r]!;
    const dfa = exprToRuleDfa(rule.body, { maxStates: limits.maxStatesPerRule, ruleName: rule.name });
    for (let i = 0; i < dfa.refRule.length; i++) {
      const target = dfa.refRule[i]!;
      if (!(target >= 0 && target < numRules)) {
        throw new GrammarError(
          'unsupported',
          `Rule "${rule.name}" references an unknown rule index ${target}`,
        );
      }
    }
    numStates += dfa.numStates;
    if (numStates > limits.maxTotalStates) {
      throw new GrammarError(
        'limit',
        `Grammar too large: more than ${limits.maxTotalStates} automaton states in total`,
      );
    }
    dfas.push(dfa);
  }

  const ruleStart = new Int32Array(numRules);
  const stateRule = new Int32Array(numStates);
  const final = new Uint8Array(numStates);
  const classMaps = new Uint8Array(numRules * 256);
  const transBase = new Int32Array(numStates);
  let transSize = 0;
  for (const d of dfas) transSize += d.numStates * d.numClasses;
  const trans = new Int32Array(transSize);
  let refCount = 0;
  for (const d of dfas) refCount += d.refRule.length;
  const refStart = new Int32Array(numStates + 1);
  const refRule = new Int32Array(refCount);
  const refNext = new Int32Array(refCount);

  let base = 0;
  let tb = 0;
  let rb = 0;
  for (let r = 0; r < numRules; r++) {
    const d = dfas[r]!;
    ruleStart[r] = base;
    classMaps.set(d.classMap, r * 256);
    for (let s = 0; s < d.numStates; s++) {
      const g = base + s;
      stateRule[g] = r;
      final[g] = d.final[s]!;
      transBase[g] = tb;
      for (let c = 0; c < d.numClasses; c++) {
        const t = d.trans[s * d.numClasses + c]!;
        trans[tb++] = t < 0 ? -1 : base + t;
      }
      refStart[g] = rb;
      for (let i = d.refStart[s]!; i < d.refStart[s + 1]!; i++) {
        refRule[rb] = d.refRule[i]!;
        refNext[rb] = base + d.refNext[i]!;
        rb++;
      }
    }
    base += d.numStates;
  }
  refStart[numStates] = rb;

  trim(numStates, ruleStart, stateRule, final, transBase, trans, refStart, refRule, refNext, dfas);
  const compactRefs = compactRefEdges(numStates, refStart, refRule, refNext);
  const nullable = computeNullable(numRules, numStates, ruleStart, final, compactRefs);
  const hasBytes = new Uint8Array(numStates);
  for (let g = 0; g < numStates; g++) {
    const r = stateRule[g]!;
    const n = dfas[r]!.numClasses;
    for (let c = 0; c < n; c++) {
      if (trans[transBase[g]! + c]! >= 0) {
        hasBytes[g] = 1;
        break;
      }
    }
  }
  const tables = {
    numRules,
    ruleNames: grammar.rules.map((r) => r.name),
    root: grammar.root,
    ruleStart,
    nullable,
    numStates,
    stateRule,
    final,
    hasBytes,
    classMaps,
    transBase,
    trans,
    refStart: compactRefs.refStart,
    refRule: compactRefs.refRule,
    refNext: compactRefs.refNext,
    exitBytes: new Int32Array(0),
    ruleDfas: dfas,
  };
  return { ...tables, exitBytes: computeExitBytes(tables) };
}

/**
 * Marks live states (those that can reach their rule's end through bytes and productive rules), then cuts
 * every transition and reference edge into a dead state or an unproductive rule (marked by -1).
 */
function trim(
  numStates: number,
  ruleStart: Int32Array,
  stateRule: Int32Array,
  final: Uint8Array,
  transBase: Int32Array,
  trans: Int32Array,
  refStart: Int32Array,
  refRule: Int32Array,
  refNext: Int32Array,
  dfas: readonly RuleDfa[],
): void {
  const live = new Uint8Array(numStates);
  for (let g = 0; g < numStates; g++) live[g] = final[g]!;
  const productive = (r: number): boolean => live[ruleStart[r]!] === 1;
  let changed = true;
  while (changed) {
    changed = false;
    for (let g = numStates - 1; g >= 0; g--) {
      if (live[g]) continue;
      const n = dfas[stateRule[g]!]!.numClasses;
      let ok = false;
      for (let c = 0; c < n && !ok; c++) {
        const t = trans[transBase[g]! + c]!;
        if (t >= 0 && live[t]) ok = true;
      }
      for (let i = refStart[g]!; i < refStart[g + 1]! && !ok; i++) {
        if (live[refNext[i]!] && productive(refRule[i]!)) ok = true;
      }
      if (ok) {
        live[g] = 1;
        changed = true;
      }
    }
  }
  for (let g = 0; g < numStates; g++) {
    const n = dfas[stateRule[g]!]!.numClasses;
    for (let c = 0; c < n; c++) {
      const i = transBase[g]! + c;
      const t = trans[i]!;
      if (t >= 0 && !live[t]) trans[i] = -1;
    }
    for (let i = refStart[g]!; i < refStart[g + 1]!; i++) {
      if (!live[refNext[i]!] || !productive(refRule[i]!)) refRule[i] = -1;
    }
  }
}

interface RefEdges {
  refStart: Int32Array;
  refRule: Int32Array;
  refNext: Int32Array;
}

/** Drops reference edges cut by `trim`. */
function compactRefEdges(
  numStates: number,
  refStart: Int32Array,
  refRule: Int32Array,
  refNext: Int32Array,
): RefEdges {
  let count = 0;
  for (let i = 0; i < refRule.length; i++) if (refRule[i]! >= 0) count++;
  const start = new Int32Array(numStates + 1);
  const rule = new Int32Array(count);
  const next = new Int32Array(count);
  let k = 0;
  for (let g = 0; g < numStates; g++) {
    start[g] = k;
    for (let i = refStart[g]!; i < refStart[g + 1]!; i++) {
      if (refRule[i]! < 0) continue;
      rule[k] = refRule[i]!;
      next[k] = refNext[i]!;
      k++;
    }
  }
  start[numStates] = k;
  return { refStart: start, refRule: rule, refNext: next };
}

/** A rule is nullable if its start reaches a final state through references to nullable rules only. */
function computeNullable(
  numRules: number,
  numStates: number,
  ruleStart: Int32Array,
  final: Uint8Array,
  refs: RefEdges,
): Uint8Array {
  const nullable = new Uint8Array(numRules);
  // epsilonFinal[g]: g reaches a final state of its rule via nullable references only.
  const epsFinal = new Uint8Array(numStates);
  for (let g = 0; g < numStates; g++) epsFinal[g] = final[g]!;
  let changed = true;
  while (changed) {
    changed = false;
    for (let g = numStates - 1; g >= 0; g--) {
      if (epsFinal[g]) continue;
      for (let i = refs.refStart[g]!; i < refs.refStart[g + 1]!; i++) {
        if (nullable[refs.refRule[i]!] && epsFinal[refs.refNext[i]!]) {
          epsFinal[g] = 1;
          changed = true;
          break;
        }
      }
    }
    for (let r = 0; r < numRules; r++) {
      if (!nullable[r] && epsFinal[ruleStart[r]!]) {
        nullable[r] = 1;
        changed = true;
      }
    }
  }
  return nullable;
}

/** FIRST and FOLLOW at the byte level, combined into the per-state exit byte sets. */
function computeExitBytes(t: Omit<GrammarTables, 'exitBytes'>): Int32Array {
  const W = BYTE_SET_WORDS;
  const { numStates, numRules } = t;
  // first[g]: bytes that can come next from state g (own bytes, or through references).
  const first = new Int32Array(numStates * W);
  // canEnd[g]: g reaches its rule's end through nullable references only.
  const canEnd = new Uint8Array(numStates);
  for (let g = 0; g < numStates; g++) {
    canEnd[g] = t.final[g]!;
    const r = t.stateRule[g]!;
    const n = t.ruleDfas[r]!.numClasses;
    const cm = r * 256;
    for (let b = 0; b < 256; b++) {
      const c = t.classMaps[cm + b]!;
      if (c < n && t.trans[t.transBase[g]! + c]! >= 0) first[g * W + (b >> 5)]! |= 1 << (b & 31);
    }
  }
  const orInto = (dst: Int32Array, di: number, src: Int32Array, si: number): boolean => {
    let changed = false;
    for (let w = 0; w < W; w++) {
      const v = dst[di + w]! | src[si + w]!;
      if (v !== dst[di + w]) {
        dst[di + w] = v;
        changed = true;
      }
    }
    return changed;
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (let g = numStates - 1; g >= 0; g--) {
      for (let i = t.refStart[g]!; i < t.refStart[g + 1]!; i++) {
        const q = t.refRule[i]!;
        const next = t.refNext[i]!;
        if (orInto(first, g * W, first, t.ruleStart[q]! * W)) changed = true;
        if (t.nullable[q]) {
          if (orInto(first, g * W, first, next * W)) changed = true;
          if (canEnd[next] && !canEnd[g]) {
            canEnd[g] = 1;
            changed = true;
          }
        }
      }
    }
  }
  const follow = new Int32Array(numRules * W);
  changed = true;
  while (changed) {
    changed = false;
    for (let g = 0; g < numStates; g++) {
      for (let i = t.refStart[g]!; i < t.refStart[g + 1]!; i++) {
        const q = t.refRule[i]!;
        const next = t.refNext[i]!;
        if (orInto(follow, q * W, first, next * W)) changed = true;
        if (canEnd[next] && orInto(follow, q * W, follow, t.stateRule[g]! * W)) changed = true;
      }
    }
  }
  const exit = new Int32Array(numStates * W);
  for (let g = 0; g < numStates; g++) {
    if (canEnd[g]) orInto(exit, g * W, follow, t.stateRule[g]! * W);
    for (let i = t.refStart[g]!; i < t.refStart[g + 1]!; i++) {
      const q = t.refRule[i]!;
      orInto(exit, g * W, first, t.ruleStart[q]! * W);
      if (t.nullable[q]) orInto(exit, g * W, first, t.refNext[i]! * W);
    }
  }
  return exit;
}
