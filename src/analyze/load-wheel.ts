// Read what the analysis needs from a wheel without extracting it: the filename's tags, RECORD,
// WHEEL, and the facts of every ELF entry. Every entry is inflated once, in file order, and
// checked the same way for `show` and `repair`: size and CRC-32, and its hash against RECORD.
// ELF entries are parsed and reduced to a summary, then dropped, so memory stays near the size
// of the largest ELF entry. What installers refuse is collected as problems (or thrown).
import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { ElfFormatError, isWheelauditError, WheelFormatError, type WheelauditError } from '../errors.js';
import { hasElfMagic, parseElf } from '../elf/index.js';
import {
  checkDistInfoName,
  checkRecordRow,
  checkWheelVersion,
  hasherFor,
  recordDigestOf,
  recordExpectation,
  type RecordExpectation,
  type WheelProblem,
} from '../wheel/conformance.js';
import { MAX_WHEEL_FILE_SIZE, parseWheelMetadata, type WheelMetadata } from '../wheel/metadata.js';
import { parseWheelName, type WheelName } from '../wheel/name.js';
import { parseRecord, recordSizeLimit, type RecordRow } from '../wheel/record.js';
import { findDistInfo, openWheelZip, type WheelEntry, type WheelZip } from '../wheel/zip-read.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
import { basename } from './paths.js';
import type { WheelContents } from './wheel-abi.js';

export interface LoadedWheel {
  readonly path: string;
  readonly contents: WheelContents;
  readonly distInfo: string;
  readonly record: readonly RecordRow[];
  /** The parsed WHEEL file, when it exists and parses. */
  readonly wheelFile: WheelMetadata | undefined;
  /** RECORD-style sha256 digests and sizes of every file entry (repair writes them to RECORD). */
  readonly digests: ReadonlyMap<string, { readonly hash: string; readonly size: number }>;
  /** What installers or the wheel spec refuse about this wheel (empty for a sound wheel). */
  readonly problems: readonly WheelProblem[];
}

export interface LoadOptions {
  /** Throw the first problem found (as a WheelFormatError) instead of collecting them: repair's mode. */
  readonly refuseProblems?: boolean;
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
      if (options.refuseProblems === true) {
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
  const { elves, digests } = await readEntries(zip, name, record, distInfo, problems.add);
  return {
    path,
    distInfo,
    record,
    wheelFile,
    digests,
    problems: problems.list,
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
}

/**
 * Inflate every file entry once, in file order (sequential reads): verify it (size, CRC-32 and
 * its RECORD row), take its sha256 digest, and summarise it when it is an ELF file.
 */
async function readEntries(
  zip: WheelZip,
  name: WheelName,
  record: readonly RecordRow[],
  distInfo: string,
  problem: (p: WheelProblem | undefined) => void,
): Promise<EntryFacts> {
  const where = `${name.filename}: ${distInfo}/RECORD`;
  const expected = new Map<string, RecordExpectation>();
  for (const row of record) {
    if (expected.has(row.path)) continue;
    const e = recordExpectation(row, where);
    if (e === undefined) continue;
    if ('code' in e) problem(e);
    else expected.set(row.path, e);
  }
  const facts: EntryFacts = { elves: new Map(), digests: new Map() };
  const elfBuffer = reusableBuffer();
  const files = zip.entries.filter((e) => !e.isDirectory).sort((a, b) => a.dataOffset - b.dataOffset);
  for (const entry of files) {
    const want = expected.get(entry.name);
    const seen = await readOne(zip, entry, want, elfBuffer);
    facts.digests.set(entry.name, { hash: `sha256=${seen.sha256}`, size: entry.uncompressedSize });
    if (want !== undefined) problem(checkRecordRow(want, seen.digest, entry.uncompressedSize, where));
    if (seen.elf === undefined) continue;
    try {
      facts.elves.set(entry.name, summarizeElf(parseElf(seen.elf), entry.name));
    } catch (e) {
      if (isWheelauditError(e)) throw withEntry(name.filename, entry.name, e);
      throw e;
    }
  }
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

/**
 * Inflate one entry: its sha256 digest (and the RECORD algorithm's, when another), and its
 * whole content when it starts with the ELF magic (a view valid until the next call).
 */
async function readOne(
  zip: WheelZip,
  entry: WheelEntry,
  want: RecordExpectation | undefined,
  elfBuffer: (size: number) => Uint8Array,
): Promise<{ sha256: string; digest: string; elf: Uint8Array | undefined }> {
  const sha = createHash('sha256');
  const other: Hash | undefined = want !== undefined && want.nodeAlgorithm !== 'sha256' ? hasherFor(want) : undefined;
  const candidate = mayBeElf(entry);
  // Until the first 4 bytes are known, chunks are kept; then they go to the ELF buffer or away.
  let head: Uint8Array[] | undefined = candidate ? [] : undefined;
  let headBytes = 0;
  let elf: Uint8Array | undefined;
  let whole: Uint8Array | undefined;
  let filled = 0;
  const keep = (chunk: Uint8Array): void => {
    if (elf === undefined) return;
    elf.set(chunk, filled);
    filled += chunk.length;
  };
  await zip.readChunks(entry, (chunk) => {
    sha.update(chunk);
    other?.update(chunk);
    if (head === undefined) {
      keep(chunk);
      return;
    }
    if (chunk.length === entry.uncompressedSize) {
      // The whole entry in one chunk (small entries): no copy needed.
      whole = chunk;
      head = undefined;
      return;
    }
    head.push(chunk);
    headBytes += chunk.length;
    if (headBytes < 4) return;
    const first = concat(head, headBytes);
    head = undefined;
    if (hasElfMagic(first)) {
      elf = elfBuffer(entry.uncompressedSize);
      keep(first);
    }
  });
  if (whole !== undefined && hasElfMagic(whole)) elf = whole;
  const sha256 = recordDigestOf(sha);
  return { sha256, digest: other === undefined ? sha256 : recordDigestOf(other), elf };
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
