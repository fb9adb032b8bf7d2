// Read-only access to a wheel's zip archive, seeing exactly the entries Python's zipfile (and so
// pip) sees, or refusing the archive. Opening reads the end records and the whole central
// directory in one read each, then checks every local header in file order through one window;
// nothing is extracted to disk. Refused: unsafe or duplicate names, encrypted entries, methods
// other than stored and deflate, local headers that disagree with the central directory,
// overlapping entries, and archives beyond the named size, count and inflation-ratio limits.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { InternalError, IoError, WheelFormatError } from '../errors.js';
import { fileWindow, WINDOW_BYTES, type FileWindow } from './file-window.js';
import { checkDirectoryPlacement, END_SEARCH_BYTES, findEndRecord, parseCentralDirectory, parseEndRecords, type CentralDirectory } from './zip-directory.js';
import { headPrefixLength, inflateChunks, inflateHead, inflateWhole } from './zip-inflate.js';
import {
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_ENCRYPTED_DIRECTORY,
  FLAG_PATCHED,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  LOCAL,
  MAX32,
  METHOD_DEFLATE,
  METHOD_STORED,
  SIG_LOCAL,
  VERSION_MAX_READ,
  detail,
  errnoCode,
  hex32,
  showBytes,
  showName,
  showSize,
} from './zip-format.js';
import { checkEntryName, decodeEntryName, indexNames } from './zip-names.js';

/** One central-directory record, with the raw header fields a writer needs to copy it. */
export interface WheelEntry {
  /** Decoded, validated name; directories end with '/'. */
  readonly name: string;
  readonly isDirectory: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** 0 = stored, 8 = deflate: the only methods an open archive holds. */
  readonly compressionMethod: number;
  /** Unix `st_mode` from the high 16 bits of the external attributes; 0 when none was recorded. */
  readonly mode: number;
  readonly externalFileAttributes: number;
  readonly versionMadeBy: number;
  readonly generalPurposeBitFlag: number;
  /** MS-DOS date field, as stored. */
  readonly lastModDate: number;
  /** MS-DOS time field, as stored. */
  readonly lastModTime: number;
  readonly relativeOffsetOfLocalHeader: number;
  /** Offset of the entry's stored data, just after its local header. */
  readonly dataOffset: number;
}

/** Caps applied while opening; each one is thrown as `WHEEL_LIMIT_EXCEEDED`. */
export interface ZipLimits {
  /** Most central-directory records accepted. */
  maxEntries: number;
  /** Largest declared uncompressed size of one entry, in bytes. */
  maxEntrySize: number;
  /** Largest sum of declared uncompressed sizes, in bytes. */
  maxTotalSize: number;
  /** Most an entry over `ratioFreeEntrySize` (or the archive over `ratioFreeTotalSize`) may inflate, per stored byte. */
  maxRatio: number;
  /** Entries up to this declared size may inflate at any ratio deflate allows (at most about 1032:1). */
  ratioFreeEntrySize: number;
  /** Archives up to this total declared size may inflate at any ratio. */
  ratioFreeTotalSize: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** Far above any real wheel (large ML wheels have tens of thousands of files). */
export const MAX_ZIP_ENTRIES = 200_000;
/** 4 GiB: the zip32 ceiling, and about the largest single allocation Node 20 allows. */
export const MAX_ZIP_ENTRY_SIZE = 4 * GiB;
/** 16 GiB unpacked in total. */
export const MAX_ZIP_TOTAL_SIZE = 16 * GiB;
/**
 * Shared libraries deflate 2-4x (the largest on Debian 12: libLLVM 3.3x), and small ones with
 * tables or padding up to about 11x; deflate itself cannot exceed about 1032x, which runs of
 * zeros reach. 100x is far above any real library and far below a bomb.
 */
export const MAX_INFLATE_RATIO = 100;
/** Small entries are exempt from the ratio cap: a padded 2 MiB library may well exceed it. */
export const RATIO_FREE_ENTRY_SIZE = 32 * MiB;
/** An archive inflating to at most this much in total is exempt from the ratio cap. */
export const RATIO_FREE_TOTAL_SIZE = 1 * GiB;

export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: MAX_ZIP_ENTRIES,
  maxEntrySize: MAX_ZIP_ENTRY_SIZE,
  maxTotalSize: MAX_ZIP_TOTAL_SIZE,
  maxRatio: MAX_INFLATE_RATIO,
  ratioFreeEntrySize: RATIO_FREE_ENTRY_SIZE,
  ratioFreeTotalSize: RATIO_FREE_TOTAL_SIZE,
});

/** Entries this small (raw and inflated) are read and inflated in one synchronous step. */
const SMALL_RAW = 4 * MiB;
const SMALL_OUT = 16 * MiB;

/** Options for reading one entry whole. */
export interface ReadOptions {
  /** Refuse (`WHEEL_LIMIT_EXCEEDED`) an entry declaring more bytes than this, before inflating. */
  readonly maxSize?: number;
  /** What the limit is for, in its message (e.g. "a WHEEL file"). */
  readonly limitFor?: string;
  /** Inflate into this buffer when it is large enough (the result is then a view of it). */
  readonly into?: Uint8Array;
}

/** An open wheel archive. Entries are listed once, at open time, in central-directory order. */
export interface WheelZip {
  readonly path: string;
  /** The open file descriptor (valid until close()), for synchronous positional reads on any thread (entry-stream.ts). */
  readonly fd: number;
  readonly entries: readonly WheelEntry[];
  /** The entry with exactly this name (directories end with '/'), if any. */
  entry(name: string): WheelEntry | undefined;
  /** The whole inflated content, checked against the declared size and CRC-32. */
  readEntry(entry: WheelEntry, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * The inflated content in chunks, checked against the declared size and CRC-32 once the last
   * chunk has been handed over (a failure then rejects the returned promise). Chunks are never
   * overwritten by later reads.
   */
  readChunks(entry: WheelEntry, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void>;
  /**
   * The verified content of every entry in `entries`, visited in file order: a small entry whole,
   * in one call at offset 0; a large one in chunks at increasing offsets. Small entries are
   * inflated synchronously from raw bytes read a window at a time, so a wheel of 100,000 small
   * files costs little more than its bytes. A small entry's content is a view valid only until
   * its visit returns (or the promise it returns settles): the buffer is reused for the next.
   * Rejects with the first failure (size, CRC-32, I/O), which may come after an entry's last
   * chunk was visited.
   */
  scan(entries: readonly WheelEntry[], visit: (entry: WheelEntry, chunk: Uint8Array, offset: number) => void | Promise<void>): Promise<void>;
  /** At most the first `n` inflated bytes; inflates only as much as needed (no CRC check). */
  readHead(entry: WheelEntry, n: number): Promise<Uint8Array>;
  /** The bytes exactly as stored (still compressed), whole, in a buffer of their own (transferable to a worker). */
  readRaw(entry: WheelEntry): Promise<Uint8Array>;
  /** The bytes exactly as stored (still compressed), in file order, for copying an entry as is. */
  rawChunks(entry: WheelEntry): AsyncIterable<Uint8Array>;
  /** Releases the file descriptor; reads still running fail with `WHEEL_IO`. Idempotent. */
  close(): Promise<void>;
  /** What was checked at open time, for {@link reopenWheelZip} once this one is closed. */
  readonly listing: WheelListing;
}

/**
 * An archive's checked entry list and the identity of the file it came from: enough to open the
 * same file again without reading and checking its central directory and local headers twice
 * (at 150,000 entries that costs a second and about 80 MiB). Holds no file descriptor.
 */
export interface WheelListing {
  readonly path: string;
  readonly entries: readonly WheelEntry[];
  /** Device, inode, size and change times when listed: the reopened file must match them all. */
  readonly identity: FileIdentity;
  /** @internal The entries by name, shared by every WheelZip over this listing. */
  readonly byName: ReadonlyMap<string, WheelEntry>;
}

interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

function identityOf(st: FileIdentity): FileIdentity {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/**
 * Open the file of `listing` again, trusting its entries: it must still be the same file, not
 * changed since (device, inode, size, modification and change times), or `WHEEL_IO` is thrown.
 * @throws IoError when the path is missing or not a regular file.
 */
export async function reopenWheelZip(listing: WheelListing): Promise<WheelZip> {
  const path = listing.path;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  let closed = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new IoError(`cannot access ${path}: not a regular file, expected a wheel file`);
    const now = identityOf(st);
    const was = listing.identity;
    if (now.dev !== was.dev || now.ino !== was.ino || now.size !== was.size || now.mtimeMs !== was.mtimeMs || now.ctimeMs !== was.ctimeMs) {
      throw new WheelFormatError('WHEEL_IO', `${path}: the file changed while it was being read (it was replaced or modified); nothing was written`);
    }
    const win = fileWindow(fh, st.size, path, () => closed);
    return makeWheelZip(fh, win, listing, () => {
      closed = true;
    });
  } catch (err) {
    closed = true;
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Open a wheel (zip) file and list its entries, checking the archive's structure, every name,
 * every local header and the limits.
 * @throws IoError when the path is missing or not a regular file.
 * @throws WheelFormatError `WHEEL_NOT_ZIP`, `WHEEL_ZIP_INCONSISTENT`, `WHEEL_UNSAFE_PATH`,
 *   `WHEEL_LIMIT_EXCEEDED`, `WHEEL_IO`.
 */
export async function openWheelZip(path: string, limits: Partial<ZipLimits> = {}): Promise<WheelZip> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  await assertRegularFile(path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(path, err);
  }
  let closed = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new IoError(`cannot access ${path}: not a regular file, expected a wheel file`);
    const win = fileWindow(fh, st.size, path, () => closed);
    const { dir, cd, cdOffset } = await readCentralDirectory(win, path, lim);
    const columns: EntryColumns = { ...dir, dataOffset: new Float64Array(dir.count).fill(-1) };
    const entries: ListedEntry[] = new Array<ListedEntry>(dir.count);
    for (let i = 0; i < dir.count; i++) entries[i] = toWheelEntry(columns, i, cd, path);
    await locateData(win, dir, cd, entries, cdOffset, path);
    checkLimits(entries, st.size, lim, path);
    const byName: ReadonlyMap<string, WheelEntry> = indexNames(entries, path);
    const listing: WheelListing = Object.freeze({ path, entries: Object.freeze(entries), identity: identityOf(st), byName });
    return makeWheelZip(fh, win, listing, () => {
      closed = true;
    });
  } catch (err) {
    closed = true;
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The single top-level `*.dist-info` directory, without a trailing '/'. Every top-level name
 * ending in `.dist-info` counts, as pip counts them (a hidden one, or a file so named, too).
 * `where` (the archive) prefixes the error message.
 * @throws WheelFormatError `WHEEL_NO_DIST_INFO` when there are none or several.
 */
export function findDistInfo(entries: readonly { readonly name: string }[], where?: string): string {
  const found = new Set<string>();
  for (const { name } of entries) {
    const slash = name.indexOf('/');
    const top = slash < 0 ? name : name.slice(0, slash);
    if (top.endsWith('.dist-info')) found.add(top);
  }
  const dirs = [...found].sort();
  const [only] = dirs;
  if (dirs.length !== 1 || only === undefined) {
    const list = dirs.length > 0 ? ` (${dirs.map(showName).join(', ')})` : '';
    throw new WheelFormatError('WHEEL_NO_DIST_INFO', `${where === undefined ? '' : `${where}: `}should be exactly one *.dist-info directory, found ${dirs.length}${list}`);
  }
  return only;
}

// ---------------------------------------------------------------------------------------------
// Opening

async function assertRegularFile(path: string): Promise<void> {
  let isFile: boolean;
  let isDir: boolean;
  try {
    const st = await stat(path);
    isFile = st.isFile();
    isDir = st.isDirectory();
  } catch (err) {
    throw ioError(path, err);
  }
  if (isDir) throw new IoError(`cannot access ${path}: is a directory, expected a wheel file`);
  if (!isFile) throw new IoError(`cannot access ${path}: not a regular file, expected a wheel file`);
}

/** The end records (one read of the file's tail), then the whole central directory (one read). */
async function readCentralDirectory(win: FileWindow, path: string, lim: ZipLimits): Promise<{ dir: CentralDirectory; cd: Buffer; cdOffset: number }> {
  const tailLength = Math.min(win.size, END_SEARCH_BYTES);
  const tail = await win.read(win.size - tailLength, tailLength);
  const eocd = findEndRecord(tail, win.size, path);
  const end = parseEndRecords(tail, win.size, eocd, path);
  if (end.declaredCount > lim.maxEntries) {
    throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `zip file ${path} declares ${end.declaredCount} entries, more than the limit of ${lim.maxEntries}`);
  }
  checkDirectoryPlacement(end, path);
  const bytes = await win.read(end.cdOffset, end.cdSize, end.cdSize);
  const cd = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dir: parseCentralDirectory(cd, end, lim.maxEntries, path), cd, cdOffset: end.cdOffset };
}

/** Flags that mean the data cannot be read as plain stored or deflated bytes. */
const UNREADABLE_FLAGS: readonly (readonly [number, string])[] = [
  [FLAG_ENCRYPTED, 'encrypted, expected plain data'],
  [FLAG_STRONG_ENCRYPTION, 'strongly encrypted, expected plain data'],
  [FLAG_ENCRYPTED_DIRECTORY, 'flags an encrypted central directory, expected plain data'],
  [FLAG_PATCHED, 'holds compressed patch data (flag bit 5), expected plain data'],
];

/** The central directory's columns, plus each entry's data offset (filled in by locateData). */
interface EntryColumns extends CentralDirectory {
  readonly dataOffset: Float64Array;
}

/**
 * A listed entry: its name, and its other fields read from the archive's columns. An object
 * with fifteen own fields (two of them boxed numbers) made 150,000 entries hold about 30 MiB of
 * heap; these hold a third of that, the columns some 9 MiB outside it.
 */
class ListedEntry implements WheelEntry {
  readonly name: string;
  readonly #c: EntryColumns;
  readonly #i: number;

  constructor(name: string, columns: EntryColumns, index: number) {
    this.name = name;
    this.#c = columns;
    this.#i = index;
  }

  get isDirectory(): boolean {
    return this.name.endsWith('/');
  }

  get compressedSize(): number {
    return this.#c.compressedSize[this.#i] ?? 0;
  }

  get uncompressedSize(): number {
    return this.#c.uncompressedSize[this.#i] ?? 0;
  }

  get crc32(): number {
    return this.#c.crc32[this.#i] ?? 0;
  }

  get compressionMethod(): number {
    return this.#c.method[this.#i] ?? 0;
  }

  get mode(): number {
    return this.externalFileAttributes >>> 16;
  }

  get externalFileAttributes(): number {
    return this.#c.externalAttributes[this.#i] ?? 0;
  }

  get versionMadeBy(): number {
    return this.#c.versionMadeBy[this.#i] ?? 0;
  }

  get generalPurposeBitFlag(): number {
    return this.#c.flags[this.#i] ?? 0;
  }

  get lastModDate(): number {
    return this.#c.date[this.#i] ?? 0;
  }

  get lastModTime(): number {
    return this.#c.time[this.#i] ?? 0;
  }

  get relativeOffsetOfLocalHeader(): number {
    return this.#c.localHeaderOffset[this.#i] ?? 0;
  }

  get dataOffset(): number {
    return this.#c.dataOffset[this.#i] ?? -1;
  }

  /** Where locateData found the entry's data. */
  setDataOffset(offset: number): void {
    this.#c.dataOffset[this.#i] = offset;
  }

  /** The same fields as own data properties (for structured cloning to a worker, or spreading). */
  toJSON(): WheelEntry {
    return plainEntry(this);
  }
}

/** An entry's fields as a plain object of its own (a ListedEntry's live on its prototype). */
export function plainEntry(e: WheelEntry): WheelEntry {
  return {
    name: e.name,
    isDirectory: e.isDirectory,
    compressedSize: e.compressedSize,
    uncompressedSize: e.uncompressedSize,
    crc32: e.crc32,
    compressionMethod: e.compressionMethod,
    mode: e.mode,
    externalFileAttributes: e.externalFileAttributes,
    versionMadeBy: e.versionMadeBy,
    generalPurposeBitFlag: e.generalPurposeBitFlag,
    lastModDate: e.lastModDate,
    lastModTime: e.lastModTime,
    relativeOffsetOfLocalHeader: e.relativeOffsetOfLocalHeader,
    dataOffset: e.dataOffset,
  };
}

/** Decode and check one record (name, flags, method, version); sizes are checked later. */
function toWheelEntry(d: EntryColumns, i: number, cd: Buffer, path: string): ListedEntry {
  const flags = d.flags[i] ?? 0;
  const method = d.method[i] ?? 0;
  const versionNeeded = d.versionNeeded[i] ?? 0;
  const compressedSize = d.compressedSize[i] ?? 0;
  const uncompressedSize = d.uncompressedSize[i] ?? 0;
  const nameStart = d.nameStart[i] ?? 0;
  const name = decodeEntryName(cd, nameStart, nameStart + (d.nameLength[i] ?? 0), flags, d.unicodePaths.get(i), path);
  checkEntryName(name, path);
  const fail = (why: string): WheelFormatError => new WheelFormatError('WHEEL_NOT_ZIP', `${path}: entry ${showName(name)}: ${why}`);
  for (const [bit, why] of UNREADABLE_FLAGS) if ((flags & bit) !== 0) throw fail(why);
  if (method !== METHOD_STORED && method !== METHOD_DEFLATE) {
    throw fail(`unsupported compression method ${method}, expected 0 (stored) or 8 (deflate)`);
  }
  if ((versionNeeded & 0xff) > VERSION_MAX_READ) {
    throw fail(`needs zip version ${(versionNeeded & 0xff) / 10} to extract, newer than ${VERSION_MAX_READ / 10}`);
  }
  if (method === METHOD_STORED && compressedSize !== uncompressedSize) {
    throw fail(`stored with ${compressedSize} bytes of data but an uncompressed size of ${uncompressedSize}`);
  }
  if (name.endsWith('/') && uncompressedSize !== 0) {
    throw new WheelFormatError('WHEEL_ZIP_INCONSISTENT', `${path}: entry ${showName(name)}: a directory entry holding ${uncompressedSize} bytes of data`);
  }
  return new ListedEntry(name, d, i);
}

/** Declared sizes against the per-entry, total and ratio caps (before anything is inflated). */
function checkLimits(entries: readonly WheelEntry[], fileSize: number, lim: ZipLimits, path: string): void {
  let total = 0;
  for (const e of entries) {
    const n = e.uncompressedSize;
    if (n > lim.maxEntrySize) {
      throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${path}: entry ${showName(e.name)}: declared size ${n} bytes exceeds the limit of ${lim.maxEntrySize}`);
    }
    if (n > lim.ratioFreeEntrySize && n > lim.maxRatio * e.compressedSize) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `${path}: entry ${showName(e.name)}: declares ${showSize(n)} from ${showSize(e.compressedSize)} of stored data (${Math.round(n / Math.max(1, e.compressedSize))}:1); entries over ${showSize(lim.ratioFreeEntrySize)} may inflate at most ${lim.maxRatio}:1`,
      );
    }
    total += n;
    if (total > lim.maxTotalSize) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `zip file ${path}: total declared size exceeds the limit of ${lim.maxTotalSize} bytes (reached ${total} at entry ${showName(e.name)})`,
      );
    }
  }
  if (total > lim.ratioFreeTotalSize && total > lim.maxRatio * fileSize) {
    throw new WheelFormatError(
      'WHEEL_LIMIT_EXCEEDED',
      `zip file ${path}: entries declare ${showSize(total)} in total from a ${showSize(fileSize)} file; archives over ${showSize(lim.ratioFreeTotalSize)} may inflate at most ${lim.maxRatio}:1`,
    );
  }
}

/**
 * Read every local header, in file order, through the window: each must repeat its central
 * record (name, method, CRC and sizes unless a data descriptor follows), and each entry's data
 * must end before the next local header (or the central directory) begins, as Python's zipfile
 * checks when it opens an entry. Sets each entry's data offset.
 */
async function locateData(win: FileWindow, dir: CentralDirectory, cd: Buffer, entries: readonly ListedEntry[], cdOffset: number, path: string): Promise<void> {
  const offsets = dir.localHeaderOffset;
  const order = Uint32Array.from(entries.keys());
  // Writers put the records in file order; sort only when one did not.
  let sorted = true;
  for (let i = 1; i < offsets.length && sorted; i++) sorted = (offsets[i - 1] ?? 0) < (offsets[i] ?? 0);
  if (!sorted) order.sort((a, b) => (offsets[a] ?? 0) - (offsets[b] ?? 0) || a - b);
  for (let k = 0; k < order.length; k++) {
    const i = order[k] ?? 0;
    const e = entries[i] as ListedEntry;
    const next = order[k + 1];
    const limit = next === undefined ? cdOffset : (offsets[next] ?? cdOffset);
    const central: CentralName = { start: dir.nameStart[i] ?? 0, length: dir.nameLength[i] ?? 0 };
    // Most headers are already in the window: checked without a promise.
    e.setDataOffset(localHeaderInWindow(win, e, central, cd, path) ?? (await readLocalHeader(win, e, central, cd, limit, path)));
    if (e.dataOffset + e.compressedSize > limit) {
      const other = next === undefined ? 'the central directory' : `the local header of entry ${showName(entries[next]?.name ?? '')}`;
      throw new WheelFormatError(
        'WHEEL_ZIP_INCONSISTENT',
        `${path}: entry ${showName(e.name)}: its data (${e.compressedSize} bytes at offset ${e.dataOffset}) overlaps ${other} at offset ${limit}`,
      );
    }
  }
}

/** Where an entry's name is in the central directory buffer. */
interface CentralName {
  readonly start: number;
  readonly length: number;
}

/** Check one local header against its central record; returns where the entry's data begins. */
async function readLocalHeader(win: FileWindow, e: WheelEntry, central: CentralName, cd: Buffer, nextHeader: number, path: string): Promise<number> {
  const at = e.relativeOffsetOfLocalHeader;
  const where = (): string => `${path}: entry ${showName(e.name)}`;
  if (at + LOCAL.SIZE > win.size) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${where()}: local header offset ${at} lies past the end of the file (size ${win.size})`);
  }
  // Read on to the next header when it is near (small entries), else just past this one.
  const readahead = nextHeader - at <= WINDOW_BYTES ? WINDOW_BYTES : LOCAL.SIZE + 1024;
  const h = win.peek(at, LOCAL.SIZE) ?? (await win.read(at, LOCAL.SIZE, readahead));
  // The signature and the data's extent are checked before the name is read.
  const dataOffset = localDataOffset(win, e, h, path);
  const nameLen = new DataView(h.buffer, h.byteOffset, h.byteLength).getUint16(LOCAL.nameLength, true);
  const nameBytes = win.peek(at + LOCAL.SIZE, nameLen) ?? (await win.read(at + LOCAL.SIZE, nameLen, readahead));
  checkLocalHeader(e, central, cd, h, nameBytes, path);
  return dataOffset;
}

/** Like readLocalHeader, when the header and its name are already in the window; else undefined. */
function localHeaderInWindow(win: FileWindow, e: WheelEntry, central: CentralName, cd: Buffer, path: string): number | undefined {
  const at = e.relativeOffsetOfLocalHeader;
  const h = at + LOCAL.SIZE <= win.size ? win.peek(at, LOCAL.SIZE) : undefined;
  if (h === undefined) return undefined;
  const nameBytes = win.peek(at + LOCAL.SIZE, new DataView(h.buffer, h.byteOffset, h.byteLength).getUint16(LOCAL.nameLength, true));
  if (nameBytes === undefined) return undefined;
  const dataOffset = localDataOffset(win, e, h, path);
  checkLocalHeader(e, central, cd, h, nameBytes, path);
  return dataOffset;
}

/** Where the data after local header `h` begins, once its signature and extent are checked. */
function localDataOffset(win: FileWindow, e: WheelEntry, h: Uint8Array, path: string): number {
  const at = e.relativeOffsetOfLocalHeader;
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (v.getUint32(LOCAL.signature, true) !== SIG_LOCAL) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${path}: entry ${showName(e.name)}: no local file header signature at offset ${at}`);
  }
  const dataOffset = at + LOCAL.SIZE + v.getUint16(LOCAL.nameLength, true) + v.getUint16(LOCAL.extraLength, true);
  if (dataOffset + e.compressedSize > win.size) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${path}: entry ${showName(e.name)}: its ${e.compressedSize} bytes of data at offset ${dataOffset} run past the end of the file (size ${win.size})`);
  }
  return dataOffset;
}

/** Check one local header (`h`, its name `nameBytes`) against its central record. */
function checkLocalHeader(e: WheelEntry, central: CentralName, cd: Buffer, h: Uint8Array, nameBytes: Uint8Array, path: string): void {
  const at = e.relativeOffsetOfLocalHeader;
  const where = (): string => `${path}: entry ${showName(e.name)}`;
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  const flags = v.getUint16(LOCAL.flags, true);
  const method = v.getUint16(LOCAL.method, true);
  const crc = v.getUint32(LOCAL.crc32, true);
  const sizes = [v.getUint32(LOCAL.compressedSize, true), v.getUint32(LOCAL.uncompressedSize, true)] as const;
  const mismatch = (what: string): WheelFormatError =>
    new WheelFormatError('WHEEL_ZIP_INCONSISTENT', `${where()}: the local header at offset ${at} ${what}; readers that trust it see another archive than pip`);
  if (!sameName(nameBytes, flags, e.generalPurposeBitFlag, central, cd)) throw mismatch(`names ${showBytes(nameBytes)}`);
  if (method !== e.compressionMethod) throw mismatch(`says compression method ${method}, the central directory ${e.compressionMethod}`);
  if ((flags & FLAG_ENCRYPTED) !== 0) throw mismatch('flags the data as encrypted');
  if ((flags & FLAG_DATA_DESCRIPTOR) === 0 && (e.generalPurposeBitFlag & FLAG_DATA_DESCRIPTOR) === 0) {
    if (crc !== e.crc32) throw mismatch(`says CRC-32 ${hex32(crc)}, the central directory ${hex32(e.crc32)}`);
    // 0xffffffff: the real sizes are in the local zip64 extra field (not read: the central ones rule).
    if (sizes[0] !== e.compressedSize && sizes[0] !== MAX32) throw mismatch(`says compressed size ${sizes[0]}, the central directory ${e.compressedSize}`);
    if (sizes[1] !== e.uncompressedSize && sizes[1] !== MAX32) throw mismatch(`says uncompressed size ${sizes[1]}, the central directory ${e.uncompressedSize}`);
  }
}

/** The local name must be the central name's bytes, decoded the same way (same UTF-8 flag). */
function sameName(local: Uint8Array, localFlags: number, centralFlags: number, central: CentralName, cd: Buffer): boolean {
  if (local.length !== central.length) return false;
  let ascii = true;
  for (let i = 0; i < local.length; i++) {
    const b = cd[central.start + i] ?? 0;
    if (local[i] !== b) return false;
    if (b >= 0x80) ascii = false;
  }
  return ascii || (localFlags & FLAG_UTF8) === (centralFlags & FLAG_UTF8);
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * The WheelZip object: its methods are closures over the open file, the window and the entry
 * map, which is why this factory is long (each method is short; splitting them out would only
 * thread the same five values through every one).
 */
// eslint-disable-next-line max-lines-per-function -- one closure per WheelZip method, as said above
function makeWheelZip(fh: FileHandle, win: FileWindow, listing: WheelListing, markClosed: () => void): WheelZip {
  const { path, byName } = listing;
  let closed = false;

  /** This archive's own record for the entry's name: sizes and CRC always come from the listing. */
  const lookup = (wanted: WheelEntry): WheelEntry => {
    // Reading after close() is a caller bug; a read that close() interrupts fails with WHEEL_IO.
    if (closed) throw new InternalError(`zip file ${path} is closed; cannot read entry ${showName(wanted.name)}`);
    const found = byName.get(wanted.name);
    if (found === undefined) throw new WheelFormatError('WHEEL_MISSING_ENTRY', `${path}: entry ${showName(wanted.name)}: not found`);
    return found;
  };

  const isSmall = (e: WheelEntry): boolean => e.compressedSize <= SMALL_RAW && e.uncompressedSize <= SMALL_OUT;

  async function* rawChunks(wanted: WheelEntry): AsyncGenerator<Uint8Array> {
    const e = lookup(wanted);
    const end = e.dataOffset + e.compressedSize;
    for (let at = e.dataOffset; at < end; at += WINDOW_BYTES) {
      yield await win.read(at, Math.min(WINDOW_BYTES, end - at));
    }
  }

  const readChunks = async (wanted: WheelEntry, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> => {
    const e = lookup(wanted);
    if (isSmall(e)) {
      await onChunk(inflateWhole(await win.read(e.dataOffset, e.compressedSize), e, path));
      return;
    }
    await inflateChunks(rawChunks(e), e, onChunk, path);
  };

  const readEntry = async (wanted: WheelEntry, options: ReadOptions = {}): Promise<Uint8Array> => {
    const e = lookup(wanted);
    const max = options.maxSize;
    if (max !== undefined && e.uncompressedSize > max) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `${path}: entry ${showName(e.name)}: declares ${showSize(e.uncompressedSize)}, more than the ${showSize(max)} allowed${options.limitFor === undefined ? '' : ` for ${options.limitFor}`}`,
      );
    }
    if (isSmall(e)) return inflateWhole(await win.read(e.dataOffset, e.compressedSize), e, path);
    const out = allocate(e, options.into, path);
    let offset = 0;
    // inflateChunks has already refused data beyond the declared size.
    await inflateChunks(rawChunks(e), e, (chunk) => {
      out.set(chunk, offset);
      offset += chunk.length;
    }, path);
    return out;
  };

  const scan = async (list: readonly WheelEntry[], visit: (entry: WheelEntry, chunk: Uint8Array, offset: number) => void | Promise<void>): Promise<void> => {
    const order = list.map(lookup).sort((a, b) => a.dataOffset - b.dataOffset);
    // Small entries inflate into one buffer, grown as needed: no allocation per entry.
    let scratch = new Uint8Array(1 << 16);
    for (const e of order) {
      if (closed) throw new WheelFormatError('WHEEL_IO', `${path}: read interrupted because the zip file was closed`);
      if (isSmall(e)) {
        // In file order: the window reads on over the next entries.
        const raw = win.peek(e.dataOffset, e.compressedSize) ?? (await win.read(e.dataOffset, e.compressedSize, WINDOW_BYTES));
        if (scratch.length <= e.uncompressedSize) scratch = new Uint8Array(2 ** Math.ceil(Math.log2(e.uncompressedSize + 1)));
        const done = visit(e, inflateWhole(raw, e, path, scratch), 0);
        if (done !== undefined) await done;
        continue;
      }
      let offset = 0;
      await inflateChunks(rawChunks(e), e, async (chunk) => {
        await visit(e, chunk, offset);
        offset += chunk.length;
      }, path);
    }
  };

  const readRaw = async (wanted: WheelEntry): Promise<Uint8Array> => {
    const e = lookup(wanted);
    return win.readOwn(e.dataOffset, e.compressedSize);
  };

  const readHead = async (wanted: WheelEntry, n: number): Promise<Uint8Array> => {
    const e = lookup(wanted);
    const want = Number.isNaN(n) ? 0 : Math.max(0, Math.min(Math.floor(n), e.uncompressedSize));
    if (want === 0) return new Uint8Array(0);
    return inflateHead(await win.read(e.dataOffset, headPrefixLength(e, want)), e, want, path);
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    markClosed();
    // FileHandle.close waits for reads in flight; their loops then see `closed` and stop.
    await fh.close();
  };

  return Object.freeze({
    path,
    fd: fh.fd,
    entries: listing.entries,
    entry: (name: string): WheelEntry | undefined => byName.get(name),
    listing,
    readEntry,
    readChunks,
    scan,
    readHead,
    readRaw,
    rawChunks,
    close,
  });
}

function allocate(e: WheelEntry, into: Uint8Array | undefined, path: string): Uint8Array {
  if (into !== undefined && into.length >= e.uncompressedSize) return into.subarray(0, e.uncompressedSize);
  try {
    return new Uint8Array(e.uncompressedSize);
  } catch (err) {
    throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${path}: entry ${showName(e.name)}: cannot allocate ${e.uncompressedSize} bytes`, { cause: err });
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a parent of the path is not a directory',
  EISDIR: 'is a directory, expected a wheel file',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

function ioError(path: string, err: unknown): IoError {
  const code = errnoCode(err);
  const text = code === undefined ? detail(err) : (ERRNO_TEXT[code] ?? detail(err));
  return new IoError(`cannot access ${path}: ${text}`, { cause: err });
}
