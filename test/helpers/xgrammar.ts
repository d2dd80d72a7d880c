/**
 * XGrammar oracle for tests: loads @mlc-ai/web-xgrammar (XGrammar compiled to WASM).
 *
 * Its lib/index.js is a UMD bundle that Node's ESM loader rejects (the package says `"type": "module"`),
 * so it is copied to a `.cjs` file under node_modules/.cache and loaded with `createRequire`.
 *
 * What the web build (0.1.27) exports: Grammar (fromEBNF, builtinJSONGrammar, fromJSONSchema,
 * fromStructuralTag, toString, dispose), TokenizerInfo.createTokenizerInfo, GrammarCompiler
 * (compileGrammar, compileBuiltinJSONGrammar, ...), GrammarMatcher (_acceptString, acceptToken,
 * getNextTokenBitmask, isTerminated, reset, rollBack, ...), Testings (isGrammarAcceptString,
 * ebnfToGrammarNoNormalization, _jsonSchemaToEBNF, debugGetMaskedTokensFromBitmask).
 *
 * Known oracle bugs / version differences (0.1.27 vs XGrammar HEAD, which logitkit follows):
 * - positive character classes with a non-ASCII *range* (`[а-я]`, `[à-ÿ]`) reject their members;
 *   single non-ASCII members (`[é]`) work;
 * - `"a"{0}` crashes the matcher; deep nesting (~1000 parentheses) kills the WASM instance;
 * - `\/` is not a valid string escape; TagDispatch takes `stop_eos`/`stop_str` instead of `excludes`, ignores
 *   unknown named arguments, and rejects a trailing comma in tuples;
 * - errors are reported by printing `[FATAL] file:line: message` through `console.error` and aborting the
 *   call; the instance stays usable afterwards.
 * Inputs are JS strings, so only valid UTF-8 can be tested against it.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface XgGrammar {
  dispose(): void;
  toString(): string;
}
interface XgMatcher {
  _acceptString(input: string): boolean;
  isTerminated(): boolean;
  reset(): void;
  dispose(): void;
}
interface XgCompiled {
  dispose(): void;
}
interface XgModule {
  Grammar: {
    fromEBNF(text: string, root?: string): Promise<XgGrammar>;
    builtinJSONGrammar(): Promise<XgGrammar>;
  };
  TokenizerInfo: { createTokenizerInfo(vocab: string[]): Promise<{ dispose(): void }> };
  GrammarCompiler: {
    createGrammarCompiler(
      info: unknown,
      cache?: boolean,
    ): Promise<{ compileGrammar(g: XgGrammar): Promise<XgCompiled> }>;
  };
  GrammarMatcher: {
    createGrammarMatcher(
      compiled: XgCompiled,
      overrideStopTokens?: number[],
      terminateWithoutStopToken?: boolean,
    ): Promise<XgMatcher>;
  };
  Testings: { isGrammarAcceptString(g: XgGrammar, input: string): Promise<boolean> };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let loaded: Promise<XgModule> | undefined;
/** Messages XGrammar printed through console.error during the current call. */
let captured: string[] | undefined;

/** The loaded XGrammar module (typed loosely: callers use the parts they need). */
export function loadXgrammar(): Promise<unknown> {
  return load();
}

function load(): Promise<XgModule> {
  loaded ??= (async () => {
    const source = join(root, 'node_modules', '@mlc-ai', 'web-xgrammar', 'lib', 'index.js');
    const dir = join(root, 'node_modules', '.cache', 'logitkit-xgrammar');
    const target = join(dir, 'xgrammar.cjs');
    if (!existsSync(target) || statSync(target).size !== statSync(source).size) {
      // copy + rename, so test files loading it in parallel never read a half-written copy
      mkdirSync(dir, { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      copyFileSync(source, temporary);
      renameSync(temporary, target);
    }
    // Emscripten binds console.error when the module instantiates: route it through a capturing wrapper.
    const realError = console.error;
    const realLog = console.log;
    console.error = (...args: unknown[]) => {
      if (captured) captured.push(args.map(String).join(' '));
      else realError(...args);
    };
    // XGrammar's own warnings (e.g. "Negative Character class contains byte greater than 127") are noise here.
    console.log = (...args: unknown[]) => {
      if (!String(args[0]).startsWith('[WARNING]')) realLog(...args);
    };
    const require = createRequire(import.meta.url);
    delete require.cache[target];
    const xg = require(target) as XgModule;
    // Instantiate now (the first call binds `err`), then put console.error back.
    try {
      (await xg.Grammar.fromEBNF('root ::= "a"')).dispose();
    } finally {
      console.error = realError;
      console.log = realLog;
    }
    return xg;
  })();
  return loaded;
}

/** Runs `fn`, returning its value or the XGrammar error message it printed (without the `[FATAL] file:line:` prefix). */
async function capture<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  captured = [];
  try {
    return { value: await fn() };
  } catch (e) {
    const fatal = captured.find((m) => m.includes('[FATAL]'));
    return { error: fatal ? fatal.replace(/^.*?\[FATAL\][^:]*:\d+: /, '') : String(e) };
  } finally {
    captured = undefined;
  }
}

/**
 * Parses `ebnf` with XGrammar. A WASM crash (not an XGrammar error) can leave the instance corrupted, so
 * then a fresh instance is loaded and the call retried once.
 */
async function parseGrammar(ebnf: string, rootRule: string): Promise<{ value?: XgGrammar; error?: string }> {
  for (let attempt = 0; ; attempt++) {
    const xg = await load();
    const r = await capture(() => xg.Grammar.fromEBNF(ebnf, rootRule));
    const crashed =
      r.error !== undefined && !r.error.startsWith('EBNF') && /RuntimeError|Aborted/.test(r.error);
    if (!crashed || attempt > 0) return r;
    loaded = undefined;
  }
}

/** XGrammar's error for an EBNF grammar, or null if it compiles. */
export async function xgrammarEbnfError(ebnf: string, rootRule = 'root'): Promise<string | null> {
  const r = await parseGrammar(ebnf, rootRule);
  r.value?.dispose();
  return r.error ?? null;
}

/** XGrammar's verdict on `input` for `ebnf` (`Testings.isGrammarAcceptString`: empty vocabulary, whole string). */
export async function xgrammarAccepts(ebnf: string, input: string, rootRule = 'root'): Promise<boolean> {
  const m = await xgrammarMatcher(ebnf, rootRule);
  try {
    return m.accepts(input);
  } finally {
    m.dispose();
  }
}

/** A reusable string acceptor (compiled once): much faster than {@link xgrammarAccepts} for many inputs. */
export interface XgrammarAcceptor {
  accepts(input: string): boolean;
  dispose(): void;
}

async function acceptorFor(xg: XgModule, grammar: XgGrammar): Promise<XgrammarAcceptor> {
  const info = await xg.TokenizerInfo.createTokenizerInfo([]);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info, false);
  const compiled = await compiler.compileGrammar(grammar);
  const matcher = await xg.GrammarMatcher.createGrammarMatcher(compiled, undefined, true);
  return {
    accepts(input: string): boolean {
      matcher.reset();
      return matcher._acceptString(input) && matcher.isTerminated();
    },
    dispose(): void {
      matcher.dispose();
      compiled.dispose();
      grammar.dispose();
      info.dispose();
    },
  };
}

/** Compiles `ebnf` with XGrammar (empty vocabulary, terminate without stop token) into a string acceptor. */
export async function xgrammarMatcher(ebnf: string, rootRule = 'root'): Promise<XgrammarAcceptor> {
  const r = await parseGrammar(ebnf, rootRule);
  if (!r.value) throw new Error(`XGrammar rejected the grammar: ${r.error}`);
  return acceptorFor(await load(), r.value);
}

/** A string acceptor for XGrammar's built-in JSON grammar. */
export async function xgrammarBuiltinJson(): Promise<XgrammarAcceptor> {
  const xg = await load();
  return acceptorFor(xg, await xg.Grammar.builtinJSONGrammar());
}
