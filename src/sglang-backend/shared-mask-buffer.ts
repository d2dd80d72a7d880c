import { closeSync, fstatSync, openSync, writeSync, writevSync } from 'node:fs';
import { CONTROL_RECORD_BYTES, ErrorCode, ProtocolError } from './protocol.js';

/** One mask row held by the sidecar: its words (what masks are computed into) and the same bytes. */
export interface MaskRow {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

/**
 * The sidecar's view of the client's shared-memory mask file (normally under /dev/shm).
 *
 * Node cannot mmap, so rows reach the file through positional writes — on tmpfs one kernel memcpy into the pages
 * the client has mapped. That copy is most of the transport's cost (about 1.5 µs per 16 KB Llama-3.1 row), so the
 * buffer remembers, per file row, the row it last wrote there (`content`) and skips a row whose new mask is
 * byte-identical (one memcmp; 39% of the masks along MaskBench walks equal the previous step's). A row whose
 * content is unknown — never written, or changed by the client and reported with `forget` — is always written.
 *
 * Masks are computed into pooled row arrays (`scratchRow`), which become the row's `content` when staged; rows
 * staged by one fill are written by `flush` with one `pwritev` per run of consecutive rows, straight from those
 * arrays.
 */
export class SharedMaskBuffer {
  /** What the sidecar last wrote into each file row; null when unknown. */
  private readonly content: (MaskRow | null)[];
  private readonly pool: MaskRow[] = [];
  /** An all-ones row, shared by every row that holds it; never pooled or written into. */
  readonly ones: MaskRow;
  private readonly rowBytes: number;
  private pending: Uint32Array;
  private pendingCount = 0;
  /** `pendingStamp[row] === stamp` marks rows already staged by the current fill. */
  private readonly pendingStamp: Uint32Array;
  private stamp = 1;
  private fd: number | null;
  private readonly control = Buffer.alloc(CONTROL_RECORD_BYTES);

  private constructor(
    fd: number,
    readonly path: string,
    readonly rows: number,
    readonly wordsPerRow: number,
  ) {
    this.fd = fd;
    this.rowBytes = wordsPerRow * 4;
    this.content = new Array<MaskRow | null>(rows).fill(null);
    this.ones = newRow(wordsPerRow);
    this.ones.words.fill(-1);
    this.pending = new Uint32Array(64);
    this.pendingStamp = new Uint32Array(rows);
  }

  /**
   * Opens an existing file created and sized by the client. Never creates files: a missing, non-regular or too
   * small file is a ProtocolError naming the problem.
   */
  static open(path: string, rows: number, wordsPerRow: number): SharedMaskBuffer {
    if (!Number.isInteger(rows) || rows < 1 || rows > 1 << 16) {
      throw new ProtocolError(ErrorCode.badArgument, `buffer rows must be in [1, 65536], got ${rows}`);
    }
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (err) {
      throw new ProtocolError(
        ErrorCode.badArgument,
        `cannot open mask buffer ${path}: ${(err as Error).message}`,
      );
    }
    const stat = fstatSync(fd);
    const needed = rows * wordsPerRow * 4;
    if (!stat.isFile() || stat.size < needed) {
      closeSync(fd);
      throw new ProtocolError(
        ErrorCode.badArgument,
        `mask buffer ${path} must be a regular file of at least ${needed} bytes (${rows} rows × ${wordsPerRow * 4}), ` +
          `found ${stat.isFile() ? `${stat.size} bytes` : 'not a regular file'}`,
      );
    }
    return new SharedMaskBuffer(fd, path, rows, wordsPerRow);
  }

  /** A row array to compute a mask into; hand it to `stage` (or back with `release`). Contents undefined. */
  scratchRow(): MaskRow {
    return this.pool.pop() ?? newRow(this.wordsPerRow);
  }

  /** Returns a scratch row that will not be staged. */
  release(row: MaskRow): void {
    if (row !== this.ones) this.pool.push(row);
  }

  /** The client changed `row` itself: its content is unknown until the sidecar writes it again. */
  forget(row: number): void {
    const prev = this.content[row];
    if (prev) this.release(prev);
    this.content[row] = null;
  }

  /**
   * Makes `next` the content of file row `row` (taking ownership of `next`). Returns false — and writes nothing —
   * when the row already holds exactly these bytes, unless `force`; otherwise the row is written by `flush`.
   */
  stage(row: number, next: MaskRow, force = false): boolean {
    const prev = this.content[row] ?? null;
    if (prev === next) {
      if (force) this.markPending(row);
      return force;
    }
    if (!force && prev !== null && Buffer.compare(prev.bytes, next.bytes) === 0) {
      this.release(next);
      return false;
    }
    this.content[row] = next;
    if (prev) this.release(prev);
    this.markPending(row);
    return true;
  }

  /** Stages the row's current content again (all ones when unknown) so `flush` writes it (transport benchmark). */
  restage(row: number): void {
    this.stage(row, this.content[row] ?? this.ones, true);
  }

  private markPending(row: number): void {
    if (this.pendingStamp[row] === this.stamp) return;
    this.pendingStamp[row] = this.stamp;
    if (this.pendingCount === this.pending.length) {
      const grown = new Uint32Array(this.pending.length * 2);
      grown.set(this.pending);
      this.pending = grown;
    }
    this.pending[this.pendingCount++] = row;
  }

  /**
   * Writes every staged row into the file, one positional vectored write per run of consecutive rows; returns the
   * number of rows written. Rows not staged are never written, so the client's copies of them stay as they are.
   */
  flush(): number {
    if (this.fd === null) throw new ProtocolError(ErrorCode.noBuffer, 'mask buffer is closed');
    const count = this.pendingCount;
    this.pendingCount = 0;
    this.stamp = this.stamp === 0xffffffff ? 1 : this.stamp + 1;
    if (this.stamp === 1) this.pendingStamp.fill(0);
    if (count === 0) return 0;
    const rows = this.pending.subarray(0, count);
    for (let i = 1; i < count; i++) {
      if (rows[i]! < rows[i - 1]!) {
        rows.sort();
        break;
      }
    }
    let start = 0;
    for (let i = 1; i <= count; i++) {
      if (i < count && rows[i] === rows[i - 1]! + 1) continue;
      this.writeRun(rows, start, i);
      start = i;
    }
    return count;
  }

  /** Writes the content of rows[from..to) (consecutive file rows) with one pwritev. */
  private writeRun(rows: Uint32Array, from: number, to: number): void {
    const parts: Uint8Array[] = [];
    for (let i = from; i < to; i++) parts.push(this.content[rows[i]!]!.bytes);
    const offset = rows[from]! * this.rowBytes;
    const total = (to - from) * this.rowBytes;
    const done = writevSync(this.fd!, parts, offset);
    if (done < total) this.finishShortWrite(parts, offset, done);
  }

  /** Completes a short vectored write byte range by byte range (rare: tmpfs writes whole ranges). */
  private finishShortWrite(parts: Uint8Array[], offset: number, done: number): void {
    let position = offset;
    for (const part of parts) {
      let skip = Math.max(0, Math.min(part.byteLength, offset + done - position));
      while (skip < part.byteLength) {
        skip += writeSync(this.fd!, part, skip, part.byteLength - skip, position + skip);
      }
      position += part.byteLength;
    }
  }

  /**
   * Writes FILL_AHEAD's control record (`CONTROL_RECORD_BYTES`) at the start of file row `row`, after the masks
   * of that fill were written (so a client that sees `ticket` there sees the rows too). The row is not a mask
   * row any more: its content is forgotten, and a later fill into it is written in full.
   */
  writeControl(
    row: number,
    ticket: number,
    count: number,
    computeMicros: number,
    writeMicros: number,
    acceptMicros: number,
    rowsWritten: number,
  ): void {
    if (this.fd === null) throw new ProtocolError(ErrorCode.noBuffer, 'mask buffer is closed');
    this.forget(row);
    const record = this.control;
    record.writeUInt32LE(ticket >>> 0, 0);
    record.writeUInt32LE(count, 4);
    record.writeDoubleLE(computeMicros, 8);
    record.writeDoubleLE(writeMicros, 16);
    record.writeDoubleLE(acceptMicros, 24);
    record.writeUInt32LE(rowsWritten, 32);
    record.writeUInt32LE(0, 36);
    // The ticket last, in a write of its own: a client that reads the new ticket finds the whole record (and the
    // rows, written before) in place.
    const offset = row * this.rowBytes;
    let done = 4;
    while (done < record.length)
      done += writeSync(this.fd, record, done, record.length - done, offset + done);
    done = 0;
    while (done < 4) done += writeSync(this.fd, record, done, 4 - done, offset + done);
  }

  /** Closes the file descriptor (the client owns and unlinks the file). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

function newRow(words: number): MaskRow {
  const w = new Int32Array(words);
  return { words: w, bytes: new Uint8Array(w.buffer) };
}
