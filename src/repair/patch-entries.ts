// The patch pipeline: every graft and every wheel ELF file the plan changes is stripped and
// patched, then queued for deflating in pieces on every core (chunked-deflate.ts) and hashed for
// RECORD as its pieces are read, one library after another in the order the output lists them,
// while the zip writer copies what did not change and writes each piece as it is done. A large
// host library is read without its code and data (sparse-graft.ts), which come from the file as
// the pieces are read; any other is read whole into a pooled buffer, whose byte budget bounds
// what is in flight. A library also waits until the deflated output before it has gone out.
import { stripElf } from '../elf/strip.js';
import { InternalError, RepairError, describeError } from '../errors.js';
import type { ProgressSink } from '../util/progress.js';
import type { TaskQueue } from '../util/task-queue.js';
import { deflateAhead, deflateInPieces, type BacklogControl, type PieceSource, type StreamedDeflate } from '../wheel/chunked-deflate.js';
import type { RecordRow } from '../wheel/record.js';
import { recordDigestOf } from '../util/hash.js';
import { createHash } from 'node:crypto';
import { bodyPieces, closeSparse, readBody, readSparse, sparseSource, type SparseGraft } from './sparse-graft.js';
import type { WheelEntry, WheelZip } from '../wheel/zip-read.js';
import type { ChangedEntries, StreamSlot } from './changed-entries.js';
import { readInto } from './host-files.js';
import type { ImagePool, Lease } from './image-pool.js';
import type { ElfPatcher } from './patcher.js';
import type { RepairPlan } from './plan.js';
import type { ElfEditOp } from '../elf/edit.js';
import { statSync } from 'node:fs';

const REGULAR = 0o100000;

/** The mode an entry gets when extracted and re-zipped by the reference: owner rw always. */
export function fileMode(entry: { readonly mode: number } | undefined): number {
  const m = entry?.mode ?? 0;
  return REGULAR | (m === 0 ? 0o644 : (m & 0o777) | 0o600);
}

/** One library to patch: where it comes from, what is done to it, and the entry it becomes. */
export interface PatchJob {
  /** The output entry. */
  readonly name: string;
  /** What the patcher's messages name (the plan's entry). */
  readonly label: string;
  readonly mode: number;
  /** Its size before patching (what its buffer must hold). */
  readonly size: number;
  readonly ops: readonly ElfEditOp[];
  readonly strip: boolean;
  /** The host library it comes from (a graft), which may be read without its code and data. */
  readonly hostPath?: string | undefined;
  /** Its bytes, read into `into` when large enough. */
  load(into: Uint8Array): Promise<Uint8Array>;
}

export interface JobContext {
  readonly zip: WheelZip;
  readonly plan: RepairPlan;
  readonly patcher: ElfPatcher | 'none';
  /** The wheel's file name, for messages. */
  readonly filename: string;
}

/** Refuse the 'none' patcher when anything needs patching. */
function checkPatcher(c: JobContext): void {
  const { plan } = c;
  const needsPatch = plan.elves.some((e) => e.ops.length > 0) || plan.grafts.length > 0;
  if (c.patcher !== 'none' || !needsPatch) return;
  const files = [...plan.grafts.map((g) => g.entry), ...plan.elves.filter((e) => e.ops.length > 0).map((e) => e.entry)];
  throw new RepairError('REPAIR_PATCHER', `the 'none' patcher can't patch the following files: ${files.join(', ')}`, { hint: 'use the default --patcher native' });
}

/** Read a host library into `into` (whole), failing if it grew past the room it was given. */
function loadHostFile(path: string, into: Uint8Array): Uint8Array {
  const bytes = readInto(path, into);
  if (bytes.length === into.length) throw new RepairError('REPAIR_IO', `cannot read library ${path}: it grew while being read`);
  return bytes;
}

/**
 * The libraries the plan changes, in plan order, and the small entries (shims) that go with
 * them; refuses the 'none' patcher first when anything needs patching.
 */
export function patchJobs(c: JobContext): { jobs: PatchJob[]; shims: { name: string; data: Uint8Array; mode: number }[] } {
  checkPatcher(c);
  const stripSet = new Set(c.plan.strip);
  const jobs: PatchJob[] = [];
  for (const g of c.plan.grafts) {
    let size: number;
    try {
      size = statSync(g.source.realpath).size;
    } catch (e) {
      throw new RepairError('REPAIR_IO', `cannot read library ${g.source.realpath}: ${describeError(e)}`, { cause: e });
    }
    const path = g.source.realpath;
    jobs.push({ name: g.entry, label: g.entry, mode: REGULAR | ((g.source.mode & 0o777) | 0o200), size, ops: g.ops, strip: stripSet.has(g.entry), hostPath: path, load: (into) => Promise.resolve(loadHostFile(path, into)) });
  }
  const shims: { name: string; data: Uint8Array; mode: number }[] = [];
  for (const e of c.plan.elves) {
    const entry: WheelEntry | undefined = c.zip.entry(e.entry);
    // The analysis read this entry from the same file: its absence is a bug, not bad input.
    if (entry === undefined) throw new InternalError(`${c.filename}: entry ${e.entry} is missing`);
    const strip = stripSet.has(e.newEntry);
    if (!strip && e.ops.length === 0) continue;
    const mode = fileMode(entry);
    jobs.push({ name: e.newEntry, label: e.entry, mode, size: entry.uncompressedSize, ops: e.ops, strip, load: (into) => c.zip.readEntry(entry, { into }) });
    if (e.shim !== undefined) shims.push({ name: e.entry, data: new TextEncoder().encode(e.shim), mode });
  }
  return { jobs, shims };
}

export interface RunContext {
  readonly patcher: ElfPatcher | 'none';
  readonly changed: ChangedEntries;
  readonly pool: ImagePool;
  readonly queue: TaskQueue;
  readonly level: number;
  readonly info: (m: string) => void;
  readonly onProgress?: ProgressSink | undefined;
  /** True once the writer has failed: no further library is started. */
  readonly stopped: () => boolean;
  /** Settles when the writer fails (wakes a pipeline waiting for the writer). */
  readonly stopping: Promise<void>;
  /** Deflated bytes the writer has not taken yet, shared by every library's stream. */
  readonly backlog: BacklogControl;
  /**
   * Jobs from this index on are not held back by the backlog: their entries come after RECORD,
   * which the writer can only pass once every library has been patched.
   */
  readonly ungatedFrom: number;
  /** The most deflated bytes that may wait for the writer when the next library is started. */
  readonly backlogCap: number;
  /** Host libraries from this size on are read without their code and data (default SPARSE_FROM). */
  readonly sparseFrom?: number | undefined;
}

/**
 * Deflated output that may wait for the writer when the next library is started: the writer
 * may still be copying the entries before the libraries (a large wheel's whole package).
 */
export const BACKLOG_CAP = 32 * 1024 * 1024;

/**
 * Pieces of a sparse graft's code and data deflated while it is patched: about what both
 * cores deflate in the time libLLVM's edit takes, held (compressed) until their turn.
 */
const AHEAD_PIECES = 16;

/** The pipeline under way: `submitted` once every library is queued for deflating, `settled` once every deflate has finished. */
export interface PatchRun {
  readonly submitted: Promise<void>;
  readonly settled: Promise<void>;
}

/**
 * Run `jobs` in the given order (the output's): each gets its slot in `c.changed` at once, and
 * its content when the pipeline reaches it. The first failure fails its slot and every later
 * one, so the writer reports exactly that error when it reaches that entry.
 */
export function runPatchJobs(jobs: readonly PatchJob[], c: RunContext): PatchRun {
  const slots = jobs.map((j) => c.changed.streamed(j.name, j.mode));
  const deflates: Promise<void>[] = [];
  let patchedBytes = 0;
  const submitted = (async () => {
    let i = 0;
    try {
      for (; i < jobs.length; i++) {
        if (i < c.ungatedFrom) await Promise.race([c.backlog.atMost(c.backlogCap), c.stopping]);
        if (c.stopped()) throw new InternalError('the zip writer stopped before every library was patched');
        const job = jobs[i] as PatchJob;
        const { done } = await runOne(job, slots[i] as StreamSlot, c);
        deflates.push(done);
        patchedBytes += job.size;
        c.onProgress?.({ phase: 'patching', done: i + 1, total: jobs.length, bytes: patchedBytes });
      }
    } catch (e) {
      for (const s of slots.slice(i)) s.fail(e);
      throw e;
    }
  })();
  submitted.catch(() => undefined);
  const settled = submitted.then(
    () => Promise.allSettled(deflates).then(() => undefined),
    () => Promise.allSettled(deflates).then(() => undefined),
  );
  return { submitted, settled };
}

/**
 * Read, strip and patch one library, and queue its deflate (hashed for RECORD as its pieces are
 * read); `done` settles when the deflate ends and its memory is free again. A large host
 * library is read without its code and data (sparse-graft.ts) when the edit allows it; any
 * other is read whole into a pooled buffer and patched there.
 */
async function runOne(job: PatchJob, slot: StreamSlot, c: RunContext): Promise<{ done: Promise<void> }> {
  const [lease] = await c.pool.acquire([job.size]);
  if (lease === undefined) throw new InternalError('the image pool gave no buffer');
  try {
    // Only the native editor works on an image without its code and data, and only a host file can be read in parts.
    const native = typeof c.patcher !== 'string' && c.patcher.name === 'native' ? c.patcher : undefined;
    const sparse = native !== undefined && job.hostPath !== undefined && !job.strip && job.ops.length > 0 ? readSparse(job.hostPath, lease.buffer, c.sparseFrom) : undefined;
    if (native !== undefined && sparse !== undefined) return { done: patchSparse(job, sparse, native, lease, slot, c) };
    let bytes = await job.load(lease.buffer);
    if (job.strip) {
      c.info(`Stripping symbols from ${job.name}`);
      bytes = stripElf(bytes).bytes;
    }
    const out = job.ops.length > 0 && typeof c.patcher !== 'string' ? c.patcher.patch(bytes, job.ops, job.label, { inPlace: true }) : bytes;
    // A result outside the pooled buffer (a strip, patchelf, no room) is a copy of its own.
    if (out.buffer !== lease.buffer.buffer) lease.release();
    return {
      done: stream(job, out, slot, c).done.finally(() => {
        lease.release();
      }),
    };
  } catch (e) {
    lease.release();
    throw e;
  }
}

/**
 * Patch a library read without its bodies (into the pooled buffer) and stream it with the
 * bodies taken from the file; the buffer is free again once the last piece has been read.
 */
function patchSparse(job: PatchJob, g: SparseGraft, patcher: ElfPatcher, lease: Lease, slot: StreamSlot, c: RunContext): Promise<void> {
  // The pieces of code and data the edit cannot change deflate while it runs.
  const ahead = deflateAhead(bodyPieces(g, AHEAD_PIECES), (from, end) => readBody(g, from, end), c.level, c.queue, job.name);
  const closeAfter = (others: readonly Promise<unknown>[]): Promise<void> =>
    Promise.allSettled([...others, ...ahead.values()]).then(() => {
      closeSparse(g);
    });
  let out: Uint8Array;
  try {
    out = patcher.patch(g.image, job.ops, job.label, { inPlace: true });
  } catch (e) {
    void closeAfter([]);
    throw e;
  }
  lease.charge(g.image.length - g.bodies.reduce((n, b) => n + b.end - b.start, 0) + (out.length - g.image.length));
  const s = stream(job, sparseSource(out, g), slot, c, ahead);
  const free = (): void => {
    lease.release();
  };
  s.read.then(free, free);
  return closeAfter([s.done]);
}

/** Queue the deflate of a patched library and hand its stream and RECORD row to its slot. */
function stream(job: PatchJob, content: Uint8Array | PieceSource, slot: StreamSlot, c: RunContext, ahead?: ReadonlyMap<number, Promise<Uint8Array>>): StreamedDeflate {
  const hash = createHash('sha256');
  const s = deflateInPieces(content, c.level, c.queue, job.name, { pending: c.backlog, observe: (b) => hash.update(b), ahead });
  const row = s.read.then((): RecordRow => ({ path: job.name, hash: recordDigestOf(hash), size: String(s.uncompressedSize) }));
  slot.deliver(s, row);
  return s;
}
