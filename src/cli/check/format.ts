/** The human-readable form of a `logitkit check` report. */
import type { CheckDiagnostic, CheckReport } from '../check.js';
import type { OracleVerdict } from './oracles.js';

function where(d: CheckDiagnostic): string {
  if (d.line !== undefined) return ` at line ${d.line}, column ${d.column ?? 1}`;
  if (d.pointer !== undefined) return ` at ${d.pointer === '' ? '(root)' : d.pointer}`;
  if (d.position !== undefined) return ` at offset ${d.position}`;
  return '';
}

function errorLines(d: CheckDiagnostic): string[] {
  const lines = [`error: ${d.message}`];
  // EBNF and regex messages already say where; JSON pointers are added when the message lacks them.
  if (d.pointer !== undefined && !d.message.includes(d.pointer || '/'))
    lines.push(`  at JSON pointer ${d.pointer === '' ? '"" (the root)' : d.pointer}`);
  if (d.snippet) lines.push(...d.snippet.split('\n').map((l) => `  ${l}`));
  return lines;
}

function tokens(n: number): string {
  return n === 1 ? '1 token' : `${n} tokens`;
}

function verdict(accepted: boolean): string {
  return accepted ? 'accepts' : 'rejects';
}

function oracleText(o: OracleVerdict): string {
  const why = o.valid || o.errors.length === 0 ? '' : ` (${o.errors.slice(0, 3).join('; ')})`;
  return `${o.oracle} ${o.valid ? 'accepts' : 'rejects'}${why}`;
}

/** The keywords XGrammar would accept without enforcing them, if any. */
function gapLines(report: CheckReport): string[] {
  const gaps = report.xgrammarIgnored;
  if (gaps.length === 0) return [];
  return [
    `XGrammar (SGLang's default grammar backend) would accept this schema but NOT enforce ${gaps.length} keyword(s):`,
    ...gaps.map((gap) => `  ${gap.pointer} (${gap.keyword}): ${gap.reason}`),
  ];
}

/** Text for stdout (the report) and stderr (a compile error), each possibly empty. */
export function formatCheckReport(report: CheckReport): { out: string; err: string } {
  if (!report.ok) {
    const lines = [
      `${report.mode} ${JSON.stringify(report.input)}: does not compile`,
      ...report.errors.flatMap(errorLines),
    ];
    const warnings = report.warnings.map((w) => `warning${where(w)}: ${w.message}`);
    return { out: '', err: `${[...lines, ...warnings, ...gapLines(report)].join('\n')}\n` };
  }
  const lines: string[] = [];
  const tok = report.tokenizer;
  const flavor = report.flavor ? ` (${report.flavor} flavor)` : '';
  lines.push(
    `ok: ${report.mode} ${JSON.stringify(report.input)}${flavor} compiled in ${report.compileMs} ms` +
      (tok ? ` for ${tok.source} (${tok.vocabSize} tokens; token trie built in ${tok.trieBuildMs} ms)` : ''),
  );
  for (const w of report.warnings)
    lines.push(`warning${where(w)}${w.kind ? ` [${w.kind}]` : ''}: ${w.message}`);
  lines.push(...gapLines(report));
  if (report.tests.length > 0) lines.push('tests:');
  for (const t of report.tests) {
    const head = t.disagrees ? '  !! DISAGREEMENT' : ' ';
    const from = t.from === '--test-string' ? '' : ` [${t.from}]`;
    const oracle = t.oracle ? `, ${oracleText(t.oracle)}` : '';
    lines.push(`${head} grammar ${verdict(t.accepted)} ${JSON.stringify(t.input)}${from}${oracle}`);
  }
  if (report.samples.length > 0) lines.push(`samples (seed ${report.seed}):`);
  for (const [i, s] of report.samples.entries()) {
    const end =
      s.end === 'truncated'
        ? `truncated at ${tokens(report.maxTokens)}`
        : s.end === 'dead-end'
          ? '!! DEAD END: no token allowed before the sentence was complete'
          : 'complete';
    const oracle = s.oracle ? `, ${s.oracle.valid ? '' : '!! '}${oracleText(s.oracle)}` : '';
    lines.push(`  ${i + 1}. ${JSON.stringify(s.text)} (${tokens(s.tokens)}, ${end}${oracle})`);
  }
  const mask = report.maskMicros;
  if (mask)
    lines.push(
      `mask time: p50 ${mask.p50} µs, p99 ${mask.p99} µs, max ${mask.max} µs over ${mask.count} masks ` +
        `(first mask ${mask.first} µs, cold caches)`,
    );
  if (report.problems > 0) lines.push(`FAILED: ${report.problems} disagreement(s) or problem sample(s)`);
  return { out: `${lines.join('\n')}\n`, err: '' };
}
