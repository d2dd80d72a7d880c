import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { ErrorCode, ProtocolError } from './protocol.js';

/**
 * The sidecar's view of the client's shared-memory mask file (normally under /dev/shm).
 *
 * Node cannot mmap, so rows are computed into `mirror` (a private Int32Array with the file's layout) and copied
 * into the file with positional `writeSync` — on tmpfs that is one kernel memcpy into the page the client has
 * mapped, no disk I/O. Consecutive rows written by one fill are coalesced into a single write.
 */
export class SharedMaskBuffer {
  /** Row-major `rows × wordsPerRow` words, same layout as the file. */
  readonly mirror: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly rowBytes: number;
  private fd: number | null;

  private constructor(
    fd: number,
    readonly path: string,
    readonly rows: number,
    readonly wordsPerRow: number,
  ) {
    this.fd = fd;
    this.rowBytes = wordsPerRow * 4;
    this.mirror = new Int32Array(rows * wordsPerRow).fill(-1);
    this.bytes = new Uint8Array(this.mirror.buffer);
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

  /**
   * Copies the given rows of `mirror` into the file, one write per run of consecutive rows (a whole batch is
   * usually one run). Rows not listed are never written, so the client's copies of them stay as they are.
   */
  flush(rowIds: Uint32Array, count: number): void {
    if (this.fd === null) throw new ProtocolError(ErrorCode.noBuffer, 'mask buffer is closed');
    if (count === 0) return;
    const sorted = rowIds.slice(0, count).sort();
    let start = sorted[0]!;
    let end = start + 1;
    for (let i = 1; i <= count; i++) {
      const r = i < count ? sorted[i]! : -1;
      if (r === end - 1) continue; // the same row listed twice
      if (r === end) {
        end++;
        continue;
      }
      this.writeRange(start * this.rowBytes, (end - start) * this.rowBytes);
      start = r;
      end = r + 1;
    }
  }

  private writeRange(offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      done += writeSync(this.fd!, this.bytes, offset + done, length - done, offset + done);
    }
  }

  /** Closes the file descriptor (the client owns and unlinks the file). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
