/**
 * Pre-tokenizer split patterns in tokenizer.json are written for Hugging Face tokenizers, where `\s` means
 * Unicode White_Space. @lenml/tokenizers compiles them as JS RegExps, whose `\s` also matches U+FEFF and
 * misses U+0085, so e.g. Llama 3.1 tokenizes text containing those characters differently. We rewrite
 * `\s` / `\S` into an explicit White_Space class before handing the pattern over.
 */

/** Unicode White_Space, as the body of a character class. */
export const WHITE_SPACE_CLASS_BODY =
  '\\t-\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';

/**
 * Rewrites `\s` and `\S` in a regex source into explicit Unicode White_Space classes. `\S` inside a
 * character class cannot be expressed that way and is left as is.
 */
export function fixWhiteSpaceEscapes(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      const next = source[i + 1]!;
      i++;
      if (next === 's') out += inClass ? WHITE_SPACE_CLASS_BODY : `[${WHITE_SPACE_CLASS_BODY}]`;
      else if (next === 'S' && !inClass) out += `[^${WHITE_SPACE_CLASS_BODY}]`;
      else out += c + next;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/**
 * Returns a copy of a tokenizer.json `pre_tokenizer` config whose `Split` regex patterns use Unicode
 * White_Space for `\s` / `\S` (other parts are shared, not copied).
 */
export function fixPreTokenizerWhiteSpace(config: unknown): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const node = config as Record<string, unknown>;
  if (node.type === 'Sequence' && Array.isArray(node.pretokenizers)) {
    return { ...node, pretokenizers: node.pretokenizers.map(fixPreTokenizerWhiteSpace) };
  }
  const pattern = node.pattern as Record<string, unknown> | undefined;
  if (node.type === 'Split' && pattern && typeof pattern.Regex === 'string') {
    return { ...node, pattern: { ...pattern, Regex: fixWhiteSpaceEscapes(pattern.Regex) } };
  }
  return config;
}
