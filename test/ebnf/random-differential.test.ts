/**
 * Differential test on random grammars (test/ebnf/random-grammars.ts): every generated grammar must accept
 * exactly the strings XGrammar accepts (sampled sentences and mutations), in `compat: 'xgrammar'` mode.
 */
import { expect, it } from 'vitest';
import { ebnfToGrammar } from '../../src/ebnf/index.js';
import { CompiledGrammar, grammarAcceptsString } from '../../src/engine/index.js';
import { xgrammarMatcher } from '../helpers/xgrammar.js';
import { randomGrammar } from './random-grammars.js';
import { mutate, sampleSentences } from './sample.js';

it('random grammars accept exactly what XGrammar accepts', async () => {
  const stats = { grammars: 0, strings: 0, accepted: 0, disagree: 0 };
  const disagreements: string[] = [];
  for (let seed = 1; seed <= 100; seed++) {
    const text = randomGrammar(seed);
    const grammar = ebnfToGrammar(text, { compat: 'xgrammar' }).grammar;
    const compiled = CompiledGrammar.fromGrammar(grammar, null);
    const samples = sampleSentences(grammar, 8, seed).filter((s) => s.length <= 40);
    const inputs = [
      ...new Set([...samples, ...mutate(samples.length > 0 ? samples : ['a'], 12, seed), '', 'a', 'abc']),
    ];
    const oracle = await xgrammarMatcher(text);
    try {
      for (const input of inputs) {
        const ours = grammarAcceptsString(compiled, input);
        stats.strings++;
        if (ours) stats.accepted++;
        if (ours !== oracle.accepts(input)) {
          stats.disagree++;
          disagreements.push(`${JSON.stringify(text)} on ${JSON.stringify(input)}: ours ${ours}`);
        }
      }
    } finally {
      oracle.dispose();
    }
    stats.grammars++;
  }
  console.log(`EBNF random-grammar differential: ${JSON.stringify(stats)}`);
  expect(disagreements.slice(0, 10)).toEqual([]);
  expect(stats.accepted).toBeGreaterThan(stats.strings / 4);
});
