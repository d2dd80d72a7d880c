/** The committed nearley parser (src/ebnf/ebnf-grammar.generated.ts) must match grammars/ebnf.ne. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

it('src/ebnf/ebnf-grammar.generated.ts is up to date (run `npm run build:grammars`)', () => {
  const nearleyc = join(
    dirname(createRequire(import.meta.url).resolve('nearley/package.json')),
    'bin',
    'nearleyc.js',
  );
  const fresh = execFileSync(process.execPath, [nearleyc, join(root, 'grammars', 'ebnf.ne')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  expect(readFileSync(join(root, 'src', 'ebnf', 'ebnf-grammar.generated.ts'), 'utf8')).toBe(fresh);
});
