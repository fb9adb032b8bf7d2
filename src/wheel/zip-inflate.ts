// Bounded inflation of one entry's data. The declared uncompressed size is a hard ceiling:
// zlib is told to stop as soon as its output would pass it, so a small entry that inflates to
// gigabytes costs one byte more than it declared. Every full read checks the size and the
// CRC-32 at the end; only the stored and deflate methods exist here (the reader refuses others).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { WheelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';
import { syncInflater, type SyncInflater } from './inflate-sync.js';
import { METHOD_STORED, detail, hex32, showName } from './zip-format.js';

/** What inflation needs to know about an entry. */
export interface InflateTarget {
  readonly name: string;
  readonly compressionMethod: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
}

/** This thread's inflater for whole small entries; null where synchronous inflation is unavailable. */
let wholeInflater: SyncInflater | null | undefined;

/** Output chunk size for streamed inflation: few callbacks, little memory. */
const STREAM_CHUNK = 1 << 20;
/** zlib's smallest accepted chunk size (Z_MIN_CHUNK). */
const MIN_CHUNK = 64;

export function sizeMismatch(where: string, e: InflateTarget, found: string): WheelFormatError {
  return new WheelFormatError('WHEEL_NOT_ZIP', `${where}: entry ${showName(e.name)}: inflated to ${found} bytes, expected ${e.uncompressedSize}`);
}

export function crcMismatch(where: string, e: InflateTarget, crc: number): WheelFormatError {
  return new WheelFormatError(
    'WHEEL_NOT_ZIP',
    `${where}: entry ${showName(e.name)}: CRC-32 of the data is ${hex32(crc)}, expected ${hex32(e.crc32)}`,
  );
}

/** A zlib failure (corrupt data, or our output ceiling) as a wheel error naming the entry. */
export function inflateError(where: string, e: InflateTarget, err: unknown): WheelFormatError {
  if (err instanceof WheelFormatError) return err;
  if (Reflect.get(Object(err), 'code') === 'ERR_BUFFER_TOO_LARGE') return sizeMismatch(where, e, `more than ${e.uncompressedSize}`);
  return new WheelFormatError('WHEEL_NOT_ZIP', `${where}: entry ${showName(e.name)}: cannot inflate its data: ${detail(err)}`, { cause: err });
}

function verify(where: string, e: InflateTarget, out: Uint8Array): Uint8Array {
  if (out.length !== e.uncompressedSize) throw sizeMismatch(where, e, String(out.length));
  const crc = crc32(out);
  if (crc !== e.crc32 >>> 0) throw crcMismatch(where, e, crc);
  return out;
}

/**
 * The whole content of an entry whose raw (stored) bytes are all in `raw`, checked against the
 * declared size and CRC-32. Synchronous: for small entries, where a thread-pool round trip
 * would cost more than the inflation itself. With `scratch`, the result may be a view of it.
 */
export function inflateWhole(raw: Uint8Array, e: InflateTarget, where: string, scratch?: Uint8Array): Uint8Array {
  if (e.compressionMethod === METHOD_STORED) return verify(where, e, raw);
  wholeInflater ??= syncInflater() ?? null;
  if (wholeInflater !== null) {
    // One reused inflater instead of a zlib stream per entry (a wheel may hold 100,000 small
    // files); the output goes straight into a buffer one byte larger than declared (the
    // caller's scratch buffer when it is large enough).
    const out = scratch !== undefined && scratch.length > e.uncompressedSize ? scratch.subarray(0, e.uncompressedSize + 1) : Buffer.allocUnsafe(e.uncompressedSize + 1);
    let n: number;
    try {
      n = wholeInflater.inflateInto(raw, out);
    } catch (err) {
      throw inflateError(where, e, err);
    }
    if (n > e.uncompressedSize) throw sizeMismatch(where, e, `more than ${e.uncompressedSize}`);
    return verify(where, e, out.subarray(0, n));
  }
  let out: Uint8Array;
  try {
    // One output chunk one byte larger than declared: a well-formed entry fills it without a
    // copy, and a bomb stops at the first byte too many.
    out = zlib.inflateRawSync(raw, {
      chunkSize: Math.max(MIN_CHUNK, e.uncompressedSize + 1),
      maxOutputLength: Math.max(1, e.uncompressedSize),
    });
  } catch (err) {
    throw inflateError(where, e, err);
  }
  return verify(where, e, out);
}

/**
 * Inflate an entry whose raw bytes arrive as `raw` chunks, handing each output chunk to
 * `onChunk` (a view valid only during the call). Stops, and fails, at the first byte beyond
 * the declared size; checks the size and CRC-32 at the end.
 */
export async function inflateChunks(
  raw: AsyncIterable<Uint8Array>,
  e: InflateTarget,
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
  where: string,
): Promise<void> {
  let count = 0;
  let crc = 0;
  // The first failure inside the consumer (ours or the caller's), passed on as it is:
  // pipeline() would report it as an abort instead.
  let failure: { err: unknown } | undefined;
  const take = async (chunk: Uint8Array): Promise<void> => {
    try {
      count += chunk.length;
      if (count > e.uncompressedSize) throw sizeMismatch(where, e, `at least ${count}`);
      crc = crc32(chunk, crc);
      await onChunk(chunk);
    } catch (err) {
      failure ??= { err };
      throw err;
    }
  };
  try {
    if (e.compressionMethod === METHOD_STORED) {
      for await (const chunk of raw) await take(chunk);
    } else {
      await pipeline(Readable.from(raw, { objectMode: false }), zlib.createInflateRaw({ chunkSize: STREAM_CHUNK }), async (out: AsyncIterable<Buffer>) => {
        for await (const chunk of out) await take(chunk);
      });
    }
  } catch (err) {
    if (failure !== undefined) throw failure.err;
    throw inflateError(where, e, err);
  }
  if (count !== e.uncompressedSize) throw sizeMismatch(where, e, String(count));
  if (crc !== e.crc32 >>> 0) throw crcMismatch(where, e, crc);
}

/**
 * Up to the first `n` inflated bytes from a prefix of an entry's raw data, without checking
 * anything (the rest of the data is not read). May return fewer than `n` bytes when the prefix
 * does not decode that far.
 */
export function inflateHead(rawPrefix: Uint8Array, e: InflateTarget, n: number, where: string): Uint8Array {
  if (e.compressionMethod === METHOD_STORED) return rawPrefix.subarray(0, n);
  try {
    // Z_SYNC_FLUSH: decode what the prefix holds instead of failing on its missing end.
    const out = zlib.inflateRawSync(rawPrefix, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return out.subarray(0, n);
  } catch (err) {
    throw inflateError(where, e, err);
  }
}

/** Raw bytes a head read needs: the output size plus room for one dynamic block header. */
export function headPrefixLength(e: InflateTarget, n: number): number {
  return Math.min(e.compressedSize, e.compressionMethod === METHOD_STORED ? n : n + 1024);
}
