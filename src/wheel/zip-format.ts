// The zip format as the reader and the writer both see it (PKWARE APPNOTE 6.3.x): record
// signatures and sizes, the field offsets of each fixed-size record (one table per record,
// used in both directions), flag bits, methods, versions, MS-DOS time, and the helpers that
// put entry names and foreign errors into one-line messages.
import { describeError } from '../errors.js';

// Record signatures (APPNOTE 4.3.7, 4.3.12, 4.3.14, 4.3.15, 4.3.16).
export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_EOCD = 0x06054b50;

/** Local file header (APPNOTE 4.3.7): field offsets; the name, then the extra field, follow. */
export const LOCAL = {
  signature: 0,
  versionNeeded: 4,
  flags: 6,
  method: 8,
  time: 10,
  date: 12,
  crc32: 14,
  compressedSize: 18,
  uncompressedSize: 22,
  nameLength: 26,
  extraLength: 28,
  SIZE: 30,
} as const;

/** Central directory file header (APPNOTE 4.3.12); name, extra field and comment follow. */
export const CENTRAL = {
  signature: 0,
  versionMadeBy: 4,
  versionNeeded: 6,
  flags: 8,
  method: 10,
  time: 12,
  date: 14,
  crc32: 16,
  compressedSize: 20,
  uncompressedSize: 24,
  nameLength: 28,
  extraLength: 30,
  commentLength: 32,
  diskNumberStart: 34,
  internalAttributes: 36,
  externalAttributes: 38,
  localHeaderOffset: 42,
  SIZE: 46,
} as const;

/** Zip64 end of central directory record (APPNOTE 4.3.14), without extensible data. */
export const ZIP64_EOCD = {
  signature: 0,
  /** Size of the rest of the record: SIZE - 12 when there is no extensible data. */
  recordSize: 4,
  versionMadeBy: 12,
  versionNeeded: 14,
  diskNumber: 16,
  cdDisk: 20,
  entriesOnDisk: 24,
  entriesTotal: 32,
  cdSize: 40,
  cdOffset: 48,
  SIZE: 56,
} as const;

/** Zip64 end of central directory locator (APPNOTE 4.3.15). */
export const ZIP64_LOCATOR = {
  signature: 0,
  eocdDisk: 4,
  eocdOffset: 8,
  diskCount: 16,
  SIZE: 20,
} as const;

/** End of central directory record (APPNOTE 4.3.16); the archive comment follows. */
export const EOCD = {
  signature: 0,
  diskNumber: 4,
  cdDisk: 6,
  entriesOnDisk: 8,
  entriesTotal: 10,
  cdSize: 12,
  cdOffset: 16,
  commentLength: 20,
  SIZE: 22,
} as const;

/** The longest archive comment, so the end record lies in the last SIZE + this many bytes. */
export const MAX_COMMENT = 0xffff;

// Extra field ids (APPNOTE 4.5.2, 4.6.9).
/** Zip64 extended information (APPNOTE 4.5.3). */
export const EXTRA_ZIP64 = 0x0001;
/** Info-ZIP Unicode Path: version (1 byte), CRC-32 of the raw name (4 bytes), UTF-8 name. */
export const EXTRA_UNICODE_PATH = 0x7075;

// General-purpose flag bits (APPNOTE 4.4.4).
export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_PATCHED = 0x0020;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;
export const FLAG_ENCRYPTED_DIRECTORY = 0x2000;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;

/** Version 2.0: deflate, directories. */
export const VERSION_DEFAULT = 20;
/** Version 4.5: zip64. */
export const VERSION_ZIP64 = 45;
/** Python's zipfile refuses to open entries that need a newer version than 6.3. */
export const VERSION_MAX_READ = 63;
/** High byte of "version made by": 3 = Unix, so the external attributes hold `st_mode << 16`. */
export const MADE_BY_UNIX = 3 << 8;
/** MS-DOS directory attribute, set on directory entries next to the Unix mode. */
export const DOS_DIRECTORY = 0x10;

/** A 32-bit size or offset field holding this value has its real value in zip64 records. */
export const MAX32 = 0xffffffff;
/** A 16-bit count holding this value has its real value in the zip64 end record. */
export const MAX16 = 0xffff;

// MS-DOS date and time cover 1980-01-01 00:00:00 to 2107-12-31 23:59:58.
export const DOS_MIN_MS = Date.UTC(1980, 0, 1, 0, 0, 0);
const DOS_MAX_MS = Date.UTC(2107, 11, 31, 23, 59, 58);

/**
 * MS-DOS date and time fields (APPNOTE 4.4.6) for a moment, from its UTC calendar fields.
 * Seconds have 2-second resolution (odd seconds round down, milliseconds are dropped). Moments
 * before 1980-01-01 are clipped to it, moments after 2107-12-31 23:59:58 to that.
 * Returns undefined for an invalid Date.
 */
export function toDosDateTime(d: Date): { date: number; time: number } | undefined {
  let ms = d.getTime();
  if (!Number.isFinite(ms)) return undefined;
  ms = Math.min(Math.max(ms, DOS_MIN_MS), DOS_MAX_MS);
  const t = new Date(ms);
  // date: bits 15-9 year - 1980, 8-5 month 1-12, 4-0 day 1-31.
  const date = ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
  // time: bits 15-11 hours, 10-5 minutes, 4-0 seconds / 2.
  const time = (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1);
  return { date, time };
}

/** Milliseconds since the epoch for MS-DOS date and time fields read as UTC (NaN if invalid). */
export function fromDosDateTime(date: number, time: number): number {
  return Date.UTC((date >> 9) + 1980, ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2);
}

// ---------------------------------------------------------------------------------------------
// Message helpers

/** An entry name fit for a one-line message: control characters are escaped. */
export function showName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Raw name bytes for a message: printable ASCII as is, anything else as \xNN. */
export function showBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** A foreign error message in house style (errno codes stay in capitals: "no space left on device (ENOSPC)"). */
export function detail(err: unknown): string {
  return describeError(err);
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** A byte count for messages: exact below 1 MiB, else with a binary unit. */
export function showSize(n: number): string {
  if (n < 1024 * 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u] ?? 'TiB'}`;
}

/** The errno code of a system error (`ENOENT`...), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code: unknown = Reflect.get(err, 'code');
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}
