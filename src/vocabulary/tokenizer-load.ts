/**
 * Turning a tokenizer's files (tokenizer.json, tokenizer_config.json, generation_config.json, config.json)
 * into what TokenizerInfo holds: token bytes, special flags, EOS/BOS ids, the chat template, and a lazy
 * factory for the real text tokenizer.
 */
import { createLenmlTokenizer, type TextTokenizer } from './backend.js';
import { TokenizerError } from './errors.js';
import { ByteSink, SPIECE_UNDERLINE, TOKENIZER_KINDS, type TokenizerKind } from './token-bytes.js';
import { readJsonFile, readJsonObjectFile, readTextFile, type TokenizerFiles } from './tokenizer-files.js';
import {
  type AddedToken,
  describe,
  isJsonObject,
  MAX_TOKEN_ID,
  type ParsedTokenizerJson,
  parseTokenizerJson,
} from './tokenizer-json.js';

type JsonObject = Record<string, unknown>;

/** Options of `TokenizerInfo.fromTokenizerJson`. */
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

/** Everything a TokenizerInfo is made of. */
export interface TokenizerInfoInit {
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

/** Resolves a tokenizer's files and the caller's options into a TokenizerInfo's content. */
export function resolveTokenizerFiles(
  files: TokenizerFiles,
  options: TokenizerInfoOptions,
  source: string,
): TokenizerInfoInit {
  const file = files.tokenizerJsonFile;
  const parsed = parseTokenizerJson(files.tokenizerJson, file, files.scannedVocab);
  const tokenizerConfig = loadConfig(options.tokenizerConfig, files.tokenizerConfig);
  const generationConfig = loadConfig(options.generationConfig, files.generationConfig);
  const modelConfig = loadConfig(options.modelConfig, files.modelConfig);
  const kind = checkKind(options.kind ?? parsed.kind, file);

  const added = collectAddedTokens(parsed.addedTokens, tokenizerConfig, files.addedTokenRenames);
  const addedTokens = [...added.values()].sort((a, b) => a.id - b.id);

  let tokenCount = parsed.vocab.size;
  for (const token of addedTokens) tokenCount = Math.max(tokenCount, token.id + 1);
  const configVocabSize = typeof modelConfig?.vocab_size === 'number' ? modelConfig.vocab_size : undefined;
  const vocabSize = checkVocabSize(options.vocabSize ?? configVocabSize, tokenCount, file);

  const { data, offsets } = buildTokenBytes(parsed, added, kind, tokenCount, vocabSize);

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
    if (options.eosTokenIds) checkId(id, vocabSize, 'eosTokenIds');
    else checkConfigId(id, vocabSize, 'eos_token_id', file);
    special[id] = 1;
  }

  let bosTokenId: number | undefined;
  if (options.bosTokenId !== undefined) bosTokenId = options.bosTokenId ?? undefined;
  else
    bosTokenId =
      configTokenId('bos_token') ??
      idList(generationConfig?.bos_token_id)[0] ??
      idList(modelConfig?.bos_token_id)[0];
  if (bosTokenId !== undefined) {
    if (options.bosTokenId !== undefined) checkId(bosTokenId, vocabSize, 'bosTokenId');
    else checkConfigId(bosTokenId, vocabSize, 'bos_token_id', file);
  }

  let chatTemplate = options.chatTemplate;
  if (chatTemplate === undefined && files.chatTemplateFile)
    chatTemplate = readTextFile(files.chatTemplateFile);
  if (chatTemplate === undefined) chatTemplate = pickChatTemplate(tokenizerConfig?.chat_template);

  return {
    kind,
    vocabSize,
    tokenCount,
    data,
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
  };
}

/**
 * Added tokens by id: tokenizer.json's, plus tokenizer_config.json `added_tokens_decoder` entries it lacks
 * (older exports), with a preset's renames applied.
 */
function collectAddedTokens(
  fromTokenizerJson: readonly AddedToken[],
  tokenizerConfig: JsonObject | undefined,
  renames: Readonly<Record<number, string>> | undefined,
): Map<number, AddedToken> {
  const added = new Map<number, AddedToken>();
  for (const token of fromTokenizerJson) added.set(token.id, token);
  const decoderTable = tokenizerConfig?.added_tokens_decoder;
  if (isJsonObject(decoderTable)) {
    for (const key of Object.keys(decoderTable)) {
      const entry = decoderTable[key];
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || !isJsonObject(entry) || typeof entry.content !== 'string')
        continue;
      if (id > MAX_TOKEN_ID) {
        throw new TokenizerError('format', `token id ${id} is above the supported ${MAX_TOKEN_ID}`, {
          field: `tokenizer_config.json added_tokens_decoder["${key}"]`,
        });
      }
      const existing = added.get(id);
      if (!existing) added.set(id, { id, content: entry.content, special: entry.special === true });
      else if (entry.special === true && !existing.special) added.set(id, { ...existing, special: true });
    }
  }
  for (const [key, content] of Object.entries(renames ?? {})) {
    const existing = added.get(Number(key));
    if (existing) added.set(existing.id, { ...existing, content });
  }
  return added;
}

/** Token bytes back to back: model tokens decoded per kind, added tokens as literal text. */
function buildTokenBytes(
  parsed: ParsedTokenizerJson,
  added: ReadonlyMap<number, AddedToken>,
  kind: TokenizerKind,
  tokenCount: number,
  vocabSize: number,
): { data: Uint8Array; offsets: Uint32Array } {
  const sink = new ByteSink(tokenCount * 8);
  const offsets = new Uint32Array(vocabSize + 1);
  const space = parsed.spaceMarker || SPIECE_UNDERLINE;
  const isAdded = new Uint8Array(tokenCount);
  for (const id of added.keys()) isAdded[id] = 1;
  for (let id = 0; id < tokenCount; id++) {
    offsets[id] = sink.length;
    if (isAdded[id]) sink.pushUtf8(added.get(id)!.content);
    else parsed.vocab.appendTokenBytes(sink, id, kind, space);
  }
  offsets.fill(sink.length, tokenCount);
  return { data: sink.toBytes(), offsets };
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

export function checkKind(kind: unknown, file: string | undefined): TokenizerKind {
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

export function checkVocabSize(vocabSize: unknown, tokenCount: number, file: string | undefined): number {
  if (vocabSize === undefined) return tokenCount;
  if (
    typeof vocabSize !== 'number' ||
    !Number.isInteger(vocabSize) ||
    vocabSize < tokenCount ||
    vocabSize > MAX_TOKEN_ID + 1
  ) {
    throw new TokenizerError(
      'argument',
      `vocabSize ${describe(vocabSize)} must be an integer from the tokenizer's ${tokenCount} entries to ${MAX_TOKEN_ID + 1}`,
      { file },
    );
  }
  return vocabSize;
}

/** An id read from a config file must be a token of the vocabulary. */
function checkConfigId(id: number, vocabSize: number, field: string, file: string | undefined): void {
  if (id >= vocabSize) {
    throw new TokenizerError('format', `${field} ${id} is not below the vocabulary size ${vocabSize}`, {
      file,
      field,
    });
  }
}

export function checkId(id: number, limit: number, what: string): void {
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
