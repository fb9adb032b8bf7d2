// Worker threads that each run readEntrySync (entry-read.ts) on whole entries: read, inflate,
// verify, hash and summarise, sending back only the digests and the ELF summary (structured-
// cloneable data, a few KiB) instead of a library's bytes. The main thread only schedules.
//
// A worker runs this very module: it is started from `import.meta.url` with a marker in
// `workerData`, and the guard at the bottom starts the worker loop. In the single-file build
// (dist/wheelaudit.mjs) that URL is the bundle itself, whose CLI entry runs only on the main
// thread (bin/wheelaudit.js). Under the test runner (TypeScript sources) the compiled module
// in dist/ is started instead (`npm test` builds first). Errors come back as data and are
// rebuilt as the same typed errors, so messages do not depend on the thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ElfFormatError, InternalError, IoError, WheelFormatError, type ErrorCode, type WheelauditError } from '../errors.js';
import { crc32IsNative } from '../wheel/crc32.js';
import { entryStreamer, type EntryStreamer } from '../wheel/entry-stream.js';
import { SYNC_INFLATE_AVAILABLE } from '../wheel/inflate-sync.js';
import { readEntrySync, type EntryDone, type EntryJob } from './entry-read.js';

/** The workerData key that makes a thread started from this module a worker. */
const MARKER = 'wheelauditEntryWorker';

/** What a worker is sent. */
interface Request {
  readonly id: number;
  readonly fd: number;
  readonly where: string;
  readonly job: EntryJob;
}

/** A typed error as data. */
interface ErrorData {
  readonly kind: 'wheel' | 'elf' | 'io' | 'other';
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
  readonly offset: number | undefined;
  readonly stack: string | undefined;
}

type Reply = { readonly id: number; readonly ok: true; readonly done: EntryDone } | { readonly id: number; readonly ok: false; readonly error: ErrorData };

function toData(e: unknown): ErrorData {
  const base = { hint: undefined, offset: undefined, stack: e instanceof Error ? e.stack : undefined };
  if (e instanceof WheelFormatError) return { ...base, kind: 'wheel', code: e.code, message: e.message, hint: e.hint };
  if (e instanceof ElfFormatError) return { ...base, kind: 'elf', code: e.code, message: e.message, hint: e.hint, offset: e.offset };
  if (e instanceof IoError) return { ...base, kind: 'io', code: e.code, message: e.message, hint: e.hint };
  return { ...base, kind: 'other', code: '', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

function fromData(d: ErrorData): Error {
  const hint = d.hint === undefined ? {} : { hint: d.hint };
  // The codes were ours on the worker's side of the same build.
  const code = d.code as ErrorCode;
  let e: WheelauditError | InternalError;
  switch (d.kind) {
    case 'wheel':
      e = new WheelFormatError(code, d.message, hint);
      break;
    case 'elf':
      e = new ElfFormatError(code, d.message, { ...hint, ...(d.offset === undefined ? {} : { offset: d.offset }) });
      break;
    case 'io':
      e = new IoError(d.message, hint);
      break;
    case 'other':
      e = new InternalError(`on an entry worker: ${d.message}`);
      break;
  }
  if (d.stack !== undefined) e.stack = d.stack;
  return e;
}

/** The worker's loop: one streamer for the thread, one entry at a time. */
function startWorker(): void {
  const port = parentPort;
  if (port === null) return;
  let streamer: EntryStreamer | undefined;
  port.on('message', (m: Request) => {
    let reply: Reply;
    try {
      streamer ??= entryStreamer();
      if (streamer === undefined) throw new InternalError('synchronous inflation is unavailable on this thread');
      reply = { id: m.id, ok: true, done: readEntrySync(streamer, m.fd, m.job, m.where) };
    } catch (e) {
      reply = { id: m.id, ok: false, error: toData(e) };
    }
    port.postMessage(reply);
  });
}

/**
 * Workers can be used: zlib's own CRC-32 (Node >= 20.15; the portable one would be slower than
 * one thread) and synchronous piecewise inflation (inflate-sync.ts) are both there.
 */
export const ENTRY_POOL_AVAILABLE = crc32IsNative && SYNC_INFLATE_AVAILABLE;

/** The module file a worker runs: this one, or its compiled copy when this is TypeScript source. */
function workerUrl(): URL {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return here;
  const built = new URL('../../dist/analyze/entry-pool.js', here);
  if (!existsSync(fileURLToPath(built))) throw new InternalError(`${fileURLToPath(built)} is missing: run \`npm run build\` before the tests`);
  return built;
}

export interface EntryPool {
  /** Read one entry on the next free worker (queued when all are busy). */
  run(fd: number, job: EntryJob, where: string): Promise<EntryDone>;
  /** Stop the workers; jobs still queued or running are rejected. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(d: EntryDone): void;
  reject(e: unknown): void;
}

/** A pool of up to `threads` workers, started as jobs arrive. */
export function entryPool(threads: number): EntryPool {
  if (!Number.isInteger(threads) || threads < 1) throw new InternalError(`entry pool of ${threads} threads`);
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { req: Request; p: Pending }[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed = false;

  const send = (w: Worker, req: Request, p: Pending): void => {
    pending.set(req.id, p);
    w.postMessage(req);
  };
  const spawn = (): Worker => {
    const w = new Worker(workerUrl(), { workerData: { [MARKER]: true } });
    w.on('message', (r: Reply) => {
      const p = pending.get(r.id);
      pending.delete(r.id);
      const next = queue.shift();
      if (next !== undefined) send(w, next.req, next.p);
      else idle.push(w);
      if (p === undefined) return;
      if (r.ok) p.resolve(r.done);
      else p.reject(fromData(r.error));
    });
    // A worker that dies (out of memory, say) fails every job in flight: the read cannot finish.
    const fail = (err: unknown): void => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', () => {
      if (!closed) fail(new InternalError('an entry worker exited'));
    });
    workers.push(w);
    return w;
  };

  return {
    run(fd, job, where) {
      if (closed) return Promise.reject(new InternalError('entry pool is closed'));
      return new Promise<EntryDone>((resolve, reject) => {
        const req: Request = { id: nextId++, fd, where, job };
        const p: Pending = { resolve, reject };
        const w = idle.pop() ?? (workers.length < threads ? spawn() : undefined);
        if (w === undefined) queue.push({ req, p });
        else send(w, req, p);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const stop = new InternalError('entry pool closed');
      for (const q of queue.splice(0)) q.p.reject(stop);
      for (const p of pending.values()) p.reject(stop);
      pending.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** True in a thread started by {@link entryPool}. */
export function isEntryWorker(): boolean {
  return !isMainThread && typeof workerData === 'object' && workerData !== null && Reflect.get(workerData, MARKER) === true;
}

if (isEntryWorker()) startWorker();
