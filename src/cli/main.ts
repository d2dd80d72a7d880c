#!/usr/bin/env node
/**
 * The `logitkit` command line. Each command lives in its own `src/cli/<command>.ts` exporting
 * `register<Name>Command(program)`; adding one is an import and an entry in COMMANDS below.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './check.js';
import { registerCheckEbnfCommand } from './check-ebnf.js';
import { registerSampleCommand } from './sample.js';
import { registerServeCommand } from './serve.js';
import { registerSidecarCommand } from './sidecar.js';
import { registerVocabCommand } from './vocab.js';

/** Every command's registration function, in help order. */
const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerVocabCommand,
  registerSampleCommand,
  registerServeCommand,
  registerCheckCommand,
  registerCheckEbnfCommand,
  registerSidecarCommand,
];

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Where the program writes; tests pass their own. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

/**
 * Builds the program with every command registered. Commander errors (bad flags, --help, --version) are
 * thrown as CommanderError instead of exiting the process.
 */
export function createProgram(output?: CliOutput): Command {
  const program = new Command('logitkit')
    .description('Constrained decoding and sampling for LLM serving, in pure TypeScript.')
    .version(version)
    .exitOverride();
  if (output) program.configureOutput({ writeOut: output.writeOut, writeErr: output.writeErr });
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves to the exit code. Never calls
 * process.exit; commands report failures through `process.exitCode`.
 */
export async function main(
  argv: readonly string[] = process.argv.slice(2),
  output?: CliOutput,
): Promise<number> {
  const program = createProgram(output);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
