/**
 * Lowering of the regex tree to the grammar IR, including search semantics with anchors.
 *
 * A search-mode pattern (`ecma`, `python`) denotes the strings in which it matches somewhere. Anchors
 * are zero-width, so they are removed by *distribution*: the tree is rewritten into at most six
 * anchor-free alternatives, each tagged with whether it must touch the start and/or the end of the
 * text. `^` inside a sequence is satisfiable only if everything before it in that sequence matched the
 * empty string (and symmetrically for `$`), so the distribution keeps only the empty part of those
 * neighbours. An alternative tagged "start" is not preceded by `.*`; one tagged "end" is not followed
 * by `.*` (Python's `$` also allows a final newline after it).
 */
import { alt, chars, EMPTY, type Expr, optional, repeat, seq, star } from '../engine/ir.js';
import { EMPTY_NODE, hasAnchor, nullable, type RegexNode } from './ast.js';
import { ANY } from './charsets.js';

/** Anchor-free node to IR. `mapSet` turns a code point set into an expression (default: `chars`). */
export function lowerNode(node: RegexNode, mapSet: (ranges: readonly number[]) => Expr = chars): Expr {
  switch (node.type) {
    case 'set':
      return mapSet(node.ranges);
    case 'seq':
      return seq(...node.items.map((n) => lowerNode(n, mapSet)));
    case 'alt':
      return alt(...node.items.map((n) => lowerNode(n, mapSet)));
    case 'repeat':
      return repeat(lowerNode(node.item, mapSet), node.min, node.max);
    case 'anchor':
      // Whole-match flavours never produce anchors; search mode removes them first.
      throw new Error('internal: anchor reached lowering');
  }
}

/** How an alternative is tied to the end of the text: not at all, by `$`, or by Python's `\Z`. */
export type EndAnchor = 'none' | 'end' | 'endAbsolute';

/** One anchor-free alternative of a pattern with its anchoring. */
export interface AnchoredBranch {
  readonly start: boolean;
  readonly end: EndAnchor;
  readonly body: RegexNode;
}

/** Largest finite repetition of an anchored sub-pattern that is expanded (e.g. `(^a|b){0,3}`). */
const MAX_ANCHORED_REPEAT = 4;

/**
 * Rewrites a tree with anchors into anchor-free branches (at most one per anchoring combination).
 * Throws for anchors inside an unbounded or large repetition (`(^a)*`), which is reported by callers.
 */
export function distributeAnchors(node: RegexNode): AnchoredBranch[] {
  if (!hasAnchor(node)) return [{ start: false, end: 'none', body: node }];
  switch (node.type) {
    case 'anchor':
      return [
        { start: node.kind === 'start', end: node.kind === 'start' ? 'none' : node.kind, body: EMPTY_NODE },
      ];
    case 'alt':
      return merge(node.items.flatMap(distributeAnchors));
    case 'seq': {
      let acc: AnchoredBranch[] = [{ start: false, end: 'none', body: EMPTY_NODE }];
      for (const item of node.items) {
        const next: AnchoredBranch[] = [];
        for (const b of distributeAnchors(item)) {
          for (const a of acc) {
            const joined = join(a, b);
            if (joined) next.push(joined);
          }
        }
        acc = merge(next);
      }
      return acc;
    }
    case 'repeat': {
      if (!Number.isFinite(node.max) || node.max > MAX_ANCHORED_REPEAT) {
        throw new AnchorInRepetitionError(firstAnchorPosition(node.item));
      }
      const options: RegexNode[] = [];
      for (let k = node.min; k <= node.max; k++) {
        options.push({ type: 'seq', items: Array.from({ length: k }, () => node.item) });
      }
      return distributeAnchors({ type: 'alt', items: options });
    }
    case 'set':
      return [{ start: false, end: 'none', body: node }];
  }
}

/** Thrown by `distributeAnchors` for `(^a)*`-like patterns. */
export class AnchorInRepetitionError extends Error {
  constructor(readonly position: number) {
    super('An anchor inside an unbounded or large repetition is not supported.');
  }
}

function firstAnchorPosition(node: RegexNode): number {
  switch (node.type) {
    case 'anchor':
      return node.position;
    case 'set':
      return -1;
    case 'repeat':
      return firstAnchorPosition(node.item);
    case 'seq':
    case 'alt':
      for (const item of node.items) {
        const p = firstAnchorPosition(item);
        if (p >= 0) return p;
      }
      return -1;
  }
}

function join(a: AnchoredBranch, b: AnchoredBranch): AnchoredBranch | undefined {
  let left = a.body;
  let right = b.body;
  // `^` in b: everything a consumed must be empty.
  if (b.start) {
    if (!nullable(left)) return undefined;
    left = EMPTY_NODE;
  }
  // `$` in a: everything b consumes must be empty.
  if (a.end !== 'none') {
    if (!nullable(right)) return undefined;
    right = EMPTY_NODE;
  }
  const end: EndAnchor =
    a.end === 'endAbsolute' || b.end === 'endAbsolute' ? 'endAbsolute' : a.end === 'end' ? 'end' : b.end;
  return { start: a.start || b.start, end, body: concat(left, right) };
}

function concat(a: RegexNode, b: RegexNode): RegexNode {
  const items = [...(a.type === 'seq' ? a.items : [a]), ...(b.type === 'seq' ? b.items : [b])];
  return items.length === 1 ? items[0]! : { type: 'seq', items };
}

/** Unions branches with the same anchoring. */
function merge(branches: AnchoredBranch[]): AnchoredBranch[] {
  const byKey = new Map<string, AnchoredBranch[]>();
  for (const b of branches) {
    const key = `${b.start}|${b.end}`;
    const list = byKey.get(key);
    if (list) list.push(b);
    else byKey.set(key, [b]);
  }
  return [...byKey.values()].map((list) =>
    list.length === 1
      ? list[0]!
      : { start: list[0]!.start, end: list[0]!.end, body: { type: 'alt', items: list.map((b) => b.body) } },
  );
}

/**
 * The search language of anchored branches: strings containing a match. `anyChar` is one arbitrary
 * character of the text; `pythonDollar` makes `$` also match before a final `\n`.
 */
export function searchExpr(
  branches: readonly AnchoredBranch[],
  mapSet: (ranges: readonly number[]) => Expr,
  pythonDollar: boolean,
): Expr {
  const anyStar = star(mapSet(ANY));
  const finalNewline = optional(mapSet([0x0a, 0x0a]));
  return alt(
    ...branches.map((b) =>
      seq(
        b.start ? EMPTY : anyStar,
        lowerNode(b.body, mapSet),
        b.end === 'none' ? anyStar : b.end === 'end' && pythonDollar ? finalNewline : EMPTY,
      ),
    ),
  );
}
