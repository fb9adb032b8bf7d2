// One raw deflate on zlib's thread pool as a single job. node:zlib's one-shot calls fill their
// output `chunkSize` bytes at a time (16 KiB by default) and return to the main thread between
// chunks, so every deflate in flight stalls while the main thread is busy (reading or patching
// the next library): measured on the repair benchmark, 0.6 s of a 5.7 s write. An output buffer
// as large as deflate's worst case makes the call one trip.
import * as zlib from 'node:zlib';

/** zlib's smallest accepted chunkSize. */
const MIN_CHUNK = 64;
/** Leave a result in its output buffer only when this little of the buffer is unused. */
const MAX_SLACK = 64 * 1024;

/** Deflate's worst-case output for `n` input bytes (zlib's deflateBound, plus room for a flush marker). */
export function deflateBound(n: number): number {
  return n + (n >>> 12) + (n >>> 14) + (n >>> 25) + MIN_CHUNK;
}

/**
 * `zlib.deflateRaw` with an output buffer that holds the whole result. A result much smaller
 * than that buffer is copied out, so what the caller keeps is no larger than the output.
 */
export function deflateRawOnce(data: Uint8Array, options: zlib.ZlibOptions, callback: (err: Error | null, out: Uint8Array) => void): void {
  const opts: zlib.ZlibOptions = { ...options, chunkSize: Math.max(MIN_CHUNK, deflateBound(data.length)) };
  zlib.deflateRaw(data, opts, (err, out) => {
    if (err !== null) callback(err, new Uint8Array(0));
    else callback(null, out.buffer.byteLength - out.length > MAX_SLACK ? new Uint8Array(out) : out);
  });
}
