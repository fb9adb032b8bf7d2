// A small zip writer for repaired wheels (APPNOTE 6.3.x; header choices as spec §6.14 describes
// Python's zipfile). Entries that did not change are copied as their stored bytes, never
// recompressed; new data is deflated in a bounded pool and written in item order. The output
// appears whole at its path (temporary file + rename) or not at all. No data descriptors, no
// encryption, no extra fields other than zip64, no comments.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as zlib from 'node:zlib';
import { describeError, InternalError, WheelFormatError, isWheelauditError } from '../errors.js';
import { ByteWriter } from '../util/bytes.js';
import type { ProgressSink } from '../util/progress.js';
import type { WheelEntry, WheelZip } from './zip-read.js';

/** Where an entry's bytes come from. */
export type ZipSource =
  /** Copy the stored (still compressed) bytes of an input entry as they are, with its CRC-32 and method. */
  | { kind: 'raw'; entry: WheelEntry; zip: WheelZip }
  /** Content to be deflated at the requested level. */
  | { kind: 'data'; data: Uint8Array }
  /**
   * Content the caller already started deflating (with {@link deflateData}), so compression
   * overlaps the caller's own work; written when its turn comes.
   */
  | { kind: 'deflated'; result: Promise<DeflatedData> };

/** Deflated content with what its headers need. */
export interface DeflatedData {
  readonly crc: number;
  readonly uncompressedSize: number;
  readonly data: Uint8Array;
}

export interface ZipWriteItem {
  /** Entry name, '/'-separated; a directory entry's name ends with '/'. */
  name: string;
  /** `undefined` for a directory entry (stored, size 0); otherwise where the content comes from. */
  source: ZipSource | undefined;
  /** Unix `st_mode` including the type bits, e.g. 0o100644 or 0o40755. */
  mode: number;
}

export interface ZipWriteOptions {
  /**
   * Deflate level 0..9, or -1 for zlib's default (6). Level 0 still uses method 8 (deflate with
   * stored blocks), as Python's zipfile does with ZIP_DEFLATED.
   */
  level: number;
  /** One timestamp for every entry (already clipped; see {@link clipTimestamp}). */
  timestamp: Date;
  /** Deflates in flight at once (and compressed outputs held in memory); default `os.availableParallelism()`. */
  concurrency?: number;
  /**
   * @internal Testing only: write every zip64 field (extra fields, zip64 end records) even where
   * the values would fit in 32 bits, so the zip64 path is exercised without 4 GiB of data.
   */
  forceZip64?: boolean;
  /** Told after each entry is written (phase 'writing'; bytes: output bytes so far). */
  onProgress?: ProgressSink | undefined;
}

// Record signatures (APPNOTE 4.3.7, 4.3.12, 4.3.14, 4.3.15, 4.3.16).
const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_EOCD = 0x06054b50;
const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const EOCD_SIZE = 22;
/** Zip64 extended information extra field id (APPNOTE 4.5.3). */
const EXTRA_ZIP64 = 0x0001;

const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
/** Version 2.0: deflate, directories. */
const VERSION_DEFAULT = 20;
/** Version 4.5: zip64. */
const VERSION_ZIP64 = 45;
/** High byte of "version made by": 3 = Unix, so the external attributes hold `st_mode << 16`. */
const MADE_BY_UNIX = 3 << 8;
/** MS-DOS directory attribute, set on directory entries next to the Unix mode. */
const DOS_DIRECTORY = 0x10;

/** A 32-bit size or offset field at or above this value moves into the zip64 extra field. */
const MAX32 = 0xffffffff;
/** An entry count at or above this value moves into the zip64 end record. */
const MAX16 = 0xffff;

/** Buffered header and small-entry bytes are written out once this many are pending. */
const FLUSH_AT = 1024 * 1024;

// MS-DOS date and time cover 1980-01-01 00:00:00 to 2107-12-31 23:59:58.
const DOS_MIN_MS = Date.UTC(1980, 0, 1, 0, 0, 0);
const DOS_MAX_MS = Date.UTC(2107, 11, 31, 23, 59, 58);
/** 1980-01-01T00:00:00Z in seconds since the epoch. */
const DOS_EPOCH_SECONDS = DOS_MIN_MS / 1000;

/**
 * MS-DOS date and time fields (APPNOTE 4.4.6) for a moment, from its UTC calendar fields.
 * Seconds have 2-second resolution (odd seconds round down, milliseconds are dropped). Moments
 * before 1980-01-01 are clipped to it, moments after 2107-12-31 23:59:58 to that.
 * @throws InternalError for an invalid Date.
 */
export function dosDateTime(d: Date): { date: number; time: number } {
  let ms = d.getTime();
  if (!Number.isFinite(ms)) throw new InternalError('zip timestamp is an invalid Date');
  ms = Math.min(Math.max(ms, DOS_MIN_MS), DOS_MAX_MS);
  const t = new Date(ms);
  // date: bits 15-9 year - 1980, 8-5 month 1-12, 4-0 day 1-31.
  const date = ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
  // time: bits 15-11 hours, 10-5 minutes, 4-0 seconds / 2.
  const time = (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1);
  return { date, time };
}

/**
 * The timestamp for every entry from a `SOURCE_DATE_EPOCH`-style number of seconds: anything
 * before 1980-01-01T00:00:00Z becomes that moment, with `clipped` set so the caller can warn
 * (the reference logs `dir2zip, clipping timestamp to 1980-01-01`).
 * @throws InternalError for a non-finite number (parse and refuse bad input before calling).
 */
export function clipTimestamp(epochSeconds: number): { date: Date; clipped: boolean } {
  if (!Number.isFinite(epochSeconds)) throw new InternalError(`timestamp ${epochSeconds} is not a finite number of seconds`);
  if (epochSeconds < DOS_EPOCH_SECONDS) return { date: new Date(DOS_MIN_MS), clipped: true };
  return { date: new Date(epochSeconds * 1000), clipped: false };
}

// ---------------------------------------------------------------------------------------------
// CRC-32

let crcTable: Uint32Array | undefined;

/**
 * @internal CRC-32 (IEEE 802.3, reflected, as zip uses) in plain TypeScript, for Node versions
 * without `zlib.crc32` (added in 20.15). Exported for tests.
 */
export function crc32Portable(data: Uint8Array, value = 0): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = (table[(c ^ (data[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

// A namespace import, so that a Node without `crc32` loads this module and takes the fallback.
const crc32: (data: Uint8Array, value?: number) => number =
  typeof zlib.crc32 === 'function' ? (data, value) => zlib.crc32(data, value) >>> 0 : crc32Portable;

// ---------------------------------------------------------------------------------------------
// Writing

/** Everything that goes in an entry's headers except the offset. */
interface Prepared {
  readonly item: ZipWriteItem;
  readonly nameBytes: Buffer;
  readonly flags: number;
  readonly external: number;
}

type Deflated = DeflatedData;

/**
 * Start deflating `data` at `level` (-1..9) on the thread pool; pass the promise to writeZip
 * as a `deflated` source. `name` names the entry in error messages.
 */
export function deflateData(data: Uint8Array, level: number, name: string): Promise<DeflatedData> {
  const p = deflateItem(data, checkLevel(level), name);
  // Handled where it is awaited; this only keeps an abandoned job from being "unhandled".
  p.catch(() => undefined);
  return p;
}

interface EntryFields {
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
}

/**
 * Write a zip file with `items` in the given order, then move it into place at `path`
 * (silently replacing a file already there).
 *
 * Raw items copy the input entry's stored bytes, CRC-32, sizes and method without recompressing;
 * their timestamp and mode still come from the item and the options. Data items are deflated,
 * up to `concurrency` at a time, ahead of the write position. Directory items are stored with
 * size 0. On any failure the temporary file is removed and nothing is left at `path`.
 *
 * @returns the size of the written file.
 * @throws WheelFormatError `WHEEL_IO` when the file cannot be written; `WHEEL_NOT_ZIP` when a raw
 *   source is encrypted, uses a method other than stored/deflate, or yields the wrong byte count;
 *   errors from reading a raw source pass through as they are.
 * @throws InternalError for inconsistent items or options (a caller bug).
 */
export async function writeZip(
  path: string,
  items: readonly ZipWriteItem[],
  opts: ZipWriteOptions,
): Promise<{ bytesWritten: number }> {
  const level = checkLevel(opts.level);
  const concurrency = checkConcurrency(opts.concurrency ?? availableParallelism());
  const force64 = opts.forceZip64 === true;
  const { date, time } = dosDateTime(opts.timestamp);
  const prepared = prepareItems(items);

  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (err) {
    throw writeError(path, err);
  }

  // Deflates started ahead of the write position, by item index, kept until their output is
  // written: at most `concurrency` at once.
  const ahead = new Map<number, Promise<Deflated>>();
  let nextToStart = 0;
  // `concurrency` deflates run at once; finished outputs waiting for their turn to be written
  // may add as many again, so a large deflate never leaves the other cores idle.
  let running = 0;
  const topUp = (): void => {
    while (nextToStart < prepared.length && running < concurrency && ahead.size < 2 * concurrency) {
      const i = nextToStart++;
      const source = prepared[i]?.item.source;
      if (source?.kind !== 'data') continue;
      running++;
      const job = deflateItem(source.data, level, prepared[i]?.item.name ?? '').finally(() => {
        running--;
        topUp();
      });
      // Handled where it is awaited; this only keeps an abandoned job from being "unhandled".
      job.catch(() => undefined);
      ahead.set(i, job);
    }
  };

  let fileClosed = false;
  try {
    const sink = makeSink(fh);
    const central: Buffer[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      if (p === undefined) throw new InternalError(`zip item ${i} is missing`);
      topUp();
      const offset = sink.position;
      const source = p.item.source;
      let fields: EntryFields;
      if (source === undefined) {
        fields = { method: METHOD_STORED, crc: 0, compressedSize: 0, uncompressedSize: 0 };
        const h = headers(p, fields, offset, date, time, force64);
        await sink.write(h.local);
        central.push(h.central);
      } else if (source.kind === 'data' || source.kind === 'deflated') {
        const job = source.kind === 'deflated' ? source.result : ahead.get(i);
        if (job === undefined) throw new InternalError(`deflate of zip item ${i} was not started`);
        const deflated = await job;
        fields = {
          method: METHOD_DEFLATE,
          crc: deflated.crc,
          compressedSize: deflated.data.length,
          uncompressedSize: deflated.uncompressedSize,
        };
        const h = headers(p, fields, offset, date, time, force64);
        await sink.write(h.local);
        await sink.write(deflated.data);
        // Only now is the output released, so at most 2 x `concurrency` of them are ever held.
        ahead.delete(i);
        topUp();
        central.push(h.central);
      } else {
        const entry = source.entry;
        checkRawEntry(entry, p.item.name);
        fields = {
          method: entry.compressionMethod,
          crc: entry.crc32,
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
        };
        const stream = await source.zip.openRawStream(entry);
        const h = headers(p, fields, offset, date, time, force64);
        await sink.write(h.local);
        let copied = 0;
        // Async iteration reads the next chunk only after the previous write: backpressure.
        for await (const chunk of stream) {
          if (typeof chunk === 'string') throw new InternalError('raw zip stream yielded a string');
          copied += chunk.length;
          if (copied > entry.compressedSize) break;
          await sink.write(chunk);
        }
        if (copied !== entry.compressedSize) {
          throw new WheelFormatError(
            'WHEEL_NOT_ZIP',
            `entry ${showName(entry.name)} of ${source.zip.path}: stored data is ${copied > entry.compressedSize ? 'at least ' : ''}${copied} bytes, expected ${entry.compressedSize}`,
          );
        }
        central.push(h.central);
      }
      opts.onProgress?.({ phase: 'writing', done: i + 1, total: prepared.length, bytes: sink.position });
    }

    const cdOffset = sink.position;
    for (const c of central) await sink.write(c);
    const cdSize = sink.position - cdOffset;
    await sink.write(endRecords(prepared.length, cdOffset, cdSize, sink.position, force64));
    await sink.flush();
    const bytesWritten = sink.position;

    await fh.sync();
    fileClosed = true;
    await fh.close();
    await rename(tmp, path);
    return { bytesWritten };
  } catch (err) {
    // Let the deflates already running finish, so nothing outlives the call.
    await Promise.allSettled(ahead.values());
    if (!fileClosed) await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (isWheelauditError(err) || err instanceof InternalError) throw err;
    throw writeError(path, err);
  }
}

function checkLevel(level: number): number {
  if (!Number.isInteger(level) || level < -1 || level > 9) {
    throw new InternalError(`zip compression level ${level} is out of range, expected -1..9`);
  }
  return level;
}

function checkConcurrency(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InternalError(`zip write concurrency ${n} is not a positive integer`);
  return n;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Validate items up front (nothing is created for a caller mistake) and encode their names. */
function prepareItems(items: readonly ZipWriteItem[]): Prepared[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const { name, source, mode } = item;
    if (name === '' || name.includes('\0')) throw new InternalError(`zip entry name ${JSON.stringify(name)} is empty or holds a NUL`);
    if (seen.has(name)) throw new InternalError(`zip entry ${showName(name)} is listed twice`);
    seen.add(name);
    const isDir = name.endsWith('/');
    if (isDir !== (source === undefined)) {
      throw new InternalError(
        `zip entry ${showName(name)}: ${isDir ? 'a directory name has a content source' : 'a file name has no content source'}`,
      );
    }
    if (!Number.isInteger(mode) || mode < 0 || mode > 0xffff) {
      throw new InternalError(`zip entry ${showName(name)}: mode ${mode} does not fit in 16 bits`);
    }
    const nameBytes = Buffer.from(name, 'utf8');
    if (utf8.decode(nameBytes) !== name) throw new InternalError(`zip entry ${showName(name)}: name is not well-formed Unicode`);
    if (nameBytes.length > 0xffff) throw new InternalError(`zip entry name of ${nameBytes.length} bytes is longer than 65535`);
    const ascii = nameBytes.every((b) => b < 0x80);
    return {
      item,
      nameBytes,
      flags: ascii ? 0 : FLAG_UTF8,
      // External attributes: Unix st_mode in the high 16 bits, MS-DOS attributes in the low byte.
      external: (mode * 0x10000 + (isDir ? DOS_DIRECTORY : 0)) >>> 0,
    };
  });
}

function checkRawEntry(entry: WheelEntry, name: string): void {
  if ((entry.generalPurposeBitFlag & FLAG_ENCRYPTED) !== 0) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `entry ${showName(entry.name)} (for ${showName(name)}): encrypted, expected plain data`);
  }
  if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATE) {
    throw new WheelFormatError(
      'WHEEL_NOT_ZIP',
      `entry ${showName(entry.name)} (for ${showName(name)}): compression method ${entry.compressionMethod}, expected 0 (stored) or 8 (deflate)`,
    );
  }
}

function deflateItem(data: Uint8Array, level: number, name: string): Promise<Deflated> {
  return new Promise<Deflated>((resolve, reject) => {
    const crc = crc32(data);
    zlib.deflateRaw(data, { level }, (err, out) => {
      if (err !== null) {
        reject(new WheelFormatError('WHEEL_IO', `entry ${showName(name)}: cannot compress ${data.length} bytes: ${detail(err)}`, { cause: err }));
      } else {
        resolve({ crc, uncompressedSize: data.length, data: out });
      }
    });
  });
}

/** Sequential writes through a small buffer; `position` counts every byte handed over. */
function makeSink(fh: FileHandle): {
  readonly position: number;
  write(chunk: Uint8Array): Promise<void>;
  flush(): Promise<void>;
} {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let position = 0;
  const writeAll = async (buf: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await fh.write(buf, done, buf.length - done);
      if (bytesWritten <= 0) throw new InternalError('file write made no progress');
      done += bytesWritten;
    }
  };
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const parts = pending;
    const size = pendingBytes;
    pending = [];
    pendingBytes = 0;
    const [only] = parts;
    await writeAll(parts.length === 1 && only !== undefined ? only : Buffer.concat(parts, size));
  };
  return {
    get position(): number {
      return position;
    },
    async write(chunk: Uint8Array): Promise<void> {
      position += chunk.length;
      if (chunk.length >= FLUSH_AT) {
        await flush();
        await writeAll(chunk);
        return;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= FLUSH_AT) await flush();
    },
    flush,
  };
}

/** The local file header and the central directory record of one entry. */
function headers(
  p: Prepared,
  f: EntryFields,
  offset: number,
  date: number,
  time: number,
  force64: boolean,
): { local: Buffer; central: Buffer } {
  // Sizes go to zip64 together (both in the local extra field, as APPNOTE 4.5.3 requires there).
  const sizes64 = force64 || f.compressedSize >= MAX32 || f.uncompressedSize >= MAX32;
  const offset64 = force64 || offset >= MAX32;
  const needed = sizes64 || offset64 ? VERSION_ZIP64 : VERSION_DEFAULT;
  const madeBy = MADE_BY_UNIX | needed;
  const nameLen = p.nameBytes.length;

  // Local zip64 extra: 0 id, 2 data size, 4 original size, 12 compressed size.
  const localExtraLen = sizes64 ? 4 + 16 : 0;
  const local = Buffer.alloc(LOCAL_HEADER_SIZE + nameLen + localExtraLen);
  const lw = new ByteWriter(local, true, true);
  lw.u32(0, SIG_LOCAL, 'local header signature');
  lw.u16(4, needed, 'version needed to extract');
  lw.u16(6, p.flags, 'general purpose bit flag');
  lw.u16(8, f.method, 'compression method');
  lw.u16(10, time, 'last mod file time');
  lw.u16(12, date, 'last mod file date');
  lw.u32(14, f.crc, 'crc-32');
  lw.u32(18, sizes64 ? MAX32 : f.compressedSize, 'compressed size');
  lw.u32(22, sizes64 ? MAX32 : f.uncompressedSize, 'uncompressed size');
  lw.u16(26, nameLen, 'file name length');
  lw.u16(28, localExtraLen, 'extra field length');
  lw.set(30, p.nameBytes, 'file name');
  if (sizes64) {
    const x = LOCAL_HEADER_SIZE + nameLen;
    lw.u16(x, EXTRA_ZIP64, 'zip64 extra id');
    lw.u16(x + 2, 16, 'zip64 extra size');
    lw.u64(x + 4, BigInt(f.uncompressedSize), 'zip64 original size');
    lw.u64(x + 12, BigInt(f.compressedSize), 'zip64 compressed size');
  }

  // Central zip64 extra: only the fields whose 32-bit slot holds 0xffffffff, in the order
  // original size, compressed size, local header offset (APPNOTE 4.5.3).
  const centralExtraLen = sizes64 || offset64 ? 4 + (sizes64 ? 16 : 0) + (offset64 ? 8 : 0) : 0;
  const central = Buffer.alloc(CENTRAL_HEADER_SIZE + nameLen + centralExtraLen);
  const cw = new ByteWriter(central, true, true);
  cw.u32(0, SIG_CENTRAL, 'central file header signature');
  cw.u16(4, madeBy, 'version made by');
  cw.u16(6, needed, 'version needed to extract');
  cw.u16(8, p.flags, 'general purpose bit flag');
  cw.u16(10, f.method, 'compression method');
  cw.u16(12, time, 'last mod file time');
  cw.u16(14, date, 'last mod file date');
  cw.u32(16, f.crc, 'crc-32');
  cw.u32(20, sizes64 ? MAX32 : f.compressedSize, 'compressed size');
  cw.u32(24, sizes64 ? MAX32 : f.uncompressedSize, 'uncompressed size');
  cw.u16(28, nameLen, 'file name length');
  cw.u16(30, centralExtraLen, 'extra field length');
  cw.u16(32, 0, 'file comment length');
  cw.u16(34, 0, 'disk number start');
  cw.u16(36, 0, 'internal file attributes');
  cw.u32(38, p.external, 'external file attributes');
  cw.u32(42, offset64 ? MAX32 : offset, 'relative offset of local header');
  cw.set(46, p.nameBytes, 'file name');
  if (centralExtraLen > 0) {
    let x = CENTRAL_HEADER_SIZE + nameLen;
    cw.u16(x, EXTRA_ZIP64, 'zip64 extra id');
    cw.u16(x + 2, centralExtraLen - 4, 'zip64 extra size');
    x += 4;
    if (sizes64) {
      cw.u64(x, BigInt(f.uncompressedSize), 'zip64 original size');
      cw.u64(x + 8, BigInt(f.compressedSize), 'zip64 compressed size');
      x += 16;
    }
    if (offset64) cw.u64(x, BigInt(offset), 'zip64 relative header offset');
  }
  return { local, central };
}

/**
 * The end of central directory record, preceded by the zip64 end record and its locator when a
 * count, size or offset does not fit (APPNOTE 4.3.14-4.3.16).
 */
function endRecords(count: number, cdOffset: number, cdSize: number, here: number, force64: boolean): Buffer {
  const count64 = force64 || count >= MAX16;
  const size64 = force64 || cdSize >= MAX32;
  const offset64 = force64 || cdOffset >= MAX32;
  const zip64 = count64 || size64 || offset64;
  const out = Buffer.alloc((zip64 ? ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE : 0) + EOCD_SIZE);
  const w = new ByteWriter(out, true, true);
  let x = 0;
  if (zip64) {
    w.u32(0, SIG_ZIP64_EOCD, 'zip64 end of central dir signature');
    w.u64(4, BigInt(ZIP64_EOCD_SIZE - 12), 'size of zip64 end of central directory record');
    w.u16(12, MADE_BY_UNIX | VERSION_ZIP64, 'version made by');
    w.u16(14, VERSION_ZIP64, 'version needed to extract');
    w.u32(16, 0, 'number of this disk');
    w.u32(20, 0, 'number of the disk with the start of the central directory');
    w.u64(24, BigInt(count), 'total number of entries in the central directory on this disk');
    w.u64(32, BigInt(count), 'total number of entries in the central directory');
    w.u64(40, BigInt(cdSize), 'size of the central directory');
    w.u64(48, BigInt(cdOffset), 'offset of start of central directory');
    w.u32(56, SIG_ZIP64_LOCATOR, 'zip64 end of central dir locator signature');
    w.u32(60, 0, 'number of the disk with the start of the zip64 end of central directory');
    w.u64(64, BigInt(here), 'relative offset of the zip64 end of central directory record');
    w.u32(72, 1, 'total number of disks');
    x = ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE;
  }
  w.u32(x, SIG_EOCD, 'end of central dir signature');
  w.u16(x + 4, 0, 'number of this disk');
  w.u16(x + 6, 0, 'number of the disk with the start of the central directory');
  w.u16(x + 8, count64 ? MAX16 : count, 'total number of entries in the central directory on this disk');
  w.u16(x + 10, count64 ? MAX16 : count, 'total number of entries in the central directory');
  w.u32(x + 12, size64 ? MAX32 : cdSize, 'size of the central directory');
  w.u32(x + 16, offset64 ? MAX32 : cdOffset, 'offset of start of central directory');
  w.u16(x + 20, 0, '.ZIP file comment length');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors

function writeError(path: string, err: unknown): WheelFormatError {
  return new WheelFormatError('WHEEL_IO', `cannot write ${path}: ${detail(err)}`, { cause: err });
}

/** A foreign error message in house style (errno codes stay in capitals: "no space left on device (ENOSPC)"). */
function detail(err: unknown): string {
  return describeError(err);
}

/** An entry name fit for a one-line message: control characters are escaped. */
function showName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
