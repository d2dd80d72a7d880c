/**
 * Embedding one front end's grammar into another: copies every rule of a `Grammar` into a `GrammarBuilder`,
 * renumbering rule references, and returns the index of the copied root rule.
 */
import type { Expr, Grammar, GrammarBuilder } from '../engine/ir.js';

/** Rewrites every `ref` in `expr` through `map` (shares untouched subtrees). */
function remap(expr: Expr, map: readonly number[]): Expr {
  switch (expr.kind) {
    case 'ref':
      return { kind: 'ref', rule: map[expr.rule]! };
    case 'seq':
    case 'alt':
    case 'and':
      return { kind: expr.kind, items: expr.items.map((item) => remap(item, map)) };
    case 'repeat':
      return { ...expr, item: remap(expr.item, map) };
    default:
      return expr;
  }
}

/**
 * Copies `grammar` into `builder` (rule names prefixed with `prefix`) and returns the new index of its root.
 * The source grammar is not modified.
 */
export function embedGrammar(builder: GrammarBuilder, grammar: Grammar, prefix: string): number {
  const map = grammar.rules.map((rule) => builder.addRule(`${prefix}${rule.name}`));
  grammar.rules.forEach((rule, i) => {
    builder.setBody(map[i]!, remap(rule.body, map), rule.lookahead ? remap(rule.lookahead, map) : undefined);
  });
  return map[grammar.root]!;
}
