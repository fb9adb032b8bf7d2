// Read what the analysis needs from a wheel without extracting it: the filename's tags, RECORD,
// WHEEL, and the facts of every ELF entry. Every entry is inflated once and checked the same
// way for `show` and `repair`: size and CRC-32, and its hash against RECORD. Entries of 1 MiB
// and more are read by one synchronous call each (entry-read.ts) on worker threads (or here
// with --jobs 1), keeping only the byte ranges their analysis reads, so memory stays flat;
// the small ones are read in file order on this thread meanwhile. Results are applied in file
// order. What installers refuse is collected as problems (or thrown).
import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { ElfFormatError, isWheelauditError, WheelFormatError, type WheelauditError } from '../errors.js';
import { hasElfMagic, parseElf } from '../elf/index.js';
import {
  checkDistInfoName,
  checkRecordRow,
  checkWheelVersion,
  recordExpectation,
  type RecordExpectation,
  type WheelProblem,
} from '../wheel/conformance.js';
import { MAX_WHEEL_FILE_SIZE, parseWheelMetadata, type WheelMetadata } from '../wheel/metadata.js';
import { parseWheelName, type WheelName } from '../wheel/name.js';
import { parseRecord, parseRecordTable, recordSizeLimit, type RecordRow, type RecordTable } from '../wheel/record.js';
import { entryStreamer, type EntryStreamer } from '../wheel/entry-stream.js';
import { findDistInfo, openWheelZip, plainEntry, type WheelEntry, type WheelListing, type WheelZip } from '../wheel/zip-read.js';
import { jobLimit } from '../util/jobs.js';
import { taskQueue } from '../util/task-queue.js';
import type { ProgressSink } from '../util/progress.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
import { DigestTable } from './entry-digests.js';
import { entryPool, ENTRY_POOL_AVAILABLE } from './entry-pool.js';
import { readEntrySync, type EntryDone, type EntryJob } from './entry-read.js';
import { fileOrder, type FileOrder } from './file-order.js';
import { scanElfLoadStrings, scanPythonLoads, type PyLoadCall } from './load-scan.js';
import { basename } from './paths.js';
import type { RuntimeLoadHints } from './runtime-loads.js';
import type { WheelContents } from './wheel-abi.js';

/** A wheel read for analysis: its ELF facts, RECORD rows and, on request, the digests of its ELF entries. */
export interface LoadedWheel {
  readonly path: string;
  readonly contents: WheelContents;
  readonly distInfo: string;
  readonly record: readonly RecordRow[];
  /** The parsed WHEEL file, when it exists and parses. */
  readonly wheelFile: WheelMetadata | undefined;
  /** RECORD-style sha256 digests and sizes of every file entry, when read for repair (empty otherwise). */
  readonly digests: ReadonlyMap<string, { readonly hash: string; readonly size: number }>;
  /** What installers or the wheel spec refuse about this wheel (empty for a sound wheel). */
  readonly problems: readonly WheelProblem[];
  /** dlopen strings and ctypes calls, when asked for (the `show` report lists them). */
  readonly runtimeLoads?: RuntimeLoadHints;
}

export interface LoadOptions {
  /**
   * Read the wheel for repair: throw the first problem found (as a WheelFormatError) instead of
   * collecting it, and keep every entry's digest for the new RECORD.
   */
  readonly forRepair?: boolean;
  /** Also collect run-time load hints: library names in ELF read-only data, ctypes calls in .py files. */
  readonly runtimeLoads?: boolean;
  /** Told as entries are read (phase 'reading': entries and uncompressed bytes). */
  readonly onProgress?: ProgressSink | undefined;
  /** Threads that may inflate at once (1: only this one); default the process-wide limit (util/jobs.ts). */
  readonly jobs?: number | undefined;
}

function withEntry(wheel: string, entry: string, e: WheelauditError): WheelauditError {
  if (e instanceof ElfFormatError) {
    return new ElfFormatError(e.code, `${wheel}: entry ${entry}: ${e.message}`, { cause: e });
  }
  return e;
}

/** Parse the wheel's file name first: a bad name is reported before the file is opened. */
export function wheelNameOf(path: string): WheelName {
  return parseWheelName(basename(path));
}

/**
 * Where a wheel read for repair keeps its archive's checked listing, so that repair opens the
 * file again without reading its central directory twice (see {@link archiveListing}). A
 * symbol key: not part of LoadedWheel's declared (public) shape, yet kept by object spread.
 */
const LISTING = Symbol('wheelaudit.archiveListing');

type WithListing = LoadedWheel & { readonly [LISTING]?: WheelListing };

/** The archive listing of a wheel loaded for repair (undefined otherwise): pass it to reopenWheelZip. */
export function archiveListing(wheel: LoadedWheel): WheelListing | undefined {
  return (wheel as WithListing)[LISTING];
}

/** Read a wheel's ELF facts and RECORD. The zip is closed before this returns. */
export async function loadWheel(path: string, options: LoadOptions = {}): Promise<LoadedWheel> {
  const name = wheelNameOf(path);
  const zip = await openWheelZip(path);
  try {
    const loaded = await readContents(path, name, zip, options);
    if (options.forRepair !== true) return loaded;
    const withListing: WithListing = Object.defineProperty(loaded, LISTING, { value: zip.listing, enumerable: true });
    return withListing;
  } finally {
    await zip.close();
  }
}

/** Problems are collected, or thrown at once in repair's mode. */
function problemSink(filename: string, options: LoadOptions): { list: WheelProblem[]; add: (p: WheelProblem | undefined) => void } {
  const list: WheelProblem[] = [];
  return {
    list,
    // An arrow function: it is handed on as a callback.
    add: (p) => {
      if (p === undefined) return;
      if (options.forRepair === true) {
        throw new WheelFormatError(p.code, `${filename}: ${p.message}`, { hint: 'rebuild the wheel; repair does not rewrite RECORD or metadata over these' });
      }
      list.push(p);
    },
  };
}

export async function readContents(path: string, name: WheelName, zip: WheelZip, options: LoadOptions = {}): Promise<LoadedWheel> {
  const problems = problemSink(name.filename, options);
  const distInfo = findDistInfo(zip.entries, name.filename);
  problems.add(checkDistInfoName(distInfo, name.distribution));
  const { text: recordText, where: recordWhere } = await readRecord(zip, name, distInfo);
  const table = parseRecordTable(recordText, recordWhere);
  const wheelFile = await readWheelFile(zip, distInfo, problems.add);
  const { elves, digests, elfLoads, pyLoads } = await readEntries(zip, name, table, distInfo, problems.add, options);
  // The rows as objects are wanted only by library callers: parsed anew on first use, not kept
  // (at 150,000 rows they hold about 15 MiB beyond the text they come from).
  let rows: readonly RecordRow[] | undefined;
  return {
    path,
    distInfo,
    get record(): readonly RecordRow[] {
      rows ??= parseRecord(recordText, recordWhere);
      return rows;
    },
    wheelFile,
    digests,
    problems: problems.list,
    ...(options.runtimeLoads === true ? { runtimeLoads: { elf: elfLoads, py: pyLoads } } : {}),
    contents: {
      name,
      recordPaths: table.paths,
      entryNames: zip.entries.map((e) => e.name),
      elves,
    },
  };
}

const decoder = new TextDecoder('utf-8');

async function readRecord(zip: WheelZip, name: WheelName, distInfo: string): Promise<{ text: string; where: string }> {
  const recordName = `${distInfo}/RECORD`;
  const entry = zip.entry(recordName);
  if (entry === undefined) throw new WheelFormatError('WHEEL_BAD_RECORD', `${name.filename}: ${recordName} is missing`);
  const bytes = await zip.readEntry(entry, { maxSize: recordSizeLimit(zip.entries.length), limitFor: `the RECORD of ${zip.entries.length} entries` });
  return { text: decoder.decode(bytes), where: `${name.filename}: ${recordName}` };
}

async function readWheelFile(zip: WheelZip, distInfo: string, problem: (p: WheelProblem | undefined) => void): Promise<WheelMetadata | undefined> {
  const wheelName = `${distInfo}/WHEEL`;
  const entry = zip.entry(wheelName);
  if (entry === undefined) {
    problem({ code: 'WHEEL_BAD_METADATA', message: `${wheelName} is missing; pip refuses such a wheel` });
    return undefined;
  }
  const bytes = await zip.readEntry(entry, { maxSize: MAX_WHEEL_FILE_SIZE, limitFor: 'a WHEEL file' });
  let meta: WheelMetadata;
  try {
    meta = parseWheelMetadata(decoder.decode(bytes));
  } catch (e) {
    if (!(e instanceof WheelFormatError)) throw e;
    problem({ code: e.code, message: e.message });
    return undefined;
  }
  problem(checkWheelVersion(meta, wheelName));
  return meta;
}

/** What a full pass over the entries yields. */
interface EntryFacts {
  readonly elves: Map<string, ElfSummary>;
  readonly digests: DigestTable;
  /** Run-time load hints, when asked for: library names in ELF data, ctypes calls in .py files. */
  readonly elfLoads: Map<string, string[]>;
  readonly pyLoads: Map<string, PyLoadCall[]>;
}

/** One entry read and checked by the zip layer, summarised, waiting for its turn in file order. */
interface EntryOutcome {
  readonly entry: WheelEntry;
  /** What RECORD says of it: a digest to compare, a problem with the row itself, or nothing. */
  readonly expect: Expected;
  readonly sha256: string;
  /** The digest in RECORD's algorithm for this entry (the sha256 one when that is sha256). */
  readonly digest: string;
  readonly elf: { readonly summary: ElfSummary; readonly loads: string[] } | undefined;
}

type Expected = RecordExpectation | WheelProblem | undefined;

/** The node hash algorithm RECORD's row wants, when it is not sha256. */
function otherAlgorithm(expect: Expected): string | undefined {
  if (expect === undefined || 'code' in expect || expect.nodeAlgorithm === 'sha256') return undefined;
  return expect.nodeAlgorithm;
}

/** Progress is reported after large entries, and after every this many small ones. */
const PROGRESS_EVERY = 1024;
/**
 * Entries from this size up are read whole by one call (entry-read.ts), on a worker thread when
 * more than one job is allowed; smaller ones cost less read in file order on this thread than a
 * round trip to a worker.
 */
const WHOLE_MIN_SIZE = 1 << 20;
const lenient = new TextDecoder('utf-8');

/** The ctypes calls of a .py file that mentions ctypes' loaders at all. */
function pythonLoads(entry: WheelEntry, content: Uint8Array, facts: EntryFacts): void {
  const text = lenient.decode(content);
  if (!/CDLL|PyDLL|LoadLibrary|find_library/.test(text)) return;
  const calls = scanPythonLoads(text);
  if (calls.length > 0) facts.pyLoads.set(entry.name, calls);
}

/** How many threads may read entries: `jobs`, else every core; 1 where workers cannot be used. */
export function inflateJobs(jobs: number | undefined): number {
  if (!ENTRY_POOL_AVAILABLE) return 1;
  return Math.max(1, jobs ?? jobLimit());
}

/**
 * Inflate every file entry once: verify it (size and CRC-32 in the zip layer, then its RECORD
 * row), take its sha256 digest, and summarise it when it is an ELF file. Entries of 1 MiB and
 * more are read whole by one synchronous call each (entry-read.ts): on worker threads, largest
 * first, when more than one job is allowed, else on this thread; the rest are read in file
 * order on this thread meanwhile. Outcomes are applied in file order whatever the timing (see
 * file-order.ts).
 */
async function readEntries(
  zip: WheelZip,
  name: WheelName,
  record: RecordTable,
  distInfo: string,
  problem: (p: WheelProblem | undefined) => void,
  options: LoadOptions,
): Promise<EntryFacts> {
  const keepDigests = options.forRepair === true;
  const runtimeLoads = options.runtimeLoads === true;
  const where = `${name.filename}: ${distInfo}/RECORD`;
  const rows = firstRows(record, distInfo);
  const facts: EntryFacts = { elves: new Map(), digests: new DigestTable(keepDigests ? zip.entries.length : 1), elfLoads: new Map(), pyLoads: new Map() };
  const named = (entry: WheelEntry, e: unknown): unknown => (isWheelauditError(e) ? withEntry(name.filename, entry.name, e) : e);
  /** Summarise an ELF entry's content (the bytes are dropped after this). */
  const analyse = (entry: WheelEntry, bytes: Uint8Array): EntryOutcome['elf'] => {
    try {
      const elf = parseElf(bytes);
      return { summary: summarizeElf(elf, entry.name), loads: runtimeLoads ? scanElfLoadStrings(elf) : [] };
    } catch (e) {
      throw named(entry, e);
    }
  };
  /** Record one entry's outcome, in file order. */
  const apply = (o: EntryOutcome): void => {
    if (keepDigests) facts.digests.set(o.entry.name, o.sha256, o.entry.uncompressedSize);
    if (o.expect !== undefined) problem('code' in o.expect ? o.expect : checkRecordRow(o.expect, o.digest, o.entry.uncompressedSize, where));
    if (o.elf === undefined) return;
    facts.elves.set(o.entry.name, o.elf.summary);
    if (o.elf.loads.length > 0) facts.elfLoads.set(o.entry.name, o.elf.loads);
  };
  const expectationOf = (entry: WheelEntry): Expected => {
    const i = rows.get(entry.name);
    return i === undefined ? undefined : recordExpectation(record.row(i), where);
  };
  const files = zip.entries.filter((e) => !e.isDirectory).sort((a, b) => a.dataOffset - b.dataOffset);
  const order = fileOrder<EntryOutcome>(files.length, (o) => { apply(o); });
  const progress = progressOf(files, options.onProgress);
  const jobs = inflateJobs(options.jobs);
  // This thread's streamer: undefined where zlib cannot inflate synchronously in pieces.
  const streamer = entryStreamer();
  // RECORD was read (and verified) already; a worker would only hash it again.
  const recordName = `${distInfo}/RECORD`;
  const whole = (e: WheelEntry): boolean => e.uncompressedSize >= WHOLE_MIN_SIZE && !e.name.endsWith('.py') && e.name !== recordName;
  // Entries and their places in file order (positional: a map over 150,000 entries costs more).
  const large: WheelEntry[] = [];
  const largeIndex = new Map<WheelEntry, number>();
  const small: WheelEntry[] = [];
  const smallIndex: number[] = [];
  const split = streamer !== undefined || jobs > 1;
  files.forEach((e, i) => {
    if (e.name === recordName && !keepDigests) {
      // Read and verified whole already (readRecord); its digest matters only for repair.
      order.put(i, { entry: e, expect: undefined, sha256: '', digest: '', elf: undefined });
      progress(e);
    } else if (split && whole(e)) {
      large.push(e);
      largeIndex.set(e, i);
    } else {
      small.push(e);
      smallIndex.push(i);
    }
  });
  const job = (e: WheelEntry): { expect: Expected; job: EntryJob } => {
    const expect = expectationOf(e);
    const alt = otherAlgorithm(expect);
    // A plain copy: an entry's fields may live on its prototype, which a worker would not see.
    return { expect, job: { ...plainEntry(e), hashes: alt === undefined ? ['sha256'] : ['sha256', alt], elf: mayBeElf(e), runtimeLoads } };
  };
  const done = (e: WheelEntry, expect: Expected, d: EntryDone): EntryOutcome => {
    progress(e);
    const sha256 = d.digests[0] ?? '';
    return { entry: e, expect, sha256, digest: d.digests[1] ?? sha256, elf: d.elf };
  };
  const hooks: WholeHooks = { index: (e) => largeIndex.get(e) ?? -1, order, job, done, named };
  const onThreads = jobs > 1 && large.length > 0 ? readOnWorkers(zip, large, Math.min(jobs, large.length), hooks) : Promise.resolve();
  await Promise.all([
    onThreads,
    readInline(zip, small, smallIndex, order, { expectationOf, analyse, progress, pyLoads: runtimeLoads ? (e, c) => { pythonLoads(e, c, facts); } : undefined }),
  ]);
  if (jobs === 1 && streamer !== undefined) readHere(zip, streamer, large, hooks);
  order.finish();
  return facts;
}

/** Path -> the first RECORD row with it (the row object is made only when its entry is read); not RECORD's own. */
function firstRows(record: RecordTable, distInfo: string): Map<string, number> {
  const rows = new Map<string, number>();
  record.paths.forEach((path, i) => {
    if (!rows.has(path)) rows.set(path, i);
  });
  // RECORD cannot hold its own hash; an empty row there is the rule, anything else is ignored.
  rows.delete(`${distInfo}/RECORD`);
  return rows;
}

/** What reading entries whole (on workers or here) needs from readEntries. */
interface WholeHooks {
  index(entry: WheelEntry): number;
  order: FileOrder<EntryOutcome>;
  job(entry: WheelEntry): { expect: Expected; job: EntryJob };
  done(entry: WheelEntry, expect: Expected, d: EntryDone): EntryOutcome;
  /** The error with the wheel's and the entry's names added (ELF errors carry neither). */
  named(entry: WheelEntry, e: unknown): unknown;
}

/** Read `entries` one by one on this thread, in file order, up to the first failure. */
function readHere(zip: WheelZip, streamer: EntryStreamer, entries: readonly WheelEntry[], h: WholeHooks): void {
  for (const e of entries) {
    const index = h.index(e);
    if (index > h.order.firstFailure) return;
    try {
      const { expect, job } = h.job(e);
      h.order.put(index, h.done(e, expect, readEntrySync(streamer, zip.fd, job, zip.path)));
    } catch (err) {
      h.order.fail(index, h.named(e, err));
      return;
    }
  }
}

/**
 * Read `entries` on `threads` workers, largest first, one entry per worker at a time (each
 * keeps only what its entry's analysis needs); each outcome is put in its place in file order.
 */
async function readOnWorkers(zip: WheelZip, entries: readonly WheelEntry[], threads: number, h: WholeHooks): Promise<void> {
  const waiting = [...entries].sort((a, b) => b.uncompressedSize - a.uncompressedSize || h.index(a) - h.index(b));
  const pool = entryPool(threads);
  const queue = taskQueue(threads);
  try {
    await Promise.all(
      waiting.map((e) =>
        queue.run(async () => {
          const index = h.index(e);
          // An earlier entry failed: nothing after it matters.
          if (index > h.order.firstFailure) return;
          try {
            const { expect, job } = h.job(e);
            h.order.put(index, h.done(e, expect, await pool.run(zip.fd, job, zip.path)));
          } catch (err) {
            h.order.fail(index, h.named(e, err));
          }
        }),
      ),
    );
  } finally {
    await pool.close();
  }
}

/** A progress callback counting entries and bytes, reporting after large entries and every PROGRESS_EVERY small ones. */
function progressOf(files: readonly WheelEntry[], sink: ProgressSink | undefined): (entry: WheelEntry) => void {
  const totalBytes = files.reduce((n, e) => n + e.uncompressedSize, 0);
  let count = 0;
  let bytes = 0;
  sink?.({ phase: 'reading', done: 0, total: files.length, bytes: 0, totalBytes });
  return (entry) => {
    count++;
    bytes += entry.uncompressedSize;
    if (sink !== undefined && (count % PROGRESS_EVERY === 0 || count === files.length || entry.uncompressedSize >= 1 << 20)) {
      sink({ phase: 'reading', done: count, total: files.length, bytes, totalBytes });
    }
  };
}

interface InlineHooks {
  expectationOf(entry: WheelEntry): Expected;
  analyse(entry: WheelEntry, bytes: Uint8Array): EntryOutcome['elf'];
  progress(entry: WheelEntry): void;
  pyLoads: ((entry: WheelEntry, content: Uint8Array) => void) | undefined;
}

/** The entries read on this thread, in file order (`indexes`: each one's place among all files). */
async function readInline(zip: WheelZip, inline: readonly WheelEntry[], indexes: readonly number[], order: FileOrder<EntryOutcome>, h: InlineHooks): Promise<void> {
  const elfBuffer = reusableBuffer();
  let current: EntryReader | undefined;
  // The position in `inline` of the entry being read: where a failure inside the zip layer belongs.
  let at = 0;
  const stop = new Error('stop');
  try {
    await zip.scan(inline, (entry, chunk, offset) => {
      // The zip layer visits `inline` in the order given (file order).
      const index = indexes[at] ?? -1;
      // An earlier entry failed (on a worker): nothing after it matters.
      if (index > order.firstFailure) throw stop;
      if (offset === 0 && chunk.length === entry.uncompressedSize) {
        // The whole entry at once (every small entry): hashed in one call, never copied.
        const expect = h.expectationOf(entry);
        const sha256 = digestOf('sha256', chunk);
        const alt = otherAlgorithm(expect);
        const digest = alt === undefined ? sha256 : digestOf(alt, chunk);
        const elf = mayBeElf(entry) && hasElfMagic(chunk) ? h.analyse(entry, chunk) : undefined;
        // Python files over the whole-entry size (16 MiB) are not scanned for ctypes calls.
        if (h.pyLoads !== undefined && entry.name.endsWith('.py')) h.pyLoads(entry, chunk);
        order.put(index, { entry, expect, sha256, digest, elf });
        h.progress(entry);
        at++;
        return;
      }
      if (offset === 0) current = entryReader(entry, h.expectationOf(entry), elfBuffer);
      const r = current as EntryReader;
      r.take(chunk);
      if (offset + chunk.length === entry.uncompressedSize) {
        const seen = r.finish();
        order.put(index, { entry, expect: r.expect, sha256: seen.sha256, digest: seen.digest, elf: seen.elf === undefined ? undefined : h.analyse(entry, seen.elf) });
        h.progress(entry);
        at++;
      }
    });
  } catch (e) {
    if (e === stop) return;
    order.fail(indexes[Math.min(at, inline.length - 1)] ?? 0, e);
  }
}

/** One growable buffer for the ELF entries that arrive in several chunks. */
function reusableBuffer(): (size: number) => Uint8Array {
  let buf = new Uint8Array(0);
  return (size) => {
    if (buf.length < size) {
      // Drop the old one before allocating, so both are not held longer than needed.
      buf = new Uint8Array(0);
      buf = new Uint8Array(size);
    }
    return buf.subarray(0, size);
  };
}

/** Hashes a large entry's content as it arrives in chunks, and keeps it whole when it is an ELF file. */
interface EntryReader {
  readonly entry: WheelEntry;
  readonly expect: Expected;
  take(chunk: Uint8Array): void;
  /** The sha256 digest, the RECORD algorithm's digest (the same when sha256), and the ELF bytes. */
  finish(): { sha256: string; digest: string; elf: Uint8Array | undefined };
}

/** node >= 20.12 hashes a whole buffer in one call, without a Hash object. */
const hashOnce: unknown = Reflect.get(crypto, 'hash');

function digestOf(algorithm: string, data: Uint8Array): string {
  if (typeof hashOnce === 'function') {
    const out: unknown = hashOnce.call(crypto, algorithm, data, 'base64url');
    if (typeof out === 'string') return out;
  }
  return createHash(algorithm).update(data).digest('base64url');
}

function entryReader(entry: WheelEntry, expect: Expected, elfBuffer: (size: number) => Uint8Array): EntryReader {
  const size = entry.uncompressedSize;
  const alt = otherAlgorithm(expect);
  const sha = createHash('sha256');
  const other: Hash | undefined = alt === undefined ? undefined : createHash(alt);
  // Until the first 4 bytes are known, chunks are kept; then they go to the ELF buffer or away.
  let head: Uint8Array[] | undefined = mayBeElf(entry) ? [] : undefined;
  let headBytes = 0;
  let elf: Uint8Array | undefined;
  let filled = 0;
  const keep = (chunk: Uint8Array): void => {
    if (elf === undefined) return;
    elf.set(chunk, filled);
    filled += chunk.length;
  };
  return {
    entry,
    expect,
    take(chunk) {
      sha.update(chunk);
      other?.update(chunk);
      if (head === undefined) {
        keep(chunk);
        return;
      }
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < 4) return;
      const first = concat(head, headBytes);
      head = undefined;
      if (hasElfMagic(first)) {
        elf = elfBuffer(size);
        keep(first);
      }
    },
    finish() {
      const sha256 = sha.digest('base64url');
      return { sha256, digest: other === undefined ? sha256 : other.digest('base64url'), elf };
    },
  };
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined) return only;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function mayBeElf(entry: WheelEntry): boolean {
  return !entry.name.endsWith('.py') && entry.uncompressedSize >= 16;
}
