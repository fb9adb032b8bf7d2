// Positional reads from an open file through one cached window, so that walking many small
// records in file order (local headers, small entries) costs one read per window instead of
// one per record. A caller that reads on in file order asks for readahead and gets the window
// refilled; any other small read (copying entries in another order than the file's) reads
// just its bytes, synchronously: a page-cache hit costs microseconds, far less than a window
// refill or a thread-pool round trip. Returned views are never overwritten.
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { WheelFormatError } from '../errors.js';
import { detail, errnoCode } from './zip-format.js';

/** Default refill size: large enough to hold many small entries, small enough to be cheap. */
export const WINDOW_BYTES = 1 << 20;
/** Reads away from the window up to this size go straight to the file, synchronously. */
const DIRECT_BYTES = 1 << 16;

export interface FileWindow {
  readonly size: number;
  /**
   * Bytes [start, start + length) of the file. Served from the window when it holds them;
   * otherwise, with a `readahead` beyond `length`, the window is refilled from `start` with
   * that many bytes (at most WINDOW_BYTES, clipped to the file); without, the bytes are read
   * alone (synchronously when small) and not cached.
   */
  read(start: number, length: number, readahead?: number): Promise<Uint8Array>;
  /** `length` bytes at `start` in a buffer of their own (never a view of the window): transferable to a worker. */
  readOwn(start: number, length: number): Promise<Uint8Array>;
  /** The same bytes when the window already holds them (no I/O, no promise), else undefined. */
  peek(start: number, length: number): Uint8Array | undefined;
}

/**
 * A window over `fh`, whose size was `size` when it was opened. `where` names the file in
 * errors; `isClosed` lets reads racing a close fail with a clear message.
 */
export function fileWindow(fh: FileHandle, size: number, where: string, isClosed: () => boolean): FileWindow {
  let winStart = 0;
  let win: Uint8Array = new Uint8Array(0);

  const readExact = async (start: number, length: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      if (isClosed()) throw new WheelFormatError('WHEEL_IO', `${where}: read interrupted because the zip file was closed`);
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, done, length - done, start + done));
      } catch (err) {
        throw new WheelFormatError(errnoCode(err) === undefined ? 'WHEEL_NOT_ZIP' : 'WHEEL_IO', `${where}: cannot read ${length} bytes at offset ${start}: ${detail(err)}`, { cause: err });
      }
      if (n === 0) {
        throw new WheelFormatError('WHEEL_IO', `${where}: the file ended at offset ${start + done}, expected ${size} bytes (was it changed while being read?)`);
      }
      done += n;
    }
    return buf;
  };

  /** A read outside the window, synchronously (small, likely cached by the OS). */
  const readDirect = (start: number, length: number): Uint8Array => {
    const buf = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      if (isClosed()) throw new WheelFormatError('WHEEL_IO', `${where}: read interrupted because the zip file was closed`);
      let n: number;
      try {
        n = readSync(fh.fd, buf, done, length - done, start + done);
      } catch (err) {
        throw new WheelFormatError(errnoCode(err) === undefined ? 'WHEEL_NOT_ZIP' : 'WHEEL_IO', `${where}: cannot read ${length} bytes at offset ${start}: ${detail(err)}`, { cause: err });
      }
      if (n === 0) throw new WheelFormatError('WHEEL_IO', `${where}: the file ended at offset ${start + done}, expected ${size} bytes (was it changed while being read?)`);
      done += n;
    }
    return buf;
  };

  const peek = (start: number, length: number): Uint8Array | undefined =>
    start >= winStart && start + length <= winStart + win.length ? win.subarray(start - winStart, start - winStart + length) : undefined;

  const checkRange = (start: number, length: number): void => {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > size) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: ${length} bytes at offset ${start} lie past the end of the file (size ${size})`);
    }
  };

  return {
    size,
    peek,
    async readOwn(start: number, length: number): Promise<Uint8Array> {
      checkRange(start, length);
      return readExact(start, length);
    },
    async read(start: number, length: number, readahead = 0): Promise<Uint8Array> {
      checkRange(start, length);
      const cached = peek(start, length);
      if (cached !== undefined) return cached;
      if (readahead <= length || length > WINDOW_BYTES) return length <= DIRECT_BYTES ? readDirect(start, length) : readExact(start, length);
      const fill = Math.min(Math.max(length, Math.min(readahead, WINDOW_BYTES)), size - start);
      const buf = await readExact(start, fill);
      winStart = start;
      win = buf;
      return buf.subarray(0, length);
    },
  };
}
