/**
 * Macro calls in rule bodies. `TagDispatch` is supported; the other macros XGrammar reserves (`Token`,
 * `ExcludeToken`, `TokenTagDispatch`, `Regex`, `Substring`) are rejected with a clear error.
 * Messages and positions follow XGrammar's `ParseTagDispatch` (reported at the `(` after the name).
 */
import type { AstExpr, MacroValue } from './ast.js';
import type { Token } from './lexer.js';

/** A validated `TagDispatch(...)` call. */
export interface TagDispatchSpec {
  /** Trigger tags (code points) and the rule each dispatches to, in source order. */
  tags: Array<{ tag: number[]; rule: string }>;
  /** Strings that may not occur in the free text. */
  excludes: number[][];
  loopAfterDispatch: boolean;
}

export interface MacroProblem {
  message: string;
  at: Token;
  kind: 'ebnf-parser' | 'unsupported';
}

type Macro = Extract<AstExpr, { kind: 'macro' }>;

const sameCodePoints = (a: number[], b: number[]): boolean =>
  a.length === b.length && a.every((c, i) => c === b[i]);
const isPrefix = (prefix: number[], of: number[]): boolean =>
  prefix.length <= of.length && sameCodePoints(prefix, of.slice(0, prefix.length));
const text = (cps: number[]): string => String.fromCodePoint(...cps);

/** Validates a macro call and extracts its TagDispatch spec; returns either the spec or the first problem. */
export function readTagDispatch(
  macro: Macro,
  ruleNames: ReadonlySet<string>,
): { spec: TagDispatchSpec } | { problem: MacroProblem } {
  const fail = (message: string, kind: MacroProblem['kind'] = 'ebnf-parser') => ({
    problem: { message, at: kind === 'unsupported' ? macro.token : macro.open, kind },
  });
  if (macro.name !== 'TagDispatch') {
    return fail(`The ${macro.name} macro is not supported yet`, 'unsupported');
  }
  const named = new Map<string, MacroValue>();
  for (const arg of macro.args) {
    if (arg.name === undefined) continue;
    if (arg.name !== 'loop_after_dispatch' && arg.name !== 'excludes') {
      return fail(`Unknown named argument for TagDispatch: ${arg.name}`);
    }
    named.set(arg.name, arg.value);
  }
  const spec: TagDispatchSpec = { tags: [], excludes: [], loopAfterDispatch: true };
  for (const arg of macro.args) {
    if (arg.name !== undefined) continue;
    const value = arg.value;
    if (value.kind !== 'tuple') return fail('Each tag dispatch element must be a tuple');
    if (value.items.length !== 2) return fail('Each tag dispatch element must be a pair (tag, rule)');
    const [tag, rule] = value.items as [MacroValue, MacroValue];
    if (tag.kind !== 'string' || tag.codePoints.length === 0)
      return fail('Tag must be a non-empty string literal');
    if (rule.kind !== 'ident') return fail('Rule reference must be an identifier');
    if (!ruleNames.has(rule.name)) return fail(`Rule "${rule.name}" is not defined`);
    spec.tags.push({ tag: tag.codePoints, rule: rule.name });
  }
  const loop = named.get('loop_after_dispatch');
  if (loop) {
    if (loop.kind !== 'bool') return fail('loop_after_dispatch must be a boolean literal');
    spec.loopAfterDispatch = loop.value;
  }
  const excludes = named.get('excludes');
  if (excludes) {
    if (excludes.kind !== 'tuple') return fail('excludes must be a tuple');
    for (const item of excludes.items) {
      if (item.kind !== 'string' || item.codePoints.length === 0) {
        return fail('Exclude must be a non-empty string literal');
      }
      spec.excludes.push(item.codePoints);
    }
  }
  for (const exclude of spec.excludes) {
    for (const { tag } of spec.tags) {
      if (isPrefix(exclude, tag))
        return fail(`Exclude string must not be a prefix of trigger string: ${text(exclude)}`);
    }
  }
  return { spec };
}

/** The first problem of a macro call, or null (used while parsing, to report errors in source order). */
export function checkMacro(macro: AstExpr, ruleNames: ReadonlySet<string>): MacroProblem | null {
  if (macro.kind !== 'macro') return null;
  const result = readTagDispatch(macro, ruleNames);
  return 'problem' in result ? result.problem : null;
}
