/**
 * Differential test against XGrammar (WASM oracle): every corpus grammar in `compat: 'xgrammar'` mode must
 * accept exactly the strings XGrammar accepts (hand-written probes + sampled sentences + mutations).
 * In default mode, grammars that hit no documented quirk (no warning) must behave identically; the quirks
 * have their own tests (test/ebnf/lowering.test.ts, test/engine/lookahead.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import { CompiledGrammar, grammarAcceptsString } from '../../src/engine/index.js';
import { xgrammarMatcher } from '../helpers/xgrammar.js';
import { CORPUS } from './corpus.js';
import { mutate, sampleSentences } from './sample.js';

const SAMPLES_PER_GRAMMAR = 50;
const MUTATIONS_PER_GRAMMAR = 110;

const totals = { grammars: 0, strings: 0, agree: 0, disagree: 0, positives: 0 };

function probeStrings(ebnf: string, root: string | undefined, hand: string[], seed: number): string[] {
  const { grammar } = ebnfToGrammar(ebnf, { root, compat: 'xgrammar' });
  const sampled = sampleSentences(grammar, SAMPLES_PER_GRAMMAR, seed);
  const mutated = mutate([...hand, ...sampled], MUTATIONS_PER_GRAMMAR, seed + 1);
  return [...new Set([...hand, ...sampled, ...mutated])];
}

describe('EBNF differential vs XGrammar', () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(60);

  CORPUS.forEach((entry, index) => {
    it(entry.name, async () => {
      const compat = CompiledGrammar.fromGrammar(
        ebnfToGrammar(entry.ebnf, { root: entry.root, compat: 'xgrammar' }).grammar,
        null,
      );
      const { grammar: plain, warnings } = ebnfToGrammar(entry.ebnf, { root: entry.root });
      const plainCompiled = CompiledGrammar.fromGrammar(plain, null);
      for (const [s, accepted] of entry.expect ?? []) {
        expect(grammarAcceptsString(compat, s), JSON.stringify(s)).toBe(accepted);
        expect(grammarAcceptsString(plainCompiled, s), JSON.stringify(s)).toBe(accepted);
      }
      const strings = probeStrings(entry.ebnf, entry.root, entry.strings ?? [], 1000 + index);
      // Documented quirks (each with its own test): XGrammar's negated classes and unenforced lookaheads.
      const quirky = warnings.some(
        (w) => w.kind === 'negated-class-non-ascii' || w.kind === 'lookahead-not-enforced',
      );
      if (!quirky) {
        const modeDiffs = strings.filter(
          (s) => grammarAcceptsString(compat, s) !== grammarAcceptsString(plainCompiled, s),
        );
        expect(modeDiffs, 'default and xgrammar modes differ without a warning').toEqual([]);
      }
      if (entry.oracle === false) return;
      const oracle = await xgrammarMatcher(entry.ebnf, entry.root);
      const disagreements: Array<{ input: string; ours: boolean; xgrammar: boolean }> = [];
      try {
        for (const input of strings) {
          const ours = grammarAcceptsString(compat, input);
          const theirs = oracle.accepts(input);
          totals.strings++;
          if (ours) totals.positives++;
          if (ours === theirs) totals.agree++;
          else {
            totals.disagree++;
            disagreements.push({ input, ours, xgrammar: theirs });
          }
        }
      } finally {
        oracle.dispose();
      }
      totals.grammars++;
      expect(disagreements.slice(0, 10)).toEqual([]);
    });
  });

  afterAll(() => {
    console.log(
      `EBNF differential: ${totals.grammars} grammars, ${totals.strings} strings (${totals.positives} accepted), ` +
        `${totals.agree} agree, ${totals.disagree} disagree`,
    );
  });
});
