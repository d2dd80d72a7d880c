/** Test-only generator of random valid EBNF grammars (ASCII, small alphabet) for differential testing. */
import { rng } from './sample.js';

/**
 * A random grammar text: 1–3 rules over {a, b, c} with groups, classes, quantifiers and references. Rule
 * references are unquantified and rare, so the grammars stay mildly ambiguous (fast for both engines).
 */
export function randomGrammar(seed: number): string {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const names = ['root', 'x', 'y'].slice(0, 1 + int(3));
  const literal = () => `"${['a', 'b', 'c', 'ab', 'ba', 'abc'][int(6)]}"`;
  const charClass = () => ['[a-b]', '[^a]', '[bc]', '[a-c]', '[^bc]', '[c]'][int(6)]!;
  const quantifier = () => ['', '', '', '*', '+', '?', '{2}', '{1,3}', '{0,2}', '{2,}'][int(10)]!;
  const element = (depth: number): string => {
    const k = int(depth >= 2 ? 9 : 10);
    if (k < 4) return `${literal()}${quantifier()}`;
    if (k < 7) return `${charClass()}${quantifier()}`;
    if (k < 9) return `${names[int(names.length)]!}${random() < 0.3 ? '?' : ''}`;
    return `(${choices(depth + 1)})${quantifier()}`;
  };
  const sequence = (depth: number): string =>
    Array.from({ length: 1 + int(3) }, () => element(depth)).join(' ');
  const choices = (depth: number): string =>
    Array.from({ length: 1 + int(depth === 0 ? 3 : 2) }, () => sequence(depth)).join(' | ');
  // every rule has a terminal-only alternative, so each is productive
  return names.map((name) => `${name} ::= ${choices(0)} | ${literal()}`).join('\n');
}
