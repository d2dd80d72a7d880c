/** `logitkit serve`: the SGLang-compatible HTTP server. */
import { type Command, InvalidArgumentError } from 'commander';
import { createServer } from '../server/index.js';
import type { Json } from '../server/sampling-params.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}.`);
    return n;
  };
}

function jsonObject(value: string): { [key: string]: Json } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object of sampling parameters.');
  }
  return parsed as { [key: string]: Json };
}

interface ServeFlags {
  host: string;
  port: number;
  tokenizer?: string;
  preset: string;
  model: string;
  upstream?: string;
  apiKey?: string;
  maxRunningRequests: number;
  maxQueuedRequests: number;
  enableCustomLogitProcessor?: boolean;
  preferredSamplingParams?: { [key: string]: Json };
  contextLength: number;
  grammarCacheSize: number;
  servedModelName?: string;
  bodyLimit: number;
}

/** Registers `logitkit serve` on the CLI program. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the SGLang-compatible HTTP server (embedded CPU model, or a validating gateway with --upstream)',
    )
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', integer('--port', 0), 30000)
    .option('--tokenizer <path>', 'tokenizer.json file or model directory (overrides --preset)')
    .option('--preset <name>', 'built-in tokenizer preset (llama-3.1, qwen3, llama-2)', 'llama-3.1')
    .option(
      '--model <model>',
      'embedded model: ngram | uniform | replay:FILE (.npy or .safetensors logits)',
      'ngram',
    )
    .option(
      '--upstream <url>',
      'gateway mode: validate requests locally, then forward them to this SGLang server',
    )
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on every route except /health')
    .option(
      '--max-running-requests <n>',
      'requests generating at once',
      integer('--max-running-requests', 1),
      32,
    )
    .option(
      '--max-queued-requests <n>',
      'waiting requests before new ones get 503',
      integer('--max-queued-requests', 0),
      256,
    )
    .option('--enable-custom-logit-processor', 'allow custom_logit_processor (registered processor names)')
    .option(
      '--preferred-sampling-params <json>',
      'default sampling params merged under every request',
      jsonObject,
    )
    .option('--context-length <n>', 'context length in tokens', integer('--context-length', 2), 8192)
    .option(
      '--grammar-cache-size <n>',
      'compiled grammars kept in the LRU cache',
      integer('--grammar-cache-size', 0),
      256,
    )
    .option('--served-model-name <name>', 'model name reported by /v1/models')
    .option(
      '--body-limit <bytes>',
      'maximum request body size',
      integer('--body-limit', 1024),
      32 * 1024 * 1024,
    )
    .action(async (flags: ServeFlags) => {
      let server: Awaited<ReturnType<typeof createServer>>;
      try {
        server = await createServer({
          host: flags.host,
          port: flags.port,
          tokenizerPath: flags.tokenizer,
          preset: flags.preset,
          model: flags.model,
          upstream: flags.upstream,
          apiKey: flags.apiKey,
          maxRunningRequests: flags.maxRunningRequests,
          maxQueuedRequests: flags.maxQueuedRequests,
          enableCustomLogitProcessor: flags.enableCustomLogitProcessor ?? false,
          preferredSamplingParams: flags.preferredSamplingParams,
          contextLength: flags.contextLength,
          grammarCacheSize: flags.grammarCacheSize,
          servedModelName: flags.servedModelName,
          bodyLimit: flags.bodyLimit,
          logger: true,
        });
        await server.listen();
      } catch (error) {
        process.stderr.write(`logitkit serve: ${(error as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.exit(1);
        }
        stopping = true;
        server.app.log.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
