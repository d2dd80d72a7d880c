/**
 * Test-only string generation for the differential corpus: random sentences of a grammar (walking the IR)
 * and random mutations of strings. Seeded, so failures reproduce.
 */
import type { ByteDfa, Expr, Grammar } from '../../src/engine/ir.js';
import { rng } from '../helpers/rng.js';

export { rng };

const decoder = new TextDecoder('utf-8', { fatal: true });

function encodeCodePoint(cp: number, out: number[]): void {
  out.push(...new TextEncoder().encode(String.fromCodePoint(cp)));
}

/** States of `dfa` from which an accepting state is reachable. */
function coReachable(dfa: ByteDfa): Uint8Array {
  const live = Uint8Array.from(dfa.accepting);
  for (let changed = true; changed; ) {
    changed = false;
    for (let s = 0; s < dfa.numStates; s++) {
      if (live[s]) continue;
      for (let b = 0; b < 256; b++) {
        const t = dfa.transitions[s * 256 + b]!;
        if (t >= 0 && live[t]) {
          live[s] = 1;
          changed = true;
          break;
        }
      }
    }
  }
  return live;
}

class Sampler {
  private readonly live = new Map<ByteDfa, Uint8Array>();
  constructor(
    private readonly grammar: Grammar,
    private readonly random: () => number,
  ) {}

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** Appends a random sentence of `e` to `out`; false when the walk got too deep (abandon the sample). */
  gen(e: Expr, depth: number, out: number[]): boolean {
    if (out.length > 4000) return false;
    switch (e.kind) {
      case 'empty':
        return true;
      case 'nothing':
        return false;
      case 'bytes':
        out.push(...e.bytes);
        return true;
      case 'byteSet': {
        const i = this.int(e.ranges.length / 2) * 2;
        const lo = e.ranges[i]!;
        out.push(lo + this.int(e.ranges[i + 1]! - lo + 1));
        return true;
      }
      case 'chars': {
        const i = this.int(e.ranges.length / 2) * 2;
        const lo = e.ranges[i]!;
        const hi = e.ranges[i + 1]!;
        const span = Math.min(hi - lo, this.random() < 0.8 ? 200 : hi - lo);
        let cp = this.random() < 0.1 ? hi : lo + this.int(span + 1);
        if (cp >= 0xd800 && cp <= 0xdfff) cp = lo;
        encodeCodePoint(cp, out);
        return true;
      }
      case 'seq':
        return e.items.every((item) => this.gen(item, depth, out));
      case 'alt':
        return this.gen(e.items[this.int(e.items.length)]!, depth, out);
      case 'repeat': {
        let n = e.min + this.int(Math.min(3, e.max - e.min) + 1);
        if (Number.isFinite(e.max) && e.max <= 300 && this.random() < 0.1) n = e.max;
        for (let k = 0; k < n; k++) if (!this.gen(e.item, depth, out)) return false;
        return true;
      }
      case 'ref':
        if (depth > 12) return false;
        return this.gen(this.grammar.rules[e.rule]!.body, depth + 1, out);
      case 'and':
        return false;
      case 'dfa':
        return this.walk(e.dfa, out);
    }
  }

  private walk(dfa: ByteDfa, out: number[]): boolean {
    let live = this.live.get(dfa);
    if (!live) {
      live = coReachable(dfa);
      this.live.set(dfa, live);
    }
    let s = 0;
    for (let steps = 0; steps < 60; steps++) {
      const printable: number[] = [];
      const other: number[] = [];
      for (let b = 0; b < 256; b++) {
        const t = dfa.transitions[s * 256 + b]!;
        if (t >= 0 && live[t]) (b >= 0x20 && b < 0x7f ? printable : other).push(b);
      }
      if (dfa.accepting[s] && (printable.length + other.length === 0 || this.random() < 0.2)) return true;
      const pool = printable.length > 0 && (other.length === 0 || this.random() < 0.95) ? printable : other;
      if (pool.length === 0) return false;
      const b = pool[this.int(pool.length)]!;
      out.push(b);
      s = dfa.transitions[s * 256 + b]!;
    }
    return dfa.accepting[s] === 1;
  }
}

/** Up to `count` distinct random sentences of `grammar` that are valid UTF-8. */
export function sampleSentences(grammar: Grammar, count: number, seed: number): string[] {
  const random = rng(seed);
  const sampler = new Sampler(grammar, random);
  const found = new Set<string>();
  for (let attempt = 0; attempt < count * 6 && found.size < count; attempt++) {
    const out: number[] = [];
    if (!sampler.gen(grammar.rules[grammar.root]!.body, 0, out)) continue;
    try {
      found.add(decoder.decode(Uint8Array.from(out)));
    } catch {
      // not valid UTF-8 (e.g. XGrammar's byte-level negated classes): cannot be fed to the oracle
    }
  }
  return [...found];
}

const EXTRA_ALPHABET = [...' \n"\\{}[](),:;-+.0129aAzZ_<>/é中😀'];

/** `count` random edits (insert, delete, replace, duplicate, truncate, swap) of the given strings. */
export function mutate(strings: readonly string[], count: number, seed: number): string[] {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const alphabet = [...new Set([...strings.join(''), ...EXTRA_ALPHABET])];
  const out = new Set<string>();
  if (strings.length === 0) return [];
  for (let k = 0; k < count * 3 && out.size < count; k++) {
    const s = [...strings[int(strings.length)]!];
    const i = int(s.length + 1);
    const c = alphabet[int(alphabet.length)]!;
    switch (int(6)) {
      case 0:
        s.splice(i, 0, c);
        break;
      case 1:
        s.splice(i, 1);
        break;
      case 2:
        s.splice(i, 1, c);
        break;
      case 3: {
        const j = i + int(4);
        s.splice(i, 0, ...s.slice(i, j));
        break;
      }
      case 4:
        s.length = i;
        break;
      default:
        if (i + 1 < s.length) [s[i], s[i + 1]] = [s[i + 1]!, s[i]!];
    }
    out.add(s.join(''));
  }
  return [...out];
}
