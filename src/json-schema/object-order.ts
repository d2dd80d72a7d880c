/**
 * Object members in any order (`propertyOrder: 'any'`): a loop of `key: value` members where the key decides
 * the value's schema (declared keys are literal names, pattern/additional keys exclude them), with a finite
 * memory for what must or may be present. The state of an object is (tracked keys seen, position in the
 * ordered required names); each reachable state is one grammar rule.
 *
 * - **Tracked keys** are remembered as a set. Normally they are the required names and the names
 *   `dependentRequired` mentions; in a small object (at most {@link TRACK_ALL_UP_TO} declared names) every
 *   declared name. A tracked key appears at most once; the object may close only when every required name
 *   was seen and every seen trigger's dependencies were seen.
 * - **Untracked keys** (the other declared names, pattern and additional properties) may appear anywhere and
 *   may repeat: every occurrence is validated against the key's schema, so whichever occurrence a JSON parser
 *   keeps, the parsed object is valid.
 * - **Hybrid order**: when the set would exceed {@link MAX_OBJECT_ORDER_STATES} states, the required names
 *   are not tracked as a set but expected in a fixed order (the declared one, or the order of the `required`
 *   list — both are offered), with every other member anywhere between them; `dependentRequired` names stay
 *   tracked as a set.
 *
 * Counting keywords are where repeats would matter: objects with `maxProperties`, or a `minProperties` above
 * the number of required names, keep the declared-order chain (which counts written members, all distinct
 * there), as do objects whose hybrid would still exceed the state budget.
 */
import { alt, EMPTY, type Expr, NOTHING, seq, star } from '../engine/ir.js';

/** Objects with at most this many declared names track all of them (no declared key is repeated). */
export const TRACK_ALL_UP_TO = 3;
/** Budget of states (grammar rules) for one object facet in any order; beyond it, the declared order. */
export const MAX_OBJECT_ORDER_STATES = 512;

/** What the lowering knows about one object facet, with declared names in generation order. */
export interface ObjectPlan {
  /** Declared names: `properties`, then names only in `required` / `dependentRequired`. */
  names: string[];
  /** `"name": value` for each declared name (NOTHING where the name cannot appear). */
  members: Expr[];
  /** Required names, in order of first mention (the `required` lists). */
  required: ReadonlySet<string>;
  /** For each declared name, the indices of the names its presence requires (`dependentRequired`). */
  depsOf: number[][];
  /** One pattern/additional member (NOTHING if none is allowed). */
  extra: Expr;
  sep: Expr;
  minProperties: number;
  maxProperties: number;
}

/** Shares an expression as a memoized grammar rule under `key` (built once, may refer to itself). */
export type ShareRule = (key: string, build: () => Expr) => Expr;

/**
 * Expression nodes one member may cost across all the state rules it is copied into; a bigger member becomes a
 * rule of its own (one Earley completion per use instead of a larger grammar).
 */
const COPY_BUDGET = 400;
/** A state's expression up to this many tree nodes is inlined into the states before it. */
const INLINE_STATE_LIMIT = 60;

const bitsFor = (n: number): number => 2 ** n;

/**
 * The members of a non-empty object (between the braces) in any order, or undefined when the object keeps the
 * declared-order chain. `emptyAllowed` tells whether `{}` itself is valid.
 */
export function anyOrderMembers(
  plan: ObjectPlan,
  share: ShareRule,
  large: (e: Expr, limit: number) => boolean,
): { body: Expr; emptyAllowed: boolean } | undefined {
  const { names, members, required, depsOf, sep } = plan;
  if (plan.maxProperties < Number.POSITIVE_INFINITY || plan.minProperties > required.size) return undefined;
  const requiredIdx = [...required].map((n) => names.indexOf(n));
  const depKeys = new Set<number>();
  depsOf.forEach((deps, i) => {
    for (const x of deps) depKeys.add(i).add(x);
  });
  // Choose what is tracked as a set and which required names (if any) go in a fixed order.
  let tracked: number[];
  let orders: number[][] = [[]];
  if (names.length <= TRACK_ALL_UP_TO) tracked = names.map((_, i) => i);
  else {
    const mentioned = new Set([...requiredIdx, ...depKeys]);
    if (bitsFor(mentioned.size) <= MAX_OBJECT_ORDER_STATES) tracked = [...mentioned].sort((a, b) => a - b);
    else {
      tracked = [...depKeys].filter((i) => !required.has(names[i]!)).sort((a, b) => a - b);
      const declared = [...requiredIdx].sort((a, b) => a - b);
      orders = requiredIdx.join() === declared.join() ? [declared] : [declared, requiredIdx];
      if (bitsFor(tracked.length) * (requiredIdx.length + 1) * orders.length > MAX_OBJECT_ORDER_STATES)
        return undefined;
    }
  }
  const bit = new Map(tracked.map((i, t) => [i, 1 << t]));
  const ordered = new Set(orders[0]);
  // A member copied into many state rules becomes a rule of its own unless it is tiny.
  const copies = bitsFor(tracked.length) * (ordered.size + 1);
  const boxed = (key: string, e: Expr, times: number): Expr =>
    e.kind === 'nothing' || !large(e, Math.max(4, Math.floor(COPY_BUDGET / times))) ? e : share(key, () => e);
  const free = boxed(
    'free',
    alt(plan.extra, ...members.filter((m, i) => !bit.has(i) && !ordered.has(i) && m.kind !== 'nothing')),
    copies,
  );
  const member = members.map((m, i) => (bit.has(i) || ordered.has(i) ? boxed(`m${i}`, m, copies) : NOTHING));
  const requiredMask = tracked.reduce((m, i) => (required.has(names[i]!) ? m | bit.get(i)! : m), 0);
  // Dependencies on names in the fixed order are met at the end anyway; the others must be in the set.
  const depMask = names.map((_, i) => depsOf[i]!.reduce((m, x) => m | (bit.get(x) ?? 0), 0));
  const final = (s: number): boolean => {
    if ((s & requiredMask) !== requiredMask) return false;
    for (let i = 0; i < names.length; i++) {
      const present = ordered.has(i) || (s & (bit.get(i) ?? 0)) !== 0;
      if (present && (s & depMask[i]!) !== depMask[i]) return false;
    }
    return true;
  };
  const full = bitsFor(tracked.length);
  const bodies = orders.map((order, o) => {
    // alive[k * full + s]: some valid object continues from state (s, k); members may be NOTHING.
    const alive = new Int8Array((order.length + 1) * full).fill(-1);
    const isAlive = (s: number, k: number): boolean => {
      const at = k * full + s;
      if (alive[at] === -1) {
        let ok = k === order.length && final(s);
        if (!ok && k < order.length && member[order[k]!]!.kind !== 'nothing') ok = isAlive(s, k + 1);
        for (let t = 0; !ok && t < tracked.length; t++)
          if (!(s & (1 << t)) && member[tracked[t]!]!.kind !== 'nothing') ok = isAlive(s | (1 << t), k);
        alive[at] = ok ? 1 : 0;
      }
      return alive[at] === 1;
    };
    const loop = free.kind === 'nothing' ? EMPTY : star(seq(sep, free));
    // The members that may come next from (s, k), each followed by the rest from its target state.
    const next = (s: number, k: number, lead: Expr): Expr[] => {
      const out = tracked.map((i, t) =>
        s & (1 << t) || !isAlive(s | (1 << t), k) ? NOTHING : seq(lead, member[i]!, rest(s | (1 << t), k)),
      );
      if (k < order.length && isAlive(s, k + 1)) out.push(seq(lead, member[order[k]!]!, rest(s, k + 1)));
      return out;
    };
    // rest(s, k): after at least one member, in state (s, k). States form a DAG (s and k only grow), so a
    // small state is inlined into its predecessors (one rule, DFA steps only) and a large one is shared.
    const memo = new Map<number, Expr>();
    const rest = (s: number, k: number): Expr => {
      const at = k * full + s;
      let e = memo.get(at);
      if (!e) {
        const body = seq(loop, alt(k === order.length && final(s) ? EMPTY : NOTHING, ...next(s, k, sep)));
        e = large(body, INLINE_STATE_LIMIT) ? share(`${o}:${k}:${s}`, () => body) : body;
        memo.set(at, e);
      }
      return e;
    };
    if (!isAlive(0, 0)) return NOTHING;
    return alt(free.kind === 'nothing' ? NOTHING : seq(free, rest(0, 0)), ...next(0, 0, EMPTY));
  });
  const emptyAllowed = ordered.size === 0 && final(0) && plan.minProperties === 0;
  return { body: alt(...bodies), emptyAllowed };
}
