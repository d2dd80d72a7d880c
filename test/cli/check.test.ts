/** `logitkit check`, through `runCheck` with a small synthetic tokenizer (one test uses the llama-3.1 preset). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckOptions, type CheckReport, runCheck } from '../../src/cli/check.js';
import { main } from '../../src/cli/main.js';
import { TokenizerInfo } from '../../src/vocabulary/index.js';

/** `<eos>`, every printable ASCII character, newline/tab, a few multi-character tokens, and bytes 0x80-0xff. */
function tinyTokenizer(): TokenizerInfo {
  const tokens: Array<string | Uint8Array> = ['<eos>', '\n', '\t'];
  for (let c = 0x20; c < 0x7f; c++) tokens.push(String.fromCharCode(c));
  tokens.push('{"', '":', '", "', 'true', 'false', 'null', 'abc', '"name"', '123');
  for (let b = 0x80; b <= 0xff; b++) tokens.push(Uint8Array.of(b));
  return TokenizerInfo.fromVocab(tokens, { eosTokenIds: [0] });
}

const tokenizerInfo = tinyTokenizer();
const dir = mkdtempSync(join(tmpdir(), 'logitkit-check-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function check(options: CheckOptions): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCheck(
    { tokenizerInfo, ...options },
    {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    },
  );
  return { code, out, err };
}

function checkJson(options: CheckOptions): { code: number; report: CheckReport } {
  const { code, out } = check({ ...options, json: true });
  return { code, report: JSON.parse(out) as CheckReport };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.exitCode = undefined;
  const code = await main(args, {
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('check --regex', () => {
  it('compiles, judges test strings against RegExp, samples sentences and times masks', () => {
    const r = check({ regex: '[a-z]{3}', testString: ['abc', 'ab', 'abcd'], samples: 4, seed: 7 });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^ok: regex "\[a-z\]\{3\}" \(sglang flavor\) compiled in [\d.]+ ms for vocab \(\d+ tokens; token trie built in [\d.]+ ms\)\n/,
    );
    expect(r.out).toContain('grammar accepts "abc", RegExp accepts');
    expect(r.out).toContain('grammar rejects "ab", RegExp rejects');
    expect(r.out).toMatch(/mask time: p50 [\d.]+ µs, p99 [\d.]+ µs, max [\d.]+ µs over \d+ masks/);
    const { report } = checkJson({ regex: '[a-z]{3}', samples: 4, seed: 7 });
    expect(report.samples).toHaveLength(4);
    for (const s of report.samples) {
      expect(s.text).toMatch(/^[a-z]{3}$/);
      expect(s.end).toBe('eos');
      expect(s.oracle).toEqual({ oracle: 'RegExp', valid: true, errors: [] });
    }
    expect(report.maskMicros!.count).toBeGreaterThanOrEqual(16);
    expect(report.maskMicros!.first).toBeGreaterThan(0);
  });

  it('the same seed gives the same samples; another seed other samples', () => {
    const a = checkJson({ regex: '[a-z]{8}', samples: 3, seed: 1 }).report.samples.map((s) => s.text);
    const b = checkJson({ regex: '[a-z]{8}', samples: 3, seed: 1 }).report.samples.map((s) => s.text);
    const c = checkJson({ regex: '[a-z]{8}', samples: 3, seed: 2 }).report.samples.map((s) => s.text);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('uses search semantics for the ecma flavor', () => {
    const r = checkJson({ regex: 'b+', flavor: 'ecma', testString: ['abba', 'ac'], samples: 0 });
    expect(r.code).toBe(0);
    expect(r.report.tests.map((t) => [t.accepted, t.oracle?.valid])).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('truncates unbounded walks at --max-tokens and says so', () => {
    const { report } = checkJson({ regex: '[a-z]+', samples: 20, maxTokens: 2, seed: 3 });
    expect(report.samples.some((s) => s.end === 'truncated' && s.tokens === 2)).toBe(true);
    expect(report.samples.every((s) => s.tokens <= 2 && (s.end === 'truncated' || !!s.oracle?.valid))).toBe(
      true,
    );
    // No single token of the tiny vocabulary completes '[a-z]+b': every walk is cut, which is not a failure.
    const text = check({ regex: '[a-z]+b', samples: 3, maxTokens: 1, seed: 3 });
    expect(text.out.match(/\(1 token, truncated at 1 token\)/g)).toHaveLength(3);
    expect(text.code).toBe(0);
  });

  it('groups tokens by first character so a flood of whitespace tokens does not drown the structure', () => {
    // 400 space-run tokens and one "x": uniform draws pick "x" once in 401 steps, grouped draws once in 2.
    const spaces = Array.from({ length: 400 }, (_, i) => ' '.repeat(i + 1));
    const wide = TokenizerInfo.fromVocab(['<eos>', 'x', ...spaces], { eosTokenIds: [0] });
    const options = { regex: ' *x', samples: 10, maxTokens: 32, seed: 4, tokenizerInfo: wide };
    const grouped = checkJson(options).report.samples;
    expect(grouped.every((s) => s.end === 'eos' && /^ *x$/.test(s.text))).toBe(true);
    const uniform = checkJson({ ...options, uniform: true }).report.samples;
    expect(uniform.filter((s) => s.end === 'truncated').length).toBeGreaterThanOrEqual(8);
    expect(uniform.every((s) => s.end === 'truncated' || /^ *x$/.test(s.text))).toBe(true);
  });

  it('prints a syntax error with a caret and exits 1', () => {
    const r = check({ regex: 'ab(c' });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^regex "ab\(c": does not compile\nerror: .*/);
    expect(r.err).toMatch(/\n {2}ab\(c\n {2} *\^/);
    const { report } = checkJson({ regex: 'ab(c' });
    expect(report.ok).toBe(false);
    expect(report.errors[0]).toMatchObject({ kind: 'regex', position: expect.any(Number) });
  });

  it('--dot prints the byte DFA', () => {
    const r = check({ regex: 'a[bc]', dot: true });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^digraph "regex" \{\n {2}rankdir=LR;/);
    expect(r.out).toContain('label="[b-c]"');
    expect(r.out.match(/doublecircle/g)).toHaveLength(1);
    expect(checkJson({ regex: 'a', dot: true, samples: 0 }).report.dot).toContain('digraph');
  });
});

describe('check --ebnf', () => {
  it('reports warnings with line:column and test verdicts', () => {
    const path = file('neg.ebnf', 'root ::= [^é]+ "!"');
    const r = check({ ebnf: path, testString: ['ab!', 'é!'], samples: 2 });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: ebnf ".*neg\.ebnf" compiled in/);
    expect(r.out).toContain('warning at line 1, column 10 [negated-class-non-ascii]');
    expect(r.out).toContain('  grammar accepts "ab!"\n  grammar rejects "é!"');
    const xg = checkJson({ ebnf: path, compat: 'xgrammar', testString: ['é!'], samples: 0 });
    expect(xg.report.tests[0]!.accepted).toBe(true);
  });

  it('samples end in complete sentences of the grammar', () => {
    const path = file('expr.ebnf', 'expr ::= term ("+" term)*\nterm ::= [0-9]+ | "(" expr ")"');
    const { code, report } = checkJson({ ebnf: path, root: 'expr', samples: 6, seed: 5 });
    expect(code).toBe(0);
    const complete = report.samples.filter((s) => s.end === 'eos');
    expect(complete.length).toBeGreaterThan(0);
    for (const s of complete) {
      expect(s.text).toMatch(/^[0-9+()]+$/);
      const again = checkJson({ ebnf: path, root: 'expr', testString: [s.text], samples: 0 });
      expect(again.report.tests[0]!.accepted).toBe(true);
    }
  });

  it('prints the XGrammar-style error with a caret and exits 1', () => {
    const r = check({ ebnf: file('bad.ebnf', 'root ::= "a"\nb ::= c') });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `ebnf ${JSON.stringify(join(dir, 'bad.ebnf'))}: does not compile\n` +
        'error: EBNF parser error at line 2, column 7: Rule "c" is not defined\n  b ::= c\n        ^\n',
    );
    const { report } = checkJson({ ebnf: join(dir, 'bad.ebnf') });
    expect(report.errors[0]).toMatchObject({ kind: 'ebnf-parser', line: 2, column: 7 });
  });

  it('an unreadable file is an error, exit 1', () => {
    const r = check({ ebnf: join(dir, 'missing.ebnf') });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: cannot read ebnf file .*missing\.ebnf: ENOENT/);
  });
});

const personSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 6 },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    tags: { type: 'array', items: { enum: ['a', 'b'] }, uniqueItems: true, maxItems: 3 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
};

describe('check --json-schema', () => {
  it('samples validate with ajv; XGrammar gaps are listed', () => {
    const path = file('person.json', JSON.stringify(personSchema));
    const { code, report } = checkJson({ jsonSchema: path, samples: 6, seed: 11 });
    expect(code).toBe(0);
    expect(report.xgrammarIgnored).toContainEqual({
      pointer: '/properties/tags/uniqueItems',
      keyword: 'uniqueItems',
      reason: 'ignored',
    });
    const complete = report.samples.filter((s) => s.end === 'eos');
    expect(complete.length).toBeGreaterThan(0);
    const validate = new AjvModule.default().compile(personSchema);
    for (const s of complete) {
      expect(s.oracle).toMatchObject({ oracle: 'ajv', valid: true });
      expect(validate(JSON.parse(s.text)), s.text).toBe(true);
    }
    const text = check({ jsonSchema: path, samples: 1 });
    expect(text.out).toContain(
      "XGrammar (SGLang's default grammar backend) would accept this schema but NOT enforce 1 keyword(s):\n" +
        '  /properties/tags/uniqueItems (uniqueItems): ignored',
    );
    expect(text.out).toMatch(/ajv accepts\)/);
  });

  it('judges test strings and instance files with grammar and ajv', () => {
    const path = file('person2.json', JSON.stringify(personSchema));
    const good = file('good.json', '{"name": "Al", "age": 30}\n');
    const bad = file('bad.json', '{"name": "Al", "age": -1}');
    const r = check({
      jsonSchema: path,
      instance: [good, bad],
      testString: ['{"name":"Bo","age":1,"tags":["a"]}', '{"age": 1}'],
      samples: 0,
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'grammar accepts "{\\"name\\":\\"Bo\\",\\"age\\":1,\\"tags\\":[\\"a\\"]}", ajv accepts',
    );
    expect(r.out).toMatch(
      /grammar rejects "\{\\"age\\": 1\}", ajv rejects \(\/: must have required property 'name'\)/,
    );
    expect(r.out).toContain(`grammar accepts "{\\"name\\": \\"Al\\", \\"age\\": 30}" [${good}], ajv accepts`);
    expect(r.out).toContain(`[${bad}], ajv rejects (/age: must be >= 0)`);
  });

  it('flags a grammar/ajv disagreement loudly and exits 1', () => {
    // The grammar matches whole JSON texts without surrounding whitespace (SGLang's convention); ajv parses
    // the value first, so a test string with a leading space is a disagreement.
    const path = file('person3.json', JSON.stringify(personSchema));
    const r = check({ jsonSchema: path, testString: [' {"name": "A", "age": 1}'], samples: 0 });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '  !! DISAGREEMENT grammar rejects " {\\"name\\": \\"A\\", \\"age\\": 1}", ajv accepts',
    );
    expect(r.out).toContain('FAILED: 1 disagreement(s) or problem sample(s)');
    const { report } = checkJson({ jsonSchema: path, testString: [' {"name": "A", "age": 1}'], samples: 0 });
    expect(report.tests[0]).toMatchObject({ accepted: false, disagrees: true, oracle: { valid: true } });
    expect(report.problems).toBe(1);
    // Instance files are trimmed; duplicates break uniqueItems for both grammar and ajv: agreement, exit 0.
    const dup = file('dup.json', '\n{"name": "Al", "age": 3, "tags": ["a", "a"]}\n');
    const agreed = checkJson({ jsonSchema: path, instance: [dup], samples: 0 });
    expect(agreed.code).toBe(0);
    expect(agreed.report.tests[0]).toMatchObject({
      accepted: false,
      disagrees: false,
      oracle: { valid: false },
    });
  });

  it('reports schema errors with JSON pointers and exits 1', () => {
    const path = file('bad-schema.json', '{"type": "object", "properties": {"a": {"minimum": "x"}}}');
    const r = check({ jsonSchema: path });
    expect(r.code).toBe(1);
    expect(r.err).toContain('/properties/a/minimum');
    const { report } = checkJson({ jsonSchema: path });
    expect(report.ok).toBe(false);
    expect(report.errors.some((e) => e.pointer === '/properties/a/minimum')).toBe(true);
    // A schema logitkit refuses still lists what XGrammar would silently skip.
    const refused = { type: 'array', items: { type: 'string' }, uniqueItems: true };
    const u = check({ jsonSchema: file('unique.json', JSON.stringify(refused)) });
    expect(u.code).toBe(1);
    expect(u.err).toMatch(/error: .*uniqueItems/);
    expect(u.err).toContain('NOT enforce 1 keyword(s):\n  /uniqueItems (uniqueItems): ignored');
    const notJson = check({ jsonSchema: file('not-json.json', '{"type": ') });
    expect(notJson.code).toBe(1);
    expect(notJson.err).toMatch(/does not compile\nerror: /);
  });

  it('--compat xgrammar uses strict mode (no undeclared properties)', () => {
    const path = file(
      'open.json',
      JSON.stringify({ type: 'object', properties: { a: { type: 'integer' } } }),
    );
    const extra = '{"a": 1, "b": 2}';
    expect(checkJson({ jsonSchema: path, testString: [extra], samples: 0 }).report.tests[0]!.accepted).toBe(
      true,
    );
    const strict = checkJson({ jsonSchema: path, testString: [extra], samples: 0, compat: 'xgrammar' });
    expect(strict.report.tests[0]).toMatchObject({ accepted: false, disagrees: true });
  });
});

describe('check --structural-tag', () => {
  const tag = {
    type: 'structural_tag',
    format: {
      type: 'sequence',
      elements: [
        { type: 'const_string', value: 'n=' },
        { type: 'json_schema', json_schema: { type: 'integer', minimum: 0, maximum: 99 } },
      ],
    },
  };

  it('compiles, tests strings and samples', () => {
    const path = file('tag.json', JSON.stringify(tag));
    const { code, report } = checkJson({ structuralTag: path, testString: ['n=42', 'n=420'], samples: 3 });
    expect(code).toBe(0);
    expect(report.tests.map((t) => t.accepted)).toEqual([true, false]);
    const complete = report.samples.filter((x) => x.end === 'eos');
    expect(complete.length).toBeGreaterThan(0);
    for (const s of complete) {
      expect(s.text.startsWith('n=')).toBe(true);
      const n = Number(s.text.slice(2)); // JSON Schema integers may be written 82.0
      expect(Number.isInteger(n) && n >= 0 && n <= 99, s.text).toBe(true);
    }
  });

  it('reports errors with the JSON pointer of the bad format', () => {
    const bad = { type: 'structural_tag', format: { type: 'sequence', elements: [{ type: 'nope' }] } };
    const path = file('bad-tag.json', JSON.stringify(bad));
    const { code, report } = checkJson({ structuralTag: path });
    expect(code).toBe(1);
    expect(report.errors[0]!.pointer).toBe('/format/elements/0/type');
    expect(check({ structuralTag: path }).err).toContain('/format/elements/0/type');
  });
});

describe('usage and the command line', () => {
  it('usage errors exit 2', async () => {
    expect((await cli(['check'])).code).toBe(2);
    expect((await cli(['check'])).err).toContain('give one of --ebnf FILE, --regex PATTERN');
    expect((await cli(['check', '--regex', 'a', '--ebnf', 'x.ebnf'])).code).toBe(2);
    expect((await cli(['check', '--regex', 'a', '--bogus'])).code).toBe(2);
    expect((await cli(['check', '--regex', 'a', '--samples', 'x'])).code).toBe(2);
    expect((await cli(['check', '--regex', 'a', '--flavor', 'perl'])).code).toBe(2);
    const dot = await cli(['check', '--ebnf', 'x.ebnf', '--dot']);
    expect(dot).toMatchObject({ code: 2, err: 'error: --dot is for --regex\n' });
    expect((await cli(['check', '--regex', 'a', '--instance', 'x.json'])).code).toBe(2);
    expect((await cli(['check', '--regex', 'a', '--compat', 'xgrammar'])).code).toBe(2);
    expect((await cli(['check', '--regex', 'a', '--root', 'x'])).code).toBe(2);
  });

  it('loads --tokenizer files; a bad tokenizer path is an error, exit 1', async () => {
    const fixture = join(import.meta.dirname, '../fixtures/tokenizers/byte-level');
    const r = await cli(['check', '--regex', '[a-z]+ [0-9]{2}', '--tokenizer', fixture, '--samples', '3']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('byte-level/tokenizer.json (278 tokens;');
    expect(r.out.match(/complete, RegExp accepts/g)).toHaveLength(3);
    const bad = await cli(['check', '--regex', 'a', '--tokenizer', join(dir, 'none')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^error: .*none: cannot read tokenizer/);
  });

  it('--regex --dot through the CLI needs no tokenizer', async () => {
    const r = await cli(['check', '--regex', '[0-9]+', '--dot']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('s0 -> s1 [label="[0-9]"];');
  });

  it('runs end to end with the llama-3.1 preset', async () => {
    const r = await cli([
      'check',
      '--regex',
      '[a-z]{3}',
      '--preset',
      'llama-3.1',
      '--samples',
      '3',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as CheckReport;
    expect(report.tokenizer).toMatchObject({ source: 'preset:llama-3.1', vocabSize: 128256 });
    expect(report.samples).toHaveLength(3);
    for (const s of report.samples) expect(s.text).toMatch(/^[a-z]{3}$/);
  }, 60_000);
});
