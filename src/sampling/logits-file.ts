/**
 * Reading logits rows from files for the `sample` command: NumPy `.npy` (float16/32/64, either byte
 * order, C order), `.safetensors` (F16/BF16/F32/F64; the format is an 8-byte little-endian header
 * length, a JSON header and raw data) and `.json` (a number array, an array of rows, or
 * `{"logits": ...}`). The last dimension is the vocabulary; leading dimensions are rows. Both binary
 * formats are small enough that a dedicated reader is simpler than a dependency.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';

/** Logits rows read from a file. */
export interface LogitsFile {
  rows: Float32Array[];
  shape: number[];
  dtype: string;
}

/** Thrown for unreadable or malformed logits files; the message names the file and the problem. */
export class LogitsFileError extends Error {
  override readonly name = 'LogitsFileError';
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const bf16View = new DataView(new ArrayBuffer(4));
function bfloat16(bits: number): number {
  bf16View.setUint32(0, bits << 16);
  return bf16View.getFloat32(0);
}

function decodeValues(
  bytes: Uint8Array,
  dtype: string,
  littleEndian: boolean,
  count: number,
  file: string,
): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const size = dtype === 'f8' ? 8 : dtype === 'f4' ? 4 : 2;
  if (bytes.byteLength < count * size) {
    throw new LogitsFileError(
      `${file}: data is truncated (${bytes.byteLength} bytes for ${count} ${dtype} values)`,
    );
  }
  for (let i = 0; i < count; i++) {
    if (dtype === 'f4') out[i] = view.getFloat32(i * 4, littleEndian);
    else if (dtype === 'f8') out[i] = view.getFloat64(i * 8, littleEndian);
    else if (dtype === 'f2') out[i] = float16(view.getUint16(i * 2, littleEndian));
    else out[i] = bfloat16(view.getUint16(i * 2, littleEndian));
  }
  return out;
}

function toRows(values: Float32Array, shape: number[], file: string): Float32Array[] {
  if (shape.length === 0) throw new LogitsFileError(`${file}: expected at least one dimension, got a scalar`);
  const vocab = shape[shape.length - 1]!;
  if (vocab === 0) throw new LogitsFileError(`${file}: the vocabulary dimension is empty`);
  const rows: Float32Array[] = [];
  for (let offset = 0; offset < values.length; offset += vocab)
    rows.push(values.subarray(offset, offset + vocab));
  return rows;
}

/** Parses a `.npy` buffer. */
export function parseNpyLogits(buffer: Uint8Array, file = 'npy'): LogitsFile {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => buffer[i] === b))
    throw new LogitsFileError(`${file}: not a .npy file (bad magic)`);
  const major = buffer[6]!;
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(buffer.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([<>|=])([a-z])(\d+)'/u.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/u.exec(header);
  if (!descr || !shapeText)
    throw new LogitsFileError(`${file}: unreadable header ${JSON.stringify(header.trim())}`);
  if (/'fortran_order':\s*True/u.test(header)) {
    throw new LogitsFileError(
      `${file}: Fortran-ordered arrays are not supported (save with np.ascontiguousarray)`,
    );
  }
  const kind = `${descr[2]}${descr[3]}`;
  if (!['f2', 'f4', 'f8'].includes(kind))
    throw new LogitsFileError(`${file}: dtype ${descr[1]}${kind} is not float16/32/64`);
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const values = decodeValues(buffer.subarray(headerStart + headerLen), kind, descr[1] !== '>', count, file);
  return { rows: toRows(values, shape, file), shape, dtype: kind };
}

/** Parses a `.safetensors` buffer; `tensor` picks a tensor by name (default: the only/first one). */
export function parseSafetensorsLogits(
  buffer: Uint8Array,
  file = 'safetensors',
  tensor?: string,
): LogitsFile {
  if (buffer.byteLength < 8) throw new LogitsFileError(`${file}: too short for a safetensors header`);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > buffer.byteLength)
    throw new LogitsFileError(`${file}: header length ${headerLen} exceeds the file`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(buffer.subarray(8, 8 + headerLen)));
  } catch (error) {
    throw new LogitsFileError(`${file}: invalid JSON header (${(error as Error).message})`);
  }
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = tensor ?? names[0];
  if (name === undefined || !header[name]) {
    throw new LogitsFileError(
      `${file}: no tensor ${tensor ? `'${tensor}'` : ''} (tensors: ${names.join(', ') || 'none'})`,
    );
  }
  const info = header[name]!;
  const kinds: Record<string, string> = { F16: 'f2', BF16: 'bf16', F32: 'f4', F64: 'f8' };
  const kind = kinds[info.dtype];
  if (!kind)
    throw new LogitsFileError(`${file}: tensor '${name}' has dtype ${info.dtype}, expected F16/BF16/F32/F64`);
  const [begin, end] = info.data_offsets;
  const data = buffer.subarray(8 + headerLen + begin, 8 + headerLen + end);
  const count = info.shape.reduce((a, b) => a * b, 1);
  return {
    rows: toRows(decodeValues(data, kind, true, count, file), info.shape, file),
    shape: info.shape,
    dtype: kind,
  };
}

/** Parses JSON logits: `[..]`, `[[..], ..]` or `{"logits": ...}`. */
export function parseJsonLogits(text: string, file = 'json'): LogitsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LogitsFileError(`${file}: invalid JSON (${(error as Error).message})`);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    value = (value as { logits?: unknown }).logits;
  const isRow = (v: unknown): v is Array<number | null> =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' || x === null);
  const toRow = (row: Array<number | null>) =>
    Float32Array.from(row, (x) => (x === null ? Number.NEGATIVE_INFINITY : x));
  if (isRow(value)) return { rows: [toRow(value)], shape: [value.length], dtype: 'json' };
  if (Array.isArray(value) && value.length > 0 && value.every(isRow)) {
    const width = (value[0] as unknown[]).length;
    const bad = value.findIndex((row) => (row as unknown[]).length !== width);
    if (bad >= 0)
      throw new LogitsFileError(
        `${file}: row ${bad} has ${(value[bad] as unknown[]).length} values, row 0 has ${width}`,
      );
    return {
      rows: value.map((row) => toRow(row as Array<number | null>)),
      shape: [value.length, width],
      dtype: 'json',
    };
  }
  throw new LogitsFileError(
    `${file}: expected a number array, an array of rows or {"logits": ...} (null = -inf)`,
  );
}

/** Reads a logits file by extension (.npy, .safetensors, .json). */
export function readLogitsFile(path: string, tensor?: string): LogitsFile {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (error) {
    throw new LogitsFileError(
      `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const ext = extname(path).toLowerCase();
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (ext === '.npy') return parseNpyLogits(bytes, path);
  if (ext === '.safetensors') return parseSafetensorsLogits(bytes, path, tensor);
  if (ext === '.json') return parseJsonLogits(buffer.toString('utf8'), path);
  throw new LogitsFileError(`${path}: unknown extension '${ext}' (expected .npy, .safetensors or .json)`);
}
