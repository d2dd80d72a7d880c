/**
 * `--model replay:FILE`: logits read from a `.npy` or `.safetensors` file holding a float matrix
 * `[steps, vocab]` (or one `[vocab]` row). Generation step i of every request uses row min(i, steps-1),
 * so a recorded run of a real model can be replayed through the sampler and grammar masks.
 */
import { readFileSync } from 'node:fs';
import type { LanguageModel, SequenceView } from './types.js';

/** A dense float32 matrix. */
export interface LogitMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function toFloat32(bytes: Uint8Array, dtype: string, count: number, where: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const size = dtype === 'f8' ? 8 : dtype === 'f4' ? 4 : 2;
  if (bytes.byteLength < count * size)
    throw new Error(`${where}: data is truncated (${bytes.byteLength} bytes)`);
  for (let i = 0; i < count; i++) {
    if (dtype === 'f4') out[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'f8') out[i] = view.getFloat64(i * 8, true);
    else if (dtype === 'f2') out[i] = halfToFloat(view.getUint16(i * 2, true));
    else out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
  }
  return out;
}

function shapeToMatrix(shape: number[], where: string): { rows: number; cols: number } {
  if (shape.length === 1) return { rows: 1, cols: shape[0]! };
  if (shape.length === 2) return { rows: shape[0]!, cols: shape[1]! };
  throw new Error(`${where}: expected a 1-D or 2-D logits array, got shape [${shape.join(', ')}]`);
}

/** Parses a NumPy `.npy` file (little-endian float16/32/64, C order). */
export function parseNpy(bytes: Uint8Array, where = 'npy'): LogitMatrix {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new Error(`${where}: not a .npy file`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([<>|=]?)([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shapeMatch = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new Error(`${where}: malformed .npy header ${header.trim()}`);
  if (descr[1] === '>') throw new Error(`${where}: big-endian arrays are not supported`);
  if (!['f2', 'f4', 'f8'].includes(descr[2]!))
    throw new Error(`${where}: dtype ${descr[2]} is not a float type`);
  if (fortran[1] === 'True') throw new Error(`${where}: Fortran-ordered arrays are not supported`);
  const shape = shapeMatch[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const { rows, cols } = shapeToMatrix(shape, where);
  const data = toFloat32(bytes.subarray(headerStart + headerLength), descr[2]!, rows * cols, where);
  return { rows, cols, data };
}

/** Parses a `.safetensors` file and returns the tensor named `logits`, or the first one by name. */
export function parseSafetensors(bytes: Uint8Array, where = 'safetensors'): LogitMatrix {
  if (bytes.length < 8) throw new Error(`${where}: file too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8)
    throw new Error(`${where}: header length ${headerLength} exceeds the file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new Error(`${where}: header is not JSON (${(error as Error).message})`);
  }
  const names = Object.keys(header)
    .filter((k) => k !== '__metadata__')
    .sort();
  const name = names.includes('logits') ? 'logits' : names[0];
  if (name === undefined) throw new Error(`${where}: no tensors`);
  const tensor = header[name]!;
  const dtype = { F32: 'f4', F64: 'f8', F16: 'f2', BF16: 'bf16' }[tensor.dtype];
  if (!dtype) throw new Error(`${where}: tensor '${name}' has dtype ${tensor.dtype}, expected a float type`);
  const { rows, cols } = shapeToMatrix(tensor.shape, `${where}: tensor '${name}'`);
  const start = 8 + headerLength + tensor.data_offsets[0];
  const data = toFloat32(
    bytes.subarray(start, 8 + headerLength + tensor.data_offsets[1]),
    dtype,
    rows * cols,
    where,
  );
  return { rows, cols, data };
}

/** Replays recorded logits. Columns beyond the tokenizer's vocabulary are dropped; missing ones are -inf. */
export class ReplayModel implements LanguageModel {
  readonly name: string;
  readonly description: string;
  readonly vocabSize: number;
  private readonly matrix: LogitMatrix;

  constructor(matrix: LogitMatrix, vocabSize: number, file: string) {
    this.matrix = matrix;
    this.vocabSize = vocabSize;
    this.name = `logitkit/replay:${file}`;
    this.description = `replay: ${matrix.rows} recorded logit rows of width ${matrix.cols} from ${file}`;
  }

  /** Loads a `.npy` or `.safetensors` file (chosen by extension). */
  static load(file: string, vocabSize: number): ReplayModel {
    const bytes = new Uint8Array(readFileSync(file));
    const matrix = file.endsWith('.safetensors') ? parseSafetensors(bytes, file) : parseNpy(bytes, file);
    if (matrix.rows === 0 || matrix.cols === 0) throw new Error(`${file}: the logits array is empty`);
    return new ReplayModel(matrix, vocabSize, file);
  }

  forward(batch: readonly SequenceView[], out: readonly Float32Array[]): void {
    const { rows, cols, data } = this.matrix;
    const width = Math.min(cols, this.vocabSize);
    for (let i = 0; i < batch.length; i++) {
      const seq = batch[i]!;
      const row = Math.min(Math.max(0, seq.tokenIds.length - seq.promptLength), rows - 1);
      const target = out[i]!;
      target.set(data.subarray(row * cols, row * cols + width));
      if (width < this.vocabSize) target.fill(-Infinity, width);
    }
  }
}
