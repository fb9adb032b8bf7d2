// A small zip writer for repaired wheels (APPNOTE 6.3.x; header choices as spec §6.14 describes
// Python's zipfile). Entries that did not change are copied as their stored bytes, never
// recompressed; new data is deflated in a bounded pool and written in item order. The output
// appears whole at its path (temporary file + rename) or not at all. No data descriptors, no
// encryption, no extra fields other than zip64, no comments.
import type { FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { deflateRawOnce } from './deflate-call.js';
import { InternalError, WheelFormatError, isWheelauditError } from '../errors.js';
import { ByteWriter } from '../util/bytes.js';
import type { ProgressSink } from '../util/progress.js';
import { crc32 } from './crc32.js';
import { createTempFile } from './temp-files.js';
import {
  CENTRAL,
  DOS_DIRECTORY,
  DOS_MIN_MS,
  EOCD,
  EXTRA_ZIP64,
  FLAG_ENCRYPTED,
  FLAG_UTF8,
  LOCAL,
  MADE_BY_UNIX,
  MAX16,
  MAX32,
  METHOD_DEFLATE,
  METHOD_STORED,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_LOCAL,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  VERSION_DEFAULT,
  VERSION_ZIP64,
  ZIP64_EOCD,
  ZIP64_LOCATOR,
  detail,
  showName,
  toDosDateTime,
} from './zip-format.js';
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
  | { kind: 'deflated'; result: Promise<DeflatedData> }
  /** Content known only later (e.g. RECORD, once every digest is): deflated when its turn comes. */
  | { kind: 'later'; data: Promise<Uint8Array> }
  /**
   * A raw-deflate stream produced in pieces (chunked-deflate.ts), written piece by piece as
   * each is ready; its compressed size goes into the local header once the last is written.
   */
  | { kind: 'stream'; content: Promise<StreamedContent> };

/** What a `stream` source hands over: its size up front, the pieces, and its CRC once they are all taken. */
export interface StreamedContent {
  /** Read once every piece has been taken (the local header is rewritten then). */
  readonly crc: number;
  readonly uncompressedSize: number;
  readonly pieces: AsyncIterable<Uint8Array>;
}

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

/** Header and small-entry bytes are staged up to this many before they are written. */
const FLUSH_AT = 1024 * 1024;
/** Permission bits of the output, before the umask: as Python's open(..., 'wb') creates it. */
const OUTPUT_MODE = 0o666;

/** 1980-01-01T00:00:00Z in seconds since the epoch. */
const DOS_EPOCH_SECONDS = DOS_MIN_MS / 1000;

/**
 * MS-DOS date and time fields (APPNOTE 4.4.6) for a moment, from its UTC calendar fields.
 * Seconds have 2-second resolution (odd seconds round down, milliseconds are dropped). Moments
 * before 1980-01-01 are clipped to it, moments after 2107-12-31 23:59:58 to that.
 * @throws InternalError for an invalid Date.
 */
export function dosDateTime(d: Date): { date: number; time: number } {
  const dt = toDosDateTime(d);
  if (dt === undefined) throw new InternalError('zip timestamp is an invalid Date');
  return dt;
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
  checkItems(items);

  const tmp = await createTempFile(path, OUTPUT_MODE);
  const pool = deflatePool(items, level, concurrency);
  try {
    const sink = makeSink(tmp.handle);
    const central = centralRecords();
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === undefined) throw new InternalError(`zip item ${i} is missing`);
      // Encoded now, not kept for every item: 150,000 names would stay in memory to the end.
      const p = prepare(item);
      pool.topUp();
      const offset = sink.position;
      const source = p.item.source;
      const h =
        source?.kind === 'stream'
          ? await writeStreamed(sink, p, await source.content, { offset, date, time, force64 })
          : await writeWhole(sink, p, await entryContent(p, i, pool, level), { offset, date, time, force64 });
      // Only now is a deflated output released, so at most 2 x `concurrency` are ever held.
      pool.release(i);
      central.add(h.central);
      opts.onProgress?.({ phase: 'writing', done: i + 1, total: items.length, bytes: sink.position });
    }
    const cdOffset = sink.position;
    for (const c of central.blocks()) await sink.write(c);
    const cdSize = sink.position - cdOffset;
    await sink.write(endRecords(items.length, cdOffset, cdSize, sink.position, force64));
    await sink.flush();
    const bytesWritten = sink.position;
    await tmp.commit();
    return { bytesWritten };
  } catch (err) {
    // Let the deflates already running finish, so nothing outlives the call.
    await pool.settle();
    await tmp.discard();
    if (isWheelauditError(err) || err instanceof InternalError) throw err;
    throw new WheelFormatError('WHEEL_IO', `cannot write ${path}: ${detail(err)}`, { cause: err });
  }
}

interface DeflatePool {
  /** Start deflates ahead of the write position, as the bounds allow. */
  topUp(): void;
  /** The deflate of item `i` (started by topUp). */
  job(i: number): Promise<Deflated> | undefined;
  /** Item `i` has been written: forget its output and start more. */
  release(i: number): void;
  /** Wait for every deflate still running. */
  settle(): Promise<unknown>;
}

/**
 * Deflates of `data` items started ahead of the write position: `concurrency` run at once, and
 * finished outputs waiting for their turn may add as many again, so a large deflate never leaves
 * the other cores idle.
 */
function deflatePool(items: readonly ZipWriteItem[], level: number, concurrency: number): DeflatePool {
  const ahead = new Map<number, Promise<Deflated>>();
  let nextToStart = 0;
  let running = 0;
  const topUp = (): void => {
    while (nextToStart < items.length && running < concurrency && ahead.size < 2 * concurrency) {
      const i = nextToStart++;
      const source = items[i]?.source;
      if (source?.kind !== 'data') continue;
      running++;
      const job = deflateItem(source.data, level, items[i]?.name ?? '').finally(() => {
        running--;
        topUp();
      });
      // Handled where it is awaited; this only keeps an abandoned job from being "unhandled".
      job.catch(() => undefined);
      ahead.set(i, job);
    }
  };
  return {
    topUp,
    job: (i) => ahead.get(i),
    release(i) {
      if (ahead.delete(i)) topUp();
    },
    settle: () => Promise.allSettled(ahead.values()),
  };
}

/** An item's header fields and what follows its local header: bytes, a raw copy, or nothing. */
async function entryContent(p: Prepared, i: number, pool: DeflatePool, level: number): Promise<WholeContent> {
  const source = p.item.source;
  if (source === undefined) return { fields: { method: METHOD_STORED, crc: 0, compressedSize: 0, uncompressedSize: 0 }, data: undefined };
  if (source.kind === 'raw') {
    const entry = source.entry;
    checkRawEntry(entry, p.item.name);
    const fields = { method: entry.compressionMethod, crc: entry.crc32, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize };
    return { fields, data: { zip: source.zip, entry } };
  }
  if (source.kind === 'stream') throw new InternalError(`zip item ${i} streams its content`);
  const job = source.kind === 'deflated' ? source.result : source.kind === 'later' ? deflateItem(await source.data, level, p.item.name) : pool.job(i);
  if (job === undefined) throw new InternalError(`deflate of zip item ${i} was not started`);
  const d = await job;
  return { fields: { method: METHOD_DEFLATE, crc: d.crc, compressedSize: d.data.length, uncompressedSize: d.uncompressedSize }, data: d.data };
}

interface WholeContent {
  readonly fields: EntryFields;
  readonly data: Uint8Array | { zip: WheelZip; entry: WheelEntry } | undefined;
}

/** Where an entry's local header goes and what every header shares. */
interface HeaderPlace {
  readonly offset: number;
  readonly date: number;
  readonly time: number;
  readonly force64: boolean;
}

/** Write an entry whose header fields are known before its data: its local header, then the data. */
async function writeWhole(sink: Sink, p: Prepared, c: WholeContent, at: HeaderPlace): Promise<{ central: Buffer }> {
  const h = headers(p, c.fields, at.offset, at.date, at.time, at.force64);
  await sink.write(h.local);
  if (c.data instanceof Uint8Array) await sink.write(c.data);
  else if (c.data !== undefined) await copyRaw(sink, c.data.zip, c.data.entry);
  return h;
}

/** Copy an input entry's stored bytes; the next chunk is read only after the previous is written. */
async function copyRaw(sink: Sink, zip: WheelZip, entry: WheelEntry): Promise<void> {
  let copied = 0;
  for await (const chunk of zip.rawChunks(entry)) {
    copied += chunk.length;
    if (copied > entry.compressedSize) break;
    await sink.write(chunk);
  }
  if (copied !== entry.compressedSize) {
    throw new WheelFormatError(
      'WHEEL_NOT_ZIP',
      `entry ${showName(entry.name)} of ${zip.path}: stored data is ${copied > entry.compressedSize ? 'at least ' : ''}${copied} bytes, expected ${entry.compressedSize}`,
    );
  }
}

/**
 * Streamed content can exceed 4 GiB only from a little below it: deflate adds at most about
 * 0.03% (stored blocks) and a few bytes per piece, so from here the sizes go to zip64 at once
 * (the local header is written before the compressed size is known).
 */
const STREAM_ZIP64_FROM = 0xf000_0000;

/**
 * Write a streamed entry: its local header with the compressed size still unknown, the pieces
 * as they come, then the local header again, complete, over the first one.
 */
async function writeStreamed(sink: Sink, p: Prepared, c: StreamedContent, at: HeaderPlace): Promise<{ central: Buffer }> {
  const force64 = at.force64 || c.uncompressedSize >= STREAM_ZIP64_FROM;
  const fields = (compressedSize: number): EntryFields => ({ method: METHOD_DEFLATE, crc: c.crc, compressedSize, uncompressedSize: c.uncompressedSize });
  const first = headers(p, fields(0), at.offset, at.date, at.time, force64);
  await sink.write(first.local);
  let compressed = 0;
  for await (const piece of c.pieces) {
    compressed += piece.length;
    await sink.write(piece);
  }
  const h = headers(p, fields(compressed), at.offset, at.date, at.time, force64);
  if (h.local.length !== first.local.length) throw new InternalError(`entry ${showName(p.item.name)}: its local header changed size once the data was written`);
  await sink.patch(at.offset, h.local);
  return h;
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

/** Validate items up front, so that nothing is created for a caller mistake; keeps nothing. */
function checkItems(items: readonly ZipWriteItem[]): void {
  const seen = new Set<string>();
  for (const item of items) {
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
    // Awaited when the item's turn comes; until then a failure is not "unhandled".
    if (source?.kind === 'stream') source.content.catch(() => undefined);
    if (source?.kind === 'later') source.data.catch(() => undefined);
    const nameBytes = Buffer.from(name, 'utf8');
    if (utf8.decode(nameBytes) !== name) throw new InternalError(`zip entry ${showName(name)}: name is not well-formed Unicode`);
    if (nameBytes.length > 0xffff) throw new InternalError(`zip entry name of ${nameBytes.length} bytes is longer than 65535`);
  }
}

/** What an item's headers need besides sizes and offset (the item was checked by checkItems). */
function prepare(item: ZipWriteItem): Prepared {
  const nameBytes = Buffer.from(item.name, 'utf8');
  const ascii = nameBytes.every((b) => b < 0x80);
  return {
    item,
    nameBytes,
    flags: ascii ? 0 : FLAG_UTF8,
    // External attributes: Unix st_mode in the high 16 bits, MS-DOS attributes in the low byte.
    external: (item.mode * 0x10000 + (item.name.endsWith('/') ? DOS_DIRECTORY : 0)) >>> 0,
  };
}

/** Bytes per block of the central directory kept while the entries are written. */
const CENTRAL_BLOCK = 1 << 20;

/**
 * The central directory as it grows: records copied into 1 MiB blocks, so 150,000 entries
 * keep a few dozen buffers alive instead of 150,000.
 */
function centralRecords(): { add(record: Uint8Array): void; blocks(): Uint8Array[] } {
  const full: Uint8Array[] = [];
  let block = Buffer.allocUnsafe(CENTRAL_BLOCK);
  let used = 0;
  return {
    add(record) {
      if (used + record.length > block.length) {
        full.push(block.subarray(0, used));
        block = Buffer.allocUnsafe(Math.max(CENTRAL_BLOCK, record.length));
        used = 0;
      }
      block.set(record, used);
      used += record.length;
    },
    blocks: () => [...full, block.subarray(0, used)],
  };
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
    deflateRawOnce(data, { level }, (err, out) => {
      if (err !== null) {
        reject(new WheelFormatError('WHEEL_IO', `entry ${showName(name)}: cannot compress ${data.length} bytes: ${detail(err)}`, { cause: err }));
      } else {
        resolve({ crc, uncompressedSize: data.length, data: out });
      }
    });
  });
}

/** Sequential writes through a small buffer; `position` counts every byte handed over. */
interface Sink {
  readonly position: number;
  write(chunk: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  /** Overwrite bytes already handed over, at `at` (flushes first). */
  patch(at: number, bytes: Uint8Array): Promise<void>;
}

/**
 * Small writes are copied into one staging buffer, written out when it is full and then reused:
 * no list of views kept until a flush and no new buffer per flush (at 150,000 entries those were
 * about 60 MiB of buffers and views, released only by full collections). Calls must not overlap
 * (the writer awaits each one).
 */
function makeSink(fh: FileHandle): Sink {
  const stage = Buffer.allocUnsafe(FLUSH_AT);
  let staged = 0;
  let position = 0;
  // `at` null: at the file position (sequential writes); a number: there, leaving the position alone.
  const writeAll = async (buf: Uint8Array, at: number | null = null): Promise<void> => {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await fh.write(buf, done, buf.length - done, at === null ? null : at + done);
      if (bytesWritten <= 0) throw new InternalError('file write made no progress');
      done += bytesWritten;
    }
  };
  const flush = async (): Promise<void> => {
    if (staged === 0) return;
    // The stage is reused only once this write has completed.
    await writeAll(stage.subarray(0, staged));
    staged = 0;
  };
  return {
    get position(): number {
      return position;
    },
    async write(chunk: Uint8Array): Promise<void> {
      position += chunk.length;
      if (chunk.length >= FLUSH_AT / 2) {
        await flush();
        await writeAll(chunk);
        return;
      }
      if (staged + chunk.length > FLUSH_AT) await flush();
      stage.set(chunk, staged);
      staged += chunk.length;
    },
    flush,
    async patch(at: number, bytes: Uint8Array): Promise<void> {
      if (at + bytes.length > position) throw new InternalError(`zip patch at ${at} runs past the ${position} bytes written`);
      await flush();
      await writeAll(bytes, at);
    },
  };
}

/** The fields the local header and the central record share, at their offsets in `layout`. */
type SharedLayout = Pick<typeof LOCAL, 'versionNeeded' | 'flags' | 'method' | 'time' | 'date' | 'crc32' | 'compressedSize' | 'uncompressedSize' | 'nameLength' | 'extraLength'>;
type SharedOffsets = { readonly [K in keyof SharedLayout]: number };

interface SharedFields {
  readonly needed: number;
  readonly flags: number;
  readonly method: number;
  readonly time: number;
  readonly date: number;
  readonly crc: number;
  /** Sizes live in the zip64 extra field (0xffffffff here). */
  readonly sizes64: boolean;
  readonly f: EntryFields;
  readonly nameLen: number;
  readonly extraLen: number;
}

function writeSharedFields(b: Buffer, at: SharedOffsets, v: SharedFields): void {
  b.writeUInt16LE(v.needed, at.versionNeeded);
  b.writeUInt16LE(v.flags, at.flags);
  b.writeUInt16LE(v.method, at.method);
  b.writeUInt16LE(v.time, at.time);
  b.writeUInt16LE(v.date, at.date);
  b.writeUInt32LE(v.crc >>> 0, at.crc32);
  b.writeUInt32LE(v.sizes64 ? MAX32 : v.f.compressedSize, at.compressedSize);
  b.writeUInt32LE(v.sizes64 ? MAX32 : v.f.uncompressedSize, at.uncompressedSize);
  b.writeUInt16LE(v.nameLen, at.nameLength);
  b.writeUInt16LE(v.extraLen, at.extraLength);
}

/**
 * The local file header and the central directory record of one entry. Written with Buffer's
 * own methods (which refuse values out of range), not a ByteWriter: 150,000 entries mean
 * 300,000 headers, and a DataView and field names for each cost a second.
 */
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
  const shared = { needed, flags: p.flags, method: f.method, time, date, crc: f.crc, sizes64, f, nameLen, extraLen: 0 };

  // Local zip64 extra: 0 id, 2 data size, 4 original size, 12 compressed size.
  const localExtraLen = sizes64 ? 4 + 16 : 0;
  // allocUnsafe: every byte is written below, and small headers come from Node's shared pool
  // instead of one backing store each (150,000 entries would otherwise mean 300,000 of them).
  const local = Buffer.allocUnsafe(LOCAL.SIZE + nameLen + localExtraLen);
  local.writeUInt32LE(SIG_LOCAL, LOCAL.signature);
  shared.extraLen = localExtraLen;
  writeSharedFields(local, LOCAL, shared);
  p.nameBytes.copy(local, LOCAL.SIZE);
  if (sizes64) {
    const x = LOCAL.SIZE + nameLen;
    local.writeUInt16LE(EXTRA_ZIP64, x);
    local.writeUInt16LE(16, x + 2);
    local.writeBigUInt64LE(BigInt(f.uncompressedSize), x + 4);
    local.writeBigUInt64LE(BigInt(f.compressedSize), x + 12);
  }

  // Central zip64 extra: only the fields whose 32-bit slot holds 0xffffffff, in the order
  // original size, compressed size, local header offset (APPNOTE 4.5.3).
  const centralExtraLen = sizes64 || offset64 ? 4 + (sizes64 ? 16 : 0) + (offset64 ? 8 : 0) : 0;
  const central = Buffer.allocUnsafe(CENTRAL.SIZE + nameLen + centralExtraLen);
  central.writeUInt32LE(SIG_CENTRAL, CENTRAL.signature);
  central.writeUInt16LE(madeBy, CENTRAL.versionMadeBy);
  shared.extraLen = centralExtraLen;
  writeSharedFields(central, CENTRAL, shared);
  central.writeUInt16LE(0, CENTRAL.commentLength);
  central.writeUInt16LE(0, CENTRAL.diskNumberStart);
  central.writeUInt16LE(0, CENTRAL.internalAttributes);
  central.writeUInt32LE(p.external >>> 0, CENTRAL.externalAttributes);
  central.writeUInt32LE(offset64 ? MAX32 : offset, CENTRAL.localHeaderOffset);
  p.nameBytes.copy(central, CENTRAL.SIZE);
  if (centralExtraLen > 0) {
    let x = CENTRAL.SIZE + nameLen;
    central.writeUInt16LE(EXTRA_ZIP64, x);
    central.writeUInt16LE(centralExtraLen - 4, x + 2);
    x += 4;
    if (sizes64) {
      central.writeBigUInt64LE(BigInt(f.uncompressedSize), x);
      central.writeBigUInt64LE(BigInt(f.compressedSize), x + 8);
      x += 16;
    }
    if (offset64) central.writeBigUInt64LE(BigInt(offset), x);
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
  const out = Buffer.alloc((zip64 ? ZIP64_EOCD.SIZE + ZIP64_LOCATOR.SIZE : 0) + EOCD.SIZE);
  const w = new ByteWriter(out, true, true);
  let x = 0;
  if (zip64) {
    const l = ZIP64_EOCD.SIZE;
    w.u32(ZIP64_EOCD.signature, SIG_ZIP64_EOCD, 'zip64 end of central dir signature');
    w.u64(ZIP64_EOCD.recordSize, BigInt(ZIP64_EOCD.SIZE - 12), 'size of zip64 end of central directory record');
    w.u16(ZIP64_EOCD.versionMadeBy, MADE_BY_UNIX | VERSION_ZIP64, 'version made by');
    w.u16(ZIP64_EOCD.versionNeeded, VERSION_ZIP64, 'version needed to extract');
    w.u32(ZIP64_EOCD.diskNumber, 0, 'number of this disk');
    w.u32(ZIP64_EOCD.cdDisk, 0, 'number of the disk with the start of the central directory');
    w.u64(ZIP64_EOCD.entriesOnDisk, BigInt(count), 'total number of entries in the central directory on this disk');
    w.u64(ZIP64_EOCD.entriesTotal, BigInt(count), 'total number of entries in the central directory');
    w.u64(ZIP64_EOCD.cdSize, BigInt(cdSize), 'size of the central directory');
    w.u64(ZIP64_EOCD.cdOffset, BigInt(cdOffset), 'offset of start of central directory');
    w.u32(l + ZIP64_LOCATOR.signature, SIG_ZIP64_LOCATOR, 'zip64 end of central dir locator signature');
    w.u32(l + ZIP64_LOCATOR.eocdDisk, 0, 'number of the disk with the start of the zip64 end of central directory');
    w.u64(l + ZIP64_LOCATOR.eocdOffset, BigInt(here), 'relative offset of the zip64 end of central directory record');
    w.u32(l + ZIP64_LOCATOR.diskCount, 1, 'total number of disks');
    x = ZIP64_EOCD.SIZE + ZIP64_LOCATOR.SIZE;
  }
  w.u32(x + EOCD.signature, SIG_EOCD, 'end of central dir signature');
  w.u16(x + EOCD.diskNumber, 0, 'number of this disk');
  w.u16(x + EOCD.cdDisk, 0, 'number of the disk with the start of the central directory');
  w.u16(x + EOCD.entriesOnDisk, count64 ? MAX16 : count, 'total number of entries in the central directory on this disk');
  w.u16(x + EOCD.entriesTotal, count64 ? MAX16 : count, 'total number of entries in the central directory');
  w.u32(x + EOCD.cdSize, size64 ? MAX32 : cdSize, 'size of the central directory');
  w.u32(x + EOCD.cdOffset, offset64 ? MAX32 : cdOffset, 'offset of start of central directory');
  w.u16(x + EOCD.commentLength, 0, '.ZIP file comment length');
  return out;
}
