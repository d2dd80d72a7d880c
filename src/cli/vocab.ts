/**
 * `logitkit vocab`: loads a tokenizer vocabulary and prints what the engine sees — vocabulary size, decoding
 * kind, special and EOS ids, trie size and build times; `--tokens` shows individual tokens' bytes.
 *
 *   logitkit vocab --preset llama-3.1
 *   logitkit vocab --tokenizer ./Qwen3-8B --json
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  PRESET_NAMES,
  TOKENIZER_KINDS,
  TokenizerError,
  TokenizerInfo,
  type TokenizerKind,
} from '../vocabulary/index.js';

interface VocabFlags {
  preset?: string;
  tokenizer?: string;
  kind?: TokenizerKind;
  vocabSize?: number;
  tokens?: number[];
  json?: boolean;
}

/** What `logitkit vocab --json` prints. */
export interface VocabReport {
  source: string;
  kind: TokenizerKind;
  vocabSize: number;
  tokenCount: number;
  specialTokenIds: number[];
  eosTokenIds: number[];
  bosTokenId: number | null;
  addsPrefixSpace: boolean;
  hasChatTemplate: boolean;
  trieNodeCount: number;
  loadMs: number;
  trieBuildMs: number;
  tokens?: { id: number; text: string; hex: string; special: boolean }[];
}

/** Loads the tokenizer named by the flags and describes it. */
export function loadVocab(flags: VocabFlags): { info: TokenizerInfo; report: VocabReport } {
  if ((flags.preset === undefined) === (flags.tokenizer === undefined)) {
    throw new TokenizerError('argument', 'give exactly one of --preset <name> or --tokenizer <path>');
  }
  const start = performance.now();
  const info =
    flags.preset !== undefined
      ? TokenizerInfo.fromPresetSync(flags.preset)
      : TokenizerInfo.fromTokenizerJson(flags.tokenizer!, {
          ...(flags.kind ? { kind: flags.kind } : {}),
          ...(flags.vocabSize !== undefined ? { vocabSize: flags.vocabSize } : {}),
        });
  const loadMs = performance.now() - start;
  const trie = info.trie;
  const report: VocabReport = {
    source: info.source,
    kind: info.kind,
    vocabSize: info.vocabSize,
    tokenCount: info.tokenCount,
    specialTokenIds: [...info.specialTokenIds],
    eosTokenIds: [...info.eosTokenIds],
    bosTokenId: info.bosTokenId ?? null,
    addsPrefixSpace: info.addsPrefixSpace,
    hasChatTemplate: info.chatTemplate !== undefined,
    trieNodeCount: trie.nodeCount,
    loadMs: round(loadMs),
    trieBuildMs: round(info.trieBuildMs),
  };
  if (flags.tokens) {
    report.tokens = flags.tokens.map((id) => ({
      id,
      text: info.tokenText(id),
      hex: Buffer.from(info.tokenBytes(id)).toString('hex'),
      special: info.isSpecial(id),
    }));
  }
  return { info, report };
}

/** The human-readable form of a report. */
export function formatVocabReport(report: VocabReport, tokenText: (id: number) => string): string {
  const named = (ids: readonly number[], limit: number) => {
    const shown = ids.slice(0, limit).map((id) => `${id} ${JSON.stringify(tokenText(id))}`);
    return ids.length > limit ? `${shown.join(', ')}, … (${ids.length - limit} more)` : shown.join(', ');
  };
  const lines = [
    `tokenizer    ${report.source}`,
    `kind         ${report.kind}${report.addsPrefixSpace ? ' (prepends a space marker)' : ''}`,
    `vocab size   ${report.vocabSize} (${report.tokenCount} tokenizer entries)`,
    `special      ${report.specialTokenIds.length} ids: ${named(report.specialTokenIds, 6) || 'none'}`,
    `eos          ${named(report.eosTokenIds, 8) || 'none'}`,
    `bos          ${report.bosTokenId === null ? 'none' : named([report.bosTokenId], 1)}`,
    `chat template ${report.hasChatTemplate ? 'yes' : 'no'}`,
    `trie         ${report.trieNodeCount} nodes, built in ${report.trieBuildMs} ms`,
    `load         ${report.loadMs} ms`,
  ];
  for (const t of report.tokens ?? []) {
    lines.push(
      `token ${t.id}  ${JSON.stringify(t.text)}  bytes ${t.hex || '(none)'}${t.special ? '  special' : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Registers `logitkit vocab`. */
export function registerVocabCommand(program: Command): void {
  program
    .command('vocab')
    .description('load a tokenizer vocabulary and show its size, kind, special/EOS ids and token trie')
    .addOption(new Option('--preset <name>', 'built-in tokenizer').choices(PRESET_NAMES))
    .option('--tokenizer <path>', 'tokenizer.json file or model directory')
    .addOption(new Option('--kind <kind>', 'override the detected decoding kind').choices(TOKENIZER_KINDS))
    .option('--vocab-size <n>', "the model's vocabulary size (default: config.json)", parseNonNegativeInt)
    .option('--tokens <ids>', 'comma-separated token ids to show', parseIdList)
    .option('--json', 'print JSON')
    .action((flags: VocabFlags, command: Command) => {
      const { writeOut, writeErr } = command.configureOutput();
      try {
        const { info, report } = loadVocab(flags);
        writeOut!(
          flags.json
            ? `${JSON.stringify(report, null, 2)}\n`
            : formatVocabReport(report, (id) => info.tokenText(id)),
        );
      } catch (error) {
        if (!(error instanceof TokenizerError || error instanceof RangeError)) throw error;
        writeErr!(`error: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function parseIdList(value: string): number[] {
  return value.split(',').map((part) => parseNonNegativeInt(part.trim()));
}
