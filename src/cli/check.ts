/**
 * `logitkit check`: compiles one constraint (EBNF, regex, JSON Schema or structural tag) for a real tokenizer
 * and reports what a user needs before shipping it: the error with its caret or JSON pointer, warnings
 * (EBNF quirks, keywords SGLang's default backend XGrammar would silently not enforce, annotation-only
 * formats), compile time, verdicts on test strings and instance files (against ajv / RegExp, with
 * disagreements flagged), random sentences drawn through the token masks, and mask time percentiles.
 *
 *   logitkit check --json-schema person.json --instance alice.json --samples 5
 *   logitkit check --ebnf expr.ebnf --root expr --test-string "1+2" --json
 *   logitkit check --regex '[a-z]{3}' --dot | dot -Tsvg > dfa.svg
 *
 * Exit codes: 0 ok; 1 compile error, unreadable input, or a disagreement (grammar vs ajv/RegExp on a test
 * string or instance, a sample the oracle rejects, a walk stuck in a dead end); 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ebnfToGrammar } from '../ebnf/index.js';
import { dfaToDot, exprToDfa } from '../engine/automaton.js';
import type { CompiledGrammar } from '../engine/compiled-grammar.js';
import { GrammarError } from '../engine/errors.js';
import { GrammarCompiler } from '../engine/grammar-compiler.js';
import { GrammarMatcher } from '../engine/matcher.js';
import { checkJsonSchema, type JsonSchemaOptions, type XGrammarGap } from '../json-schema/index.js';
import { checkRegex, type RegexFlavor, regexToExpr } from '../regex/index.js';
import { checkStructuralTag } from '../structural-tag/index.js';
import { TokenizerInfo } from '../vocabulary/index.js';
import { formatCheckReport } from './check/format.js';
import { ajvVerdicts, type OracleVerdict, regexOracle } from './check/oracles.js';
import { DEFAULT_MAX_WALK_TOKENS, quantile, randomWalks, type WalkEnd } from './check/walk.js';

/** Which front end the constraint goes through. */
export type CheckMode = 'ebnf' | 'regex' | 'json-schema' | 'structural-tag';

/** Options of {@link runCheck}: the command's flags, plus an injected tokenizer for tests and embedders. */
export interface CheckOptions {
  ebnf?: string;
  regex?: string;
  flavor?: RegexFlavor;
  jsonSchema?: string;
  structuralTag?: string;
  /** Path of a tokenizer.json (or a directory holding one). */
  tokenizer?: string;
  /** Built-in tokenizer preset (default `llama-3.1`); ignored with `tokenizer` or `tokenizerInfo`. */
  preset?: string;
  /** A tokenizer already loaded (takes precedence over `tokenizer` and `preset`). */
  tokenizerInfo?: TokenizerInfo;
  /** Random sentences to draw (default 5). */
  samples?: number;
  /** Seed of the sentence generator (default 0). */
  seed?: number;
  /** Most tokens per sentence (default 256). */
  maxTokens?: number;
  /** Draw every allowed token with equal chance instead of grouping by first character (see `WalkStrategy`). */
  uniform?: boolean;
  testString?: string[];
  /** JSON Schema only: files holding one JSON instance each (surrounding whitespace is ignored). */
  instance?: string[];
  /** `xgrammar`: EBNF with XGrammar's quirks; JSON Schema in XGrammar's strict mode (SGLang's default). */
  compat?: 'default' | 'xgrammar';
  /** EBNF start rule (default `root`). */
  root?: string;
  json?: boolean;
  /** `--regex` only: print the pattern's byte DFA as Graphviz DOT. */
  dot?: boolean;
}

/** Where {@link runCheck} writes. */
export interface CheckIo {
  out(text: string): void;
  err(text: string): void;
}

/** A located error or warning. */
export interface CheckDiagnostic {
  message: string;
  kind?: string;
  line?: number;
  column?: number;
  /** 0-based offset in a regex. */
  position?: number;
  /** JSON pointer into a schema or structural tag. */
  pointer?: string;
  keyword?: string;
  /** The source line with a caret under the position. */
  snippet?: string;
}

/** A test string's or instance file's verdicts. */
export interface CheckTest {
  /** `--test-string`, or the instance file's path. */
  from: string;
  input: string;
  /** The grammar accepts the whole input as a complete sentence. */
  accepted: boolean;
  oracle?: OracleVerdict;
  /** Grammar and oracle differ. */
  disagrees: boolean;
}

/** One random sentence. */
export interface CheckSample {
  text: string;
  tokens: number;
  end: WalkEnd;
  oracle?: OracleVerdict;
  /** The oracle rejects a complete sentence of the grammar (a wrong accept), or the walk hit a dead end. */
  problem: boolean;
}

/** What `logitkit check --json` prints. */
export interface CheckReport {
  ok: boolean;
  mode: CheckMode;
  /** The file (or, for `--regex`, the pattern) checked. */
  input: string;
  flavor?: RegexFlavor;
  /** The tokenizer, and how long its token trie took to build (once per tokenizer, not per grammar). */
  tokenizer?: { source: string; vocabSize: number; trieBuildMs?: number };
  errors: CheckDiagnostic[];
  warnings: CheckDiagnostic[];
  /** JSON Schema: keywords XGrammar (SGLang's default grammar backend) would accept without enforcing. */
  xgrammarIgnored: XGrammarGap[];
  compileMs?: number;
  tests: CheckTest[];
  seed: number;
  maxTokens: number;
  samples: CheckSample[];
  /**
   * `fillNextTokenBitmask` time over the sample walks, in microseconds; `first` is the very first mask, which
   * also builds the start state's cached token sets.
   */
  maskMicros?: { count: number; first: number; p50: number; p99: number; max: number };
  /** Test/instance disagreements plus problem samples; nonzero means exit code 1. */
  problems: number;
  dot?: string;
}

/** Thrown for flag combinations commander cannot express; the command turns it into exit code 2. */
export class CheckUsageError extends Error {
  override readonly name = 'CheckUsageError';
}

const MODE_FLAGS: ReadonlyArray<[CheckMode, keyof CheckOptions, string]> = [
  ['ebnf', 'ebnf', '--ebnf'],
  ['regex', 'regex', '--regex'],
  ['json-schema', 'jsonSchema', '--json-schema'],
  ['structural-tag', 'structuralTag', '--structural-tag'],
];

function modeOf(options: CheckOptions): { mode: CheckMode; input: string } {
  const given = MODE_FLAGS.filter(([, key]) => options[key] !== undefined);
  if (given.length !== 1) {
    throw new CheckUsageError(
      given.length === 0
        ? 'give one of --ebnf FILE, --regex PATTERN, --json-schema FILE, --structural-tag FILE'
        : `give only one of ${given.map(([, , flag]) => flag).join(', ')}`,
    );
  }
  const [mode, key] = given[0]!;
  if (options.instance?.length && mode !== 'json-schema')
    throw new CheckUsageError('--instance is for --json-schema');
  if (options.dot && mode !== 'regex') throw new CheckUsageError('--dot is for --regex');
  if (options.flavor && mode !== 'regex') throw new CheckUsageError('--flavor is for --regex');
  if (options.root !== undefined && mode !== 'ebnf') throw new CheckUsageError('--root is for --ebnf');
  if (options.compat !== undefined && mode !== 'ebnf' && mode !== 'json-schema')
    throw new CheckUsageError('--compat is for --ebnf and --json-schema');
  return { mode, input: options[key] as string };
}

function diagnosticOf(error: GrammarError): CheckDiagnostic {
  const { message, kind, line, column, position, pointer, snippet } = error;
  return dropUndefined({ message, kind, line, column, position, pointer, snippet });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function loadTokenizer(options: CheckOptions): TokenizerInfo {
  if (options.tokenizerInfo) return options.tokenizerInfo;
  if (options.tokenizer) return TokenizerInfo.fromTokenizerJson(options.tokenizer);
  return TokenizerInfo.fromPresetSync(options.preset ?? 'llama-3.1');
}

/** Front-end results before the tokenizer is involved. */
interface FrontEnd {
  errors: CheckDiagnostic[];
  warnings: CheckDiagnostic[];
  xgrammarIgnored: XGrammarGap[];
  /** Compiles for the tokenizer (timed by the caller); throws GrammarError. */
  compile(compiler: GrammarCompiler): CompiledGrammar;
  /** An independent verdict per text (ajv, RegExp), or undefined where there is no oracle. */
  oracle(texts: readonly string[]): Array<OracleVerdict | undefined>;
}

const noOracle = (texts: readonly string[]): undefined[] => texts.map(() => undefined);

function ebnfFrontEnd(source: string, options: CheckOptions): FrontEnd {
  const ebnfOptions = { root: options.root ?? 'root', compat: options.compat ?? 'default' };
  const { warnings } = ebnfToGrammar(source, ebnfOptions);
  return {
    errors: [],
    warnings: warnings.map(({ message, kind, line, column }) => ({ message, kind, line, column })),
    xgrammarIgnored: [],
    compile: (compiler) => compiler.compileEbnf(source, ebnfOptions),
    oracle: noOracle,
  };
}

function regexFrontEnd(pattern: string, flavor: RegexFlavor): FrontEnd {
  const checked = checkRegex(pattern, { flavor });
  const located = (d: { message: string; position: number; snippet: string }): CheckDiagnostic => ({
    message: d.message,
    position: d.position,
    snippet: d.snippet,
  });
  return {
    errors: checked.errors.map((d) => ({ ...located(d), kind: 'regex' })),
    warnings: checked.warnings.map(located),
    xgrammarIgnored: [],
    compile: (compiler) => compiler.compileRegex(pattern, { flavor }),
    oracle: (texts) => {
      const oracle = checked.ok ? regexOracle(pattern, flavor, checked.warnings.length > 0) : null;
      return texts.map((text) => oracle?.(text));
    },
  };
}

function jsonSchemaFrontEnd(text: string, schemaOptions: JsonSchemaOptions): FrontEnd {
  const checked = checkJsonSchema(text, schemaOptions);
  return {
    errors: checked.errors.map((e) => ({ message: e.message, kind: 'json-schema', pointer: e.pointer })),
    warnings: checked.warnings.map((w) => ({ message: w.message, pointer: w.pointer, keyword: w.keyword })),
    xgrammarIgnored: checked.xgrammarIgnored,
    compile: (compiler) => compiler.compileJsonSchema(text, schemaOptions),
    oracle: (texts) => ajvVerdicts(text, texts, schemaOptions),
  };
}

function structuralTagFrontEnd(text: string, tokenizer: TokenizerInfo): FrontEnd {
  const checked = checkStructuralTag(text, { tokenizer });
  return {
    errors: checked.errors.map((e) => ({ message: e.message, kind: e.kind, pointer: e.pointer })),
    warnings: checked.warnings.map((message) => ({ message })),
    xgrammarIgnored: [],
    compile: (compiler) => compiler.compileStructuralTag(text),
    oracle: noOracle,
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Accepts `text` as one string from a fresh matcher and asks whether it is a complete sentence. */
function grammarAccepts(compiled: CompiledGrammar, text: string): boolean {
  const matcher = new GrammarMatcher(compiled);
  return matcher.acceptString(text) && matcher.isCompleted();
}

/**
 * Runs the whole check and returns the report (without printing). Throws `CheckUsageError` for bad flag
 * combinations and `Error` for unreadable files or tokenizers.
 */
export function buildCheckReport(options: CheckOptions): CheckReport {
  const { mode, input } = modeOf(options);
  const seed = options.seed ?? 0;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_WALK_TOKENS;
  const flavor = options.flavor ?? 'sglang';
  const schemaOptions: JsonSchemaOptions = options.compat === 'xgrammar' ? { strict: true } : {};
  const source = mode === 'regex' ? input : readText(input, `${mode} file`);
  const instances = (options.instance ?? []).map((path) => ({
    from: path,
    input: readText(path, 'instance file').trim(),
  }));
  const report: CheckReport = {
    ok: false,
    mode,
    input,
    ...(mode === 'regex' ? { flavor } : {}),
    errors: [],
    warnings: [],
    xgrammarIgnored: [],
    tests: [],
    seed,
    maxTokens,
    samples: [],
    problems: 0,
  };

  let tokenizer: TokenizerInfo | undefined;
  // A plain `--dot` prints only the automaton, which needs no tokenizer.
  if (!(options.dot && !options.json)) {
    tokenizer = loadTokenizer(options);
    report.tokenizer = { source: tokenizer.source, vocabSize: tokenizer.vocabSize };
  }

  let frontEnd: FrontEnd;
  try {
    if (mode === 'ebnf') frontEnd = ebnfFrontEnd(source, options);
    else if (mode === 'regex') frontEnd = regexFrontEnd(source, flavor);
    else if (mode === 'json-schema') frontEnd = jsonSchemaFrontEnd(source, schemaOptions);
    else frontEnd = structuralTagFrontEnd(source, tokenizer!);
  } catch (error) {
    if (!(error instanceof GrammarError)) throw error;
    report.errors.push(diagnosticOf(error));
    return report;
  }
  report.warnings = frontEnd.warnings;
  report.xgrammarIgnored = frontEnd.xgrammarIgnored;
  if (frontEnd.errors.length > 0) {
    report.errors = frontEnd.errors;
    return report;
  }

  if (options.dot) {
    try {
      report.dot = dfaToDot(exprToDfa(regexToExpr(source, { flavor })), 'regex');
    } catch (error) {
      if (!(error instanceof GrammarError)) throw error;
      report.errors.push(diagnosticOf(error));
      return report;
    }
    if (!tokenizer) {
      report.ok = true;
      return report;
    }
  }

  let compiled: CompiledGrammar;
  const compiler = new GrammarCompiler(tokenizer!, { cache: false });
  // The token trie is built once per tokenizer, not per grammar: build it before the compile timer starts.
  void tokenizer!.trie;
  report.tokenizer!.trieBuildMs = roundTo(tokenizer!.trieBuildMs, 3);
  try {
    const t0 = performance.now();
    compiled = frontEnd.compile(compiler);
    report.compileMs = roundTo(performance.now() - t0, 3);
  } catch (error) {
    if (!(error instanceof GrammarError)) throw error;
    report.errors.push(diagnosticOf(error));
    return report;
  }

  const checks = [
    ...(options.testString ?? []).map((text) => ({ from: '--test-string', input: text })),
    ...instances,
  ];
  exercise(report, compiled, frontEnd, checks, options);
  report.ok = true;
  return report;
}

/**
 * Fills the report's tests (test strings and instances: grammar verdict vs oracle), random samples (with the
 * oracle's verdict on complete ones), mask times and problem count.
 */
function exercise(
  report: CheckReport,
  compiled: CompiledGrammar,
  frontEnd: FrontEnd,
  checks: ReadonlyArray<{ from: string; input: string }>,
  options: CheckOptions,
): void {
  const walked = randomWalks(compiled, {
    count: options.samples ?? 5,
    seed: report.seed,
    maxTokens: report.maxTokens,
    strategy: options.uniform ? 'uniform' : 'grouped',
  });
  const verdicts = frontEnd.oracle([...checks.map((c) => c.input), ...walked.walks.map((w) => w.text)]);
  report.tests = checks.map((check, i) => {
    const accepted = grammarAccepts(compiled, check.input);
    const oracle = verdicts[i];
    return {
      ...check,
      accepted,
      ...(oracle ? { oracle } : {}),
      disagrees: !!oracle && oracle.valid !== accepted,
    };
  });
  report.samples = walked.walks.map((walk, i) => {
    const oracle = walk.end === 'eos' ? verdicts[checks.length + i] : undefined;
    return {
      text: walk.text,
      tokens: walk.tokens.length,
      end: walk.end,
      ...(oracle ? { oracle } : {}),
      problem: walk.end === 'dead-end' || (!!oracle && !oracle.valid),
    };
  });
  const micros = walked.maskMicros;
  if (micros.length > 0) {
    report.maskMicros = {
      count: micros.length,
      first: roundTo(micros[0]!, 1),
      p50: roundTo(quantile(micros, 0.5), 1),
      p99: roundTo(quantile(micros, 0.99), 1),
      max: roundTo(quantile(micros, 1), 1),
    };
  }
  report.problems =
    report.tests.filter((t) => t.disagrees).length + report.samples.filter((s) => s.problem).length;
}

/** The exit code for a report: 1 for a compile error or any disagreement, else 0. */
export function checkExitCode(report: CheckReport): number {
  return report.ok && report.problems === 0 ? 0 : 1;
}

/**
 * Runs `logitkit check` with parsed options, printing to `io`; returns the exit code (2 for a usage error,
 * 1 for unreadable input or a failed check).
 */
export function runCheck(options: CheckOptions, io: CheckIo): number {
  let report: CheckReport;
  try {
    report = buildCheckReport(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`error: ${message}\n`);
    return error instanceof CheckUsageError ? 2 : 1;
  }
  if (options.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else if (options.dot && report.dot !== undefined) io.out(`${report.dot}\n`);
  else {
    const { out, err } = formatCheckReport(report);
    if (out) io.out(out);
    if (err) io.err(err);
  }
  return checkExitCode(report);
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected an integer.');
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `logitkit check`. */
export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'compile an EBNF grammar, regex, JSON Schema or structural tag for a tokenizer: errors with caret or ' +
        'JSON pointer, warnings (incl. what XGrammar would not enforce), test strings and instances against ' +
        'ajv/RegExp, random sentences through the token masks, compile and mask times',
    )
    .option('--ebnf <file>', 'EBNF grammar file (XGrammar/SGLang dialect), - for stdin')
    .option('--regex <pattern>', 'regular expression')
    .addOption(
      new Option('--flavor <flavor>', 'regex dialect (default sglang)').choices(['sglang', 'ecma', 'python']),
    )
    .option('--json-schema <file>', 'JSON Schema file, - for stdin')
    .option('--structural-tag <file>', 'structural tag JSON file, - for stdin')
    .option('--tokenizer <path>', 'tokenizer.json (or a directory holding one)')
    .option('--preset <name>', 'built-in tokenizer preset (default llama-3.1)')
    .option('--samples <n>', 'random sentences to draw', nonNegativeInt, 5)
    .option('--seed <s>', 'seed of the sentence generator', integer, 0)
    .option('--max-tokens <n>', 'most tokens per random sentence', nonNegativeInt, DEFAULT_MAX_WALK_TOKENS)
    .option('--uniform', 'samples: every allowed token equally likely (default: grouped by first character)')
    .option('--test-string <text>', 'a string to check against the grammar (repeatable)', collect)
    .option(
      '--instance <file>',
      'JSON Schema: a JSON instance file to check with grammar and ajv (repeatable)',
      collect,
    )
    .addOption(
      new Option('--compat <mode>', 'xgrammar: EBNF quirks / JSON Schema strict mode, as XGrammar').choices([
        'default',
        'xgrammar',
      ]),
    )
    .option('--root <name>', 'EBNF start rule (default root)')
    .option('--json', 'print one JSON object')
    .option('--dot', '--regex: print the byte DFA as Graphviz DOT')
    .exitOverride((error) => {
      // Usage errors exit with 2 (commander's default is 1, which `check` uses for failed checks).
      if (error.exitCode === 1) throw new CommanderError(2, error.code, error.message);
      throw error;
    })
    .action((flags: CheckOptions, command: Command) => {
      const { writeOut, writeErr } = command.configureOutput();
      const out = writeOut ?? ((t: string) => process.stdout.write(t));
      const err = writeErr ?? ((t: string) => process.stderr.write(t));
      process.exitCode = runCheck(flags, { out, err });
    });
}
