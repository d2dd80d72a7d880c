/**
 * Parses EBNF text into rule ASTs: the hand-written lexer (lexer.ts) feeds tokens to the nearley parser
 * generated from grammars/ebnf.ne. Errors follow XGrammar's order and wording: lexer errors first, then
 * duplicate rules and the missing root, then the first parse error in source order (syntax errors are
 * mapped from nearley's expectation set to XGrammar's messages; semantic ones come from the postprocessors).
 */
import nearley from 'nearley';
import { type AstRule, type List, listToArray } from './ast.js';
import grammar from './ebnf-grammar.generated.js';
import { ebnfError } from './errors.js';
import { lastPosition, type Token, tokenize } from './lexer.js';
import { type ParseContext, type PendingError, withParseContext } from './parse-actions.js';

const NEARLEY_GRAMMAR = nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);

/** XGrammar's nesting limit for parentheses (`max_nest_layer`). */
export const MAX_NEST_DEPTH = 1000;

export interface ParseOptions {
  root: string;
  maxRepetition: number;
}

/** Token types at which XGrammar's `ParseSequence` stops (so an error there belongs to an outer construct). */
const SEQUENCE_TERMINATORS = new Set(['pipe', 'rparen', 'lookahead', 'rulename', 'eof']);

/** A nearley lexer over an already-lexed token list. */
class TokenStream {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}
  reset(): void {
    this.i = 0;
  }
  next(): Token | undefined {
    const t = this.tokens[this.i];
    if (!t || t.type === 'eof') return undefined;
    this.i++;
    return t;
  }
  save(): undefined {
    return undefined;
  }
  formatError(token: Token): string {
    return `unexpected ${token.text}`;
  }
  has(): boolean {
    return true;
  }
}

interface Expectation {
  rule: string;
  dot: number;
  /** Token type, or the literal text for literal symbols. */
  symbol: string;
}

interface NearleyState {
  rule: { name: string; symbols: unknown[] };
  dot: number;
}

function expectationsAt(parser: nearley.Parser): Expectation[] {
  const table = (parser as unknown as { table: Array<{ states: NearleyState[] }> }).table;
  const column = table[parser.current];
  const out: Expectation[] = [];
  for (const state of column?.states ?? []) {
    const symbol = state.rule.symbols[state.dot];
    if (symbol === undefined || typeof symbol === 'string') continue;
    const s = symbol as { type?: string; literal?: string };
    out.push({ rule: state.rule.name.split('$')[0]!, dot: state.dot, symbol: s.type ?? s.literal ?? '?' });
  }
  return out;
}

/** XGrammar's message for a syntax error at `token`, given what the parser could have accepted there. */
function syntaxMessage(token: Token, expected: Expectation[]): string {
  const has = (rule: string, symbol?: string, dot?: number) =>
    expected.some(
      (e) =>
        e.rule === rule &&
        (symbol === undefined || e.symbol === symbol) &&
        (dot === undefined || e.dot === dot),
    );
  // XGrammar's lexeme for a character class token is its opening bracket
  const got = token.type === 'charclass' ? '[' : token.text;
  if (has('element', undefined, 0) || has('macro', 'macro', 0)) {
    const sequenceMayEnd = expected.some((e) => e.symbol === 'pipe');
    if (!sequenceMayEnd || !SEQUENCE_TERMINATORS.has(token.type)) return `Expect element, but got ${got}`;
    if (has('element', 'rparen') || has('lookahead', 'rparen')) return 'Expect )';
    return 'Expect rule name';
  }
  if (has('range') || has('bounded')) {
    if (has('range', 'int', 1) || has('bounded', 'int', 1) || has('bounded', 'int', 3))
      return `Expect integer, but got ${got}`;
    if (has('range', 'comma', 2)) return "Expect ',' or '}' in repetition range";
    return 'Expect }';
  }
  if (has('macro', 'lparen', 1)) return 'Expect ( after macro function name';
  // a value could start here (an identifier followed by "=" expecting its "=" does not count)
  if (has('value', undefined, 0) || has('macroArg', undefined, 0)) {
    return 'Expect string, integer, boolean, or tuple in macro argument';
  }
  if (has('tuple')) return 'Expect , or ) in tuple';
  if (has('macro') || has('macroArgs')) return 'Expect , or ) in macro arguments';
  return 'Expect rule name';
}

/** Parenthesis nesting check, like XGrammar's `nest_layer_guard_` (only grouping parentheses count). */
function checkNesting(tokens: readonly Token[], errors: PendingError[]): void {
  const stack: Array<'group' | 'tuple' | 'look'> = [];
  let groups = 0;
  let tuples = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'lparen') {
      const top = stack[stack.length - 1];
      const kind = tokens[i - 1]?.type === 'macro' || top === 'tuple' ? 'tuple' : 'group';
      stack.push(kind);
      if (kind === 'group') groups++;
      else tuples++;
      if (groups > MAX_NEST_DEPTH || tuples > MAX_NEST_DEPTH) {
        const prev = lastPosition(tokens[i - 1] ?? t);
        errors.push({
          progress: i,
          line: prev.line,
          column: prev.column,
          message: 'Nest layer exceeded the maximum limit',
          kind: 'ebnf-parser',
        });
        return;
      }
    } else if (t.type === 'lookahead') stack.push('look');
    else if (t.type === 'rparen') {
      const kind = stack.pop();
      if (kind === 'group') groups--;
      else if (kind === 'tuple') tuples--;
    }
  }
}

/** Parses grammar text into rule ASTs (in source order); throws `GrammarError` on the first error. */
export function parseEbnf(source: string, options: ParseOptions): AstRule[] {
  const tokens = tokenize(source);
  const ruleNames = new Set<string>();
  for (const t of tokens) {
    if (t.type !== 'rulename') continue;
    if (ruleNames.has(t.text))
      throw ebnfError('ebnf-parser', `Rule "${t.text}" is defined multiple times`, t, source);
    ruleNames.add(t.text);
  }
  if (!ruleNames.has(options.root)) {
    throw ebnfError(
      'ebnf-parser',
      `The root rule with name "${options.root}" is not found`,
      tokens[0]!,
      source,
    );
  }
  const ctx: ParseContext = { ruleNames, errors: [], maxRepetition: options.maxRepetition };
  checkNesting(tokens, ctx.errors);
  const nestError = ctx.errors[0];
  // Never hand nearley more tokens than needed to reach a nesting error (bounds its work on hostile input).
  const fed = nestError ? tokens.slice(0, nestError.progress).concat(tokens[tokens.length - 1]!) : tokens;
  // keepHistory: nearley otherwise `delete`s old table columns, which turns its table into a slow sparse array.
  const parser = new nearley.Parser(NEARLEY_GRAMMAR, {
    keepHistory: true,
    lexer: new TokenStream(fed) as unknown as nearley.Lexer,
  });
  let syntax: { progress: number; token: Token; message: string } | undefined;
  withParseContext(ctx, () => {
    try {
      parser.feed(fed as unknown as string);
    } catch (e) {
      const token = (e as { token?: Token }).token;
      if (!token) throw e;
      syntax = { progress: token.index, token, message: syntaxMessage(token, expectationsAt(parser)) };
      return;
    }
    if (parser.results.length === 0) {
      const eof = tokens[tokens.length - 1]!;
      syntax = { progress: eof.index, token: eof, message: syntaxMessage(eof, expectationsAt(parser)) };
    }
  });
  const first = ctx.errors.reduce<PendingError | undefined>(
    (a, b) => (a && a.progress <= b.progress ? a : b),
    undefined,
  );
  if (first && (!syntax || first.progress < syntax.progress)) {
    throw ebnfError(first.kind, first.message, first, source);
  }
  if (syntax) throw ebnfError('ebnf-parser', syntax.message, syntax.token, source);
  return listToArray(parser.results[0] as List<AstRule> | null);
}
