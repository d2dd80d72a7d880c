/** Public API of the vocabulary area: tokenizer vocabularies as bytes, and the token trie. */
export { TokenizerError, type TokenizerErrorKind } from './errors.js';
export { PRESET_NAMES, TOKENIZER_PRESETS, type TokenizerPreset } from './presets.js';
export { TOKENIZER_KINDS, type TokenizerKind } from './token-bytes.js';
export {
  type DecodeBytesOptions,
  type DecodeOptions,
  type EncodeOptions,
  type FromVocabOptions,
  type PresetOptions,
  TokenizerInfo,
  type TokenizerInfoOptions,
} from './tokenizer-info.js';
export type { AddedToken } from './tokenizer-json.js';
export { buildTokenTrie, type TokenTrie } from './trie.js';
