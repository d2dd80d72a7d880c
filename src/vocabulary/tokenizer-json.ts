/**
 * Reading the vocabulary out of a Hugging Face tokenizer.json object: validation with precise error
 * locations, decoding-kind detection, and per-id token strings.
 */
import { TokenizerError } from './errors.js';
import { type ModelVocab, StringModelVocab } from './model-vocab.js';
import { SPIECE_UNDERLINE, type TokenizerKind } from './token-bytes.js';

/** A token declared in tokenizer.json `added_tokens` (or tokenizer_config.json `added_tokens_decoder`). */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  /** Special tokens are control tokens: never produced as text by a grammar. */
  readonly special: boolean;
}

/** What the vocabulary loader needs from tokenizer.json. */
export interface ParsedTokenizerJson {
  readonly modelType: string;
  /** Detected decoding kind. */
  readonly kind: TokenizerKind;
  /** The model vocabulary by id; added tokens are not included. */
  readonly vocab: ModelVocab;
  readonly addedTokens: AddedToken[];
  /** The string that stands for a space in `byte_fallback` vocabularies (normally `▁`). */
  readonly spaceMarker: string;
  /** Whether the tokenizer prepends a space (`▁`) to the text before tokenizing (SentencePiece style). */
  readonly addsPrefixSpace: boolean;
}

type Json = Record<string, unknown>;

/**
 * The largest token id accepted (2^24 - 1): far above any real vocabulary (the largest are ~260k), low
 * enough that a bogus id cannot make the loader allocate gigabytes.
 */
export const MAX_TOKEN_ID = 0xffffff;

const MODEL_TYPES = ['BPE', 'Unigram', 'WordPiece', 'WordLevel'] as const;
const KNOWN_DECODERS = new Set([
  'ByteLevel',
  'ByteFallback',
  'Metaspace',
  'Replace',
  'Fuse',
  'Strip',
  'Sequence',
  'WordPiece',
  'BPEDecoder',
  'CTC',
]);

export function isJsonObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Validates a parsed tokenizer.json and extracts its vocabulary. `file` is used in error messages.
 * `scannedVocab` replaces `model.vocab` when the fast loader already read it from the file bytes.
 */
export function parseTokenizerJson(
  json: unknown,
  file: string | undefined,
  scannedVocab?: ModelVocab,
): ParsedTokenizerJson {
  const fail = (field: string, message: string, kind: 'format' | 'unsupported' = 'format'): never => {
    throw new TokenizerError(kind, message, { file, field });
  };
  if (!isJsonObject(json)) fail('', `expected a tokenizer.json object, got ${describe(json)}`);
  const root = json as Json;
  const model = root.model;
  if (!isJsonObject(model)) return fail('model', `expected an object, got ${describe(model)}`);

  const modelType = inferModelType(model);
  if (modelType === undefined) {
    return fail(
      'model.type',
      `unknown tokenizer model type ${JSON.stringify(model.type)} (supported: ${MODEL_TYPES.join(', ')})`,
      'unsupported',
    );
  }

  const modelTokens: (string | undefined)[] = [];
  const vocab = model.vocab;
  if (scannedVocab) {
    // Read and validated by the fast loader, which only takes an object of `token: id`.
    if (modelType === 'Unigram') fail('model.vocab', 'expected an array of [piece, score], got an object');
  } else if (modelType === 'Unigram') {
    if (!Array.isArray(vocab))
      fail('model.vocab', `expected an array of [piece, score], got ${describe(vocab)}`);
    const pieces = vocab as unknown[];
    for (let id = 0; id < pieces.length; id++) {
      const entry = pieces[id];
      const piece = Array.isArray(entry) ? entry[0] : undefined;
      if (typeof piece !== 'string')
        fail(`model.vocab[${id}]`, `expected [piece, score], got ${describe(entry)}`);
      modelTokens[id] = piece as string;
    }
  } else {
    if (!isJsonObject(vocab)) fail('model.vocab', `expected an object of token → id, got ${describe(vocab)}`);
    const entries = vocab as Record<string, unknown>;
    for (const token in entries) {
      const id = entries[token];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
        fail(
          `model.vocab[${JSON.stringify(token)}]`,
          `expected an integer id in 0..${MAX_TOKEN_ID}, got ${describe(id)}`,
        );
      }
      modelTokens[id as number] = token;
    }
  }

  const addedTokens: AddedToken[] = [];
  const added = root.added_tokens ?? [];
  if (!Array.isArray(added)) fail('added_tokens', `expected an array, got ${describe(added)}`);
  for (const [i, entry] of (added as unknown[]).entries()) {
    if (!isJsonObject(entry)) fail(`added_tokens[${i}]`, `expected an object, got ${describe(entry)}`);
    const token = entry as Json;
    const { id, content } = token;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_TOKEN_ID) {
      fail(`added_tokens[${i}].id`, `expected an integer in 0..${MAX_TOKEN_ID}, got ${describe(id)}`);
    }
    if (typeof content !== 'string')
      fail(`added_tokens[${i}].content`, `expected a string, got ${describe(content)}`);
    addedTokens.push({ id: id as number, content: content as string, special: token.special === true });
  }

  const decoderTypes = collectTypes(root.decoder, 'decoders', 'decoder', fail);
  for (const [type, field] of decoderTypes) {
    if (!KNOWN_DECODERS.has(type)) {
      fail(
        field,
        `unknown decoder type ${JSON.stringify(type)} (known: ${[...KNOWN_DECODERS].join(', ')})`,
        'unsupported',
      );
    }
  }
  const preTokenizerTypes = collectTypes(root.pre_tokenizer, 'pretokenizers', 'pre_tokenizer', fail).map(
    ([type]) => type,
  );
  const normalizerTypes = collectTypes(root.normalizer, 'normalizers', 'normalizer', fail).map(
    ([type]) => type,
  );
  const decoders = decoderTypes.map(([type]) => type);

  let kind: TokenizerKind;
  if (decoders.includes('ByteLevel') || (decoders.length === 0 && preTokenizerTypes.includes('ByteLevel'))) {
    kind = 'byte_level';
  } else if (
    decoders.includes('ByteFallback') ||
    decoders.includes('Metaspace') ||
    model.byte_fallback === true ||
    (decoders.length === 0 && preTokenizerTypes.includes('Metaspace')) ||
    findReplaceDecoder(root.decoder) !== undefined
  ) {
    kind = 'byte_fallback';
  } else {
    kind = 'raw';
  }

  const metaspace = findNode(root.decoder, 'decoders', (n) => n.type === 'Metaspace');
  const replace = findReplaceDecoder(root.decoder);
  const spaceMarker =
    typeof metaspace?.replacement === 'string'
      ? metaspace.replacement
      : typeof replace === 'string'
        ? replace
        : SPIECE_UNDERLINE;

  const metaspacePre = findNode(root.pre_tokenizer, 'pretokenizers', (n) => n.type === 'Metaspace');
  const prepend = findNode(root.normalizer, 'normalizers', (n) => n.type === 'Prepend');
  const addsPrefixSpace =
    (prepend !== undefined && prepend.prepend === spaceMarker) ||
    (metaspacePre !== undefined &&
      (metaspacePre.add_prefix_space === true ||
        (metaspacePre.prepend_scheme !== undefined && metaspacePre.prepend_scheme !== 'never'))) ||
    normalizerTypes.includes('Prepend');

  const modelVocab = scannedVocab ?? new StringModelVocab(modelTokens);
  return { modelType, kind, vocab: modelVocab, addedTokens, spaceMarker, addsPrefixSpace };
}

function inferModelType(model: Json): (typeof MODEL_TYPES)[number] | undefined {
  const type = model.type;
  if (typeof type === 'string') {
    return (MODEL_TYPES as readonly string[]).includes(type)
      ? (type as (typeof MODEL_TYPES)[number])
      : undefined;
  }
  if (type !== undefined) return undefined;
  // Older files have no `type`; infer it the way Hugging Face tokenizers does.
  if (Array.isArray(model.vocab)) return 'Unigram';
  if (isJsonObject(model.vocab)) {
    if ('merges' in model) return 'BPE';
    if ('continuing_subword_prefix' in model) return 'WordPiece';
    return 'WordLevel';
  }
  return undefined;
}

/** Flattens a (possibly `Sequence`) component config into `[type, field]` pairs; null means none. */
function collectTypes(
  config: unknown,
  childrenKey: string,
  field: string,
  fail: (field: string, message: string) => never,
): [string, string][] {
  if (config === null || config === undefined) return [];
  if (!isJsonObject(config)) return fail(field, `expected an object or null, got ${describe(config)}`);
  if (typeof config.type !== 'string')
    return fail(`${field}.type`, `expected a string, got ${describe(config.type)}`);
  if (config.type !== 'Sequence') return [[config.type, `${field}.type`]];
  const children = config[childrenKey];
  if (!Array.isArray(children))
    return fail(`${field}.${childrenKey}`, `expected an array, got ${describe(children)}`);
  return children.flatMap((child, i) =>
    collectTypes(child, childrenKey, `${field}.${childrenKey}[${i}]`, fail),
  );
}

function findNode(config: unknown, childrenKey: string, match: (node: Json) => boolean): Json | undefined {
  if (!isJsonObject(config)) return undefined;
  if (match(config)) return config;
  const children = config[childrenKey];
  if (!Array.isArray(children)) return undefined;
  for (const child of children) {
    const found = findNode(child, childrenKey, match);
    if (found) return found;
  }
  return undefined;
}

/** The marker of a `Replace` decoder that turns a marker string into a single space, if any. */
function findReplaceDecoder(decoder: unknown): string | undefined {
  const node = findNode(decoder, 'decoders', (n) => {
    const pattern = n.pattern;
    return (
      n.type === 'Replace' && n.content === ' ' && isJsonObject(pattern) && typeof pattern.String === 'string'
    );
  });
  return node ? ((node.pattern as Json).String as string) : undefined;
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
