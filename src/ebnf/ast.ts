/** The syntax tree the nearley grammar (grammars/ebnf.ne) builds, before lowering to the grammar IR. */
import type { Token } from './lexer.js';

export type AstExpr =
  | { kind: 'string'; codePoints: number[]; token: Token }
  | { kind: 'class'; token: Token }
  | { kind: 'ref'; name: string; token: Token }
  | { kind: 'empty'; token: Token }
  | { kind: 'group'; body: AstExpr; token: Token }
  | { kind: 'seq'; items: AstExpr[] }
  | { kind: 'alt'; items: AstExpr[] }
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
