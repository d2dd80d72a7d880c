/** `logitkit check-ebnf`. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.exitCode = undefined;
  const code = await main(args, { writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'logitkit-ebnf-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('logitkit check-ebnf', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('reports rules, warnings and test verdicts', async () => {
    const path = file('ok.ebnf', 'root ::= [^é]+ "!"');
    const r = await run(['check-ebnf', path, '--test', 'ab!', '--test', 'é!']);
    expect(r.out).toMatch(/^ok: 1 rules, root "root"/);
    expect(r.out).toContain('warning at line 1, column 10 [negated-class-non-ascii]');
    expect(r.out).toContain('accept  "ab!"\nreject  "é!"');
    expect(r.code).toBe(2);
    const compat = await run(['check-ebnf', path, '--compat', 'xgrammar', '--test', 'é!']);
    expect(compat.out).toContain('accept  "é!"');
    expect(compat.code).toBe(0);
  });

  it('prints XGrammar-style errors with a caret and exits 1', async () => {
    const r = await run(['check-ebnf', file('bad.ebnf', 'root ::= "a"\nb ::= c')]);
    expect(r.err).toBe(
      'error: EBNF parser error at line 2, column 7: Rule "c" is not defined\nb ::= c\n      ^\n',
    );
    expect(r.code).toBe(1);
  });

  it('supports --json, --root and the built-in JSON grammar', async () => {
    const r = await run(['check-ebnf', file('root.ebnf', 'expr ::= "x"'), '--root', 'expr', '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, rules: 1, root: 'expr', warnings: [] });
    const j = await run(['check-ebnf', '--builtin-json', '--test', '{"a": [1]}']);
    expect(j.out).toContain('accept  "{\\"a\\": [1]}"');
    const missing = await run(['check-ebnf', join(dir, 'nope.ebnf')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: ENOENT/);
  });
});
