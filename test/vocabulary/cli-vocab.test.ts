import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tokenizers/', import.meta.url));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    writeOut: (s) => {
      out += s;
    },
    writeErr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('logitkit CLI', () => {
  it('--version prints the package version', async () => {
    const { code, out } = await run('--version');
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('vocab --tokenizer prints size, kind, special and EOS ids and the trie', async () => {
    const { code, out } = await run('vocab', '--tokenizer', join(FIXTURES, 'byte-level'));
    expect(code).toBe(0);
    expect(out).toMatch(/kind\s+byte_level/);
    expect(out).toMatch(/vocab size\s+278 \(273 tokenizer entries\)/);
    expect(out).toMatch(/special\s+2 ids: 270 "<\|end\|>", 271 "<\|start\|>"/);
    expect(out).toMatch(/eos\s+270 "<\|end\|>", 271/);
    expect(out).toMatch(/trie\s+\d+ nodes, built in [\d.]+ ms/);
  });

  it('vocab --json with --tokens', async () => {
    const { code, out } = await run(
      'vocab',
      '--tokenizer',
      join(FIXTURES, 'byte-fallback'),
      '--json',
      '--tokens',
      '3,35',
    );
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ kind: 'byte_fallback', vocabSize: 281, eosTokenIds: [2], bosTokenId: 1 });
    expect(report.trieNodeCount).toBeGreaterThan(256);
    expect(report.tokens).toEqual([
      { id: 3, text: '\u0000', hex: '00', special: false },
      { id: 35, text: ' ', hex: '20', special: false },
    ]);
  });

  it('vocab --preset works', async () => {
    const { code, out } = await run('vocab', '--preset', 'llama-2', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      source: 'preset:llama-2',
      vocabSize: 32000,
      kind: 'byte_fallback',
    });
  });

  it('errors are reported with exit code 1, not thrown', async () => {
    const missing = await run('vocab', '--tokenizer', '/nonexistent/tokenizer.json');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/error: \/nonexistent\/tokenizer\.json: cannot read/);
    process.exitCode = undefined;
    const neither = await run('vocab');
    expect(neither.code).toBe(1);
    expect(neither.err).toMatch(/exactly one of --preset/);
    process.exitCode = undefined;
    const badPreset = await run('vocab', '--preset', 'gpt-9');
    expect(badPreset.code).not.toBe(0);
    expect(badPreset.err).toMatch(/Allowed choices are llama-3\.1/);
    const badTokens = await run('vocab', '--preset', 'llama-2', '--tokens', 'x');
    expect(badTokens.code).not.toBe(0);
  });
});
