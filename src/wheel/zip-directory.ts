// The end records and the central directory, parsed from bytes already read (no I/O here).
// The entry set is the one Python's zipfile (and so pip) builds: it finds the end record the
// same way and walks the central directory by its byte size, not by the end record's count.
// Anything another reader could see differently is refused with WHEEL_ZIP_INCONSISTENT: counts
// that disagree with the records, a central directory that is not where the end records say,
// zip64 records that disagree with the end record, duplicate or malformed extra fields.
import { WheelFormatError } from '../errors.js';
import {
  CENTRAL,
  EOCD,
  EXTRA_UNICODE_PATH,
  EXTRA_ZIP64,
  MAX16,
  MAX32,
  MAX_COMMENT,
  SIG_CENTRAL,
  SIG_EOCD,
  SIG_ZIP64_EOCD,
  SIG_ZIP64_LOCATOR,
  ZIP64_EOCD,
  ZIP64_LOCATOR,
  showBytes,
} from './zip-format.js';

/** Where the central directory is and how many records it claims, from the end records. */
export interface EndRecords {
  /** Offset of the end of central directory record. */
  readonly eocdOffset: number;
  /** Offset of the zip64 end record, when there is one. */
  readonly zip64Offset: number | undefined;
  readonly cdOffset: number;
  readonly cdSize: number;
  /** The record count the end records declare (zip64's when present). */
  readonly declaredCount: number;
  /** The 16-bit count of the classic end record, as stored. */
  readonly count16: number;
}

/** One central directory record, sizes and offset already widened from zip64 where needed. */
export interface CentralRecord {
  /** Position in the central directory, from 0. */
  readonly index: number;
  /** Where the name's bytes are in the central directory buffer (what the local header repeats). */
  readonly nameStart: number;
  readonly nameLength: number;
  /** The data of an Info-ZIP Unicode Path extra field, if the record has one. */
  readonly unicodePath: Uint8Array | undefined;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly flags: number;
  readonly method: number;
  readonly time: number;
  readonly date: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly externalAttributes: number;
  readonly localHeaderOffset: number;
}

/** How many bytes at the end of a file hold every end record a reader looks at. */
export const END_SEARCH_BYTES = EOCD.SIZE + MAX_COMMENT + ZIP64_LOCATOR.SIZE + ZIP64_EOCD.SIZE;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** An unsigned 64-bit field as a number, refused above 2^53 (no file is that large). */
function u64(v: DataView, at: number, what: string, where: string): number {
  const big = v.getBigUint64(at, true);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: ${what} 0x${big.toString(16)} is not a usable byte count`);
  }
  return Number(big);
}

function inconsistent(where: string, problem: string): WheelFormatError {
  return new WheelFormatError('WHEEL_ZIP_INCONSISTENT', `${where}: ${problem}`);
}

/**
 * Find the end of central directory record as Python's zipfile does: the last 22 bytes when they
 * are one with an empty comment, else the last signature in the final 64 KiB + 22 bytes. The
 * comment must then end exactly at the end of the file (Python does not check this; readers
 * that do would disagree on which record is the real one).
 * @param tail the last bytes of the file (at least END_SEARCH_BYTES, or the whole file).
 */
export function findEndRecord(tail: Uint8Array, fileSize: number, where: string): number {
  const tailStart = fileSize - tail.length;
  const v = view(tail);
  let at = -1;
  if (tail.length >= EOCD.SIZE) {
    const last = tail.length - EOCD.SIZE;
    if (v.getUint32(last, true) === SIG_EOCD && v.getUint16(last + EOCD.commentLength, true) === 0) at = last;
  }
  if (at < 0) {
    const from = Math.max(0, tail.length - (MAX_COMMENT + EOCD.SIZE));
    for (let i = tail.length - 4; i >= from; i--) {
      // "PK\x05\x06", as Python's rfind over the same window.
      if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
        at = i;
        break;
      }
    }
    if (at < 0 || at + EOCD.SIZE > tail.length) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `cannot read zip file ${where}: no end of central directory record (not a zip file, or a truncated one)`);
    }
    const comment = v.getUint16(at + EOCD.commentLength, true);
    if (at + EOCD.SIZE + comment !== tail.length) {
      throw inconsistent(
        where,
        `the end of central directory record at offset ${tailStart + at} has a ${comment}-byte comment, but ${tail.length - at - EOCD.SIZE} bytes follow it`,
      );
    }
  }
  return tailStart + at;
}

/**
 * Read the classic end record at `eocdOffset` and, when a zip64 locator sits right before it,
 * the zip64 end record right before that (where Python's zipfile looks for it). Every 16- and
 * 32-bit field must either hold its real value or the zip64 escape value.
 * @param tail the last bytes of the file, holding the end record and any zip64 records.
 */
export function parseEndRecords(tail: Uint8Array, fileSize: number, eocdOffset: number, where: string): EndRecords {
  const tailStart = fileSize - tail.length;
  const v = view(tail);
  const e = eocdOffset - tailStart;
  const eocd = {
    diskNumber: v.getUint16(e + EOCD.diskNumber, true),
    cdDisk: v.getUint16(e + EOCD.cdDisk, true),
    entriesOnDisk: v.getUint16(e + EOCD.entriesOnDisk, true),
    entriesTotal: v.getUint16(e + EOCD.entriesTotal, true),
    cdSize: v.getUint32(e + EOCD.cdSize, true),
    cdOffset: v.getUint32(e + EOCD.cdOffset, true),
  };
  const loc = e - ZIP64_LOCATOR.SIZE;
  if (loc < 0 || v.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) {
    if (eocd.diskNumber !== 0 || eocd.cdDisk !== 0) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: archives split over several disks are not supported`);
    }
    if (eocd.entriesOnDisk !== eocd.entriesTotal) {
      throw inconsistent(where, `the end record counts ${eocd.entriesOnDisk} entries on this disk but ${eocd.entriesTotal} in total`);
    }
    return {
      eocdOffset,
      zip64Offset: undefined,
      cdOffset: eocd.cdOffset,
      cdSize: eocd.cdSize,
      declaredCount: eocd.entriesTotal,
      count16: eocd.entriesTotal,
    };
  }
  // 4 disk with the zip64 end record, 8 its offset, 16 number of disks.
  if (v.getUint32(loc + ZIP64_LOCATOR.eocdDisk, true) !== 0 || v.getUint32(loc + ZIP64_LOCATOR.diskCount, true) > 1) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: archives split over several disks are not supported`);
  }
  const z = loc - ZIP64_EOCD.SIZE;
  const zip64Offset = tailStart + z;
  if (z < 0 || v.getUint32(z, true) !== SIG_ZIP64_EOCD) {
    throw inconsistent(where, `a zip64 end locator precedes the end record, but no zip64 end record precedes the locator`);
  }
  const pointed = u64(v, loc + ZIP64_LOCATOR.eocdOffset, 'zip64 end record offset', where);
  if (pointed !== zip64Offset) {
    throw inconsistent(where, `the zip64 end locator points to offset ${pointed}, but the zip64 end record is at ${zip64Offset}`);
  }
  const recordSize = u64(v, z + ZIP64_EOCD.recordSize, 'zip64 end record size', where);
  if (recordSize !== ZIP64_EOCD.SIZE - 12) {
    throw inconsistent(where, `the zip64 end record declares ${recordSize + 12} bytes, expected ${ZIP64_EOCD.SIZE} (no extensible data)`);
  }
  if (v.getUint32(z + ZIP64_EOCD.diskNumber, true) !== 0 || v.getUint32(z + ZIP64_EOCD.cdDisk, true) !== 0) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: archives split over several disks are not supported`);
  }
  const z64 = {
    entriesOnDisk: u64(v, z + ZIP64_EOCD.entriesOnDisk, 'zip64 entry count', where),
    entriesTotal: u64(v, z + ZIP64_EOCD.entriesTotal, 'zip64 entry count', where),
    cdSize: u64(v, z + ZIP64_EOCD.cdSize, 'zip64 central directory size', where),
    cdOffset: u64(v, z + ZIP64_EOCD.cdOffset, 'zip64 central directory offset', where),
  };
  if (z64.entriesOnDisk !== z64.entriesTotal) {
    throw inconsistent(where, `the zip64 end record counts ${z64.entriesOnDisk} entries on this disk but ${z64.entriesTotal} in total`);
  }
  const agree = (name: string, small: number, escape: number, big: number): void => {
    if (small !== escape && small !== big) {
      throw inconsistent(where, `the end record's ${name} is ${small} but the zip64 end record's is ${big}`);
    }
  };
  agree('entry count', eocd.entriesOnDisk, MAX16, z64.entriesTotal);
  agree('entry count', eocd.entriesTotal, MAX16, z64.entriesTotal);
  agree('central directory size', eocd.cdSize, MAX32, z64.cdSize);
  agree('central directory offset', eocd.cdOffset, MAX32, z64.cdOffset);
  if ((eocd.diskNumber !== 0 && eocd.diskNumber !== MAX16) || (eocd.cdDisk !== 0 && eocd.cdDisk !== MAX16)) {
    throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: archives split over several disks are not supported`);
  }
  return {
    eocdOffset,
    zip64Offset,
    cdOffset: z64.cdOffset,
    cdSize: z64.cdSize,
    declaredCount: z64.entriesTotal,
    count16: eocd.entriesTotal,
  };
}

/**
 * The central directory must end exactly where the zip64 end record (or else the end record)
 * begins. Python's zipfile instead shifts every offset by the difference (for archives with
 * data prepended); other readers do not, so such an archive is refused.
 */
export function checkDirectoryPlacement(end: EndRecords, where: string): void {
  const endsAt = end.zip64Offset ?? end.eocdOffset;
  if (end.cdOffset + end.cdSize !== endsAt) {
    throw inconsistent(
      where,
      `the end record places the central directory at offset ${end.cdOffset} with ${end.cdSize} bytes, ending at ${end.cdOffset + end.cdSize}, but the ${end.zip64Offset === undefined ? 'end record' : 'zip64 end record'} begins at ${endsAt}`,
    );
  }
}

interface Extras {
  zip64: Uint8Array | undefined;
  unicodePath: Uint8Array | undefined;
}

/** Split an extra field into the two blocks the reader uses; a block may appear only once. */
function parseExtras(extra: Uint8Array, name: () => string, where: string): Extras {
  const out: Extras = { zip64: undefined, unicodePath: undefined };
  const v = view(extra);
  let at = 0;
  // Python's zipfile ignores up to 3 trailing bytes that cannot hold a block header; so do we.
  while (at + 4 <= extra.length) {
    const id = v.getUint16(at, true);
    const len = v.getUint16(at + 2, true);
    const hexId = `0x${id.toString(16).padStart(4, '0')}`;
    if (at + 4 + len > extra.length) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: entry ${name()}: extra field ${hexId} declares ${len} bytes but only ${extra.length - at - 4} remain`);
    }
    if (id === EXTRA_ZIP64 || id === EXTRA_UNICODE_PATH) {
      const key = id === EXTRA_ZIP64 ? 'zip64' : 'unicodePath';
      if (out[key] !== undefined) throw inconsistent(where, `entry ${name()}: extra field ${hexId} appears twice`);
      out[key] = extra.subarray(at + 4, at + 4 + len);
    }
    at += 4 + len;
  }
  return out;
}

/** The three fields a zip64 extra field may widen, in APPNOTE 4.5.3's order. */
const ZIP64_FIELDS = ['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const;
const ZIP64_LABELS = { uncompressedSize: 'uncompressed size', compressedSize: 'compressed size', localHeaderOffset: 'local header offset' } as const;

/**
 * The central directory as columns: one typed array per field, indexed by record. 150,000
 * records as objects (plus what parsing them allocated) cost about 90 MiB of heap before the
 * garbage collector caught up; as columns they are a few flat buffers.
 */
export interface CentralDirectory {
  readonly count: number;
  /** Where each name's bytes are in the central directory buffer (what the local header repeats). */
  readonly nameStart: Uint32Array;
  readonly nameLength: Uint16Array;
  readonly versionMadeBy: Uint16Array;
  readonly versionNeeded: Uint16Array;
  readonly flags: Uint16Array;
  readonly method: Uint16Array;
  readonly time: Uint16Array;
  readonly date: Uint16Array;
  readonly crc32: Uint32Array;
  readonly externalAttributes: Uint32Array;
  /** Sizes and offset already widened from zip64 where needed. */
  readonly compressedSize: Float64Array;
  readonly uncompressedSize: Float64Array;
  readonly localHeaderOffset: Float64Array;
  /** The data of an Info-ZIP Unicode Path extra field, by record index, for the records that have one. */
  readonly unicodePaths: ReadonlyMap<number, Uint8Array>;
}

/** Record `index` of a parsed central directory as one object. */
export function centralRecord(d: CentralDirectory, index: number): CentralRecord {
  if (!Number.isInteger(index) || index < 0 || index >= d.count) throw new RangeError(`central directory record ${index} of ${d.count}`);
  const at = (a: ArrayLike<number>): number => a[index] ?? 0;
  return {
    index,
    nameStart: at(d.nameStart),
    nameLength: at(d.nameLength),
    unicodePath: d.unicodePaths.get(index),
    versionMadeBy: at(d.versionMadeBy),
    versionNeeded: at(d.versionNeeded),
    flags: at(d.flags),
    method: at(d.method),
    time: at(d.time),
    date: at(d.date),
    crc32: at(d.crc32),
    compressedSize: at(d.compressedSize),
    uncompressedSize: at(d.uncompressedSize),
    externalAttributes: at(d.externalAttributes),
    localHeaderOffset: at(d.localHeaderOffset),
  };
}

type Columns = { -readonly [K in keyof CentralDirectory]: CentralDirectory[K] };

function columns(capacity: number): Columns {
  return {
    count: 0,
    nameStart: new Uint32Array(capacity),
    nameLength: new Uint16Array(capacity),
    versionMadeBy: new Uint16Array(capacity),
    versionNeeded: new Uint16Array(capacity),
    flags: new Uint16Array(capacity),
    method: new Uint16Array(capacity),
    time: new Uint16Array(capacity),
    date: new Uint16Array(capacity),
    crc32: new Uint32Array(capacity),
    externalAttributes: new Uint32Array(capacity),
    compressedSize: new Float64Array(capacity),
    uncompressedSize: new Float64Array(capacity),
    localHeaderOffset: new Float64Array(capacity),
    unicodePaths: new Map(),
  };
}

/** The record's name for messages (decoding every one up front would cost more than the parse). */
function nameAt(cd: Uint8Array, start: number, length: number): string {
  return showBytes(cd.subarray(start, Math.min(start + length, cd.length)));
}

/**
 * Walk `cd` (the whole central directory, `cdSize` bytes) record by record until its end, as
 * Python's zipfile does. At most `maxEntries` records are accepted (`WHEEL_LIMIT_EXCEEDED`
 * beyond). The number found must equal the count the end records declare. Nothing is allocated
 * per record (no objects, no closures) except for records with extra fields.
 */
export function parseCentralDirectory(cd: Uint8Array, end: EndRecords, maxEntries: number, where: string): CentralDirectory {
  const v = view(cd);
  // Records beyond the declared count (or what the bytes can hold) are only counted, for the message.
  const out = columns(Math.max(0, Math.min(end.declaredCount, maxEntries, Math.floor(cd.length / CENTRAL.SIZE))));
  const capacity = out.nameStart.length;
  let index = 0;
  for (let at = 0; at < cd.length; index++) {
    if (index >= maxEntries) {
      throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${where}: the central directory holds more than ${maxEntries} entries, the limit`);
    }
    if (at + CENTRAL.SIZE > cd.length) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: central directory record ${index + 1} is truncated (${cd.length - at} bytes left of ${CENTRAL.SIZE})`);
    }
    if (v.getUint32(at, true) !== SIG_CENTRAL) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: central directory record ${index + 1} (offset ${end.cdOffset + at}) has a bad signature`);
    }
    const nameStart = at + CENTRAL.SIZE;
    const nameLength = v.getUint16(at + CENTRAL.nameLength, true);
    const extraLength = v.getUint16(at + CENTRAL.extraLength, true);
    const next = nameStart + nameLength + extraLength + v.getUint16(at + CENTRAL.commentLength, true);
    if (next > cd.length) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: central directory record ${index + 1} (${nameAt(cd, nameStart, nameLength)}) runs past the end of the central directory`);
    }
    let compressedSize = v.getUint32(at + CENTRAL.compressedSize, true);
    let uncompressedSize = v.getUint32(at + CENTRAL.uncompressedSize, true);
    let localHeaderOffset = v.getUint32(at + CENTRAL.localHeaderOffset, true);
    // Objects only for the rare record with an extra field or an escaped size.
    if (extraLength > 0 || compressedSize === MAX32 || uncompressedSize === MAX32 || localHeaderOffset === MAX32) {
      const sizes = { compressedSize, uncompressedSize, localHeaderOffset };
      readExtras(cd, { nameStart, nameLength, extraLength, index }, sizes, out, capacity, where);
      ({ compressedSize, uncompressedSize, localHeaderOffset } = sizes);
    }
    if (index < capacity) {
      out.nameStart[index] = nameStart;
      out.nameLength[index] = nameLength;
      out.versionMadeBy[index] = v.getUint16(at + CENTRAL.versionMadeBy, true);
      out.versionNeeded[index] = v.getUint16(at + CENTRAL.versionNeeded, true);
      out.flags[index] = v.getUint16(at + CENTRAL.flags, true);
      out.method[index] = v.getUint16(at + CENTRAL.method, true);
      out.time[index] = v.getUint16(at + CENTRAL.time, true);
      out.date[index] = v.getUint16(at + CENTRAL.date, true);
      out.crc32[index] = v.getUint32(at + CENTRAL.crc32, true);
      out.externalAttributes[index] = v.getUint32(at + CENTRAL.externalAttributes, true);
      out.compressedSize[index] = compressedSize;
      out.uncompressedSize[index] = uncompressedSize;
      out.localHeaderOffset[index] = localHeaderOffset;
    }
    at = next;
  }
  checkCount(index, end, where);
  out.count = index;
  return out;
}

/** Where one record's name and extra field are in the central directory. */
interface RecordPlace {
  readonly nameStart: number;
  readonly nameLength: number;
  readonly extraLength: number;
  readonly index: number;
}

/**
 * A record's extra field: its Unicode Path kept, and 0xffffffff sizes and offset replaced by the
 * zip64 block's values in APPNOTE 4.5.3's order (only escaped fields are looked up there).
 */
function readExtras(cd: Uint8Array, r: RecordPlace, sizes: Record<(typeof ZIP64_FIELDS)[number], number>, out: Columns, capacity: number, where: string): void {
  const name = (): string => nameAt(cd, r.nameStart, r.nameLength);
  const extraStart = r.nameStart + r.nameLength;
  const extras = r.extraLength === 0 ? undefined : parseExtras(cd.subarray(extraStart, extraStart + r.extraLength), name, where);
  if (extras?.unicodePath !== undefined && r.index < capacity) (out.unicodePaths as Map<number, Uint8Array>).set(r.index, extras.unicodePath);
  const zip64 = extras?.zip64;
  let at = 0;
  for (const k of ZIP64_FIELDS) {
    if (sizes[k] !== MAX32) continue;
    const label = ZIP64_LABELS[k];
    if (zip64 === undefined) throw inconsistent(where, `entry ${name()}: ${label} is 0xffffffff but there is no zip64 extra field`);
    if (at + 8 > zip64.length) throw new WheelFormatError('WHEEL_NOT_ZIP', `${where}: entry ${name()}: the zip64 extra field has no ${label}`);
    sizes[k] = u64(view(zip64), at, `entry ${name()}: zip64 ${label}`, where);
    at += 8;
  }
}

function checkCount(found: number, end: EndRecords, where: string): void {
  if (found === end.declaredCount) return;
  let problem = `the end record counts ${end.declaredCount} entries, but the central directory holds ${found}; Python's zipfile (and so pip) would see ${found}, other readers ${end.declaredCount}`;
  if (end.zip64Offset === undefined && found > MAX16 && end.declaredCount === found % 0x10000) {
    problem = `the central directory holds ${found} entries, more than 65535, but there is no zip64 end record to count them (the end record says ${end.declaredCount}, the count modulo 65536)`;
  }
  throw inconsistent(where, problem);
}
