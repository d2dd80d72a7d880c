/**
 * Whole-grammar facts computed on the rule bodies (`Expr` trees) instead of on the NFA, so that the NFA of
 * a rule can be built lazily (grammar-tables.ts): per rule, whether it derives some string (productive),
 * the empty string (nullable), its byte-level FIRST and FOLLOW sets, and, per expression, how many NFA states
 * `build` (automaton.ts) would create for it. They are the same sets the NFA analyses give: FIRST and FOLLOW
 * only count continuations that can still reach the rule's end, exactly as NFA liveness does.
 *
 * Reference-free expressions have facts that do not depend on the grammar; they are cached per expression
 * object for the whole process (front ends share constant sub-expressions: whitespace, string characters,
 * number texts, formats).
 */
import { charsTemplate, intersectionDfa, trimDfa } from './automaton.js';
import type { ByteDfa, Expr, ExprMemo } from './ir.js';

/** 256-bit byte sets are 8 Int32 words. */
const W = 8;

/** Language facts of an expression: productive, nullable, FIRST. */
interface FreeFacts {
  readonly productive: boolean;
  readonly nullable: boolean;
  /** First bytes of its non-empty strings (8 words; shared between nodes, never modified). */
  readonly first: Int32Array;
}

/**
 * Grammar-independent facts of an expression; for a reference-free one also its language facts (for one
 * with references they depend on the rules, see `GrammarFacts.eval`, and are left empty here).
 */
interface StaticFacts extends FreeFacts {
  /** NFA states `build` creates for it (may be huge for large counted repetitions). */
  readonly size: number;
  /** It contains a rule reference. */
  readonly hasRef: boolean;
  /** Some byte edge of its NFA ends at 0xFF (the token-id marker byte). */
  readonly marker: boolean;
}

const NO_BYTES: Int32Array = new Int32Array(W);

function setRange(set: Int32Array, lo: number, hi: number): void {
  for (let w = lo >> 5; w <= hi >> 5; w++) {
    const a = w === lo >> 5 ? lo & 31 : 0;
    const b = w === hi >> 5 ? hi & 31 : 31;
    set[w]! |= b === 31 ? -1 << a : ((1 << (b + 1)) - 1) & (-1 << a);
  }
}

function orInto(dst: Int32Array, src: Int32Array): void {
  for (let w = 0; w < W; w++) dst[w]! |= src[w]!;
}

/**
 * `acc ∪ add` for a union built operand by operand: the first non-empty operand is shared, and copied once
 * (while `owned` is false) before the first union that writes into it.
 */
function unionInto(acc: Int32Array, add: Int32Array, owned: boolean): Int32Array {
  if (add === acc || add === NO_BYTES) return acc;
  if (acc === NO_BYTES) return add;
  const out = owned ? acc : acc.slice();
  orInto(out, add);
  return out;
}

/** `a ∪ b`, reusing an operand when the other adds nothing. */
function union(a: Int32Array, b: Int32Array): Int32Array {
  if (a === b || b === NO_BYTES) return a;
  if (a === NO_BYTES) return b;
  let out: Int32Array | undefined;
  for (let w = 0; w < W; w++) {
    const v = a[w]! | b[w]!;
    if (v !== a[w]) {
      out ??= a.slice();
      out[w] = v;
    }
  }
  return out ?? a;
}

const byteFirst: Int32Array[] = [];
/** The FIRST set of one byte (shared). */
function firstOfByte(b: number): Int32Array {
  let f = byteFirst[b];
  if (!f) {
    f = new Int32Array(W);
    setRange(f, b, b);
    byteFirst[b] = f;
  }
  return f;
}

function dfaOf(e: Expr): ByteDfa | undefined {
  if (e.kind === 'and') return intersectionDfa(e);
  if (e.kind === 'dfa') return e.dfa;
  return undefined;
}

/** Facts of `e` (cached per expression object for the whole process). */
export function staticFacts(e: Expr): StaticFacts {
  // Memoised on the node (see ExprMemo): no hash lookup per visit.
  const memo = e as Expr & ExprMemo;
  const hit = memo.staticFacts as StaticFacts | undefined;
  if (hit) return hit;
  let size = 0;
  let hasRef = false;
  let marker = false;
  let productive = false;
  let nullable = false;
  let first: Int32Array = NO_BYTES;
  switch (e.kind) {
    case 'empty':
      productive = nullable = true;
      break;
    case 'nothing':
      size = 1;
      break;
    case 'bytes':
      size = e.bytes.length;
      marker = e.bytes.includes(0xff);
      productive = true;
      nullable = e.bytes.length === 0;
      if (!nullable) first = firstOfByte(e.bytes[0]!);
      break;
    case 'byteSet':
      size = 1;
      productive = e.ranges.length > 0;
      if (productive) first = new Int32Array(W);
      for (let i = 0; i < e.ranges.length; i += 2) {
        if (e.ranges[i + 1] === 0xff) marker = true;
        setRange(first, e.ranges[i]!, e.ranges[i + 1]!);
      }
      break;
    case 'chars': {
      const t = charsTemplate(e.ranges);
      size = t.numStates - 1;
      for (let i = 0; i < t.edges.length; i += 4) {
        if (t.edges[i] !== 0) continue;
        if (!productive) first = new Int32Array(W);
        productive = true;
        setRange(first, t.edges[i + 1]!, t.edges[i + 2]!);
      }
      break;
    }
    case 'seq':
    case 'alt':
      size = e.kind === 'alt' ? 1 : 0;
      for (const item of e.items) {
        const f = staticFacts(item);
        size += f.size;
        hasRef ||= f.hasRef;
        marker ||= f.marker;
      }
      if (!hasRef) ({ productive, nullable, first } = combine(e, staticFacts));
      break;
    case 'repeat': {
      const f = staticFacts(e.item);
      hasRef = f.hasRef;
      marker = f.marker && e.max > 0;
      size =
        e.min * f.size +
        (e.max === Number.POSITIVE_INFINITY ? 1 + f.size : 1 + (e.max - e.min) * (1 + f.size));
      if (!hasRef) ({ productive, nullable, first } = combine(e, staticFacts));
      break;
    }
    case 'ref':
      size = 1;
      hasRef = true;
      break;
    case 'and':
    case 'dfa': {
      const d = dfaOf(e)!;
      size = d.numStates + 1;
      for (let s = 0; s < d.numStates && !marker; s++) if (d.transitions[s * 256 + 255]! >= 0) marker = true;
      if (d.numStates === 0) {
        // `build` embeds a state-less DFA as an epsilon edge to its end (it then matches the empty string).
        productive = nullable = true;
        break;
      }
      const trimmed = e.kind === 'and' ? d : trimDfa(d);
      nullable = trimmed.accepting[0] === 1;
      productive = nullable;
      for (let x = 0; x < 256; x++) {
        if (trimmed.transitions[x]! >= 0) {
          if (first === NO_BYTES) first = new Int32Array(W);
          productive = true;
          setRange(first, x, x);
        }
      }
      break;
    }
  }
  const facts = { size, hasRef, marker, productive, nullable, first };
  memo.staticFacts = facts;
  return facts;
}

/** A continuation context: its first bytes, whether it can be empty, whether it can reach the rule's end. */
interface Context {
  first: Int32Array;
  nullable: boolean;
  live: boolean;
}

const DEAD: Context = { first: NO_BYTES, nullable: false, live: false };

/**
 * Per-grammar facts: `productive`, `nullable`, `first` (8 words per rule) and `follow` (8 words per rule),
 * computed as fixpoints over the rule bodies.
 */
export class GrammarFacts {
  readonly productive: Uint8Array;
  readonly nullable: Uint8Array;
  readonly first: Int32Array;
  readonly follow: Int32Array;
  /** Facts of reference-containing nodes during one rule evaluation (bodies are DAGs). */
  private memo = new Map<Expr, FreeFacts>();

  /** `refs[r]`: the rules rule `r` references (`referencedRules` of its body, already checked to exist). */
  constructor(bodies: readonly Expr[], refs: readonly (readonly number[])[]) {
    const n = bodies.length;
    this.productive = new Uint8Array(n);
    this.nullable = new Uint8Array(n);
    this.first = new Int32Array(n * W);
    this.follow = new Int32Array(n * W);
    if (n === 0) return;
    // Rules in reverse topological order of references (Tarjan: referenced components first), so that one
    // evaluation per rule suffices outside recursion; a recursive component is a worklist until stable.
    // Productive, nullable and FIRST grow together (each only grows as the others do).
    const users: number[][] = Array.from({ length: n }, () => []);
    for (let r = 0; r < n; r++) for (const q of refs[r]!) users[q]!.push(r);
    const inComponent = new Int32Array(n).fill(-1);
    const queued = new Uint8Array(n);
    const work: number[] = [];
    referenceComponents(refs).forEach((component, c) => {
      for (const r of component) {
        inComponent[r] = c;
        queued[r] = 1;
        work.push(r);
      }
      while (work.length > 0) {
        const r = work.pop()!;
        queued[r] = 0;
        this.memo.clear();
        const f = this.eval(bodies[r]!);
        let changed = false;
        if (f.productive && !this.productive[r]) {
          this.productive[r] = 1;
          changed = true;
        }
        if (f.nullable && !this.nullable[r]) {
          this.nullable[r] = 1;
          changed = true;
        }
        for (let w = 0; w < W; w++) {
          const v = this.first[r * W + w]! | f.first[w]!;
          if (v !== this.first[r * W + w]) {
            this.first[r * W + w] = v;
            changed = true;
          }
        }
        if (!changed) continue;
        for (const u of users[r]!) {
          if (inComponent[u] === c && !queued[u]) {
            queued[u] = 1;
            work.push(u);
          }
        }
      }
    });
    this.memo.clear();
    // FOLLOW: every reference's continuation, then what follows the referencing rule where that can be empty.
    const inherits: number[][] = Array.from({ length: n }, () => []);
    const end: Context = { first: NO_BYTES, nullable: true, live: true };
    for (let r = 0; r < n; r++) this.walk(bodies[r]!, end, r, inherits);
    for (let changed = true; changed; ) {
      changed = false;
      for (let q = 0; q < n; q++) {
        for (const r of inherits[q]!) {
          for (let w = 0; w < W; w++) {
            const v = this.follow[q * W + w]! | this.follow[r * W + w]!;
            if (v !== this.follow[q * W + w]) {
              this.follow[q * W + w] = v;
              changed = true;
            }
          }
        }
      }
    }
  }

  /** Productive / nullable / FIRST of `e` under the current rule values. */
  eval(e: Expr): FreeFacts {
    if (e.kind === 'ref') {
      return {
        productive: this.productive[e.rule] === 1,
        nullable: this.nullable[e.rule] === 1,
        first: this.first.subarray(e.rule * W, e.rule * W + W),
      };
    }
    const facts0 = staticFacts(e);
    if (!facts0.hasRef) return facts0;
    const known = this.memo.get(e);
    if (known) return known;
    const facts = combine(e, this.evalBound);
    this.memo.set(e, facts);
    return facts;
  }

  private readonly evalBound = (e: Expr): FreeFacts => this.eval(e);

  /** `x` followed by the continuation `c`. */
  private prepend(x: FreeFacts, c: Context): Context {
    if (!c.live || !x.productive) return DEAD;
    return {
      first: x.nullable ? union(x.first, c.first) : x.first,
      nullable: x.nullable && c.nullable,
      live: true,
    };
  }

  /** Walks `e` (in rule `r`) whose continuation is `c`, adding each reference's continuation to its FOLLOW. */
  private walk(e: Expr, c: Context, r: number, inherits: number[][]): void {
    if (!staticFacts(e).hasRef) return;
    switch (e.kind) {
      case 'ref': {
        const q = e.rule;
        if (!c.live || !this.productive[q]) return;
        const f = this.follow.subarray(q * W, q * W + W);
        orInto(f, c.first);
        if (c.nullable && !inherits[q]!.includes(r)) inherits[q]!.push(r);
        return;
      }
      case 'seq': {
        let k = c;
        for (let i = e.items.length - 1; i >= 0; i--) {
          const item = e.items[i]!;
          this.walk(item, k, r, inherits);
          if (i > 0) k = this.prepend(this.eval(item), k);
        }
        return;
      }
      case 'alt':
        for (const item of e.items) this.walk(item, c, r, inherits);
        return;
      case 'repeat': {
        if (e.max === 0) return;
        const item = this.eval(e.item);
        // The continuations after the copies `build` makes, joined (a union of contexts walks like each one).
        const optional = (k: Context): Context =>
          k.live
            ? {
                first: union(item.productive ? item.first : NO_BYTES, k.first),
                nullable: k.nullable,
                live: true,
              }
            : DEAD;
        let joined: Context;
        if (e.max === Number.POSITIVE_INFINITY) {
          joined = optional(c);
          if (e.min >= 2) joined = join(joined, this.prepend(item, joined));
        } else {
          const tail = e.max > e.min ? optional(c) : c;
          joined = DEAD;
          if (e.max - e.min >= 1) joined = join(joined, c);
          if (e.max - e.min >= 2) joined = join(joined, optional(c));
          if (e.min >= 1) joined = join(joined, tail);
          if (e.min >= 2) joined = join(joined, this.prepend(item, tail));
        }
        this.walk(e.item, joined, r, inherits);
        return;
      }
      default:
        return;
    }
  }
}

function join(a: Context, b: Context): Context {
  if (!a.live) return b;
  if (!b.live) return a;
  return { first: union(a.first, b.first), nullable: a.nullable || b.nullable, live: true };
}

/**
 * Strongly connected components of a rule reference graph (`refs[r]`: the rules `r` references), each listed
 * after every component it references (iterative Tarjan).
 */
export function referenceComponents(refs: readonly (readonly number[])[]): number[][] {
  const n = refs.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let next = 0;
  // Iterative Tarjan: frames of (rule, position in its reference list).
  const frames: number[] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    frames.push(root, 0);
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (frames.length > 0) {
      const v = frames[frames.length - 2]!;
      const i = frames[frames.length - 1]!;
      const list = refs[v]!;
      if (i < list.length) {
        frames[frames.length - 1] = i + 1;
        const w = list[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          frames.push(w, 0);
        } else if (onStack[w] && index[w]! < low[v]!) low[v] = index[w]!;
        continue;
      }
      frames.length -= 2;
      if (frames.length > 0) {
        const u = frames[frames.length - 2]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        out.push(component);
      }
    }
  }
  return out;
}

/** The rule indices an expression references (each once). */
export function referencedRules(e: Expr): number[] {
  const out = new Set<number>();
  collectRefs(e, out, new Set());
  return [...out];
}

function collectRefs(e: Expr, out: Set<number>, seen: Set<Expr>): void {
  if (!staticFacts(e).hasRef || seen.has(e)) return;
  seen.add(e);
  switch (e.kind) {
    case 'ref':
      out.add(e.rule);
      return;
    case 'seq':
    case 'alt':
      for (const item of e.items) collectRefs(item, out, seen);
      return;
    case 'repeat':
      collectRefs(e.item, out, seen);
      return;
    default:
      return;
  }
}

/** Facts of a `seq`, `alt` or `repeat` node from its items' facts (as `build` constructs it). */
function combine(e: Expr, sub: (x: Expr) => FreeFacts): FreeFacts {
  let productive = false;
  let nullable = false;
  let first: Int32Array = NO_BYTES;
  switch (e.kind) {
    case 'seq': {
      productive = true;
      nullable = true;
      let owned = false;
      for (const item of e.items) {
        const f = sub(item);
        if (!f.productive) productive = false;
        if (nullable) {
          const next = unionInto(first, f.first, owned);
          owned ||= next !== first && next !== f.first;
          first = next;
        }
        if (!f.nullable) nullable = false;
      }
      if (!productive) {
        nullable = false;
        first = NO_BYTES;
      }
      break;
    }
    case 'alt': {
      let owned = false;
      for (const item of e.items) {
        const f = sub(item);
        productive ||= f.productive;
        nullable ||= f.nullable;
        const next = unionInto(first, f.first, owned);
        owned ||= next !== first && next !== f.first;
        first = next;
      }
      break;
    }
    case 'repeat': {
      if (e.max === 0) {
        productive = nullable = true;
        break;
      }
      const f = sub(e.item);
      productive = e.min === 0 || f.productive;
      nullable = e.min === 0 || f.nullable;
      if (productive) first = f.first;
      break;
    }
    default:
      throw new Error(`combine: not a structural node (${e.kind})`);
  }
  return { productive, nullable, first };
}
