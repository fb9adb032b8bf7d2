// One entry's data read from an open file descriptor and inflated synchronously, in pieces:
// raw bytes are read RAW_CHUNK at a time (fs.readSync), inflated with one reusable inflater
// (inflate-sync.ts), counted (failing at the first byte past the declared size) and CRC-checked
// at the end, each output piece handed to the caller as it comes. Synchronous so that it runs
// the same on the main thread and inside a worker thread, with no event-loop hop per piece;
// the descriptor may be shared by threads (positional reads). Errors are the WheelFormatErrors
// zip-inflate.ts gives, with the same messages.
import { readSync } from 'node:fs';
import { InternalError, WheelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';
import { syncInflater, type SyncInflater } from './inflate-sync.js';
import { crcMismatch, inflateError, sizeMismatch, type InflateTarget } from './zip-inflate.js';
import { METHOD_STORED, detail, errnoCode } from './zip-format.js';

/** Raw bytes read per call: few system calls, little memory. */
const RAW_CHUNK = 1 << 20;

/** An entry as the streaming reader needs it: where its data lies, and what to check. */
export interface StreamTarget extends InflateTarget {
  /** Offset of the entry's stored data in the file. */
  readonly dataOffset: number;
}

/** Per-thread state reused from entry to entry: the raw buffer and the inflater. */
export interface EntryStreamer {
  /**
   * Inflate `e` from `fd`, handing each piece of output to `visit(piece, offset)` (a view valid
   * only during the call). Verifies the size and CRC-32 at the end, unless `stopAt` is given:
   * then stops, unverified, once that many bytes were handed on (a second, partial pass).
   */
  stream(fd: number, e: StreamTarget, where: string, visit: (piece: Uint8Array, offset: number) => void, stopAt?: number): void;
}

/** A streamer for this thread, or undefined when synchronous inflation is unavailable here. */
export function entryStreamer(): EntryStreamer | undefined {
  const inflater = syncInflater();
  if (inflater === undefined) return undefined;
  const raw = new Uint8Array(RAW_CHUNK);
  return {
    stream(fd, e, where, visit, stopAt) {
      streamOne(fd, e, where, visit, stopAt, inflater, raw);
    },
  };
}

/** Stops the inflation once enough output was seen (a partial pass). */
const enough = new Error('enough');

function streamOne(
  fd: number,
  e: StreamTarget,
  where: string,
  visit: (piece: Uint8Array, offset: number) => void,
  stopAt: number | undefined,
  inflater: SyncInflater,
  raw: Uint8Array,
): void {
  const size = e.uncompressedSize;
  let count = 0;
  let crc = 0;
  const take = (piece: Uint8Array): void => {
    if (count + piece.length > size) throw sizeMismatch(where, e, `more than ${size}`);
    if (stopAt === undefined) crc = crc32(piece, crc);
    const at = count;
    count += piece.length;
    visit(piece, at);
    if (stopAt !== undefined && count >= stopAt) throw enough;
  };
  const stored = e.compressionMethod === METHOD_STORED;
  if (!stored) inflater.reset();
  try {
    for (let done = 0; done < e.compressedSize && (stopAt === undefined || count < stopAt); ) {
      const n = Math.min(RAW_CHUNK, e.compressedSize - done);
      readFully(fd, raw, n, e.dataOffset + done, where);
      done += n;
      const input = raw.subarray(0, n);
      if (stored) take(input);
      else inflater.write(input, done === e.compressedSize, take);
    }
    // An empty deflated entry still holds an (empty) stream to finish.
    if (!stored && e.compressedSize === 0) inflater.write(raw.subarray(0, 0), true, take);
  } catch (err) {
    if (err === enough) return;
    if (err instanceof WheelFormatError) throw err;
    throw inflateError(where, e, err);
  }
  if (stopAt !== undefined) {
    if (count < stopAt) throw new InternalError(`${where}: entry ${e.name}: a second pass ended at ${count} bytes, before ${stopAt}`);
    return;
  }
  if (count !== size) throw sizeMismatch(where, e, String(count));
  if (crc !== e.crc32 >>> 0) throw crcMismatch(where, e, crc);
}

/** Exactly `n` bytes at `position` into `buf`, or a WHEEL_IO error naming the file. */
function readFully(fd: number, buf: Uint8Array, n: number, position: number, where: string): void {
  for (let done = 0; done < n; ) {
    let got: number;
    try {
      got = readSync(fd, buf, done, n - done, position + done);
    } catch (err) {
      throw new WheelFormatError(errnoCode(err) === undefined ? 'WHEEL_NOT_ZIP' : 'WHEEL_IO', `${where}: cannot read ${n} bytes at offset ${position}: ${detail(err)}`, { cause: err });
    }
    if (got === 0) throw new WheelFormatError('WHEEL_IO', `${where}: the file ended at offset ${position + done} (was it changed while being read?)`);
    done += got;
  }
}
