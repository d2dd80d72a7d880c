/**
 * XGrammar's structural tags as a string oracle. Reuses test/helpers/xgrammar.ts's loader: one call through it
 * instantiates the WASM module from its `.cjs` copy, which `require` then returns from its cache.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xgrammarEbnfError } from '../helpers/xgrammar.js';

interface Handle {
  dispose(): void;
}
interface XgStructural {
  Grammar: { fromStructuralTag(tag: object | string): Promise<Handle> };
  TokenizerInfo: { createTokenizerInfo(vocab: string[]): Promise<Handle> };
  GrammarCompiler: {
    createGrammarCompiler(
      info: Handle,
      cache?: boolean,
    ): Promise<{ compileGrammar(g: Handle): Promise<Handle> }>;
  };
  GrammarMatcher: {
    createGrammarMatcher(
      compiled: Handle,
      stop?: number[],
      terminateWithoutStopToken?: boolean,
    ): Promise<Handle & { _acceptString(s: string): boolean; isTerminated(): boolean; reset(): void }>;
  };
}

const cjs = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  '.cache',
  'logitkit-xgrammar',
  'xgrammar.cjs',
);

/** A whole-string acceptor for a structural tag compiled by XGrammar (empty vocabulary). */
export async function xgrammarStructuralTag(
  tag: object,
): Promise<{ accepts(s: string): boolean; dispose(): void }> {
  await xgrammarEbnfError('root ::= "a"'); // loads and instantiates the module
  const xg = createRequire(import.meta.url)(cjs) as XgStructural;
  const grammar = await xg.Grammar.fromStructuralTag(JSON.stringify(tag));
  const info = await xg.TokenizerInfo.createTokenizerInfo([]);
  const compiler = await xg.GrammarCompiler.createGrammarCompiler(info, false);
  const compiled = await compiler.compileGrammar(grammar);
  const matcher = await xg.GrammarMatcher.createGrammarMatcher(compiled, undefined, true);
  return {
    accepts(s: string): boolean {
      matcher.reset();
      return matcher._acceptString(s) && matcher.isTerminated();
    },
    dispose(): void {
      matcher.dispose();
      compiled.dispose();
      grammar.dispose();
      info.dispose();
    },
  };
}
