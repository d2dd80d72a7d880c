import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerSampleCommand, runSample } from '../../src/cli/sample.js';
import {
  LogitsFileError,
  parseJsonLogits,
  parseNpyLogits,
  parseSafetensorsLogits,
} from '../../src/sampling/index.js';

function npy(values: number[], shape: number[], descr = '<f4'): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const size = descr.endsWith('8') ? 8 : descr.endsWith('4') ? 4 : 2;
  const out = new Uint8Array(10 + header.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  values.forEach((v, i) => {
    const at = 10 + header.length + i * size;
    if (size === 4) view.setFloat32(at, v, descr[0] === '<');
    else if (size === 8) view.setFloat64(at, v, descr[0] === '<');
    else view.setUint16(at, v, descr[0] === '<'); // raw float16 bits
  });
  return out;
}

function safetensors(name: string, values: number[], shape: number[]): Uint8Array {
  const header = JSON.stringify({
    __metadata__: { format: 'pt' },
    [name]: { dtype: 'F32', shape, data_offsets: [0, values.length * 4] },
  });
  const out = new Uint8Array(8 + header.length + values.length * 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(header.length), true);
  out.set(new TextEncoder().encode(header), 8);
  values.forEach((v, i) => {
    view.setFloat32(8 + header.length + i * 4, v, true);
  });
  return out;
}

describe('logits file readers', () => {
  it('reads .npy float32 (both byte orders) and float16 rows', () => {
    const a = parseNpyLogits(npy([1, 2, 3, 4, 5, 6], [2, 3]));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.rows[1]!)).toEqual([4, 5, 6]);
    expect(Array.from(parseNpyLogits(npy([1.5, -2], [2], '>f4')).rows[0]!)).toEqual([1.5, -2]);
    // float16 bits: 0x3c00 = 1, 0xc000 = -2, 0x7c00 = inf
    expect(Array.from(parseNpyLogits(npy([0x3c00, 0xc000, 0x7c00], [3], '<f2')).rows[0]!)).toEqual([
      1,
      -2,
      Number.POSITIVE_INFINITY,
    ]);
  });
  it('rejects bad .npy input with a clear message', () => {
    expect(() => parseNpyLogits(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(
      'x.npy: not a .npy file (bad magic)',
    );
    expect(() => parseNpyLogits(npy([1], [1], '<i4'), 'x.npy')).toThrow(/dtype <i4 is not float16\/32\/64/);
  });
  it('reads .safetensors', () => {
    const f = parseSafetensorsLogits(safetensors('logits', [0.5, 1.5, 2.5], [1, 3]));
    expect(Array.from(f.rows[0]!)).toEqual([0.5, 1.5, 2.5]);
    expect(() => parseSafetensorsLogits(safetensors('logits', [1], [1]), 'f.safetensors', 'nope')).toThrow(
      "f.safetensors: no tensor 'nope' (tensors: logits)",
    );
  });
  it('reads JSON rows (null = -inf) and rejects other shapes', () => {
    expect(Array.from(parseJsonLogits('{"logits": [1, null]}').rows[0]!)).toEqual([
      1,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(parseJsonLogits('[[1,2],[3,4]]').rows.length).toBe(2);
    expect(() => parseJsonLogits('[[1,2],[3]]', 'r.json')).toThrow('r.json: row 1 has 1 values, row 0 has 2');
    expect(() => parseJsonLogits('"x"')).toThrow(LogitsFileError);
  });
});

describe('logitkit sample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logitkit-sample-'));
  const file = join(dir, 'row.json');
  writeFileSync(file, JSON.stringify([Math.log(0.5), Math.log(0.3), Math.log(0.2)]));

  it('prints the processed distribution and a sample', () => {
    const out = runSample({ logits: file, params: '{"top_p": 0.5}', top: 3, seed: 1 });
    expect(out).toContain('kept tokens: 2 of 3');
    expect(out).toContain('kept mass before renormalisation: 0.800000');
    expect(out).toMatch(/sample \(seed 1\): [01]/);
  });
  it('prints JSON and writes an SVG plot', () => {
    const svg = join(dir, 'plot.svg');
    const report = JSON.parse(
      runSample({ logits: file, params: '{"top_k": 1}', top: 2, seed: 0, json: true, plot: svg }),
    );
    expect(report.keptTokens).toBe(1);
    expect(report.greedy).toBe(true);
    expect(report.top.map((t: { id: number }) => t.id)).toEqual([0, 1]);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*before filtering[\s\S]*<\/svg>$/);
  });
  it('reports invalid parameters with SGLang messages', () => {
    expect(() => runSample({ logits: file, params: '{"top_p": 1.5}', top: 3, seed: 0 })).toThrow(
      'top_p must be in (0, 1], got 1.5.',
    );
  });
  it('registers the command with commander', () => {
    const program = new Command();
    registerSampleCommand(program);
    expect(program.commands.map((c) => c.name())).toContain('sample');
  });
});
