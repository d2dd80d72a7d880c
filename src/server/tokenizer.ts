/**
 * The tokenizer surface the server needs. `TokenizerInfo` from src/vocabulary satisfies it through
 * {@link fromTokenizerInfo}; tests may pass any small implementation.
 */
export interface ServerTokenizer {
  /** Where the tokenizer came from (a preset name or a file path), reported by /model_info. */
  readonly source: string;
  /** Number of token ids (including added/special tokens). */
  readonly vocabSize: number;
  /** Ids that end generation (model EOS plus `<|eot_id|>`-style end tokens). */
  readonly eosTokenIds: readonly number[];
  /** The beginning-of-sequence id, when the tokenizer has one. */
  readonly bosTokenId: number | undefined;
  /** Whether encoding a plain prompt prepends BOS (HF `add_special_tokens=True`). */
  readonly addsBosToken: boolean;
  /** The Jinja chat template from tokenizer_config.json, if any. */
  readonly chatTemplate: string | undefined;
  /** Special-token strings the chat template may reference (bos_token, eos_token). */
  readonly specialTokenStrings: { bos_token?: string; eos_token?: string };
  /** Encodes text without adding BOS/EOS; special-token strings in the text map to their ids. */
  encode(text: string): number[];
  /** The raw bytes a token stands for (for special tokens: their text). */
  tokenBytes(id: number): Uint8Array;
  /** True for control/added special tokens (skipped by `skip_special_tokens`). */
  isSpecial(id: number): boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/** Encodes a prompt the way HF does with `add_special_tokens=True`. */
export function encodePrompt(tokenizer: ServerTokenizer, text: string): number[] {
  const ids = tokenizer.encode(text);
  if (tokenizer.addsBosToken && tokenizer.bosTokenId !== undefined && ids[0] !== tokenizer.bosTokenId) {
    ids.unshift(tokenizer.bosTokenId);
  }
  return ids;
}

/** Concatenated bytes of `ids`, optionally dropping special tokens. */
export function tokensToBytes(
  tokenizer: ServerTokenizer,
  ids: readonly number[],
  skipSpecial: boolean,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let length = 0;
  for (const id of ids) {
    if (id < 0 || id >= tokenizer.vocabSize) continue;
    if (skipSpecial && tokenizer.isSpecial(id)) continue;
    const bytes = tokenizer.tokenBytes(id);
    parts.push(bytes);
    length += bytes.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes ids to text; invalid UTF-8 becomes U+FFFD like HF's `decode`. */
export function decodeTokens(
  tokenizer: ServerTokenizer,
  ids: readonly number[],
  skipSpecial: boolean,
): string {
  return utf8.decode(tokensToBytes(tokenizer, ids, skipSpecial));
}

/** The text of one token, as SGLang's `batch_decode` of a single id (special tokens kept). */
export function tokenText(tokenizer: ServerTokenizer, id: number): string {
  return decodeTokens(tokenizer, [id], false);
}

/** UTF-8 bytes of a string as a plain number array (OpenAI chat logprobs `bytes`). */
export function utf8Bytes(text: string): number[] {
  return Array.from(utf8Encoder.encode(text));
}

/** The subset of src/vocabulary's `TokenizerInfo` the adapter reads. */
export interface TokenizerInfoLike {
  readonly source: string;
  readonly vocabSize: number;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | undefined;
  readonly chatTemplate: string | undefined;
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  tokenBytes(id: number): Uint8Array;
  isSpecial(id: number): boolean;
}

/** Adapts a `TokenizerInfo` (src/vocabulary) to the server's tokenizer surface. */
export function fromTokenizerInfo(info: TokenizerInfoLike): ServerTokenizer {
  const bos = info.bosTokenId;
  // Probing needs the text tokenizer, whose first use is slow: defer it to the first prompt.
  let addsBos: boolean | undefined;
  const text = (id: number | undefined) =>
    id === undefined ? undefined : new TextDecoder().decode(info.tokenBytes(id));
  return {
    source: info.source,
    vocabSize: info.vocabSize,
    eosTokenIds: info.eosTokenIds,
    bosTokenId: bos,
    get addsBosToken() {
      addsBos ??= bos !== undefined && info.encode('a', { addSpecialTokens: true })[0] === bos;
      return addsBos;
    },
    chatTemplate: info.chatTemplate,
    specialTokenStrings: { bos_token: text(bos), eos_token: text(info.eosTokenIds[0]) },
    encode: (t) => info.encode(t),
    tokenBytes: (id) => info.tokenBytes(id),
    isSpecial: (id) => info.isSpecial(id),
  };
}
