/**
 * The keyword table: every keyword logitkit enforces, by name. Keywords not in the table are either
 * annotations ({@link ANNOTATIONS}), unsupported standard keywords (a compile error), or unknown
 * non-standard keywords (ignored, as the spec says).
 */
import { applicatorKeywords } from './applicators.js';
import { arrayKeywords } from './array.js';
import type { KeywordDefinition } from './context.js';
import { numericKeywords } from './numeric.js';
import { objectKeywords } from './object.js';
import { stringKeywords } from './string.js';

export const KEYWORDS: ReadonlyMap<string, KeywordDefinition> = new Map(
  [...numericKeywords, ...stringKeywords, ...arrayKeywords, ...objectKeywords, ...applicatorKeywords].map(
    (k) => [k.keyword, k],
  ),
);

/** Keywords handled by the builder itself (they choose the types of a schema). */
export const TYPE_KEYWORDS: ReadonlySet<string> = new Set(['type', 'nullable']);
