// Inflating large entries on worker threads, so a wheel's big libraries inflate on every core
// while the main thread parses what has already arrived. A worker takes an entry's raw
// (stored) bytes, inflates them with the same bound as the main thread (no byte past the
// declared size), checks the size and CRC-32, takes the requested digests and, when asked,
// hands the content back (transferred, not copied). Errors come back as data and are turned
// into the same WheelFormatErrors the main thread gives (zip-inflate.ts).
//
// The worker's code is one self-contained function run with `eval: true`: the single-file
// build (dist/wheelaudit.mjs) has no separate worker file to start.
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { InternalError } from '../errors.js';
import { crcMismatch, inflateError, sizeMismatch, type InflateTarget } from './zip-inflate.js';

/** One entry for a worker. */
export interface PoolJob {
  readonly target: InflateTarget;
  /** The entry's raw bytes, alone in their ArrayBuffer (it is transferred to the worker). */
  readonly raw: Uint8Array;
  /** Node hash algorithms whose base64url digests are wanted, e.g. ['sha256']. */
  readonly hashes: readonly string[];
  /** Hand the content back when it starts with these bytes (e.g. the ELF magic); never when undefined. */
  readonly keepIfStartsWith?: Uint8Array | undefined;
}

export interface PoolResult {
  /** Digests in the order of `PoolJob.hashes`. */
  readonly digests: readonly string[];
  /** The verified content, when it was asked for and matched. */
  readonly content: Uint8Array | undefined;
}

export interface InflatePool {
  /** Inflate one entry on the next free worker (queued when all are busy). */
  run(job: PoolJob, where: string): Promise<PoolResult>;
  /** Stop the workers; jobs still queued or running are rejected. Idempotent. */
  close(): Promise<void>;
}

/** Workers need zlib's own CRC-32 (Node >= 20.15); older Nodes inflate on the main thread. */
export const POOL_AVAILABLE = typeof Reflect.get(zlib, 'crc32') === 'function';

/** What a worker is sent (`raw` transferred). */
interface Request {
  readonly id: number;
  readonly raw: Uint8Array;
  readonly size: number;
  readonly crc: number;
  readonly stored: boolean;
  readonly hashes: readonly string[];
  readonly keep: Uint8Array | undefined;
}

/** What a worker answers (`content` transferred). */
type Reply =
  | { readonly id: number; readonly ok: true; readonly digests: string[]; readonly content: Uint8Array | undefined }
  | { readonly id: number; readonly ok: false; readonly kind: 'size'; readonly found: string }
  | { readonly id: number; readonly ok: false; readonly kind: 'crc'; readonly crc: number }
  | { readonly id: number; readonly ok: false; readonly kind: 'zlib'; readonly message: string; readonly code: string | undefined };

/**
 * The worker thread's whole program. It must not refer to anything outside itself: it is
 * turned into source text and evaluated in the worker, where `require` is passed in.
 */
function workerMain(req: (id: string) => unknown): void {
  const { parentPort } = req('node:worker_threads') as typeof import('node:worker_threads');
  const z = req('node:zlib') as typeof import('node:zlib');
  const { createHash } = req('node:crypto') as typeof import('node:crypto');
  if (parentPort === null) return;
  const port = parentPort;
  port.on('message', (m: Request) => {
    let out: Uint8Array;
    try {
      out = m.stored
        ? m.raw
        : z.inflateRawSync(m.raw, { chunkSize: Math.max(64, m.size + 1), maxOutputLength: Math.max(1, m.size) });
    } catch (err) {
      const code: unknown = Reflect.get(Object(err), 'code');
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        port.postMessage({ id: m.id, ok: false, kind: 'size', found: `more than ${m.size}` });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      port.postMessage({ id: m.id, ok: false, kind: 'zlib', message, code: typeof code === 'string' ? code : undefined });
      return;
    }
    if (out.length !== m.size) {
      port.postMessage({ id: m.id, ok: false, kind: 'size', found: String(out.length) });
      return;
    }
    const crc = z.crc32(out) >>> 0;
    if (crc !== m.crc) {
      port.postMessage({ id: m.id, ok: false, kind: 'crc', crc });
      return;
    }
    const digests = m.hashes.map((a) => createHash(a).update(out).digest('base64url'));
    const keep = m.keep;
    const wanted = keep !== undefined && out.length >= keep.length && keep.every((b, i) => out[i] === b);
    const content = wanted ? out : undefined;
    // Only a buffer of its own is moved (a small Buffer may share node's pool; it is copied).
    const buf = content?.buffer;
    const move = buf instanceof ArrayBuffer && buf.byteLength >= 65536;
    port.postMessage({ id: m.id, ok: true, digests, content }, move ? [buf] : []);
  });
}

const WORKER_SOURCE = `(${workerMain.toString()})(require);`;

interface Pending {
  readonly target: InflateTarget;
  readonly where: string;
  resolve(r: PoolResult): void;
  reject(e: unknown): void;
}

function failure(r: Extract<Reply, { ok: false }>, p: Pending): Error {
  switch (r.kind) {
    case 'size':
      return sizeMismatch(p.where, p.target, r.found);
    case 'crc':
      return crcMismatch(p.where, p.target, r.crc);
    case 'zlib':
      return inflateError(p.where, p.target, Object.assign(new Error(r.message), r.code === undefined ? {} : { code: r.code }));
  }
}

/** Start `threads` workers (started lazily, as jobs arrive). */
export function inflatePool(threads: number): InflatePool {
  if (!Number.isInteger(threads) || threads < 1) throw new InternalError(`inflate pool of ${threads} threads`);
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { req: Request; pending: Pending }[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed = false;

  const send = (w: Worker, req: Request, p: Pending): void => {
    pending.set(req.id, p);
    const buf = req.raw.buffer;
    w.postMessage(req, buf instanceof ArrayBuffer ? [buf] : []);
  };
  const spawn = (): Worker => {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (r: Reply) => {
      const p = pending.get(r.id);
      pending.delete(r.id);
      const next = queue.shift();
      if (next !== undefined) send(w, next.req, next.pending);
      else idle.push(w);
      if (p === undefined) return;
      if (r.ok) p.resolve({ digests: r.digests, content: r.content });
      else p.reject(failure(r, p));
    });
    // A worker that dies (out of memory, say) fails every job in flight: the read cannot finish.
    const fail = (err: unknown): void => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', () => {
      if (!closed) fail(new InternalError('an inflate worker exited'));
    });
    workers.push(w);
    return w;
  };

  return {
    run(job, where) {
      if (closed) return Promise.reject(new InternalError('inflate pool is closed'));
      const { raw, target } = job;
      if (raw.byteOffset !== 0 || raw.byteLength !== raw.buffer.byteLength) {
        return Promise.reject(new InternalError(`raw bytes of ${target.name} share their buffer; they cannot be transferred`));
      }
      return new Promise<PoolResult>((resolve, reject) => {
        const req: Request = {
          id: nextId++,
          raw,
          size: target.uncompressedSize,
          crc: target.crc32 >>> 0,
          stored: target.compressionMethod === 0,
          hashes: job.hashes,
          keep: job.keepIfStartsWith,
        };
        const p: Pending = { target, where, resolve, reject };
        const w = idle.pop() ?? (workers.length < threads ? spawn() : undefined);
        if (w === undefined) queue.push({ req, pending: p });
        else send(w, req, p);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const stop = new InternalError('inflate pool closed');
      for (const q of queue.splice(0)) q.pending.reject(stop);
      for (const p of pending.values()) p.reject(stop);
      pending.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
