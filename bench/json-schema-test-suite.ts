/**
 * JSON-Schema-Test-Suite coverage of the JSON Schema compiler, string-level (no tokenizer).
 *
 * For every (schema, instance) case of the chosen drafts (required tests, optional/, optional/format/), the
 * instance is serialised compactly in its file's key order and checked for complete acceptance by the
 * compiled grammar. Outcomes: pass, compile-error (the schema was refused with a GrammarError), wrong-accept
 * (an invalid instance accepted: must be 0), wrong-reject (a valid instance rejected), crash (any other
 * exception: a bug). Format tests run with `unknownFormats: 'error'` (format as an assertion, as they assume).
 *
 * Usage: npm run bench:jsts -- --suite /path/to/JSON-Schema-Test-Suite [--drafts draft2020-12,draft7] [--verbose]
 */
import fs from 'node:fs';
import path from 'node:path';
import { CompiledGrammar, GrammarError, GrammarMatcher } from '../src/engine/index.js';
import { jsonSchemaToGrammar } from '../src/json-schema/index.js';
import {
  isObject,
  type JsonValue,
  parseOrderedJson,
  stringifyOrdered,
} from '../src/json-schema/ordered-json.js';

interface Counts {
  cases: number;
  pass: number;
  compileError: number;
  wrongAccept: number;
  wrongReject: number;
  crash: number;
}

const DRAFT_URIS: Record<string, string> = {
  'draft2020-12': 'https://json-schema.org/draft/2020-12/schema',
  'draft2019-09': 'https://json-schema.org/draft/2019-09/schema',
  draft7: 'http://json-schema.org/draft-07/schema#',
  draft6: 'http://json-schema.org/draft-06/schema#',
  draft4: 'http://json-schema.org/draft-04/schema#',
};

function args(): { suite: string; drafts: string[]; verbose: boolean } {
  const a = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = a.indexOf(name);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const suite = get('--suite');
  if (!suite) {
    console.error('usage: json-schema-test-suite --suite DIR [--drafts draft2020-12,draft7] [--verbose]');
    process.exit(2);
  }
  return {
    suite,
    drafts: (get('--drafts') ?? 'draft2020-12,draft7').split(','),
    verbose: a.includes('--verbose'),
  };
}

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

function accepts(compiled: CompiledGrammar, text: string): boolean {
  const m = new GrammarMatcher(compiled);
  return m.acceptString(text) && m.isCompleted();
}

function main(): void {
  const { suite, drafts, verbose } = args();
  const remotes = path.join(suite, 'remotes');
  const loadRemote = (uri: string): string | undefined => {
    const prefix = 'http://localhost:1234/';
    if (!uri.startsWith(prefix)) return undefined;
    const file = path.join(remotes, uri.slice(prefix.length));
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  };
  const report: Record<string, Counts> = {};
  const wrongAccepts: string[] = [];
  for (const draft of drafts) {
    const base = path.join(suite, 'tests', draft);
    const groups: Array<[string, string[]]> = [
      ['required', files(base)],
      ['optional', files(path.join(base, 'optional'))],
      ['optional/format', files(path.join(base, 'optional', 'format'))],
    ];
    for (const [kind, list] of groups) {
      const counts: Counts = { cases: 0, pass: 0, compileError: 0, wrongAccept: 0, wrongReject: 0, crash: 0 };
      report[`${draft} ${kind}`] = counts;
      for (const file of list) {
        const doc = parseOrderedJson(fs.readFileSync(file, 'utf8'));
        if (!Array.isArray(doc)) continue;
        for (const group of doc) {
          if (!isObject(group)) continue;
          let schema = group.get('schema') as JsonValue;
          if (isObject(schema) && !schema.has('$schema') && DRAFT_URIS[draft]) {
            schema = new Map([['$schema', DRAFT_URIS[draft]!], ...schema]);
          }
          const tests = (group.get('tests') as JsonValue[]).filter(isObject);
          counts.cases += tests.length;
          let compiled: CompiledGrammar | undefined;
          let failure: 'compile' | 'crash' | undefined;
          try {
            const { grammar } = jsonSchemaToGrammar(schema as object | boolean, {
              remotes: loadRemote,
              unknownFormats: kind === 'optional/format' ? 'error' : 'annotate',
            });
            compiled = CompiledGrammar.fromGrammar(grammar, null);
          } catch (e) {
            failure = e instanceof GrammarError ? 'compile' : 'crash';
            if (verbose || failure === 'crash') {
              console.log(
                `${failure} ${path.basename(file)} "${group.get('description')}": ${(e as Error).message}`,
              );
            }
          }
          for (const t of tests) {
            if (failure === 'compile') {
              counts.compileError++;
              continue;
            }
            if (failure === 'crash' || !compiled) {
              counts.crash++;
              continue;
            }
            const text = stringifyOrdered(t.get('data') as JsonValue);
            const valid = t.get('valid') === true;
            let ok: boolean;
            try {
              ok = accepts(compiled, text);
            } catch (e) {
              counts.crash++;
              console.log(`crash (match) ${path.basename(file)}: ${(e as Error).message}`);
              continue;
            }
            if (ok === valid) counts.pass++;
            else if (ok) {
              counts.wrongAccept++;
              wrongAccepts.push(
                `${draft}/${path.basename(file)} "${group.get('description')}" / "${t.get('description')}": ${text}`,
              );
            } else {
              counts.wrongReject++;
              if (verbose)
                console.log(`wrong-reject ${path.basename(file)} "${group.get('description')}": ${text}`);
            }
          }
        }
      }
    }
  }
  for (const w of wrongAccepts) console.log(`WRONG ACCEPT ${w}`);
  console.log('\n| suite | cases | pass | compile error | wrong accept | wrong reject | crash |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const [name, c] of Object.entries(report)) {
    console.log(
      `| ${name} | ${c.cases} | ${c.pass} | ${c.compileError} | ${c.wrongAccept} | ${c.wrongReject} | ${c.crash} |`,
    );
  }
}

main();
