/**
 * Reading a tokenizer from disk: a tokenizer.json file or a model directory holding tokenizer.json and,
 * optionally, tokenizer_config.json, generation_config.json, config.json and chat_template.jinja.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TokenizerError } from './errors.js';
import { lineColumn } from './json-scan.js';
import type { ModelVocab } from './model-vocab.js';
import { describe, isJsonObject } from './tokenizer-json.js';
import { JsonScanError, scanTokenizerJson } from './tokenizer-json-fast.js';

/** The files of one tokenizer, parsed. */
export interface TokenizerFiles {
  /** tokenizer.json; from the fast loader without `model.merges` and with `model.vocab` in `scannedVocab`. */
  readonly tokenizerJson: unknown;
  readonly scannedVocab: ModelVocab | undefined;
  /** Path of tokenizer.json, when read from disk. */
  readonly tokenizerJsonFile: string | undefined;
  readonly tokenizerConfig: Record<string, unknown> | undefined;
  readonly generationConfig: Record<string, unknown> | undefined;
  /** The model's config.json (for `vocab_size`, `eos_token_id`, `bos_token_id`). */
  readonly modelConfig: Record<string, unknown> | undefined;
  /** chat_template.jinja next to tokenizer.json, when present. */
  readonly chatTemplateFile: string | undefined;
  /** New contents for added tokens by id (a preset whose files carry an older model's names). */
  readonly addedTokenRenames?: Readonly<Record<number, string>>;
}

/**
 * Reads a tokenizer.json file with the fast loader (no BPE merges, vocabulary as byte ranges), falling
 * back to JSON.parse for shapes it does not handle.
 */
export function readTokenizerJsonFile(path: string): { json: unknown; vocab: ModelVocab | undefined } {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (error) {
    throw new TokenizerError('io', `cannot read file (${ioReason(error)})`, { file: path }, { cause: error });
  }
  try {
    const scanned = scanTokenizerJson(buf);
    if (scanned) return { json: scanned.json, vocab: scanned.vocab };
  } catch (error) {
    if (error instanceof JsonScanError) {
      const { line, column } = lineColumn(buf, error.offset);
      throw new TokenizerError('json', `invalid JSON at line ${line} column ${column}: ${error.message}`, {
        file: path,
      });
    }
    if (!(error instanceof SyntaxError)) throw error;
    // A section JSON.parse rejects that the scanner let through: report it below.
  }
  return { json: readJsonFile(path), vocab: undefined };
}

/** Reads and parses a JSON file, with errors that name the file and what is wrong. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenizerError('io', `cannot read file (${ioReason(error)})`, { file: path }, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TokenizerError(
      'json',
      `invalid JSON: ${jsonReason(error, text)}`,
      { file: path },
      { cause: error },
    );
  }
}

/** Reads a JSON file that must hold an object. */
export function readJsonObjectFile(path: string): Record<string, unknown> {
  const value = readJsonFile(path);
  if (!isJsonObject(value))
    throw new TokenizerError('format', `expected a JSON object, got ${describe(value)}`, { file: path });
  return value;
}

/**
 * Resolves a path to a tokenizer.json file or a model directory and reads it with the companion files that
 * sit next to it.
 */
export function readTokenizerFiles(path: string): TokenizerFiles {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    throw new TokenizerError(
      'io',
      `cannot read tokenizer (${ioReason(error)})`,
      { file: path },
      { cause: error },
    );
  }
  const file = isDirectory ? join(path, 'tokenizer.json') : path;
  if (isDirectory && !existsSync(file)) {
    const hint = existsSync(join(path, 'tokenizer.model'))
      ? ' (it has a SentencePiece tokenizer.model; convert it to tokenizer.json with Hugging Face transformers)'
      : '';
    throw new TokenizerError('io', `the directory has no tokenizer.json${hint}`, { file: path });
  }
  const { json: tokenizerJson, vocab: scannedVocab } = readTokenizerJsonFile(file);
  // Companion files are only picked up from a model directory or next to a file named tokenizer.json.
  const dir = isDirectory || basename(file) === 'tokenizer.json' ? dirname(file) : undefined;
  const companion = (name: string): Record<string, unknown> | undefined => {
    if (dir === undefined) return undefined;
    const p = join(dir, name);
    return existsSync(p) ? readJsonObjectFile(p) : undefined;
  };
  const chatTemplatePath = dir === undefined ? undefined : join(dir, 'chat_template.jinja');
  return {
    tokenizerJson,
    scannedVocab,
    tokenizerJsonFile: file,
    tokenizerConfig: companion('tokenizer_config.json'),
    generationConfig: companion('generation_config.json'),
    modelConfig: companion('config.json'),
    chatTemplateFile: chatTemplatePath && existsSync(chatTemplatePath) ? chatTemplatePath : undefined,
  };
}

/** Reads a text file with a TokenizerError on failure. */
export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TokenizerError('io', `cannot read file (${ioReason(error)})`, { file: path }, { cause: error });
  }
}

function ioReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** JSON.parse's message, with a line:column added when it only gives a position. */
function jsonReason(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const m = /at position (\d+)(?! \(line)/.exec(message);
  if (!m) return message;
  const position = Number(m[1]);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `${message} (line ${line} column ${column})`;
}
