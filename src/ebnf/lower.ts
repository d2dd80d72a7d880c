/**
 * Lowering of the EBNF AST to the grammar IR (src/engine/ir.ts), in one of two modes:
 * - `default`: the meaning the grammar text states (negated classes are true complements over code points);
 * - `xgrammar`: XGrammar's behaviour, quirks included (negated classes only exclude ASCII members, see
 *   {@link xgrammarNegatedClass}).
 * Every place where the two modes differ for a given grammar produces a warning.
 */
import {
  alt,
  byteSet,
  bytes,
  chars,
  EMPTY,
  type Expr,
  type Grammar,
  GrammarBuilder,
  notChars,
  optional,
  ref,
  repeat,
  seq,
  star,
} from '../engine/ir.js';
import { ordinaryTokensExceptExpr, type TokenIdVocabulary, tokenIdsExpr } from '../engine/token-ids.js';
import { type AstExpr, type AstRule, listToArray } from './ast.js';
import { ebnfError } from './errors.js';
import type { Token } from './lexer.js';
import { readTagDispatch, readTokenMacro } from './macros.js';
import { lowerTagDispatch } from './tag-dispatch.js';

/**
 * A place where the grammar's meaning differs between `compat: 'default'` and `compat: 'xgrammar'`:
 * - `negated-class-non-ascii`: a negated class with members ≥ U+0080 (XGrammar ignores them, or worse,
 *   excludes their low byte: `[^中]` excludes `-`);
 * - `lookahead-not-enforced`: a `(= ...)` assertion (kept in `Rule.lookahead`; XGrammar ignores it when
 *   matching text and only uses it to prune token masks);
 * - `tag-dispatch-inner-match`: a TagDispatch tag/exclude that can complete inside another tag's trie path.
 * Not warned (too common, and only visible on invalid UTF-8): in `xgrammar` mode every negated class also
 * accepts byte sequences shaped like UTF-8 but invalid (overlong `C0 80`, surrogates `ED A0 80`, leads F5–F7).
 */
export interface EbnfWarning {
  kind: 'negated-class-non-ascii' | 'lookahead-not-enforced' | 'tag-dispatch-inner-match';
  line: number;
  column: number;
  message: string;
}

export interface LowerOptions {
  root: string;
  compat: 'default' | 'xgrammar';
  /** Cap on the grammar size after expanding counted repetitions (IR leaves). */
  maxExpandedSize: number;
  /** The vocabulary `ExcludeToken` / `TokenTagDispatch` complements range over (see token-ids.ts). */
  tokenizer?: TokenIdVocabulary;
}

/** Encodes code points as (generalised) UTF-8, like XGrammar's `CharToUTF8` (surrogates get 3 bytes). */
export function encodeCodePoints(codePoints: readonly number[]): Uint8Array {
  const out: number[] = [];
  for (const cp of codePoints) {
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

const CONTINUATION = byteSet([0x80, 0xbf]);

/**
 * XGrammar's negated class (`BuildNegativeCharacterClass`): every member range is cut to its low bytes,
 * the upper byte clamped to 127, and only those ASCII bytes are excluded; every byte sequence shaped like a
 * 2–4 byte UTF-8 character (lead C0–F7, any continuation bytes) is accepted.
 */
export function xgrammarNegatedClass(ranges: ReadonlyArray<{ lo: number; hi: number }>): Expr {
  const excluded = new Uint8Array(128);
  for (const { lo, hi } of ranges) {
    const bmin = lo & 0xff;
    const bmax = Math.min(hi & 0xff, 127);
    for (let b = bmin; b <= bmax; b++) excluded[b] = 1;
  }
  const ascii: number[] = [];
  for (let b = 0; b < 128; b++) if (!excluded[b]) ascii.push(b, b);
  return alt(
    byteSet(ascii),
    seq(byteSet([0xc0, 0xdf]), CONTINUATION),
    seq(byteSet([0xe0, 0xef]), CONTINUATION, CONTINUATION),
    seq(byteSet([0xf0, 0xf7]), CONTINUATION, CONTINUATION, CONTINUATION),
  );
}

class Lowerer {
  readonly warnings: EbnfWarning[] = [];
  private readonly builder = new GrammarBuilder();
  private readonly index = new Map<string, number>();

  constructor(
    private readonly source: string,
    private readonly options: LowerOptions,
  ) {}

  private fail(kind: 'ebnf-parser' | 'limit', message: string, at: Token): never {
    throw ebnfError(kind, message, at, this.source);
  }

  private warn(kind: EbnfWarning['kind'], at: Token, message: string): void {
    this.warnings.push({ kind, line: at.line, column: at.column, message });
  }

  run(rules: AstRule[]): Grammar {
    for (const rule of rules) this.index.set(rule.name, this.builder.addRule(rule.name));
    for (const rule of rules) {
      const body = this.expr(rule.body);
      this.checkSize(body, rule.token);
      let lookahead: Expr | undefined;
      if (rule.lookahead) {
        this.checkLookahead(rule.lookahead.body, rule.lookahead.token);
        // Default mode enforces the assertion (engine/lookahead.ts); XGrammar only prunes precomputed
        // token masks with it, which compat mode approximates by ignoring it like XGrammar's matcher.
        if (this.options.compat === 'default') lookahead = this.expr(rule.lookahead.body);
        this.warn(
          'lookahead-not-enforced',
          rule.lookahead.token,
          this.options.compat === 'default'
            ? `Lookahead assertion of rule "${rule.name}": enforced here on text and masks, but XGrammar does not enforce it when matching text (only when precomputing token masks)`
            : `Lookahead assertion of rule "${rule.name}": XGrammar does not enforce it when matching text, only when precomputing token masks`,
        );
      }
      this.builder.setBody(this.index.get(rule.name)!, body, lookahead);
    }
    return this.builder.build(this.index.get(this.options.root)!);
  }

  /** XGrammar's checks on lookahead assertions (after its normaliser flattens groups). */
  private checkLookahead(body: AstExpr, at: Token): void {
    let top = body;
    for (;;) {
      if (top.kind === 'group') top = top.body;
      else if (top.kind === 'body' && !top.choices.prev && !top.choices.item.prev)
        top = top.choices.item.item;
      else break;
    }
    if (top.kind === 'body' && top.choices.prev)
      this.fail('ebnf-parser', 'Choices in lookahead assertion are not supported yet', at);
    if (top.kind === 'empty' || (top.kind === 'string' && top.codePoints.length === 0)) {
      this.fail('ebnf-parser', 'Empty string should not be in lookahead assertion', at);
    }
    if (top.kind === 'macro')
      this.fail('ebnf-parser', `${top.name} is not supported in lookahead assertion`, at);
  }

  private expr(node: AstExpr): Expr {
    switch (node.kind) {
      case 'string':
        return bytes(encodeCodePoints(node.codePoints));
      case 'class':
        return this.charClass(node.token);
      case 'ref':
        return ref(this.index.get(node.name)!);
      case 'empty':
        return EMPTY;
      case 'group':
        return this.expr(node.body);
      case 'body':
        return alt(...listToArray(node.choices).map((s) => seq(...listToArray(s).map((i) => this.expr(i)))));
      case 'repeat':
        return repeat(this.expr(node.item), node.min, node.max);
      case 'macro': {
        if (node.name !== 'TagDispatch') return this.tokenMacro(node);
        const result = readTagDispatch(node, new Set(this.index.keys()));
        // The parser already reported problems; this only re-reads the validated call.
        if ('problem' in result) this.fail('ebnf-parser', result.problem.message, result.problem.at);
        const { spec } = result;
        const lowered = lowerTagDispatch({
          tags: spec.tags.map((t) => ({ bytes: encodeCodePoints(t.tag), rule: this.index.get(t.rule)! })),
          excludes: spec.excludes.map(encodeCodePoints),
          loopAfterDispatch: spec.loopAfterDispatch,
          trieEndsOnly: this.options.compat === 'xgrammar',
        });
        if (lowered.hasInnerMatches) {
          this.warn(
            'tag-dispatch-inner-match',
            node.token,
            'A TagDispatch tag or exclude can occur inside another tag: XGrammar only detects a tag at the end of its own trie path and misses it there',
          );
        }
        return lowered.expr;
      }
    }
  }

  /** `Token`, `ExcludeToken`, `TokenTagDispatch`: the engine's token-id terminals. */
  private tokenMacro(node: Extract<AstExpr, { kind: 'macro' }>): Expr {
    const result = readTokenMacro(node, new Set(this.index.keys()));
    // The parser already reported problems; this only re-reads the validated call.
    if ('problem' in result) this.fail('ebnf-parser', result.problem.message, result.problem.at);
    const { spec } = result;
    const vocabulary = this.options.tokenizer;
    if (spec.kind !== 'TokenTagDispatch') {
      return spec.kind === 'Token' ? tokenIdsExpr(spec.ids) : ordinaryTokensExceptExpr(spec.ids, vocabulary);
    }
    // Free tokens (neither excluded nor a trigger) until a trigger token, which its rule must follow.
    const free = ordinaryTokensExceptExpr([...spec.excludes, ...spec.tags.map((t) => t.id)], vocabulary);
    const taken = spec.tags.map((t) => seq(tokenIdsExpr([t.id]), ref(this.index.get(t.rule)!)));
    return spec.loopAfterDispatch ? star(alt(free, ...taken)) : seq(star(free), optional(alt(...taken)));
  }

  private charClass(token: Token): Expr {
    const ranges = token.ranges!;
    const flat = ranges.flatMap((r) => [r.lo, r.hi]);
    if (!token.negated) return chars(flat);
    if (ranges.some((r) => r.hi >= 0x80)) {
      this.warn(
        'negated-class-non-ascii',
        token,
        `Negated class ${token.text} has non-ASCII members: XGrammar excludes only ASCII members (each truncated to its low byte, clamped to 127) and accepts every multi-byte character`,
      );
    }
    return this.options.compat === 'xgrammar' ? xgrammarNegatedClass(ranges) : notChars(flat);
  }

  /** Rejects bodies whose counted repetitions expand beyond the configured size. */
  private checkSize(body: Expr, at: Token): void {
    const limit = this.options.maxExpandedSize;
    const size = expandedSize(body, limit);
    if (size > limit) {
      this.fail(
        'limit',
        `Rule body is too large after expanding repetitions (more than ${limit} elements)`,
        at,
      );
    }
  }
}

/** Number of IR leaves after unrolling counted repetitions (saturates just above `cap`). */
export function expandedSize(e: Expr, cap: number): number {
  switch (e.kind) {
    case 'seq':
    case 'alt':
    case 'and': {
      let total = 0;
      for (const item of e.items) {
        total += expandedSize(item, cap);
        if (total > cap) return cap + 1;
      }
      return total;
    }
    case 'repeat': {
      const copies = Number.isFinite(e.max) ? e.max : e.min + 1;
      return Math.min(cap + 1, copies * expandedSize(e.item, cap));
    }
    case 'bytes':
      return e.bytes.length;
    case 'dfa':
      return e.dfa.numStates;
    default:
      return 1;
  }
}

/** Lowers parsed rules to a `Grammar` plus the compat warnings. */
export function lowerRules(
  rules: AstRule[],
  source: string,
  options: LowerOptions,
): { grammar: Grammar; warnings: EbnfWarning[] } {
  const lowerer = new Lowerer(source, options);
  const grammar = lowerer.run(rules);
  return { grammar, warnings: lowerer.warnings };
}
