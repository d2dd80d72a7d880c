/**
 * Structural tags (XGrammar's `structural_tag`, SGLang's `structural_tag` response format): free text mixed
 * with constrained segments such as tool calls, lowered to the grammar IR. See README.md for the supported
 * formats and the token-level semantics.
 */
import { CompiledGrammar } from '../engine/compiled-grammar.js';
import { GrammarError } from '../engine/errors.js';
import type { Grammar } from '../engine/ir.js';
import { parseStructuralTag } from './format.js';
import { StructuralTagLowerer, type StructuralTagOptions } from './lower.js';

export { embedGrammar } from './embed.js';
export { type Format, MAX_FORMAT_DEPTH, MAX_REPEAT, parseStructuralTag, type TagFormat } from './format.js';
export type { StructuralTagOptions, StructuralTagTokenizer } from './lower.js';
export {
  structuralTagForTools,
  type ToolCallStyle,
  type ToolDefinition,
  type ToolTagOptions,
} from './presets.js';

/**
 * Compiles a structural tag (object or JSON text; the `format` form, SGLang's legacy `structures`/`triggers`
 * form, or a bare format) to the grammar IR.
 *
 * @throws GrammarError kind `structural-tag` (or `unsupported` / `limit`) whose `pointer` names the offending
 *   format object, e.g. `/format/elements/1/tags/0`.
 */
export function structuralTagToGrammar(
  tag: object | string,
  options: StructuralTagOptions = {},
): { grammar: Grammar; warnings: string[] } {
  const format = parseStructuralTag(tag);
  const lowerer = new StructuralTagLowerer(options);
  const grammar = lowerer.grammar(format);
  return { grammar, warnings: lowerer.warnings };
}

export interface CheckStructuralTagResult {
  errors: Array<{ pointer: string; message: string; kind: string }>;
  warnings: string[];
}

/**
 * `logitkit check --structural-tag`: the error (with its JSON pointer), if any, and warnings. The grammar is
 * also built into the engine's automata (without a tokenizer), so automaton size limits are reported too.
 */
export function checkStructuralTag(
  tagText: string,
  options: StructuralTagOptions = {},
): CheckStructuralTagResult {
  try {
    const { grammar, warnings } = structuralTagToGrammar(tagText, options);
    CompiledGrammar.fromGrammar(grammar, null);
    return { errors: [], warnings };
  } catch (e) {
    if (!(e instanceof GrammarError)) throw e;
    return { errors: [{ pointer: e.pointer ?? '', message: e.message, kind: e.kind }], warnings: [] };
  }
}
