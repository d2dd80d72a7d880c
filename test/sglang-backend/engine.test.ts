import { describe, expect, it } from 'vitest';
import { KeyType } from '../../src/sglang-backend/protocol.js';
import { loadSidecarEngine } from '../../src/sglang-backend/start.js';

describe('logitkit engine behind the sidecar', () => {
  it('dispatches the four key types and reports compile errors as messages', async () => {
    const engine = await loadSidecarEngine({ preset: 'llama-3.1' });
    expect(engine.vocabSize).toBe(128256);
    const words = Math.ceil(engine.vocabSize / 32);
    for (const [type, key] of [
      [KeyType.json, '{"type":"integer"}'],
      [KeyType.json, '$$ANY$$'],
      [KeyType.regex, '[0-9]+'],
      [KeyType.ebnf, 'root ::= "a" | "b"'],
    ] as const) {
      const m = engine.createMatcher(engine.compile(type, key, 0), {});
      const row = new Int32Array(words);
      m.fillNextTokenBitmask(row, 0);
      expect(row.some((w) => w !== 0)).toBe(true);
    }
    expect(() => engine.compile(KeyType.regex, '(ab', 0)).toThrow();
  });
});
