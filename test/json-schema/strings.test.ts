/**
 * String-content expressions against their definition on decoded values, over every spelling the JSON
 * serialiser can produce (raw characters, `\uXXXX` escapes, surrogate pairs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dfaAccepts, exprToDfa } from '../../src/engine/automaton.js';
import { stringContentExcluding } from '../../src/json-schema/strings.js';

const encoder = new TextEncoder();
/** The text between the quotes of a JSON string, raw where JSON allows it, or with every character escaped. */
function spell(value: string, escapeAll: boolean): Uint8Array {
  const body = escapeAll
    ? Array.from(
        { length: value.length },
        (_, i) => `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`,
      ).join('')
    : JSON.stringify(value).slice(1, -1);
  return encoder.encode(body);
}

const alphabet = fc.constantFrom('a', 'b', 'n', 'é', '€', '😀', '"', '\\', '\n', ' ');
const word = fc.array(alphabet, { maxLength: 4 }).map((cs) => cs.join(''));

describe('stringContentExcluding', () => {
  it('accepts exactly the values not in the excluded list, in every spelling (property)', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 5 }), word, fc.boolean(), (excluded, value, escapeAll) => {
        const dfa = exprToDfa(stringContentExcluding(excluded));
        expect(dfaAccepts(dfa, spell(value, escapeAll))).toBe(!excluded.includes(value));
      }),
      { numRuns: 300 },
    );
  });

  it('shares the automaton after a divergence: non-ASCII characters lead to the same states at every depth', () => {
    const dfa = exprToDfa(stringContentExcluding(['name', 'names', 'value']));
    const run = (text: string): number => {
      let s = 0;
      for (const b of encoder.encode(text)) s = dfa.transitions[s * 256 + b]!;
      return s;
    };
    expect(run('né')).toBe(run('valé'));
    expect(run('x')).toBe(run('namx'));
    expect(run('name')).not.toBe(run('nam'));
  });
});
