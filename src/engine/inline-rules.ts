/**
 * Small non-recursive rules are inlined into the rules that reference them: `root ::= "SELECT " name ...` with
 * `name ::= [a-z_]+` becomes `root ::= "SELECT " [a-z_]+ ...`.
 *
 * Why: a token that crosses a rule boundary is "uncertain" in the per-state token sets (token-sets.ts), so a mask
 * at the end of a literal followed by a reference walks that literal's last-byte trie subtree (the whole " "
 * subtree of a Llama vocabulary: 126k nodes) with the full Earley parser, on every visit. Inside one rule the
 * same tokens are decided by the rule's DFA alone. XGrammar inlines small rules for the same reason.
 *
 * The language is unchanged: a reference to a rule without a lookahead assertion means exactly its body. Rules
 * in a recursive cycle, rules with a lookahead assertion and rules holding token-id terminals (0xFF) are never
 * inlined. Rule indices stay as they are (a rule nobody references any more costs nothing: tables build rules
 * lazily).
 */
import { referenceComponents, referencedRules, staticFacts } from './grammar-analysis.js';
import { alt, type Expr, type Grammar, type Rule, repeat, seq } from './ir.js';

export interface InlineOptions {
  /** Largest body (in NFA states, `staticFacts().size`, after its own inlining) a rule may have to be inlined. */
  maxRuleSize?: number;
  /** Largest size (NFA states) a referencing rule's body may grow to by inlining. */
  maxGrownSize?: number;
  /** Largest size of a rule holding a counted repetition (`x{2,5}`) to be inlined (see `inlineSmallRules`). */
  maxUnrolledSize?: number;
}

/** Chosen by measurement on the built-in and bench EBNF grammars (bench/RESULTS.md, "EBNF rule inlining"). */
export const DEFAULT_INLINE_OPTIONS: Required<InlineOptions> = {
  maxRuleSize: 128,
  maxGrownSize: 2048,
  maxUnrolledSize: 8,
};

/** The grammar with references to small non-recursive rules replaced by their bodies, bottom-up. */
export function inlineSmallRules(grammar: Grammar, options: InlineOptions = {}): Grammar {
  const maxRuleSize = options.maxRuleSize ?? DEFAULT_INLINE_OPTIONS.maxRuleSize;
  const maxGrownSize = options.maxGrownSize ?? DEFAULT_INLINE_OPTIONS.maxGrownSize;
  const maxUnrolledSize = options.maxUnrolledSize ?? DEFAULT_INLINE_OPTIONS.maxUnrolledSize;
  const n = grammar.rules.length;
  const refs = grammar.rules.map((rule) => referencedRules(rule.body).filter((q) => q >= 0 && q < n));
  const order = referenceComponents(refs);
  const recursive = new Uint8Array(n);
  for (const component of order) {
    const single = component[0]!;
    if (component.length > 1 || refs[single]!.includes(single)) for (const r of component) recursive[r] = 1;
  }
  const bodies = grammar.rules.map((rule) => rule.body);
  const inlinable = new Uint8Array(n);
  let changed = false;
  // Referenced components come first, so every rule a body references already has its final body.
  for (const component of order) {
    for (const r of component) {
      const body = bodies[r]!;
      if (refs[r]!.some((q) => inlinable[q])) {
        const next = rewrite(body, bodies, inlinable, maxGrownSize);
        if (next !== body) {
          bodies[r] = next;
          changed = true;
        }
      }
      const rule = grammar.rules[r]!;
      if (recursive[r] || rule.lookahead) continue;
      const facts = staticFacts(bodies[r]!);
      // Token-id terminals stay in the rule the front end put them in (their id sets are per DFA state). A
      // counted repetition's states (`[a-z_]{1,12}`: twelve) each need a token set on first use; in a shared
      // rule every user reuses them, copies would recompute them per copy (first-visit masks x2-4 on a CSV
      // grammar, bench/RESULTS.md).
      const limit = hasUnrolled(bodies[r]!) ? Math.min(maxRuleSize, maxUnrolledSize) : maxRuleSize;
      if (!facts.marker && facts.size <= limit) inlinable[r] = 1;
    }
  }
  if (!changed) return grammar;
  const rules: Rule[] = grammar.rules.map((rule, r) =>
    bodies[r] === rule.body ? rule : { ...rule, body: bodies[r]! },
  );
  return { rules, root: grammar.root };
}

/**
 * `body` with inlinable references replaced, left to right, while the body's size stays within `cap` (a
 * reference that does not fit stays a reference; so does one inside a repetition that is unrolled into copies). Shared sub-expressions (bodies are DAGs) are rewritten once
 * but their growth is charged at every occurrence, as `build` expands them.
 */
function rewrite(body: Expr, bodies: readonly Expr[], inlinable: Uint8Array, cap: number): Expr {
  let size = staticFacts(body).size;
  const memo = new Map<Expr, { out: Expr; growth: number }>();
  const visit = (e: Expr): Expr => {
    if (!staticFacts(e).hasRef) return e;
    const hit = memo.get(e);
    if (hit) {
      if (size + hit.growth > cap) return e;
      size += hit.growth;
      return hit.out;
    }
    const before = size;
    let out: Expr = e;
    switch (e.kind) {
      case 'ref': {
        if (!inlinable[e.rule]) break;
        const inner = bodies[e.rule]!;
        const growth = staticFacts(inner).size - 1;
        if (size + growth > cap) break;
        size += growth;
        out = inner;
        break;
      }
      case 'seq':
      case 'alt': {
        let items: Expr[] | null = null;
        for (let i = 0; i < e.items.length; i++) {
          const item = e.items[i]!;
          const next = visit(item);
          if (next !== item && !items) items = e.items.slice(0, i);
          items?.push(next);
        }
        if (items) out = e.kind === 'seq' ? seq(...items) : alt(...items);
        break;
      }
      case 'repeat': {
        // A counted repetition is unrolled (`x{2,5}`: five copies), and every copy of an inlined body has its own
        // DFA states, each needing a token set (a trie walk) on first use: a shared rule pays that once. Measured
        // on `header ::= name ("," name){2,5}` with `name ::= [a-z_]{1,12}`: first-visit mask CPU x2.
        if (isUnrolled(e)) break;
        const item = visit(e.item);
        // The item's growth is paid once per unrolled copy: charge the difference the repetition makes.
        if (item !== e.item) {
          const grown = repeat(item, e.min, e.max);
          const extra = staticFacts(grown).size - staticFacts(e).size;
          size = before;
          if (before + extra > cap) break;
          size = before + extra;
          out = grown;
        }
        break;
      }
      default:
        break;
    }
    memo.set(e, { out, growth: size - before });
    return out;
  };
  return visit(body);
}

/** A repetition in `e` (outside references) is built as several copies of its item (`x{2,5}`, `x{3,}`). */
function hasUnrolled(e: Expr): boolean {
  switch (e.kind) {
    case 'seq':
    case 'alt':
    case 'and':
      return e.items.some(hasUnrolled);
    case 'repeat':
      return isUnrolled(e) || hasUnrolled(e.item);
    default:
      return false;
  }
}

/** Whether a counted repetition is built as copies of its item (bounded above one, or a minimum above one). */
function isUnrolled(e: { min: number; max: number }): boolean {
  return e.min > 1 || (e.max > 1 && e.max !== Number.POSITIVE_INFINITY);
}
