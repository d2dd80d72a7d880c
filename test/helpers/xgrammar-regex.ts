/**
 * XGrammar (WASM, @mlc-ai/web-xgrammar) as an oracle for the `sglang` regex flavour (test-only).
 *
 * web-xgrammar has no regex entry point, but its JSON Schema converter (≤ 0.2.5) translates a string
 * `pattern` with the same regex→EBNF converter that `compile_regex` uses and places it between quotes.
 * We read that rule out of the EBNF and test strings with `Testings.isGrammarAcceptString`. The bundle is
 * UMD and fails under Node ESM, so it is copied to a `.cjs` file and loaded with createRequire.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface XGrammarGrammar {
  dispose(): void;
}
interface XGrammarModule {
  Grammar: { fromEBNF(ebnf: string, root?: string): Promise<XGrammarGrammar> };
  Testings: {
    _jsonSchemaToEBNF(schema: string, anyWhitespace?: boolean, indent?: number): Promise<string>;
    isGrammarAcceptString(g: XGrammarGrammar, input: string): Promise<boolean>;
  };
}

let loaded: XGrammarModule | undefined;
/** Instances loaded so far; an abort leaves the WASM heap unusable, so a fresh copy is loaded after one. */
let generation = 0;
/** Messages XGrammar printed (its FATAL log lines) while `captured` is set. */
let captured: string[] | undefined;
let hooked = false;

/** The message of an XGrammar failure: its FATAL log line when there is one. Drops the instance. */
function failure(e: unknown, lines: readonly string[]): string {
  loaded = undefined;
  const fatal =
    lines.find((l) => l.includes('[FATAL]')) ??
    lines.find((l) => l.trim() !== '' && !l.startsWith('Aborted'));
  return fatal ? fatal.replace(/^\[FATAL\] .*?\.cc:\d+: /, '').trim() : errorText(e);
}

/** Loads web-xgrammar once. */
export function loadXGrammar(): XGrammarModule {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const source = require.resolve('@mlc-ai/web-xgrammar');
  const dir = join(tmpdir(), `logitkit-xgrammar-${process.pid}`);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const target = join(dir, `index-${generation++}.cjs`);
  copyFileSync(source, target);
  // The WASM runtime binds console.error when it initialises (lazily, on first use); route it through a
  // hook that stays installed so XGrammar's FATAL texts can be read back.
  if (!hooked) {
    hooked = true;
    const original = console.error;
    console.error = (...args: unknown[]) => {
      if (captured) captured.push(args.map(String).join(' '));
      else original(...args);
    };
  }
  loaded = require(target) as XGrammarModule;
  return loaded;
}

/**
 * XGrammar's EBNF body for a regex (the `pattern` rule without quotes), or the error message it raised.
 */
export async function xgrammarRegexToEbnf(pattern: string): Promise<{ ebnf: string } | { error: string }> {
  const xg = loadXGrammar();
  let ebnf: string;
  captured = [];
  try {
    ebnf = await xg.Testings._jsonSchemaToEBNF(JSON.stringify({ type: 'string', pattern }), true, -1);
  } catch (e) {
    return { error: failure(e, captured) };
  } finally {
    captured = undefined;
  }
  // string ::= "\"" <regex EBNF> "\""
  const prefix = 'string ::= "\\"" ';
  const suffix = ' "\\""';
  const line = ebnf.split('\n').find((l) => l.startsWith(prefix) && l.endsWith(suffix));
  if (!line) throw new Error(`unexpected EBNF for pattern ${pattern}:\n${ebnf}`);
  return { ebnf: line.slice(prefix.length, line.length - suffix.length) };
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number') return `wasm exception ${e}`;
  return String(e);
}

/** A compiled XGrammar grammar for a regex's EBNF, with a string acceptance test. */
export async function xgrammarRegexAcceptor(
  pattern: string,
): Promise<{ accepts(s: string): Promise<boolean>; dispose(): void } | { error: string }> {
  const res = await xgrammarRegexToEbnf(pattern);
  if ('error' in res) return res;
  const xg = loadXGrammar();
  let g: XGrammarGrammar;
  captured = [];
  try {
    g = await xg.Grammar.fromEBNF(`root ::= ${res.ebnf}\n`);
  } catch (e) {
    return { error: failure(e, captured) };
  } finally {
    captured = undefined;
  }
  return {
    accepts: (s: string) => xg.Testings.isGrammarAcceptString(g, s),
    dispose: () => g.dispose(),
  };
}
