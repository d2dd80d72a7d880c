/**
 * Postprocessors of the nearley grammar (grammars/ebnf.ne): build the AST and record the semantic errors
 * XGrammar raises *while* parsing (undefined rule, reversed range, bad class, macro arguments), each with
 * the index of the token at which XGrammar would raise it, so the parser can report whichever error comes
 * first in the source, exactly like XGrammar's single-pass recursive-descent parser.
 */
import type { AstExpr, AstRule, List, MacroArg, MacroValue } from './ast.js';
import type { EbnfErrorSite } from './errors.js';
import type { Token, TokenType } from './lexer.js';
import { checkMacro } from './macros.js';

/** A semantic error found during parsing, and the token index at which XGrammar raises it. */
export interface PendingError extends EbnfErrorSite {
  progress: number;
  kind: 'ebnf-parser' | 'unsupported' | 'limit';
}

/** State shared with the postprocessors during one parse (parsing is synchronous). */
export interface ParseContext {
  ruleNames: ReadonlySet<string>;
  errors: PendingError[];
  /** Largest repetition bound accepted. */
  maxRepetition: number;
}

let context: ParseContext | undefined;

/** Runs `fn` with `ctx` visible to the postprocessors. */
export function withParseContext<T>(ctx: ParseContext, fn: () => T): T {
  const previous = context;
  context = ctx;
  try {
    return fn();
  } finally {
    context = previous;
  }
}

function record(error: PendingError): void {
  const errors = context!.errors;
  // Postprocessors may run more than once for the same tokens; keep one copy.
  if (!errors.some((e) => e.progress === error.progress && e.message === error.message)) errors.push(error);
}

/** Records an error raised at token `progress`, reported at `at`. */
export function recordError(
  progress: number,
  at: { line: number; column: number },
  message: string,
  kind: PendingError['kind'] = 'ebnf-parser',
): void {
  record({ progress, line: at.line, column: at.column, message, kind });
}

const TOKEN_TYPES: ReadonlySet<string> = new Set<TokenType>([
  'rulename',
  'ident',
  'macro',
  'assign',
  'string',
  'charclass',
  'lparen',
  'lookahead',
  'rparen',
  'lbrace',
  'rbrace',
  'pipe',
  'comma',
  'star',
  'plus',
  'question',
  'equal',
  'int',
  'bool',
]);

/** Lets nearleyc compile `%type` into token-type matchers (the real token source is set at parse time). */
export const tokenTypes = {
  has: (name: string): boolean => TOKEN_TYPES.has(name),
  reset: (): void => {},
  next: (): undefined => undefined,
  save: (): undefined => undefined,
  formatError: (): string => '',
};

type D = unknown[];
const tok = (d: D, i: number): Token => d[i] as Token;

function repeatOf(item: AstExpr, min: number, max: number, token: Token): AstExpr {
  return { kind: 'repeat', item, min, max, token };
}

function checkBound(value: number, token: Token): void {
  const limit = context!.maxRepetition;
  if (value > limit) {
    recordError(token.index, token, `Repetition bound ${value} exceeds the limit of ${limit}`, 'limit');
  }
}

/** The postprocessors, by name (referenced from grammars/ebnf.ne). */
export const actions = {
  single: (d: D): unknown => d[0],
  listEmpty: (): null => null,
  listStart: (d: D): List<unknown> => ({ item: d[0], prev: null }),
  listPush: (d: D): List<unknown> => ({ item: d[1], prev: d[0] as List<unknown> | null }),
  listPushLast: (d: D): List<unknown> => ({ item: d[2], prev: d[0] as List<unknown> }),
  body: (d: D): AstExpr => ({ kind: 'body', choices: d[0] as List<List<AstExpr>> }),
  rule: (d: D): AstRule => {
    const name = tok(d, 0);
    const lookahead = d[3] as AstRule['lookahead'] | null;
    const rule: AstRule = { name: name.text, token: name, body: d[2] as AstExpr };
    if (lookahead) rule.lookahead = lookahead;
    return rule;
  },
  lookahead: (d: D): AstRule['lookahead'] => ({ body: d[1] as AstExpr, token: tok(d, 0) }),
  star: (d: D): AstExpr => repeatOf(d[0] as AstExpr, 0, Number.POSITIVE_INFINITY, tok(d, 1)),
  plus: (d: D): AstExpr => repeatOf(d[0] as AstExpr, 1, Number.POSITIVE_INFINITY, tok(d, 1)),
  question: (d: D): AstExpr => repeatOf(d[0] as AstExpr, 0, 1, tok(d, 1)),
  counted: (d: D): AstExpr => {
    const range = d[1] as { min: number; max: number; token: Token };
    return repeatOf(d[0] as AstExpr, range.min, range.max, range.token);
  },
  emptyGroup: (d: D): AstExpr => ({ kind: 'empty', token: tok(d, 0) }),
  group: (d: D): AstExpr => ({ kind: 'group', body: d[1] as AstExpr, token: tok(d, 0) }),
  charClass: (d: D): AstExpr => {
    const token = tok(d, 0);
    if (token.classError) recordError(token.index, token.classError, token.classError.message);
    return { kind: 'class', token };
  },
  string: (d: D): AstExpr => ({ kind: 'string', codePoints: tok(d, 0).codePoints!, token: tok(d, 0) }),
  ruleRef: (d: D): AstExpr => {
    const token = tok(d, 0);
    if (!context!.ruleNames.has(token.text))
      recordError(token.index, token, `Rule "${token.text}" is not defined`);
    return { kind: 'ref', name: token.text, token };
  },
  exactRange: (d: D) => {
    const n = tok(d, 1).intValue!;
    checkBound(n, tok(d, 1));
    return { min: n, max: n, token: tok(d, 0) };
  },
  openRange: (d: D) => {
    const n = tok(d, 1).intValue!;
    checkBound(n, tok(d, 1));
    return { min: n, max: Number.POSITIVE_INFINITY, token: tok(d, 0) };
  },
  boundedRange: (d: D) => {
    const lo = tok(d, 1).intValue!;
    const upper = tok(d, 3);
    const hi = upper.intValue!;
    if (hi < lo) recordError(upper.index, upper, `Lower bound is larger than upper bound: ${lo} > ${hi}`);
    checkBound(hi, upper);
    return { min: lo, max: hi, token: tok(d, 0) };
  },
  macro: (d: D): AstExpr => {
    const name = tok(d, 0);
    const open = tok(d, 1);
    const close = tok(d, d.length - 1);
    const args = d.length === 4 ? (d[2] as MacroArg[]) : [];
    const expr: AstExpr = { kind: 'macro', name: name.text, args, token: name, open };
    const error = checkMacro(expr, context!.ruleNames);
    if (error) recordError(close.index, error.at, error.message, error.kind);
    return expr;
  },
  macroArgs: (d: D): MacroArg[] => [
    d[0] as MacroArg,
    ...(d[1] as unknown[][]).map((pair) => pair[1] as MacroArg),
  ],
  positionalArg: (d: D): MacroArg => ({ value: d[0] as MacroValue }),
  namedArg: (d: D): MacroArg => ({ name: tok(d, 0).text, value: d[2] as MacroValue }),
  stringValue: (d: D): MacroValue => ({
    kind: 'string',
    codePoints: tok(d, 0).codePoints!,
    token: tok(d, 0),
  }),
  intValue: (d: D): MacroValue => ({ kind: 'int', value: tok(d, 0).intValue!, token: tok(d, 0) }),
  boolValue: (d: D): MacroValue => ({ kind: 'bool', value: tok(d, 0).boolValue!, token: tok(d, 0) }),
  identValue: (d: D): MacroValue => ({ kind: 'ident', name: tok(d, 0).text, token: tok(d, 0) }),
  tuple: (d: D): MacroValue => {
    const items =
      d.length === 2 ? [] : [d[1] as MacroValue, ...(d[2] as unknown[][]).map((p) => p[1] as MacroValue)];
    return { kind: 'tuple', items, token: tok(d, 0) };
  },
};
