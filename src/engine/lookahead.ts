/**
 * Lookahead assertions (`rule ::= body (= L)`), enforced the same way for strings and for masks.
 *
 * Meaning: the text after every occurrence of the rule must be *consistent* with L: it either starts with a
 * string of L, or it is a proper prefix of one and the input ends there. (So an assertion never makes a
 * complete sentence incomplete: XGrammar's generated grammars put `(= [ \n\t]* [,}\]:])` after JSON strings,
 * which must still end a top-level string.)
 *
 * Implementation: an *obligation set* is the set of lookahead-DFA states still pending on the current parse
 * path. Completing a rule with an assertion adds its DFA's start state; each byte advances every pending
 * state; a state with no transition contradicts the path (the Earley item is dropped); an accepting state
 * is satisfied and leaves the set. Sets are interned (id 0 = nothing pending) and their byte transitions
 * memoised, so a grammar without assertions pays nothing, and one with assertions pays one table lookup per
 * item and byte while an obligation is pending.
 */
import { exprToDfa } from './automaton.js';
import { GrammarError } from './errors.js';
import type { ByteDfa, Expr, Grammar } from './ir.js';

/** An obligation set that a byte contradicts. */
export const CONTRADICTED = -1;
const UNKNOWN = -2;

/** Most distinct obligation sets one grammar may create (a pathological grammar gets a 'limit' error). */
export const MAX_OBLIGATION_SETS = 100_000;

export class LookaheadObligations {
  /** Per rule: index of its assertion's DFA, or -1. */
  readonly ruleAssertion: Int32Array;
  /** True if some rule carries an assertion (otherwise every set id is 0). */
  readonly enabled: boolean;
  /**
   * Per rule: the assertion sets its empty derivations complete (minimal ones; `[[]]` for an empty
   * derivation that completes none, `[]` if the rule is not nullable). The parser's nullable shortcut adds
   * one item per set.
   */
  readonly emptyDerivations: readonly (readonly (readonly number[])[])[];
  private readonly dfas: ByteDfa[] = [];
  /** Interned sets: flat (assertion, dfaState) pairs, sorted. Set 0 is empty. */
  private readonly sets: Int32Array[] = [new Int32Array(0)];
  private readonly ids = new Map<string, number>([['', 0]]);
  /** `trans[set * 256 + b]`: next set id, CONTRADICTED, or UNKNOWN until computed. */
  private trans = new Int32Array(256).fill(UNKNOWN);
  /** `marks[set * numAssertions + a]`: the set after adding assertion `a`'s start, or UNKNOWN. */
  private marks: Int32Array;

  constructor(grammar: Grammar) {
    this.ruleAssertion = new Int32Array(grammar.rules.length).fill(-1);
    for (let r = 0; r < grammar.rules.length; r++) {
      const la = grammar.rules[r]!.lookahead;
      if (!la) continue;
      const dfa = exprToDfa(inlineRules(la, grammar, r, []));
      // An assertion that the empty string satisfies (or that nothing satisfies) adds no obligation:
      // the former is always met, the latter is left to the rule's users like XGrammar's checker does.
      if (dfa.numStates === 0 || dfa.accepting[0]) continue;
      this.ruleAssertion[r] = this.dfas.length;
      this.dfas.push(dfa);
    }
    this.enabled = this.dfas.length > 0;
    this.marks = new Int32Array(Math.max(1, this.dfas.length)).fill(UNKNOWN);
    this.emptyDerivations = this.enabled ? emptyDerivationSets(grammar, this.ruleAssertion) : [];
  }

  /** The obligation set after an empty derivation completing the assertions `assertions`. */
  afterAssertions(set: number, assertions: readonly number[]): number {
    let s = set;
    for (const a of assertions) s = this.afterAssertion(s, a);
    return s;
  }

  /** The obligation set after byte `b`, or CONTRADICTED. */
  step(set: number, b: number): number {
    const known = this.trans[(set << 8) | b]!;
    if (known !== UNKNOWN) return known;
    const pairs = this.sets[set]!;
    const next: number[] = [];
    let contradicted = false;
    for (let i = 0; i < pairs.length; i += 2) {
      const dfa = this.dfas[pairs[i]!]!;
      const s = dfa.transitions[pairs[i + 1]! * 256 + b]!;
      if (s < 0) {
        contradicted = true;
        break;
      }
      if (!dfa.accepting[s]) next.push(pairs[i]!, s);
    }
    const result = contradicted ? CONTRADICTED : this.intern(next);
    this.trans[(set << 8) | b] = result;
    return result;
  }

  /** The obligation set after completing `rule` (unchanged if the rule has no assertion). */
  afterRule(set: number, rule: number): number {
    const a = this.ruleAssertion[rule]!;
    return a < 0 ? set : this.afterAssertion(set, a);
  }

  private afterAssertion(set: number, a: number): number {
    const slot = set * this.dfas.length + a;
    const known = this.marks[slot]!;
    if (known !== UNKNOWN) return known;
    const next = Array.from(this.sets[set]!);
    next.push(a, 0);
    const result = this.intern(next);
    this.marks[slot] = result;
    return result;
  }

  /** Interns a list of (assertion, state) pairs, in any order and possibly with duplicates. */
  private intern(flat: number[]): number {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const unique = pairs.filter((p, i) => i === 0 || p[0] !== pairs[i - 1]![0] || p[1] !== pairs[i - 1]![1]);
    const key = unique.join(';');
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.sets.length;
    if (id >= MAX_OBLIGATION_SETS) {
      throw new GrammarError(
        'limit',
        `Grammar too large: more than ${MAX_OBLIGATION_SETS} combinations of pending lookahead assertions`,
      );
    }
    this.sets.push(Int32Array.from(unique.flat()));
    this.ids.set(key, id);
    if ((id + 1) * 256 > this.trans.length) {
      const grown = new Int32Array(this.trans.length * 2).fill(UNKNOWN);
      grown.set(this.trans);
      this.trans = grown;
    }
    if ((id + 1) * this.dfas.length > this.marks.length) {
      const grown = new Int32Array(this.marks.length * 2).fill(UNKNOWN);
      grown.set(this.marks);
      this.marks = grown;
    }
    return id;
  }
}

/**
 * The assertion with rule references replaced by the rules' bodies, so it can be determinized. A recursive
 * reference makes the assertion non-regular: that is reported, not approximated.
 */
function inlineRules(expr: Expr, grammar: Grammar, owner: number, stack: number[]): Expr {
  switch (expr.kind) {
    case 'ref': {
      const rule = grammar.rules[expr.rule]!;
      if (stack.includes(expr.rule)) {
        throw new GrammarError(
          'unsupported',
          `Lookahead assertion of rule "${grammar.rules[owner]!.name}" reaches rule "${rule.name}" recursively; ` +
            "only regular assertions can be enforced (compat: 'xgrammar' ignores assertions when matching text)",
        );
      }
      return inlineRules(rule.body, grammar, owner, [...stack, expr.rule]);
    }
    case 'seq':
    case 'alt':
    case 'and':
      return { kind: expr.kind, items: expr.items.map((e) => inlineRules(e, grammar, owner, stack)) };
    case 'repeat':
      return { ...expr, item: inlineRules(expr.item, grammar, owner, stack) };
    default:
      return expr;
  }
}

/** Most distinct minimal assertion sets tracked for one rule's empty derivations. */
const MAX_EMPTY_DERIVATION_SETS = 64;

/**
 * For every rule, the minimal sets of asserted rules that its empty derivations complete (a fixpoint over
 * the rules; a set is kept only if no kept set is a subset of it, since fewer obligations allow more).
 */
function emptyDerivationSets(grammar: Grammar, ruleAssertion: Int32Array): number[][][] {
  const n = grammar.rules.length;
  let sets: number[][][] = Array.from({ length: n }, () => []);
  for (let changed = true; changed; ) {
    changed = false;
    const next = sets.slice();
    for (let r = 0; r < n; r++) {
      const a = ruleAssertion[r]!;
      const body = emptySets(grammar.rules[r]!.body, sets);
      const withOwn = a < 0 ? body : body.map((s) => union(s, [a]));
      const merged = minimal([...sets[r]!, ...withOwn]);
      if (merged.length > MAX_EMPTY_DERIVATION_SETS) {
        throw new GrammarError(
          'limit',
          `Grammar too large: rule "${grammar.rules[r]!.name}" has more than ${MAX_EMPTY_DERIVATION_SETS} ways to match the empty string under different lookahead assertions`,
        );
      }
      if (!sameSets(merged, sets[r]!)) {
        next[r] = merged;
        changed = true;
      }
    }
    sets = next;
  }
  return sets;
}

function emptySets(expr: Expr, rules: number[][][]): number[][] {
  switch (expr.kind) {
    case 'empty':
      return [[]];
    case 'bytes':
      return expr.bytes.length === 0 ? [[]] : [];
    case 'nothing':
    case 'byteSet':
    case 'chars':
      return [];
    case 'dfa':
      return expr.dfa.numStates > 0 && expr.dfa.accepting[0] ? [[]] : [];
    case 'ref':
      return rules[expr.rule]!;
    case 'alt':
      return minimal(expr.items.flatMap((e) => emptySets(e, rules)));
    case 'seq':
    case 'and': {
      let acc: number[][] = [[]];
      for (const item of expr.items) {
        const sets = emptySets(item, rules);
        acc = minimal(acc.flatMap((x) => sets.map((y) => union(x, y))));
        if (acc.length === 0) break;
      }
      return acc;
    }
    case 'repeat':
      return expr.min === 0 ? [[]] : emptySets(expr.item, rules);
  }
}

function union(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/** Drops duplicate sets and sets that contain another one. */
function minimal(sets: number[][]): number[][] {
  const sorted = [...sets].sort((x, y) => x.length - y.length);
  const out: number[][] = [];
  for (const s of sorted) if (!out.some((o) => o.every((v) => s.includes(v)))) out.push(s);
  return out;
}

function sameSets(a: number[][], b: number[][]): boolean {
  return a.length === b.length && a.every((s) => b.some((t) => s.join() === t.join()));
}
