/**
 * `logitkit check-ebnf`: compiles an EBNF grammar (XGrammar dialect) and reports XGrammar-style errors with a
 * caret, the compat warnings, and optionally whether given strings are accepted.
 *
 *   logitkit check-ebnf grammar.ebnf
 *   logitkit check-ebnf grammar.ebnf --root expr --compat xgrammar --test "1+2" --test "1+"
 *   echo 'root ::= "a"+' | logitkit check-ebnf - --json
 *
 * Exit codes: 0 ok, 1 grammar error (or unreadable file), 2 some `--test` string was rejected.
 */
import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { BUILTIN_JSON_EBNF, type EbnfWarning, ebnfToGrammar } from '../ebnf/index.js';
import { GrammarError } from '../engine/errors.js';
import { CompiledGrammar, grammarAcceptsString } from '../engine/index.js';

interface CheckEbnfFlags {
  root?: string;
  compat?: 'default' | 'xgrammar';
  test?: string[];
  builtinJson?: boolean;
  json?: boolean;
}

/** What `logitkit check-ebnf --json` prints. */
export interface CheckEbnfReport {
  ok: boolean;
  error?: { kind: string; message: string; line?: number; column?: number; snippet?: string };
  rules?: number;
  root?: string;
  warnings?: EbnfWarning[];
  tests?: Array<{ input: string; accepted: boolean }>;
  compileMs?: number;
}

/** Checks a grammar text and runs the test strings. */
export function checkEbnf(source: string, flags: CheckEbnfFlags): CheckEbnfReport {
  const start = performance.now();
  try {
    const { grammar, warnings } = ebnfToGrammar(source, { root: flags.root, compat: flags.compat });
    const compileMs = Math.round((performance.now() - start) * 100) / 100;
    const report: CheckEbnfReport = {
      ok: true,
      rules: grammar.rules.length,
      root: grammar.rules[grammar.root]!.name,
      warnings,
      compileMs,
    };
    if (flags.test && flags.test.length > 0) {
      const compiled = CompiledGrammar.fromGrammar(grammar, null);
      report.tests = flags.test.map((input) => ({ input, accepted: grammarAcceptsString(compiled, input) }));
    }
    return report;
  } catch (error) {
    if (!(error instanceof GrammarError)) throw error;
    const { kind, message, line, column, snippet } = error;
    return { ok: false, error: { kind, message, line, column, snippet } };
  }
}

/** The human-readable form of a report. */
export function formatCheckEbnfReport(report: CheckEbnfReport): string {
  if (!report.ok) {
    const e = report.error!;
    return `error: ${e.message}\n${e.snippet ? `${e.snippet}\n` : ''}`;
  }
  const lines = [`ok: ${report.rules} rules, root "${report.root}" (${report.compileMs} ms)`];
  for (const w of report.warnings ?? [])
    lines.push(`warning at line ${w.line}, column ${w.column} [${w.kind}]: ${w.message}`);
  for (const t of report.tests ?? [])
    lines.push(`${t.accepted ? 'accept' : 'reject'}  ${JSON.stringify(t.input)}`);
  return `${lines.join('\n')}\n`;
}

/** Registers `logitkit check-ebnf`. */
export function registerCheckEbnfCommand(program: Command): void {
  program
    .command('check-ebnf')
    .description(
      'compile an EBNF grammar (XGrammar/SGLang dialect): errors with line:column, warnings, test strings',
    )
    .argument('[file]', 'grammar file, or - for stdin')
    .option('--root <name>', 'start rule', 'root')
    .addOption(
      new Option('--compat <mode>', 'semantics: the grammar as written, or XGrammar quirks').choices([
        'default',
        'xgrammar',
      ]),
    )
    .option(
      '--test <text>',
      'a string to match against the grammar (repeatable)',
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option('--builtin-json', 'check the built-in JSON grammar (json_object) instead of a file')
    .option('--json', 'print JSON')
    .action((file: string | undefined, flags: CheckEbnfFlags, command: Command) => {
      const { writeOut, writeErr } = command.configureOutput();
      let source: string;
      try {
        if (flags.builtinJson) source = BUILTIN_JSON_EBNF;
        else if (file === undefined)
          throw new Error('give a grammar file (or - for stdin, or --builtin-json)');
        else source = readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (error) {
        writeErr!(`error: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
        return;
      }
      const report = checkEbnf(source, flags);
      const text = flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatCheckEbnfReport(report);
      if (report.ok) writeOut!(text);
      else if (flags.json) writeOut!(text);
      else writeErr!(text);
      if (!report.ok) process.exitCode = 1;
      else if (report.tests?.some((t) => !t.accepted)) process.exitCode = 2;
    });
}
