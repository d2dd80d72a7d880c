import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { startSidecar } from '../sglang-backend/start.js';

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${flag} expects a positive integer, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

function idList(value: string): number[] {
  return value
    .split(/[,\s]+/)
    .filter((part) => part !== '')
    .map((part) => {
      if (!/^\d+$/.test(part)) {
        throw new InvalidArgumentError(
          `--eos-ids expects comma-separated token ids, got ${JSON.stringify(part)}`,
        );
      }
      return Number(part);
    });
}

/** logitkit's version from package.json (two levels up from both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface SidecarCliOptions {
  socket: string;
  tokenizer?: string;
  preset?: string;
  vocabSize?: number;
  eosIds?: number[];
  cacheSize?: number;
  exitOnStdinClose?: boolean;
}

/** `logitkit sidecar`: the grammar process the SGLang plugin (python/logitkit_sglang) talks to. */
export function registerSidecarCommand(program: Command): void {
  program
    .command('sidecar')
    .description(
      'serve grammar compilation and token masks to the SGLang plugin over a Unix socket (docs/sidecar-protocol.md)',
    )
    .requiredOption('--socket <path>', 'Unix socket to listen on')
    .option('--tokenizer <path>', 'model directory or tokenizer.json')
    .option('--preset <name>', 'built-in tokenizer preset instead of --tokenizer (llama-3.1, qwen3, llama-2)')
    .option('--vocab-size <n>', "the model's vocabulary size (mask width)", positiveInt('--vocab-size'))
    .option(
      '--eos-ids <ids>',
      "the model's EOS token ids, comma-separated (the grammars' stop tokens)",
      idList,
    )
    .option('--cache-size <n>', 'compiled grammars kept (LRU, default 4096)', positiveInt('--cache-size'))
    .option(
      '--exit-on-stdin-close',
      'exit when stdin reaches EOF (the plugin uses this so the sidecar dies with it)',
    )
    .action(async (opts: SidecarCliOptions) => {
      const log = (message: string) => process.stderr.write(`[logitkit sidecar] ${message}\n`);
      let server: Awaited<ReturnType<typeof startSidecar>>;
      try {
        server = await startSidecar({
          socketPath: opts.socket,
          ...(opts.tokenizer !== undefined ? { tokenizer: opts.tokenizer } : {}),
          ...(opts.preset !== undefined ? { preset: opts.preset } : {}),
          ...(opts.vocabSize !== undefined ? { vocabSize: opts.vocabSize } : {}),
          ...(opts.eosIds !== undefined ? { eosTokenIds: opts.eosIds } : {}),
          ...(opts.cacheSize !== undefined ? { compileCacheEntries: opts.cacheSize } : {}),
          version: packageVersion(),
          log,
        });
      } catch (err) {
        log(`cannot start: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      log(`listening on ${opts.socket}`);
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        process.stdin.destroy();
        void server.close();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      if (opts.exitOnStdinClose) {
        process.stdin.on('end', stop);
        process.stdin.on('close', stop);
        process.stdin.resume();
      }
    });
}
