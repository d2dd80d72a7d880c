/** The syntax tree the nearley grammar (grammars/ebnf.ne) builds, before lowering to the grammar IR. */
import type { Token } from './lexer.js';

export type AstExpr =
  | { kind: 'string'; codePoints: number[]; token: Token }
  | { kind: 'class'; token: Token }
  | { kind: 'ref'; name: string; token: Token }
  | { kind: 'empty'; token: Token }
  | { kind: 'group'; body: AstExpr; token: Token }
  /** A rule body or parenthesised group: choices of sequences, as built by the parser (linked lists). */
  | { kind: 'body'; choices: List<List<AstExpr>> }
  | { kind: 'repeat'; item: AstExpr; min: number; max: number; token: Token }
  | { kind: 'macro'; name: string; args: MacroArg[]; token: Token; open: Token };

export type MacroValue =
  | { kind: 'string'; codePoints: number[]; token: Token }
  | { kind: 'int'; value: number; token: Token }
  | { kind: 'bool'; value: boolean; token: Token }
  | { kind: 'ident'; name: string; token: Token }
  | { kind: 'tuple'; items: MacroValue[]; token: Token };

export interface MacroArg {
  /** Set for `name=value` arguments. */
  name?: string;
  value: MacroValue;
}

export interface AstRule {
  name: string;
  token: Token;
  body: AstExpr;
  lookahead?: { body: AstExpr; token: Token };
}

/** An immutable singly linked list, newest item first (O(1) append while parsing). */
export interface List<T> {
  readonly item: T;
  readonly prev: List<T> | null;
}

/** The items of a list, oldest first. */
export function listToArray<T>(list: List<T> | null): T[] {
  const out: T[] = [];
  for (let l = list; l; l = l.prev) out.push(l.item);
  return out.reverse();
}
