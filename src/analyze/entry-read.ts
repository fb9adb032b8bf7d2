// One wheel entry read, verified and summarised in a single synchronous call, on whichever
// thread runs it (the main thread for `--jobs 1`, a worker otherwise; entry-pool.ts). Its data
// streams out of zlib a piece at a time (wheel/entry-stream.ts: size and CRC-32 checked) into
// the RECORD digests; an ELF entry is summarised here, and only its summary and the digests
// leave this function, so a worker never sends a library back.
//
// Memory: a large ELF entry is held in a full-size zero-filled buffer of which only the ranges
// the analysis reads are written (elf-ranges.ts); untouched pages of such a large allocation
// cost no memory. The ranges are discovered as the stream goes: the ELF header gives the header
// tables, the program headers give PT_DYNAMIC/PT_INTERP/PT_NOTE and the first read-only
// PT_LOAD (where .dynsym, .dynstr and the version tables are put by every linker we know); the
// section headers, at the end of the file, give the exact tables. Whatever the first pass did
// not keep is filled by a second pass that re-inflates the entry from its start up to the end
// of the missing ranges (only odd layouts need it: tables placed late by a linker script or
// objcopy). Every entry is still inflated whole once, so its CRC-32 and RECORD hash are
// always checked. Text-mode `show` (run-time loads asked for) scans read-only data, which
// lies after the code: such entries are kept whole rather than inflated twice.
import { createHash } from 'node:crypto';
import { hasElfMagic } from '../elf/headers.js';
import type { EntryStreamer, StreamTarget } from '../wheel/entry-stream.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
import { ELF_HEADER_BYTES, filledRanges, firstReadOnlySegment, headerRanges, merge, parseFollowingVersions, segmentRanges, tableRanges, type Filled, type Range } from './elf-ranges.js';
import { scanElfLoadStrings } from './load-scan.js';

/** One entry to read: where its data is, what to check, what to compute. */
export interface EntryJob extends StreamTarget {
  /** Node hash algorithms whose base64url digests are wanted (sha256 first). */
  readonly hashes: readonly string[];
  /** Summarise it when its content starts with the ELF magic. */
  readonly elf: boolean;
  /** Also scan an ELF entry's read-only data for library names (text-mode `show`). */
  readonly runtimeLoads: boolean;
}

/** What is left of an entry once read. */
export interface EntryDone {
  /** Digests in the order of `EntryJob.hashes`. */
  readonly digests: string[];
  readonly elf: { readonly summary: ElfSummary; readonly loads: string[] } | undefined;
}

/** ELF entries below this size are kept whole (the speculative ranges would cover most of them anyway). */
const SPARSE_MIN = 6 << 20;
/** At least this much of an entry's start is kept on speculation, where dynamic tables usually lie (libLLVM's end at 4.9 MiB). */
const PREFIX_MIN = 6 << 20;
/** And this much of its end (the section name table sits just before the section headers). */
const TAIL = 1 << 20;

/**
 * Read `job` from `fd` with this thread's streamer: verify it, take its digests, and summarise
 * it when it is an ELF file. Throws the zip layer's WheelFormatError or the ELF parser's
 * ElfFormatError (without the entry's name: the caller adds it).
 */
export function readEntrySync(streamer: EntryStreamer, fd: number, job: EntryJob, where: string): EntryDone {
  const hashes = job.hashes.map((a) => createHash(a));
  const keeper = job.elf ? elfKeeper(job.uncompressedSize, job.runtimeLoads) : undefined;
  streamer.stream(fd, job, where, (piece, offset) => {
    for (const h of hashes) h.update(piece);
    keeper?.take(piece, offset);
  });
  const digests = hashes.map((h) => h.digest('base64url'));
  try {
    const bytes = keeper?.finish((ranges) => {
      fillRanges(streamer, fd, job, where, ranges, keeper);
    });
    if (bytes === undefined || keeper === undefined) return { digests, elf: undefined };
    const elf = parseFollowingVersions(bytes, keeper.filled, (ranges) => {
      fillRanges(streamer, fd, job, where, ranges, keeper);
    });
    // The summary holds no view of the bytes: the buffer can be reused for the next entry.
    return { digests, elf: { summary: summarizeElf(elf, job.name), loads: job.runtimeLoads ? scanElfLoadStrings(elf) : [] } };
  } finally {
    keeper?.release();
  }
}

/**
 * This thread's zero-filled buffer, reused from entry to entry (entries come largest first on a
 * worker, so it is allocated about once). Only what an entry wrote is zeroed again afterwards:
 * pages never written stay untouched, and cost no memory.
 */
let scratch: Uint8Array = new Uint8Array(0);

function zeroedBuffer(size: number): Uint8Array {
  if (scratch.length < size) {
    // Drop the old one first, so both are not held at once.
    scratch = new Uint8Array(0);
    scratch = new Uint8Array(size);
  }
  return scratch.subarray(0, size);
}

/** A second pass: inflate from the start up to the end of `ranges`, copying them in. */
function fillRanges(streamer: EntryStreamer, fd: number, job: EntryJob, where: string, ranges: readonly Range[], keeper: ElfKeeper): void {
  const end = ranges.reduce((n, [, e]) => Math.max(n, e), 0);
  streamer.stream(fd, job, where, (piece, offset) => {
    keeper.copy(piece, offset, ranges);
  }, end);
}

/** Keeps what the analysis of an ELF entry needs as the entry streams by. */
interface ElfKeeper {
  take(piece: Uint8Array, offset: number): void;
  /** Copy the parts of `piece` (at `offset`) inside `ranges` into the buffer. */
  copy(piece: Uint8Array, offset: number, ranges: readonly Range[]): void;
  /** What has been filled in so far. */
  readonly filled: Filled;
  /**
   * After the whole entry was seen (and verified): its bytes with everything the analysis reads
   * filled in (asking `refill` for what the first pass missed), or undefined when not an ELF file.
   */
  finish(refill: (ranges: readonly Range[]) => void): Uint8Array | undefined;
  /** Zero what was written, handing the buffer back for the next entry. */
  release(): void;
}

/** Copy the overlap of `piece` (at `offset`) with `ranges` (sorted) into `buf`, noting it in `filled`. */
function copyRanges(buf: Uint8Array, filled: Filled, piece: Uint8Array, offset: number, ranges: readonly Range[]): void {
  const end = offset + piece.length;
  for (const [s, e] of ranges) {
    if (e <= offset) continue;
    if (s >= end) break;
    const from = Math.max(s, offset);
    const to = Math.min(e, end);
    buf.set(piece.subarray(from - offset, to - offset), from);
    filled.add(from, to);
  }
}

/**
 * Fill in what the analysis of a sparsely kept entry reads and the first pass missed. Each step
 * needs the previous one's bytes, so they are filled before the next is planned; a step that
 * cannot be planned (or headers that do not parse) means the whole entry.
 */
function completeSparse(buf: Uint8Array, filled: Filled, refill: (ranges: readonly Range[]) => void): void {
  for (const step of [headerRanges, segmentRanges, tableRanges]) {
    let ranges: Range[] | undefined;
    try {
      ranges = step(buf);
    } catch {
      ranges = undefined;
    }
    const missing = filled.missing(ranges ?? [[0, buf.length]], buf.length);
    if (missing.length > 0) refill(missing);
    if (ranges === undefined) return;
  }
}

function elfKeeper(size: number, runtimeLoads: boolean): ElfKeeper {
  const head = new Uint8Array(Math.min(size, ELF_HEADER_BYTES));
  let headFilled = 0;
  // undefined until the head is in; then whole, sparse, or not an ELF file at all.
  let mode: 'whole' | 'sparse' | 'none' | undefined;
  let buf: Uint8Array = new Uint8Array(0);
  const filled = filledRanges();
  let keep: Range[] = [];
  // Discovery steps done: 1 = header tables, 2 = segments.
  let step = 0;

  /** Plan what to keep once the head is in. */
  const start = (): void => {
    if (!hasElfMagic(head)) {
      mode = 'none';
      return;
    }
    buf = zeroedBuffer(size);
    buf.set(head);
    filled.add(0, head.length);
    mode = size < SPARSE_MIN || runtimeLoads || head.length < ELF_HEADER_BYTES ? 'whole' : 'sparse';
    if (mode === 'sparse') keep = merge([[0, Math.max(PREFIX_MIN, Math.floor(size / 32))], [size - TAIL, size]], size);
  };
  /** Add what the bytes kept so far reveal; true when something was added. */
  const discover = (): boolean => {
    try {
      if (step === 0) {
        step = 1;
        return extend(headerRanges(buf));
      }
      if (step === 1) {
        const tables = headerRanges(buf) ?? [];
        if (filled.missing(tables, size).length > 0) return false;
        step = 2;
        const first = firstReadOnlySegment(buf);
        return extend([...(segmentRanges(buf) ?? []), ...(first === undefined ? [] : [first])]);
      }
    } catch {
      // Headers that do not parse: keep everything from here on; the parser will say what is wrong.
      step = 2;
      return extend([[0, size]]);
    }
    return false;
  };
  const extend = (ranges: readonly Range[] | undefined): boolean => {
    keep = merge([...keep, ...(ranges ?? [[0, size]])], size);
    return true;
  };

  return {
    take(piece, offset) {
      if (mode === undefined) {
        const n = Math.min(head.length - headFilled, piece.length);
        head.set(piece.subarray(0, n), headFilled);
        headFilled += n;
        if (headFilled < head.length) return;
        start();
      }
      if (mode === 'none') return;
      if (mode === 'whole') {
        buf.set(piece, offset);
        filled.add(0, offset + piece.length);
        return;
      }
      copyRanges(buf, filled, piece, offset, keep);
      while (step < 2 && discover()) copyRanges(buf, filled, piece, offset, keep);
    },
    copy(piece, offset, ranges) {
      copyRanges(buf, filled, piece, offset, ranges);
    },
    filled,
    finish(refill) {
      if (mode === undefined) {
        // Shorter than an ELF header: whole, so the parser can say so.
        filled.add(0, headFilled);
        return hasElfMagic(head.subarray(0, headFilled)) ? head.subarray(0, headFilled) : undefined;
      }
      if (mode === 'none') return undefined;
      if (mode === 'whole') return buf;
      completeSparse(buf, filled, refill);
      return buf;
    },
    release() {
      for (const [s, e] of filled.ranges()) buf.fill(0, s, e);
      buf = new Uint8Array(0);
    },
  };
}
