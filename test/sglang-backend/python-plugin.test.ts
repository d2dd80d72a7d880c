import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyType, type KeyTypeCode } from '../../src/sglang-backend/protocol.js';
import { loadSidecarEngine } from '../../src/sglang-backend/start.js';

const root = resolve(import.meta.dirname, '../..');
const python = process.env.PYTHON ?? 'python3';
const hasPython = spawnSync(python, ['--version']).status === 0;
const hasBuild =
  existsSync(join(root, 'dist/cli/main.js')) || process.env.LOGITKIT_SIDECAR_COMMAND !== undefined;
const skipReason = !hasPython
  ? `${python} not found: the Python plugin tests (python/tests) are SKIPPED`
  : !hasBuild
    ? 'dist/cli/main.js missing (run `npm run build`): the Python plugin tests (python/tests) are SKIPPED'
    : '';
if (skipReason) console.warn(`[sglang-backend] ${skipReason}`);

interface Case {
  name: string;
  keyType: keyof typeof KeyType | 'structural_tag';
  key: string;
  invalid?: boolean;
}

const KEY_TYPES: Record<string, KeyTypeCode> = {
  json: KeyType.json,
  regex: KeyType.regex,
  ebnf: KeyType.ebnf,
  structural_tag: KeyType.structuralTag,
};

/** Same policy as python/tests/support.py: EOS when allowed, else a pseudo-random allowed token. */
function pick(allowed: number[], eos: readonly number[], step: number): number {
  for (const t of allowed) if (eos.includes(t)) return t;
  return allowed[(step * 7919 + 13) % allowed.length]!;
}

function allowedOf(row: Int32Array, vocab: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < vocab; t++) if ((row[t >> 5]! >>> (t & 31)) & 1) out.push(t);
  return out;
}

/** Walks every case in-process (no sidecar, no transport) and records each step's mask and chosen token. */
async function referenceMasks(): Promise<string> {
  const spec = JSON.parse(readFileSync(join(root, 'python/tests/cases.json'), 'utf8')) as {
    maxSteps: number;
    cases: Case[];
  };
  const engine = await loadSidecarEngine({ preset: 'llama-3.1' });
  const words = Math.ceil(engine.vocabSize / 32);
  const cases = spec.cases.map((c) => {
    if (c.invalid) {
      let error: string | null = null;
      try {
        engine.compile(KEY_TYPES[c.keyType]!, c.key, 0);
      } catch (err) {
        error = (err as Error).message;
      }
      return { name: c.name, error };
    }
    const m = engine.createMatcher(engine.compile(KEY_TYPES[c.keyType]!, c.key, 0), {});
    const steps: { mask: string; token: number }[] = [];
    for (let step = 0; step < spec.maxSteps && !m.isTerminated(); step++) {
      const row = new Int32Array(words);
      m.fillNextTokenBitmask(row, 0);
      const token = pick(allowedOf(row, engine.vocabSize), engine.eosTokenIds, step);
      steps.push({ mask: Buffer.from(row.buffer).toString('base64'), token });
      if (!m.acceptToken(token))
        throw new Error(`${c.name}: in-process matcher rejected its own token ${token}`);
    }
    return { name: c.name, steps };
  });
  return JSON.stringify({ vocabSize: engine.vocabSize, eos: engine.eosTokenIds, cases });
}

describe('Python plugin (python/tests via unittest)', () => {
  it.skipIf(skipReason !== '')(
    'drives the plugin through the scheduler sequence with masks equal to the in-process engine',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lk-python-'));
      try {
        const refPath = join(dir, 'reference.json');
        writeFileSync(refPath, await referenceMasks());
        for (const c of JSON.parse(readFileSync(refPath, 'utf8')).cases as {
          name: string;
          error?: string | null;
        }[]) {
          if ('error' in c) expect(c.error, `${c.name} must fail to compile`).not.toBeNull();
        }
        const child = spawn(python, ['-m', 'unittest', 'discover', '-s', 'python/tests', '-v'], {
          cwd: root,
          env: { ...process.env, PYTHONPATH: join(root, 'python'), LOGITKIT_REFERENCE_MASKS: refPath },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          output += d.toString();
        });
        // The suite stops its own sidecars; the timer only guards against a hung run outliving the test.
        const guard = setTimeout(() => child.kill('SIGKILL'), 280_000);
        const code = await new Promise<number | null>((done) => child.on('close', done));
        clearTimeout(guard);
        expect(code, output).toBe(0);
        expect(output).toMatch(/\nOK/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
