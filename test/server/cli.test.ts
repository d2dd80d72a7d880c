import { Command } from 'commander';
import { afterEach, describe, expect, test } from 'vitest';
import { registerServeCommand } from '../../src/cli/serve.js';

function program(errors: string[]): Command {
  const p = new Command('logitkit').exitOverride();
  p.configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => {} });
  registerServeCommand(p);
  return p;
}

describe('logitkit serve flags', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  test('bad flag values are rejected with a message naming the flag', async () => {
    for (const [argv, pattern] of [
      [['serve', '--port', 'abc'], /--port must be an integer/],
      [['serve', '--max-running-requests', '0'], /--max-running-requests must be an integer >= 1/],
      [['serve', '--preferred-sampling-params', '{oops'], /not valid JSON/],
      [['serve', '--preferred-sampling-params', '[1]'], /expected a JSON object/],
    ] as const) {
      const errors: string[] = [];
      await expect(program(errors).parseAsync([...argv], { from: 'user' })).rejects.toThrow();
      expect(errors.join('')).toMatch(pattern);
    }
  });

  test('an invalid --model fails before listening', async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await program([]).parseAsync(['serve', '--model', 'gpt-5', '--port', '0'], { from: 'user' });
    } finally {
      process.stderr.write = original;
    }
    expect(process.exitCode).toBe(1);
    expect(written.join('')).toContain('--model must be ngram, uniform or replay:FILE, got "gpt-5"');
  });
});
