// Read what the analysis needs from a wheel without extracting it: the filename's tags, RECORD,
// WHEEL, and the facts of every ELF entry. Every entry is inflated once, in file order, and
// checked the same way for `show` and `repair`: size and CRC-32, and its hash against RECORD.
// ELF entries are parsed and reduced to a summary, then dropped, so memory stays near the size
// of the largest ELF entry. What installers refuse is collected as problems (or thrown).
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
import { parseRecord, recordSizeLimit, type RecordRow } from '../wheel/record.js';
import { findDistInfo, openWheelZip, type WheelEntry, type WheelZip } from '../wheel/zip-read.js';
import type { ProgressSink } from '../util/progress.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
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

/** Read a wheel's ELF facts and RECORD. The zip is closed before this returns. */
export async function loadWheel(path: string, options: LoadOptions = {}): Promise<LoadedWheel> {
  const name = wheelNameOf(path);
  const zip = await openWheelZip(path);
  try {
    return await readContents(path, name, zip, options);
  } finally {
    await zip.close();
  }
}

/** Problems are collected, or thrown at once in repair's mode. */
function problemSink(filename: string, options: LoadOptions): { list: WheelProblem[]; add(p: WheelProblem | undefined): void } {
  const list: WheelProblem[] = [];
  return {
    list,
    add(p) {
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
  const record = await readRecord(zip, name, distInfo);
  const wheelFile = await readWheelFile(zip, distInfo, problems.add);
  const { elves, digests, elfLoads, pyLoads } = await readEntries(zip, name, record, distInfo, problems.add, options);
  return {
    path,
    distInfo,
    record,
    wheelFile,
    digests,
    problems: problems.list,
    ...(options.runtimeLoads === true ? { runtimeLoads: { elf: elfLoads, py: pyLoads } } : {}),
    contents: {
      name,
      recordPaths: record.map((r) => r.path),
      entryNames: zip.entries.map((e) => e.name),
      elves,
    },
  };
}

const decoder = new TextDecoder('utf-8');

async function readRecord(zip: WheelZip, name: WheelName, distInfo: string): Promise<RecordRow[]> {
  const recordName = `${distInfo}/RECORD`;
  const entry = zip.entry(recordName);
  if (entry === undefined) throw new WheelFormatError('WHEEL_BAD_RECORD', `${name.filename}: ${recordName} is missing`);
  const bytes = await zip.readEntry(entry, { maxSize: recordSizeLimit(zip.entries.length), limitFor: `the RECORD of ${zip.entries.length} entries` });
  return parseRecord(decoder.decode(bytes), `${name.filename}: ${recordName}`);
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
  readonly digests: Map<string, { hash: string; size: number }>;
  /** Run-time load hints, when asked for: library names in ELF data, ctypes calls in .py files. */
  readonly elfLoads: Map<string, string[]>;
  readonly pyLoads: Map<string, PyLoadCall[]>;
}

/** Progress is reported after large entries, and after every this many small ones. */
const PROGRESS_EVERY = 1024;
const lenient = new TextDecoder('utf-8');

/** The ctypes calls of a .py file that mentions ctypes' loaders at all. */
function pythonLoads(entry: WheelEntry, content: Uint8Array, facts: EntryFacts): void {
  const text = lenient.decode(content);
  if (!/CDLL|PyDLL|LoadLibrary|find_library/.test(text)) return;
  const calls = scanPythonLoads(text);
  if (calls.length > 0) facts.pyLoads.set(entry.name, calls);
}

/**
 * Inflate every file entry once, in file order: verify it (size and CRC-32 in the zip layer,
 * then its RECORD row), take its sha256 digest, and summarise it when it is an ELF file.
 */
async function readEntries(
  zip: WheelZip,
  name: WheelName,
  record: readonly RecordRow[],
  distInfo: string,
  problem: (p: WheelProblem | undefined) => void,
  options: LoadOptions,
): Promise<EntryFacts> {
  const keepDigests = options.forRepair === true;
  const runtimeLoads = options.runtimeLoads === true;
  const where = `${name.filename}: ${distInfo}/RECORD`;
  const rows = new Map<string, RecordRow>();
  for (const row of record) if (!rows.has(row.path)) rows.set(row.path, row);
  // RECORD cannot hold its own hash; an empty row there is the rule, anything else is ignored.
  rows.delete(`${distInfo}/RECORD`);
  const facts: EntryFacts = { elves: new Map(), digests: new Map(), elfLoads: new Map(), pyLoads: new Map() };
  const elfBuffer = reusableBuffer();
  /** Check and record one entry, given its digests and (for an ELF file) its whole content. */
  const done = (entry: WheelEntry, expect: RecordExpectation | undefined, seen: { sha256: string; digest: string; elf: Uint8Array | undefined }): void => {
    if (keepDigests) facts.digests.set(entry.name, { hash: `sha256=${seen.sha256}`, size: entry.uncompressedSize });
    if (expect !== undefined) problem(checkRecordRow(expect, seen.digest, entry.uncompressedSize, where));
    if (seen.elf === undefined) return;
    try {
      const elf = parseElf(seen.elf);
      facts.elves.set(entry.name, summarizeElf(elf, entry.name));
      if (runtimeLoads) {
        const names = scanElfLoadStrings(elf);
        if (names.length > 0) facts.elfLoads.set(entry.name, names);
      }
    } catch (e) {
      if (isWheelauditError(e)) throw withEntry(name.filename, entry.name, e);
      throw e;
    }
  };
  const expectationOf = (entry: WheelEntry): RecordExpectation | undefined => {
    const row = rows.get(entry.name);
    const expect = row === undefined ? undefined : recordExpectation(row, where);
    if (expect === undefined || !('code' in expect)) return expect;
    problem(expect);
    return undefined;
  };
  const files = zip.entries.filter((e) => !e.isDirectory);
  const totalBytes = files.reduce((n, e) => n + e.uncompressedSize, 0);
  let count = 0;
  let bytes = 0;
  const progress = (entry: WheelEntry): void => {
    count++;
    bytes += entry.uncompressedSize;
    if (options.onProgress !== undefined && (count % PROGRESS_EVERY === 0 || count === files.length || entry.uncompressedSize >= 1 << 20)) {
      options.onProgress({ phase: 'reading', done: count, total: files.length, bytes, totalBytes });
    }
  };
  options.onProgress?.({ phase: 'reading', done: 0, total: files.length, bytes: 0, totalBytes });
  let current: EntryReader | undefined;
  await zip.scan(files, (entry, chunk, offset) => {
    if (offset === 0 && chunk.length === entry.uncompressedSize) {
      // The whole entry at once (every small entry): hashed in one call, never copied.
      const expect = expectationOf(entry);
      const sha256 = digestOf('sha256', chunk);
      const alt = expect?.nodeAlgorithm;
      const digest = alt === undefined || alt === 'sha256' ? sha256 : digestOf(alt, chunk);
      done(entry, expect, { sha256, digest, elf: mayBeElf(entry) && hasElfMagic(chunk) ? chunk : undefined });
      // Python files over the whole-entry size (16 MiB) are not scanned for ctypes calls.
      if (runtimeLoads && entry.name.endsWith('.py')) pythonLoads(entry, chunk, facts);
      progress(entry);
      return;
    }
    if (offset === 0) current = entryReader(entry, expectationOf(entry), elfBuffer);
    const r = current as EntryReader;
    r.take(chunk);
    if (offset + chunk.length === entry.uncompressedSize) {
      done(entry, r.expect, r.finish());
      progress(entry);
    }
  });
  return facts;
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
  readonly expect: RecordExpectation | undefined;
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

function entryReader(entry: WheelEntry, expect: RecordExpectation | undefined, elfBuffer: (size: number) => Uint8Array): EntryReader {
  const size = entry.uncompressedSize;
  const alt = expect !== undefined && expect.nodeAlgorithm !== 'sha256' ? expect.nodeAlgorithm : undefined;
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
