import type { GrammarError } from '../engine/errors.js';
import { alt, chars, type Expr, type Grammar, GrammarBuilder } from '../engine/ir.js';
import type { RegexFlavor } from './charsets.js';
import { regexError } from './errors.js';
import {
  type AnchoredBranch,
  AnchorInRepetitionError,
  distributeAnchors,
  lowerNode,
  searchExpr,
} from './lower.js';
import { parseRegex, type RegexDiagnostic } from './parser.js';

/** Options shared by the regex entry points. */
export interface RegexOptions {
  /**
   * The dialect (default `'sglang'`):
   * - `'sglang'`: SGLang's `regex` parameter (XGrammar's converter): whole-string match, `^`/`$` ignored,
   *   `.` matches any code point including newline.
   * - `'ecma'`: ECMA-262 with the `u` flag (JSON Schema `pattern`): search semantics, `.` excludes line
   *   terminators.
   * - `'python'`: Python `re` syntax (`stop_regex`): search semantics like `re.search`.
   */
  flavor?: RegexFlavor;
  /**
   * `'whole'`: the string must match entirely (like `re.fullmatch` / `^(?:…)$`); `'search'`: the pattern
   * must match somewhere (like `RegExp.prototype.test` / `re.search`). Default: `'whole'` for `sglang`,
   * `'search'` for `ecma` and `python`.
   */
  match?: 'whole' | 'search';
}

/** Parses a pattern and splits it into anchor-free branches, turning anchor errors into regex errors. */
export function anchoredBranches(pattern: string, flavor: RegexFlavor): AnchoredBranch[] {
  const { node } = parseRegex(pattern, flavor);
  try {
    return distributeAnchors(node);
  } catch (e) {
    if (e instanceof AnchorInRepetitionError) throw regexError(pattern, e.position, e.message);
    throw e;
  }
}

/**
 * Lowers a regex to a grammar IR expression over UTF-8 text. Counted repetitions stay `repeat` nodes
 * (the engine unrolls them under its state limit). Throws `GrammarError` (kind `regex`, with `position`
 * and `snippet`) for invalid or unsupported patterns.
 */
export function regexToExpr(pattern: string, options: RegexOptions = {}): Expr {
  const flavor = options.flavor ?? 'sglang';
  const match = options.match ?? (flavor === 'sglang' ? 'whole' : 'search');
  const branches = anchoredBranches(pattern, flavor);
  if (match === 'search') return searchExpr(branches, chars, flavor === 'python');
  // A whole-string match touches both ends, so every anchor holds.
  return alt(...branches.map((b) => lowerNode(b.body)));
}

/** A one-rule grammar (rule `root`) for a regex; see `regexToExpr`. */
export function regexToGrammar(pattern: string, options: RegexOptions = {}): Grammar {
  const builder = new GrammarBuilder();
  const root = builder.addRule('root', regexToExpr(pattern, options));
  return builder.build(root);
}

/** What `logitkit check --regex` reports for a pattern. */
export interface RegexCheckResult {
  readonly ok: boolean;
  /** At most one error (parsing stops at the first), with its caret snippet. */
  readonly errors: RegexDiagnostic[];
  /** XGrammar-style warnings (`sglang`): ignored `^`/`$` in the middle, unrecognized escapes. */
  readonly warnings: RegexDiagnostic[];
}

/** Validates a pattern without compiling it to an automaton. Never throws for bad patterns. */
export function checkRegex(pattern: string, options: RegexOptions = {}): RegexCheckResult {
  const flavor = options.flavor ?? 'sglang';
  try {
    const { node, warnings } = parseRegex(pattern, flavor);
    try {
      distributeAnchors(node);
    } catch (e) {
      if (e instanceof AnchorInRepetitionError) throw regexError(pattern, e.position, e.message);
      throw e;
    }
    return { ok: true, errors: [], warnings };
  } catch (e) {
    const err = e as GrammarError;
    if (err.name !== 'GrammarError') throw e;
    return {
      ok: false,
      errors: [{ message: err.message, position: err.position ?? 0, snippet: err.snippet ?? '' }],
      warnings: [],
    };
  }
}
