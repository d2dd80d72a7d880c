/**
 * Encoding and decoding text through @lenml/tokenizers (a maintained port of transformers.js tokenizers),
 * with the pre-tokenizer White_Space fix applied.
 */
import { tokenizers } from '@lenml/tokenizers';
import { TokenizerError } from './errors.js';
import { fixPreTokenizerWhiteSpace } from './whitespace-fix.js';

/** The text-level operations TokenizerInfo delegates to a real tokenizer implementation. */
export interface TextTokenizer {
  encode(text: string, addSpecialTokens: boolean): number[];
  decode(ids: number[], skipSpecialTokens: boolean, cleanUpTokenizationSpaces: boolean | undefined): string;
}

type LenmlTokenizer = InstanceType<typeof tokenizers.PreTrainedTokenizer>;
type LenmlConstructor = new (tokenizerJson: unknown, tokenizerConfig: unknown) => LenmlTokenizer;

/**
 * Builds a @lenml/tokenizers tokenizer for a tokenizer.json object and its tokenizer_config.json (the
 * `tokenizer_class` selects Llama's legacy SentencePiece handling, etc.).
 */
export function createLenmlTokenizer(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown> | undefined,
  file: string | undefined,
): TextTokenizer {
  const config = tokenizerConfig ?? {};
  const className =
    typeof config.tokenizer_class === 'string'
      ? config.tokenizer_class.replace(/Fast$/, '')
      : 'PreTrainedTokenizer';
  const mapping = tokenizers.AutoTokenizer.TOKENIZER_CLASS_MAPPING as unknown as Record<
    string,
    LenmlConstructor
  >;
  const Ctor: LenmlConstructor =
    mapping[className] ?? (tokenizers.PreTrainedTokenizer as unknown as LenmlConstructor);
  const json = {
    ...tokenizerJson,
    pre_tokenizer: withMetaspacePrefixFlag(
      fixPreTokenizerWhiteSpace(tokenizerJson.pre_tokenizer ?? null),
      'pretokenizers',
    ),
    decoder: withMetaspacePrefixFlag(tokenizerJson.decoder ?? null, 'decoders'),
  };
  let tokenizer: LenmlTokenizer;
  try {
    tokenizer = new Ctor(json, config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TokenizerError(
      'unsupported',
      `cannot build the text tokenizer: ${reason}`,
      { file },
      { cause: error },
    );
  }
  // A tokenizer.json the library accepted but cannot run (e.g. malformed merges) fails inside it at use.
  const guard = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TokenizerError(
        'unsupported',
        `${what} failed in @lenml/tokenizers: ${reason}`,
        { file },
        { cause: error },
      );
    }
  };
  return {
    encode: (text, addSpecialTokens) =>
      guard('encode', () => tokenizer.encode(text, { add_special_tokens: addSpecialTokens })),
    decode: (ids, skipSpecialTokens, cleanUpTokenizationSpaces) => {
      if (ids.length === 0) return '';
      const args: { skip_special_tokens: boolean; clean_up_tokenization_spaces?: boolean } = {
        skip_special_tokens: skipSpecialTokens,
      };
      if (cleanUpTokenizationSpaces !== undefined)
        args.clean_up_tokenization_spaces = cleanUpTokenizationSpaces;
      return guard('decode', () => tokenizer.decode(ids, args));
    },
  };
}

/**
 * Newer tokenizer.json files describe Metaspace with `prepend_scheme` only; @lenml/tokenizers still reads
 * the older `add_prefix_space` flag and would never prepend (or strip) the `▁`. Derive the flag when absent.
 */
export function withMetaspacePrefixFlag(config: unknown, childrenKey: string): unknown {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return config;
  const node = config as Record<string, unknown>;
  if (node.type === 'Sequence' && Array.isArray(node[childrenKey])) {
    return {
      ...node,
      [childrenKey]: (node[childrenKey] as unknown[]).map((c) => withMetaspacePrefixFlag(c, childrenKey)),
    };
  }
  if (node.type === 'Metaspace' && node.add_prefix_space === undefined) {
    return { ...node, add_prefix_space: node.prepend_scheme !== 'never' };
  }
  return config;
}
