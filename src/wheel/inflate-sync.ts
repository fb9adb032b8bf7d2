// Synchronous streaming inflation: raw deflate data fed a chunk at a time, output handed on in
// chunks of at most OUT_CHUNK bytes, on whatever thread calls it, with no event-loop round
// trip per chunk. Node has no public API for this: `inflateRawSync` wants the whole input
// and returns the whole output (an entry-sized buffer), and the stream API is asynchronous.
// So this drives the zlib handle behind a `zlib.InflateRaw` stream directly (`_handle.writeSync`
// with `_writeState`, what node's own `inflateRawSync` does internally, minus closing the handle
// after one call). These are private fields: SYNC_INFLATE_AVAILABLE feature-detects them (and
// checks the result on a known stream) once, and callers fall back to the whole-buffer path
// when they are missing. Errors come from zlib as node reports them ("invalid block type",
// "unexpected end of file"), with the same codes `inflateRawSync` gives.
import * as zlib from 'node:zlib';

/** Output is handed on in views of one buffer of this size (valid only during the call). */
const OUT_CHUNK = 1 << 20;

/** One inflater, reused entry after entry (reset between them). */
export interface SyncInflater {
  /**
   * Feed `raw` (the next input); `final` on the last chunk of the entry. `sink` sees each piece
   * of output as a view that is overwritten after it returns; it may throw to stop. Input left
   * over after the end of the deflate stream is ignored, as `inflateRawSync` ignores it.
   */
  write(raw: Uint8Array, final: boolean, sink: (out: Uint8Array) => void): void;
  /**
   * Inflate the whole stream in `raw` straight into `out`, after a reset; returns how many bytes
   * were written. `out.length` written means the output may go on past it (the caller gives one
   * byte more than it expects, so a bomb stops there).
   */
  inflateInto(raw: Uint8Array, out: Uint8Array): number;
  /** Start a new stream (after an error too). */
  reset(): void;
}

/** The private parts of a zlib stream this relies on. */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

function handleOf(stream: zlib.InflateRaw): { handle: ZlibHandle; state: Uint32Array } | undefined {
  const handle: unknown = Reflect.get(stream, '_handle');
  const state: unknown = Reflect.get(stream, '_writeState');
  if (typeof handle !== 'object' || handle === null || !(state instanceof Uint32Array) || state.length < 2) return undefined;
  if (typeof Reflect.get(handle, 'writeSync') !== 'function' || !('errored' in stream)) return undefined;
  return { handle: handle as ZlibHandle, state };
}

/** A fresh stream and its handle; undefined when this Node lacks the private parts. */
function open(): { stream: zlib.InflateRaw; handle: ZlibHandle; state: Uint32Array } | undefined {
  const stream = zlib.createInflateRaw();
  // zlib reports an error by destroying the stream, which emits 'error' on the next tick: the
  // error is read synchronously from `errored`, and this listener keeps it from being uncaught.
  stream.on('error', () => undefined);
  const h = handleOf(stream);
  if (h === undefined) {
    stream.destroy();
    return undefined;
  }
  return { stream, ...h };
}

/** A new inflater, or undefined when this Node cannot inflate synchronously in pieces. */
export function syncInflater(): SyncInflater | undefined {
  let z = open();
  if (z === undefined) return undefined;
  const out = new Uint8Array(OUT_CHUNK);
  return {
    write(raw, final, sink) {
      // An error destroys the handle; using it again would abort the process, so start afresh.
      if (z === undefined || z.stream.destroyed) z = open();
      if (z === undefined) throw new Error('zlib handle unavailable');
      const { stream, handle, state } = z;
      const flush = final ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH;
      let inOff = 0;
      let inLen = raw.length;
      for (;;) {
        handle.writeSync(flush, raw, inOff, inLen, out, 0, OUT_CHUNK);
        if (stream.errored !== null) throw stream.errored;
        const outLeft = state[0] as number;
        const inLeft = state[1] as number;
        if (outLeft < OUT_CHUNK) sink(out.subarray(0, OUT_CHUNK - outLeft));
        inOff += inLen - inLeft;
        inLen = inLeft;
        // Room left in the output buffer: zlib took all it could from this input.
        if (outLeft !== 0) return;
      }
    },
    reset() {
      if (z === undefined || z.stream.destroyed) z = open();
      else z.stream.reset();
    },
    inflateInto(raw, dest) {
      this.reset();
      if (z === undefined) throw new Error('zlib handle unavailable');
      const { stream, handle, state } = z;
      handle.writeSync(zlib.constants.Z_FINISH, raw, 0, raw.length, dest, 0, dest.length);
      if (stream.errored !== null) throw stream.errored;
      return dest.length - (state[0] as number);
    },
  };
}

/** True when {@link syncInflater} works here: checked once on a small known stream. */
export const SYNC_INFLATE_AVAILABLE: boolean = ((): boolean => {
  try {
    const text = new TextEncoder().encode('wheelaudit sync inflate check '.repeat(64));
    const raw = zlib.deflateRawSync(text);
    const z = syncInflater();
    if (z === undefined) return false;
    const got: number[] = [];
    // Two pieces of input: state must carry over from one write to the next.
    const mid = raw.length >> 1;
    z.write(raw.subarray(0, mid), false, (o) => got.push(...o));
    z.write(raw.subarray(mid), true, (o) => got.push(...o));
    return got.length === text.length && got.every((b, i) => b === text[i]);
  } catch {
    return false;
  }
})();
