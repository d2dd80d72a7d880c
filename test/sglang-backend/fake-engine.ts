import type {
  SidecarEngine,
  SidecarMatcher,
  SidecarMatcherOptions,
} from '../../src/sglang-backend/engine-port.js';
import type { KeyTypeCode } from '../../src/sglang-backend/protocol.js';

/** Vocabulary of the stand-in engine: ids 0..255 are single bytes, 256 is EOS, 257..299 are never allowed. */
export const FAKE_VOCAB_SIZE = 300;
export const FAKE_EOS = 256;

interface FakeGrammar {
  readonly text: Uint8Array;
}

/**
 * A stand-in matcher whose grammar is one literal string: the protocol tests check transport, handles and
 * lifetimes against it without depending on the real compiler.
 */
class FakeMatcher implements SidecarMatcher {
  private history: number[] = [];
  private pos = 0;
  private terminated = false;

  constructor(
    private readonly grammar: FakeGrammar,
    private readonly stop: readonly number[],
    private readonly terminateWithoutStop: boolean,
  ) {}

  fillNextTokenBitmask(bitmask: Int32Array, row: number): void {
    const words = Math.ceil(FAKE_VOCAB_SIZE / 32);
    bitmask.fill(0, row * words, (row + 1) * words);
    const set = (t: number) => {
      bitmask[row * words + (t >> 5)]! |= 1 << (t & 31);
    };
    if (this.pos < this.grammar.text.length) set(this.grammar.text[this.pos]!);
    else if (!this.terminateWithoutStop) for (const t of this.stop) set(t);
  }

  acceptToken(tokenId: number): boolean {
    if (this.isTerminated()) return false;
    if (this.pos === this.grammar.text.length) {
      if (this.terminateWithoutStop || !this.stop.includes(tokenId)) return false;
      this.terminated = true;
      this.history.push(tokenId);
      return true;
    }
    if (this.grammar.text[this.pos] !== tokenId) return false;
    this.pos++;
    this.history.push(tokenId);
    return true;
  }

  rollback(count: number): void {
    if (count > this.history.length)
      throw new Error(`cannot roll back ${count} tokens, history has ${this.history.length}`);
    for (let i = 0; i < count; i++) {
      const t = this.history.pop()!;
      if (this.terminated && this.stop.includes(t) && this.pos === this.grammar.text.length)
        this.terminated = false;
      else this.pos--;
    }
  }

  isTerminated(): boolean {
    return this.terminated || (this.terminateWithoutStop && this.isCompleted());
  }

  isCompleted(): boolean {
    return this.pos === this.grammar.text.length;
  }

  fork(): SidecarMatcher {
    const m = new FakeMatcher(this.grammar, this.stop, this.terminateWithoutStop);
    m.history = [...this.history];
    m.pos = this.pos;
    m.terminated = this.terminated;
    return m;
  }

  reset(): void {
    this.history = [];
    this.pos = 0;
    this.terminated = false;
  }

  findJumpForwardString(): string {
    return new TextDecoder().decode(this.grammar.text.subarray(this.pos));
  }
}

/** Compiles a key to "exactly this text"; a `!` in the key is a compile error with its column. */
export class FakeEngine implements SidecarEngine<FakeGrammar> {
  readonly vocabSize = FAKE_VOCAB_SIZE;
  readonly eosTokenIds = [FAKE_EOS];
  readonly description = 'fake byte vocabulary';
  compileCount = 0;
  lastFlags = -1;

  compile(_keyType: KeyTypeCode, key: string, flags: number): FakeGrammar {
    this.compileCount++;
    this.lastFlags = flags;
    const bad = key.indexOf('!');
    if (bad >= 0) {
      const err = new Error(`fake parse error at column ${bad + 1}: '!' is not allowed`);
      err.name = 'GrammarError';
      throw err;
    }
    return { text: new TextEncoder().encode(key) };
  }

  createMatcher(grammar: FakeGrammar, options: SidecarMatcherOptions): SidecarMatcher {
    return new FakeMatcher(
      grammar,
      options.stopTokenIds ?? this.eosTokenIds,
      options.terminateWithoutStopToken ?? false,
    );
  }
}
