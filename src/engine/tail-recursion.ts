/**
 * Right-linear self-recursion becomes a loop: `R ::= a R | b c R | d | e` is `R ::= (a | b c)* (d | e)`.
 *
 * Grammars written for XGrammar spell string bodies this way (`basic_string_sub ::= "\"" | [^"\\] basic_string_sub
 * | …`). Both forms match the same strings, and every nested `R` of the recursive form ends at the same position as
 * the outermost one, so a lookahead assertion on `R` means the same too. But the recursive form makes each character
 * a rule completion: per-state token sets (token-sets.ts) stop at every character and masks fall back to the full
 * parser over most of the vocabulary. As a loop, a string body is one DFA state that the JSON-string slice covers.
 */
import { alt, type Expr, type Grammar, type Rule, seq, star } from './ir.js';

/** The grammar with every right-linear self-recursive rule rewritten as a loop (rule indices unchanged). */
export function loopTailRecursion(grammar: Grammar): Grammar {
  let rules: Rule[] | null = null;
  grammar.rules.forEach((rule, r) => {
    const body = asLoop(rule.body, r);
    if (!body) return;
    rules ??= grammar.rules.map((x) => ({ ...x }));
    rules[r]!.body = body;
  });
  return rules ? { rules, root: grammar.root } : grammar;
}

/** `body` of rule `r` as a loop, or null if it is not right-linear in `r` (or not recursive at all). */
function asLoop(body: Expr, r: number): Expr | null {
  const alternatives = body.kind === 'alt' ? body.items : [body];
  if (!alternatives.some((a) => isSelfRef(a.kind === 'seq' ? a.items[a.items.length - 1] : a, r)))
    return null;
  const prefixes: Expr[] = [];
  const bases: Expr[] = [];
  for (const a of alternatives) {
    const items = a.kind === 'seq' ? a.items : [a];
    if (isSelfRef(items[items.length - 1], r)) {
      const prefix = items.slice(0, -1);
      if (prefix.some((e) => mentions(e, r))) return null;
      prefixes.push(seq(...prefix));
    } else if (mentions(a, r)) {
      return null;
    } else {
      bases.push(a);
    }
  }
  if (prefixes.length === 0) return null;
  return seq(star(alt(...prefixes)), alt(...bases));
}

function isSelfRef(e: Expr | undefined, r: number): boolean {
  return e?.kind === 'ref' && e.rule === r;
}

function mentions(e: Expr, r: number): boolean {
  if (refFree(e)) return false;
  switch (e.kind) {
    case 'ref':
      return e.rule === r;
    case 'seq':
    case 'alt':
    case 'and':
      return e.items.some((x) => mentions(x, r));
    case 'repeat':
      return mentions(e.item, r);
    default:
      return false;
  }
}

/**
 * Front ends share constant sub-expressions (a JSON string character, a format) across rules and schemas, so
 * "contains no rule reference" is memoised per expression object (expressions are immutable).
 */
const refFreeCache = new WeakMap<Expr, boolean>();

function refFree(e: Expr): boolean {
  switch (e.kind) {
    case 'ref':
      return false;
    case 'seq':
    case 'alt':
    case 'and':
    case 'repeat': {
      let known = refFreeCache.get(e);
      if (known === undefined) {
        known = e.kind === 'repeat' ? refFree(e.item) : e.items.every(refFree);
        refFreeCache.set(e, known);
      }
      return known;
    }
    default:
      return true;
  }
}
