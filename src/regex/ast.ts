/**
 * The regex syntax tree every flavour's parser produces. Characters are already resolved to code point
 * sets (escapes decoded, classes built, case folding applied), so lowering to the grammar IR is a
 * direct structural map; only anchors need care (see `anchors.ts`).
 */

export type RegexNode =
  /** One code point from a normalized range list. */
  | { readonly type: 'set'; readonly ranges: readonly number[] }
  /** Concatenation; `items: []` is the empty string. */
  | { readonly type: 'seq'; readonly items: readonly RegexNode[] }
  /** Alternation. */
  | { readonly type: 'alt'; readonly items: readonly RegexNode[] }
  /** `item{min,max}`; `max` may be `Infinity`. Laziness does not change the language, so it is dropped. */
  | { readonly type: 'repeat'; readonly item: RegexNode; readonly min: number; readonly max: number }
  /**
   * A zero-width anchor: `start` (`^`, `\A`), `end` (`$`; in Python also before a final newline) or
   * `endAbsolute` (Python `\Z`).
   */
  | { readonly type: 'anchor'; readonly kind: 'start' | 'end' | 'endAbsolute'; readonly position: number };

export const EMPTY_NODE: RegexNode = { type: 'seq', items: [] };

/** Whether the node can match the empty string (anchors count as empty). */
export function nullable(node: RegexNode): boolean {
  switch (node.type) {
    case 'set':
      return false;
    case 'seq':
      return node.items.every(nullable);
    case 'alt':
      return node.items.some(nullable);
    case 'repeat':
      return node.min === 0 || nullable(node.item);
    case 'anchor':
      return true;
  }
}

/** Whether the node contains an anchor anywhere. */
export function hasAnchor(node: RegexNode): boolean {
  switch (node.type) {
    case 'set':
      return false;
    case 'seq':
    case 'alt':
      return node.items.some(hasAnchor);
    case 'repeat':
      return hasAnchor(node.item);
    case 'anchor':
      return true;
  }
}
