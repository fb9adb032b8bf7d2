// Read what the analysis needs from a wheel without extracting it: the filename's tags,
// RECORD, and the facts of every ELF entry. Entries are inflated one at a time and dropped
// after parsing, so memory stays near the size of the largest ELF entry.
import { ElfFormatError, isWheelauditError, WheelFormatError, type WheelauditError } from '../errors.js';
import { hasElfMagic, parseElf } from '../elf/index.js';
import { parseWheelName, type WheelName } from '../wheel/name.js';
import { parseRecord, type RecordRow } from '../wheel/record.js';
import { findDistInfo, openWheelZip, type WheelEntry, type WheelZip } from '../wheel/zip-read.js';
import { recordDigest } from '../util/hash.js';
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
  /** RECORD-style digests of the ELF entries, when asked for (repair reuses them). */
  readonly digests: ReadonlyMap<string, { readonly hash: string; readonly size: number }>;
  /** dlopen strings and ctypes calls, when asked for (the `show` report lists them). */
  readonly runtimeLoads?: RuntimeLoadHints;
}

export interface LoadOptions {
  /** Also hash every ELF entry while it is inflated anyway (repair needs the digests). */
  readonly digests?: boolean;
  /** Also collect run-time load hints: library names in ELF read-only data, ctypes calls in .py files. */
  readonly runtimeLoads?: boolean;
  /** Told after each ELF entry is read (phase 'reading'). */
  readonly onProgress?: ProgressSink | undefined;
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
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

export async function readContents(path: string, name: WheelName, zip: WheelZip, options: LoadOptions = {}): Promise<LoadedWheel> {
  const distInfo = findDistInfo(zip.entries);
  const recordName = `${distInfo}/RECORD`;
  const recordEntry = zip.entry(recordName);
  if (recordEntry === undefined) {
    throw new WheelFormatError('WHEEL_BAD_RECORD', `${name.filename}: ${recordName} is missing`);
  }
  const record = parseRecord(decode(await zip.readEntry(recordEntry)), `${name.filename}: ${recordName}`);

  const elves = new Map<string, ElfSummary>();
  const elfLoads = new Map<string, string[]>();
  const digests = new Map<string, { hash: string; size: number }>();
  // First find the ELF entries (a few inflated bytes each), then read them all through one
  // buffer sized for the largest: memory stays near the size of the largest ELF file, with
  // no large buffers left for the garbage collector between entries.
  const candidates: WheelEntry[] = [];
  for (const entry of zip.entries) {
    if (!mayBeElf(entry)) continue;
    if (hasElfMagic(await zip.readHead(entry, 4))) candidates.push(entry);
  }
  const largest = candidates.reduce((m, e) => Math.max(m, e.uncompressedSize), 0);
  const scratch = largest > 0 ? new Uint8Array(largest) : undefined;
  const totalBytes = candidates.reduce((n, e) => n + e.uncompressedSize, 0);
  let bytesRead = 0;
  options.onProgress?.({ phase: 'reading', done: 0, total: candidates.length, bytes: 0, totalBytes });
  for (const [i, entry] of candidates.entries()) {
    try {
      const bytes = await zip.readEntryInto(entry, scratch);
      if (options.digests === true) digests.set(entry.name, { hash: recordDigest(bytes), size: bytes.length });
      const elf = parseElf(bytes);
      elves.set(entry.name, summarizeElf(elf, entry.name));
      if (options.runtimeLoads === true) {
        const names = scanElfLoadStrings(elf);
        if (names.length > 0) elfLoads.set(entry.name, names);
      }
      bytesRead += bytes.length;
      options.onProgress?.({ phase: 'reading', done: i + 1, total: candidates.length, bytes: bytesRead, totalBytes });
    } catch (e) {
      if (isWheelauditError(e)) throw withEntry(name.filename, entry.name, e);
      throw e;
    }
  }
  const pyLoads = options.runtimeLoads === true ? await scanPythonEntries(zip) : new Map<string, PyLoadCall[]>();
  return {
    path,
    distInfo,
    record,
    digests,
    ...(options.runtimeLoads === true ? { runtimeLoads: { elf: elfLoads, py: pyLoads } } : {}),
    contents: {
      name,
      recordPaths: record.map((r) => r.path),
      entryNames: zip.entries.map((e) => e.name),
      elves,
    },
  };
}

/** .py files larger than this are not scanned for ctypes calls (no hand-written module is). */
const MAX_PY_SCAN = 16 * 1024 * 1024;

/** The ctypes calls of every .py entry that mentions ctypes' loaders at all. */
async function scanPythonEntries(zip: WheelZip): Promise<Map<string, PyLoadCall[]>> {
  const out = new Map<string, PyLoadCall[]>();
  const lenient = new TextDecoder('utf-8');
  for (const entry of zip.entries) {
    if (entry.isDirectory || !entry.name.endsWith('.py') || entry.uncompressedSize > MAX_PY_SCAN) continue;
    const text = lenient.decode(await zip.readEntry(entry));
    if (!/CDLL|PyDLL|LoadLibrary|find_library/.test(text)) continue;
    const calls = scanPythonLoads(text);
    if (calls.length > 0) out.set(entry.name, calls);
  }
  return out;
}

function mayBeElf(entry: WheelEntry): boolean {
  return !entry.isDirectory && !entry.name.endsWith('.py') && entry.uncompressedSize >= 16;
}
