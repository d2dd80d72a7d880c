/**
 * Test fakes: a byte-level tokenizer over a tiny vocabulary (so incomplete UTF-8 decodes to U+FFFD
 * like HF byte-level BPE) and a deterministic model whose logits depend on the last token.
 */
import type { LanguageModel, TokenizerLike } from '../../src/sampling/index.js';

export class FakeTokenizer implements TokenizerLike {
  readonly vocabSize: number;
  readonly eosTokenIds: number[];
  private readonly bytes: Uint8Array[];
  private readonly special: Set<number>;

  /** `tokens`: token texts, or byte arrays for partial UTF-8 pieces; `special`: ids of special tokens. */
  constructor(tokens: Array<string | number[]>, special: number[] = [], eos: number[] = []) {
    this.vocabSize = tokens.length;
    this.bytes = tokens.map((t) =>
      typeof t === 'string' ? new TextEncoder().encode(t) : Uint8Array.from(t),
    );
    this.special = new Set(special);
    this.eosTokenIds = eos;
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  decode(
    ids: readonly number[],
    options: { skipSpecialTokens?: boolean; spacesBetweenSpecialTokens?: boolean } = {},
  ): string {
    const parts: string[] = [];
    let pending: number[] = [];
    const flush = () => {
      if (pending.length > 0) parts.push(new TextDecoder().decode(Uint8Array.from(pending)));
      pending = [];
    };
    for (const id of ids) {
      if (this.special.has(id)) {
        if (options.skipSpecialTokens) continue;
        flush();
        parts.push(new TextDecoder().decode(this.bytes[id]!));
        if (options.spacesBetweenSpecialTokens) parts.push(' ');
        continue;
      }
      pending.push(...this.bytes[id]!);
    }
    flush();
    return parts.join('');
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let rest = text;
    while (rest.length > 0) {
      let best = -1;
      let bestLen = 0;
      this.bytes.forEach((b, id) => {
        const s = new TextDecoder().decode(b);
        if (!this.special.has(id) && s.length > bestLen && rest.startsWith(s) && !s.includes('\uFFFD')) {
          best = id;
          bestLen = s.length;
        }
      });
      // unknown text: one (byte-fallback-like) token per character
      ids.push(best < 0 ? this.vocabSize : best);
      rest = rest.slice(best < 0 ? 1 : bestLen);
    }
    return ids;
  }
}

/** A model following a script: after token `a` it strongly prefers `next[a]` (default: uniform). */
export class ScriptedModel implements LanguageModel {
  calls = 0;
  constructor(
    readonly vocabSize: number,
    private readonly next: Record<number, number>,
    private readonly strength = 10,
  ) {}

  forward(sequences: ReadonlyArray<readonly number[]>): Float32Array[] {
    this.calls++;
    return sequences.map((seq) => this.row(seq[seq.length - 1]!));
  }

  forwardAll(sequence: readonly number[]): Float32Array[] {
    return sequence.map((id) => this.row(id));
  }

  private row(last: number): Float32Array {
    const row = new Float32Array(this.vocabSize);
    const target = this.next[last];
    if (target !== undefined) row[target] = this.strength;
    return row;
  }
}
