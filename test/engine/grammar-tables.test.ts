import { describe, expect, it } from 'vitest';
import { GrammarError } from '../../src/engine/errors.js';
import { GrammarTables, orByteSet } from '../../src/engine/grammar-tables.js';
import {
  alt,
  and,
  byteSet,
  bytes,
  chars,
  dfa,
  EMPTY,
  type Expr,
  type Grammar,
  literal,
  NOTHING,
  ref,
  repeat,
  seq,
} from '../../src/engine/ir.js';

const W = 8;

function setRange(set: Int32Array, at: number, lo: number, hi: number): void {
  for (let b = lo; b <= hi; b++) set[at + (b >> 5)]! |= 1 << (b & 31);
}

/**
 * The whole-NFA analyses the engine ran before rules were built lazily (naive fixpoints over every state of
 * a fully built NFA): the lazily computed per-rule facts must equal them exactly.
 */
function reference(t: GrammarTables) {
  const nfa = t.nfa;
  const n = nfa.size;
  const R = t.numRules;
  const preds: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
  for (let s = 0; s < n; s++) {
    for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!) preds[nfa.epsTo[e]!]!.push([s, -1]);
    for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!) preds[nfa.byteTo[e]!]!.push([s, -2]);
    for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!)
      preds[nfa.refTo[e]!]!.push([s, nfa.refRule[e]!]);
  }
  const fix = (bytesToo: boolean, ruleSet: Uint8Array): Uint8Array => {
    for (;;) {
      const reached = new Uint8Array(n);
      const stack: number[] = [];
      for (let r = 0; r < R; r++) {
        reached[t.nfaEnd[r]!] = 1;
        stack.push(t.nfaEnd[r]!);
      }
      while (stack.length > 0) {
        const x = stack.pop()!;
        for (const [s, tag] of preds[x]!) {
          if (reached[s] || (tag === -2 ? !bytesToo : tag >= 0 && !ruleSet[tag])) continue;
          reached[s] = 1;
          stack.push(s);
        }
      }
      let changed = false;
      for (let r = 0; r < R; r++) {
        if (!ruleSet[r] && reached[t.nfaStart[r]!]) {
          ruleSet[r] = 1;
          changed = true;
        }
      }
      if (!changed) return reached;
    }
  };
  const productive = new Uint8Array(R);
  const nullable = new Uint8Array(R);
  const live = fix(true, productive);
  const canEnd = fix(false, nullable);
  const first = new Int32Array(n * W);
  for (let s = 0; s < n; s++) {
    for (let e = nfa.byteHead[s]!; e >= 0; e = nfa.byteNext[e]!)
      if (live[nfa.byteTo[e]!]) setRange(first, s * W, nfa.byteLo[e]!, nfa.byteHi[e]!);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (let s = 0; s < n; s++) {
      if (!live[s]) continue;
      for (let e = nfa.epsHead[s]!; e >= 0; e = nfa.epsNext[e]!)
        if (orByteSet(first, s * W, first, nfa.epsTo[e]! * W)) changed = true;
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const q = nfa.refRule[e]!;
        const x = nfa.refTo[e]!;
        if (!productive[q] || !live[x]) continue;
        if (orByteSet(first, s * W, first, t.nfaStart[q]! * W)) changed = true;
        if (nullable[q] && orByteSet(first, s * W, first, x * W)) changed = true;
      }
    }
  }
  const follow = new Int32Array(R * W);
  for (let changed = true; changed; ) {
    changed = false;
    for (let s = 0; s < n; s++) {
      if (!live[s]) continue;
      for (let e = nfa.refHead[s]!; e >= 0; e = nfa.refNext[e]!) {
        const q = nfa.refRule[e]!;
        const x = nfa.refTo[e]!;
        if (!productive[q] || !live[x]) continue;
        if (orByteSet(follow, q * W, first, x * W)) changed = true;
        if (canEnd[x] && orByteSet(follow, q * W, follow, t.nfaRule[s]! * W)) changed = true;
      }
    }
  }
  return { productive, nullable, live, canEnd, first, follow };
}

function expectSameAsReference(t: GrammarTables): void {
  t.buildAll();
  const ref = reference(t);
  expect(Array.from(t.productive)).toEqual(Array.from(ref.productive));
  expect(Array.from(t.nullable)).toEqual(Array.from(ref.nullable));
  expect(Array.from(t.follow)).toEqual(Array.from(ref.follow));
  const n = t.nfa.size;
  expect(Array.from(t.live.subarray(0, n))).toEqual(Array.from(ref.live));
  expect(Array.from(t.canEnd.subarray(0, n))).toEqual(Array.from(ref.canEnd));
  // FIRST inside rules is computed on demand: ask for every state (some already known, some not).
  const first = new Int32Array(n * W);
  for (let s = n - 1; s >= 0; s--) first.set(t.firstOf(s), s * W);
  expect(Array.from(first)).toEqual(Array.from(ref.first));
}

/** A seeded generator of random grammars over a small alphabet, with every kind of node and corner case. */
function randomGrammar(seed: number): Grammar {
  let a = seed >>> 0;
  const rand = (k: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (((x ^ (x >>> 14)) >>> 0) % k) as number;
  };
  const numRules = 1 + rand(6);
  const leaf = (): Expr => {
    switch (rand(9)) {
      case 0:
        return EMPTY;
      case 1:
        return rand(3) === 0 ? NOTHING : literal('ab'.slice(rand(2)));
      case 2:
        return byteSet([0x61 + rand(3), 0x63 + rand(2)]);
      case 3:
        return chars(rand(2) ? [0x3b1, 0x3c9] : [0x61, 0x7a, 0x10000, 0x10010]);
      case 4:
        return bytes(new Uint8Array(0));
      case 5:
        return and(alt(literal('a'), literal('ab')), repeat(byteSet([0x61, 0x62]), 1, 2));
      case 6:
        // An untrimmed DFA with a dead state.
        return dfa({
          numStates: 3,
          transitions: Int32Array.from({ length: 768 }, (_, i) =>
            i === 0x61 ? 1 : i === 0x62 ? 2 : i === 256 + 0x63 ? 1 : -1,
          ),
          accepting: Uint8Array.of(0, 1, 0),
        });
      case 7:
        return { kind: 'alt', items: [] };
      default:
        return literal(String.fromCharCode(0x61 + rand(4)));
    }
  };
  const expr = (depth: number): Expr => {
    if (depth <= 0) return rand(3) === 0 ? ref(rand(numRules)) : leaf();
    switch (rand(6)) {
      case 0:
        return seq(...Array.from({ length: 1 + rand(3) }, () => expr(depth - 1)));
      case 1:
        return alt(...Array.from({ length: 1 + rand(3) }, () => expr(depth - 1)));
      case 2: {
        const min = rand(3);
        const max = rand(3) === 0 ? Number.POSITIVE_INFINITY : min + rand(3);
        return { kind: 'repeat', item: expr(depth - 1), min, max };
      }
      case 3:
        return ref(rand(numRules));
      default:
        return leaf();
    }
  };
  const rules = Array.from({ length: numRules }, (_, r) => ({ name: `r${r}`, body: expr(1 + rand(4)) }));
  return { rules, root: 0 };
}

describe('GrammarTables (lazily built rules)', () => {
  it('computes the same liveness, FIRST and FOLLOW as whole-NFA analyses (random grammars)', () => {
    for (let seed = 1; seed <= 400; seed++) expectSameAsReference(new GrammarTables(randomGrammar(seed)));
  });

  it('builds only the rules a parse can reach from what it has built', () => {
    const g: Grammar = {
      rules: [
        { name: 'root', body: seq(literal('x'), ref(1)) },
        { name: 'a', body: seq(literal('y'), ref(2)) },
        { name: 'b', body: literal('z') },
        { name: 'unused', body: literal('w') },
      ],
      root: 0,
    };
    const t = new GrammarTables(g);
    expect(t.isBuilt(0)).toBe(true);
    expect(t.isBuilt(3)).toBe(false);
    const s1 = t.step(t.ruleStart[0]!, 0x78);
    expect(s1).toBeGreaterThanOrEqual(0);
    // The state after "x" references rule 1: its start state exists now.
    expect(t.isBuilt(1)).toBe(true);
    expect(t.ruleStart[1]).toBeGreaterThanOrEqual(0);
    expect(t.isBuilt(3)).toBe(false);
  });

  it('fills whole rows (fillRow) with the transitions step computes one by one (random grammars)', () => {
    const key = (t: GrammarTables, g: number): string => (g < 0 ? '-' : t.members[g]!.join(','));
    for (let seed = 1; seed <= 200; seed++) {
      const bulk = new GrammarTables(randomGrammar(seed));
      const single = new GrammarTables(randomGrammar(seed));
      bulk.buildAll();
      single.buildAll();
      // Every state reachable from the rule starts, byte by byte on one side, row by row on the other.
      for (let h = 0; h < single.numStates; h++) for (let b = 0; b < 256; b++) single.step(h, b);
      for (let g = 0; g < bulk.numStates; g++) bulk.fillRow(g);
      expect(bulk.numStates, `seed ${seed}`).toBe(single.numStates);
      const byMembers = new Map<string, number>();
      for (let h = 0; h < single.numStates; h++) byMembers.set(key(single, h), h);
      const viaRows: string[] = [];
      const viaSteps: string[] = [];
      for (let g = 0; g < bulk.numStates; g++) {
        const h = byMembers.get(key(bulk, g)) ?? -1;
        for (let b = 0; b < 256; b++) {
          const viaRow = bulk.trans[bulk.transBase[g]! + bulk.classMaps[(bulk.stateRule[g]! << 8) | b]!]!;
          viaRows.push(`${g}/${b}:${key(bulk, viaRow)}:${bulk.step(g, b) === viaRow}`);
          viaSteps.push(`${g}/${b}:${h < 0 ? '?' : key(single, single.step(h, b))}:true`);
        }
      }
      expect(viaRows, `seed ${seed}`).toEqual(viaSteps);
    }
  });

  it('steps NFA state sets without creating DFA states (stepSet)', () => {
    const t = new GrammarTables({
      rules: [{ name: 'root', body: seq(literal('ab'), repeat(literal('c'), 0, Infinity)) }],
      root: 0,
    });
    const g = t.ruleStart[0]!;
    const before = t.numStates;
    const afterA = t.stepSet(t.members[g]!, 0x61);
    expect(t.numStates).toBe(before);
    expect(afterA).toEqual(t.members[t.step(g, 0x61)]!);
    expect(t.stepSet(afterA, 0x63)).toEqual([]);
  });

  it('reports an oversized grammar at construction, naming the rule', () => {
    const g: Grammar = {
      rules: [
        { name: 'root', body: ref(1) },
        { name: 'big', body: repeat(repeat(byteSet([0x61, 0x7a]), 0, 2000), 0, 2000) },
      ],
      root: 0,
    };
    expect(() => new GrammarTables(g)).toThrowError(GrammarError);
    expect(() => new GrammarTables(g)).toThrowError(/rule "big" exceeds 2000000 states/);
  });

  it('rejects references to unknown rules at construction', () => {
    const g: Grammar = { rules: [{ name: 'root', body: alt(literal('a'), ref(5)) }], root: 0 };
    expect(() => new GrammarTables(g)).toThrowError(/unknown rule index 5/);
  });
});
