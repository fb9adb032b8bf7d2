// Large grafts without holding them whole. The library is read except for the bodies of its
// code and data sections (elf/edit-bodies.ts) into a pooled buffer, where pages never written
// cost no memory; it is edited there, in place; and as each piece of the output starts
// deflating, the piece is taken from the edited image with the bodies read from the file into
// it. libLLVM-14 (105 MiB) is then 18 MiB in memory, and its first piece deflates as soon as
// the edit is done instead of after a whole read. The file is checked to be the same at the
// last piece as at the first read. That the editor never writes into a body is by design
// (edit-bodies.ts); checking it at run time would mean reading every body page, so the tests
// compare this path's output with a whole read's on real libraries instead.
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { bodyCandidates, confirmBodies, headerTables } from '../elf/edit-bodies.js';
import { freePieces, mergeRanges, type Range } from '../elf/ranges.js';
import { parseElf } from '../elf/read.js';
import { describeError, RepairError } from '../errors.js';
import { DEFLATE_PIECE, DEFLATE_WINDOW, type PieceSource } from '../wheel/chunked-deflate.js';
import { capacityFor } from './image-pool.js';

/** Libraries from this size on are read this way (below it a whole read costs little). */
export const SPARSE_FROM = 8 * 1024 * 1024;
/** The head read first: the ELF header and, in practice, the program header table. */
const HEAD = 64 * 1024;
/** A piece with the window before it: the most one read returns. */
const SPAN = DEFLATE_PIECE + DEFLATE_WINDOW;

/** A library read except for its bodies, and the open file the bodies come from. */
export interface SparseGraft {
  /** The library, whatever the buffer held before in its bodies (never read), with room for an edit to grow it. */
  readonly image: Uint8Array;
  /** Sorted, disjoint: the byte ranges left unread. */
  readonly bodies: readonly Range[];
  readonly fd: number;
  readonly path: string;
  readonly stat: Stats;
}

function ioError(path: string, e: unknown): RepairError {
  return new RepairError('REPAIR_IO', `cannot read library ${path}: ${describeError(e)}`, { cause: e });
}

/** Fill `into[start, end)` from the same offsets of the file. */
function fill(fd: number, path: string, into: Uint8Array, start: number, end: number, at = start): void {
  let done = 0;
  while (done < end - start) {
    const got = readSync(fd, into, at + done, end - start - done, start + done);
    if (got <= 0) throw new RepairError('REPAIR_IO', `cannot read library ${path}: it ended at ${start + done} bytes, expected ${end}`);
    done += got;
  }
}

/**
 * Read `path` except for its bodies into `into` (a buffer with room for the edit to grow the
 * library; its old contents do not matter), or undefined when splitting it would not pay (smaller
 * than `from` bytes, or bodies less than half of it) or is not safe (no section headers,
 * REL/RELR relocations, a file the parser refuses: the whole read then reports any problem).
 */
export function readSparse(path: string, into: Uint8Array, from = SPARSE_FROM): SparseGraft | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw ioError(path, e);
  }
  let keep = false;
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (size < from) return undefined;
    if (into.length < capacityFor(size)) return undefined;
    // What `into` held before stays in the bodies: nothing reads them there.
    const image = into.subarray(0, size);
    let candidates: Range[];
    try {
      fill(fd, path, image, 0, Math.min(size, HEAD));
      const t = headerTables(image, size);
      fill(fd, path, image, t.phdrs.start, t.phdrs.end);
      fill(fd, path, image, t.shdrs.start, t.shdrs.end);
      // What is read already is no body: the head, and the header tables wherever they lie.
      candidates = freePieces(bodyCandidates(image), mergeRanges([{ start: 0, end: Math.min(size, HEAD) }, t.phdrs, t.shdrs]));
    } catch (e) {
      if (e instanceof RepairError) throw e;
      return undefined;
    }
    if (candidates.reduce((n, r) => n + r.end - r.start, 0) < size / 2) return undefined;
    for (const r of freePieces([{ start: 0, end: size }], candidates)) fill(fd, path, image, r.start, r.end);
    let bodies: Range[] | undefined;
    try {
      bodies = confirmBodies(parseElf(image), candidates);
    } catch {
      return undefined;
    }
    if (bodies === undefined) return undefined;
    const dropped = candidates.filter((c) => !bodies.includes(c));
    for (const r of dropped) fill(fd, path, image, r.start, r.end);
    keep = true;
    return { image, bodies, fd, path, stat };
  } catch (e) {
    throw e instanceof RepairError ? e : ioError(path, e);
  } finally {
    if (!keep) closeSync(fd);
  }
}

/** True when the file still is the one read (same size, modification time and inode). */
function unchanged(g: SparseGraft): boolean {
  const now = fstatSync(g.fd);
  return now.size === g.stat.size && now.mtimeMs === g.stat.mtimeMs && now.ino === g.stat.ino && now.ctimeMs === g.stat.ctimeMs;
}

/**
 * The edited library as pieces: each from `out` (the edited image, possibly grown past the
 * file's end) with the bodies read from the file. Pieces must be read in order; closeSparse
 * ends the use of the file.
 */
export function sparseSource(out: Uint8Array, g: SparseGraft): PieceSource {
  const spare: ArrayBuffer[] = [];
  let next = 0;
  return {
    length: out.length,
    read(from, end) {
      const buffer = spare.pop();
      const span = new Uint8Array(buffer !== undefined && buffer.byteLength >= end - from ? buffer : new ArrayBuffer(Math.max(SPAN, end - from)), 0, end - from);
      // The bodies come from the file only: their pages in `out` were never touched, and
      // reading them would cost memory for nothing.
      while (next < g.bodies.length && (g.bodies[next]?.end ?? 0) <= from) next++;
      let pos = from;
      for (let i = next; i < g.bodies.length && pos < end; i++) {
        const b = g.bodies[i] as Range;
        if (b.start >= end) break;
        const a = Math.max(b.start, from);
        const z = Math.min(b.end, end);
        if (a > pos) span.set(out.subarray(pos, a), pos - from);
        fill(g.fd, g.path, span, a, z, a - from);
        pos = z;
      }
      if (pos < end) span.set(out.subarray(pos, end), pos - from);
      if (end === out.length && !unchanged(g)) throw new RepairError('REPAIR_IO', `library ${g.path} changed while it was being read`);
      return span;
    },
    release(span) {
      if (spare.length < 4 && span.buffer instanceof ArrayBuffer) spare.push(span.buffer);
    },
  };
}

/**
 * The offsets of the first `limit` pieces of the output that lie, with the window before them,
 * inside one body and end before the file does: their bytes are the file's whatever the edit
 * does, so they can be deflated before it (chunked-deflate.ts deflateAhead).
 */
export function bodyPieces(g: SparseGraft, limit: number): number[] {
  const out: number[] = [];
  for (const b of g.bodies) {
    const first = Math.ceil((b.start + DEFLATE_WINDOW) / DEFLATE_PIECE) * DEFLATE_PIECE;
    for (let start = first; start + DEFLATE_PIECE <= b.end && start + DEFLATE_PIECE < g.image.length && out.length < limit; start += DEFLATE_PIECE) out.push(start);
  }
  return out;
}

/** Bytes [from, end) of the file, which must lie inside one body (a new buffer). */
export function readBody(g: SparseGraft, from: number, end: number): Uint8Array {
  const bytes = new Uint8Array(end - from);
  fill(g.fd, g.path, bytes, from, end, 0);
  return bytes;
}

/** Close the file of a graft that will not be streamed. */
export function closeSparse(g: SparseGraft): void {
  closeSync(g.fd);
}
