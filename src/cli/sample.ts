/**
 * `logitkit sample`: runs SGLang's sampling pipeline on a logits row from a file and prints the
 * processed distribution (kept tokens, kept mass, entropy, top tokens with text when a tokenizer is
 * given) and a seeded sample; `--plot out.svg` draws the distribution before and after filtering.
 *
 *   logitkit sample --logits row.npy --params '{"temperature":0.7,"top_p":0.9}' --preset llama-3.1
 */
import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { inspectDistribution } from '../sampling/inspect.js';
import { readLogitsFile } from '../sampling/logits-file.js';
import { SamplingParams } from '../sampling/params.js';
import { distributionSvg } from '../sampling/plot.js';
import { parseJsonKeepingFloats } from '../sampling/py-repr.js';
import type { TokenizerLike } from '../sampling/types.js';
import { TokenizerInfo } from '../vocabulary/index.js';

interface SampleFlags {
  logits: string;
  params: string;
  previousIds?: number[];
  tensor?: string;
  row?: number;
  tokenizer?: string;
  preset?: string;
  top: number;
  seed: number;
  plot?: string;
  json?: boolean;
}

function idList(value: string): number[] {
  const parts = value.trim().startsWith('[')
    ? (JSON.parse(value) as unknown[])
    : value.split(/[,\s]+/u).filter(Boolean);
  return parts.map((part) => {
    const n = Number(part);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`expected token ids, got ${JSON.stringify(part)}.`);
    return n;
  });
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}

function loadTokenizer(flags: SampleFlags): TokenizerLike | null {
  if (flags.tokenizer) return TokenizerInfo.fromTokenizerJson(flags.tokenizer);
  if (flags.preset) return TokenizerInfo.fromPresetSync(flags.preset);
  return null;
}

/** Runs the command; returns the text printed (exported for tests). */
export function runSample(flags: SampleFlags): string {
  const file = readLogitsFile(flags.logits, flags.tensor);
  const rowIndex = flags.row ?? file.rows.length - 1;
  const row = file.rows[rowIndex];
  if (!row)
    throw new Error(`--row ${rowIndex} is out of range: ${flags.logits} has ${file.rows.length} row(s)`);
  let json: unknown;
  try {
    json = parseJsonKeepingFloats(flags.params);
  } catch (error) {
    throw new Error(`--params is not valid JSON: ${(error as Error).message}`);
  }
  const tokenizer = loadTokenizer(flags);
  const params = SamplingParams.from(json).normalize(tokenizer).verify(row.length);
  const report = inspectDistribution(row, params, {
    previousIds: flags.previousIds ?? [],
    eosTokenIds: tokenizer?.eosTokenIds ?? [],
    tokenizer,
    top: flags.top,
    seed: flags.seed,
  });
  if (flags.plot) {
    const title = `${flags.logits} row ${rowIndex}: ${flags.params}`;
    writeFileSync(flags.plot, distributionSvg(report.bars, title));
  }
  if (flags.json) {
    const { bars: _bars, ...rest } = report;
    return JSON.stringify(
      { file: flags.logits, row: rowIndex, shape: file.shape, params: params.toJSON(), ...rest },
      null,
      2,
    );
  }
  const lines = [
    `logits: ${flags.logits} (${file.dtype}, shape [${file.shape.join(', ')}]), row ${rowIndex}, vocabulary ${row.length}`,
    `params: ${JSON.stringify(params.toJSON(), (_k, v) => (v === null ? undefined : v))}`,
    `kept tokens: ${report.keptTokens} of ${row.length}${report.greedy ? ' (greedy)' : ''}`,
    `kept mass before renormalisation: ${report.keptMass.toFixed(6)}`,
    `entropy: ${report.entropyNats.toFixed(4)} nats (${report.entropyBits.toFixed(4)} bits)`,
    '',
    `${'rank'.padStart(4)}  ${'id'.padStart(8)}  ${'prob'.padStart(10)}  ${'logprob'.padStart(10)}  ${'logit'.padStart(10)}  text`,
    ...report.top.map(
      (t, i) =>
        `${String(i + 1).padStart(4)}  ${String(t.id).padStart(8)}  ${t.prob.toFixed(6).padStart(10)}  ${(t.logprob === null ? '-inf' : t.logprob.toFixed(4)).padStart(10)}  ${t.logit.toFixed(4).padStart(10)}  ${t.text === null ? '' : JSON.stringify(t.text)}`,
    ),
    '',
    `sample (seed ${report.sample.seed}): ${report.sample.id}${report.sample.text === null ? '' : ` ${JSON.stringify(report.sample.text)}`}`,
  ];
  if (flags.plot) lines.push(`plot written to ${flags.plot}`);
  return lines.join('\n');
}

/** Registers `logitkit sample`. */
export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description("Apply SGLang's sampling pipeline to a logits row and show the resulting distribution")
    .requiredOption(
      '--logits <file>',
      'logits file: .npy, .safetensors or .json (last dimension = vocabulary)',
    )
    .option('--params <json>', 'SGLang sampling_params as JSON', '{}')
    .option('--previous-ids <ids>', 'previously generated token ids (for penalties), e.g. 1,2,3', idList)
    .option('--tensor <name>', 'tensor name inside a .safetensors file')
    .option('--row <n>', 'row to use when the file has several (default: the last)', nonNegativeInt)
    .option('--tokenizer <path>', 'tokenizer.json (or model directory) to show token text')
    .option('--preset <name>', 'built-in tokenizer preset (llama-3.1, qwen3, llama-2)')
    .option('--top <n>', 'number of top tokens to list', nonNegativeInt, 10)
    .option('--seed <n>', 'seed of the sample (xoshiro128**)', nonNegativeInt, 0)
    .option('--plot <file.svg>', 'write an SVG of the distribution before and after filtering')
    .option('--json', 'print a JSON report')
    .action((flags: SampleFlags) => {
      try {
        process.stdout.write(`${runSample(flags)}\n`);
      } catch (error) {
        process.stderr.write(`logitkit sample: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
