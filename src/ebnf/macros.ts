/**
 * Macro calls in rule bodies: `TagDispatch`, and the token-level `Token(id, …)`, `ExcludeToken(id, …)` and
 * `TokenTagDispatch((id, rule), …, loop_after_dispatch=…, excludes=(id, …))` (XGrammar ≥ 0.1.33; lowered to the
 * engine's token-id terminals). `Regex` and `Substring` are rejected with a clear error. Messages and positions
 * follow XGrammar's `ParseTagDispatch` (reported at the `(` after the name).
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

/** A validated token-level macro call. */
export type TokenMacroSpec =
  | { kind: 'Token' | 'ExcludeToken'; ids: number[] }
  | {
      kind: 'TokenTagDispatch';
      /** Trigger token ids and the rule each dispatches to, in source order. */
      tags: Array<{ id: number; rule: string }>;
      /** Token ids that may not occur in the free tokens. */
      excludes: number[];
      loopAfterDispatch: boolean;
    };

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
    return fail(`The ${macro.name} macro is not a TagDispatch`, 'unsupported');
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

/** The largest token id a macro may name (ids are 3 bytes in the engine's token-id codes). */
const MAX_MACRO_TOKEN_ID = (1 << 24) - 1;

/** Validates a `Token`, `ExcludeToken` or `TokenTagDispatch` call; returns either the spec or the first problem. */
export function readTokenMacro(
  macro: Macro,
  ruleNames: ReadonlySet<string>,
): { spec: TokenMacroSpec } | { problem: MacroProblem } {
  const fail = (message: string) => ({ problem: { message, at: macro.open, kind: 'ebnf-parser' as const } });
  const tokenId = (value: MacroValue): number | null =>
    value.kind === 'int' && value.value >= 0 && value.value <= MAX_MACRO_TOKEN_ID ? value.value : null;
  const idProblem = `Token id must be an integer literal from 0 to ${MAX_MACRO_TOKEN_ID}`;
  if (macro.name === 'Token' || macro.name === 'ExcludeToken') {
    const ids: number[] = [];
    for (const arg of macro.args) {
      if (arg.name !== undefined) return fail(`Unknown named argument for ${macro.name}: ${arg.name}`);
      const id = tokenId(arg.value);
      if (id === null) return fail(idProblem);
      ids.push(id);
    }
    if (macro.name === 'Token' && ids.length === 0) return fail('Token must name at least one token id');
    return { spec: { kind: macro.name, ids } };
  }
  if (macro.name !== 'TokenTagDispatch') {
    return {
      problem: {
        message: `The ${macro.name} macro is not supported yet`,
        at: macro.token,
        kind: 'unsupported',
      },
    };
  }
  const spec: Extract<TokenMacroSpec, { kind: 'TokenTagDispatch' }> = {
    kind: 'TokenTagDispatch',
    tags: [],
    excludes: [],
    loopAfterDispatch: true,
  };
  for (const arg of macro.args) {
    const value = arg.value;
    if (arg.name === 'loop_after_dispatch') {
      if (value.kind !== 'bool') return fail('loop_after_dispatch must be a boolean literal');
      spec.loopAfterDispatch = value.value;
    } else if (arg.name === 'excludes') {
      if (value.kind !== 'tuple') return fail('excludes must be a tuple');
      for (const item of value.items) {
        const id = tokenId(item);
        if (id === null) return fail(idProblem);
        spec.excludes.push(id);
      }
    } else if (arg.name !== undefined) {
      return fail(`Unknown named argument for TokenTagDispatch: ${arg.name}`);
    } else {
      if (value.kind !== 'tuple') return fail('Each token tag dispatch element must be a tuple');
      if (value.items.length !== 2)
        return fail('Each token tag dispatch element must be a pair (token id, rule)');
      const [trigger, rule] = value.items as [MacroValue, MacroValue];
      const id = tokenId(trigger);
      if (id === null) return fail(idProblem);
      if (rule.kind !== 'ident') return fail('Rule reference must be an identifier');
      if (!ruleNames.has(rule.name)) return fail(`Rule "${rule.name}" is not defined`);
      if (spec.tags.some((t) => t.id === id)) return fail(`Trigger token ${id} is dispatched twice`);
      spec.tags.push({ id, rule: rule.name });
    }
  }
  for (const { id } of spec.tags) {
    if (spec.excludes.includes(id)) return fail(`Trigger token must not be excluded: ${id}`);
  }
  return { spec };
}

/** Whether a macro name is one of the token-level macros. */
export function isTokenMacro(name: string): boolean {
  return name === 'Token' || name === 'ExcludeToken' || name === 'TokenTagDispatch';
}

/** The first problem of a macro call, or null (used while parsing, to report errors in source order). */
export function checkMacro(macro: AstExpr, ruleNames: ReadonlySet<string>): MacroProblem | null {
  if (macro.kind !== 'macro') return null;
  const result =
    macro.name === 'TagDispatch' ? readTagDispatch(macro, ruleNames) : readTokenMacro(macro, ruleNames);
  return 'problem' in result ? result.problem : null;
}
