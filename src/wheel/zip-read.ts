// Read-only access to a wheel's zip archive on top of yauzl (the only file that imports it).
// Nothing is extracted to disk. Refuses unsafe entry names (absolute, `..`, backslash, NUL,
// non-normalized), duplicate names, and archives beyond the named size and count limits.
import { stat } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { PassThrough, Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile, ZipFileOptions } from 'yauzl';
import { describeError, InternalError, IoError, WheelFormatError, isWheelauditError } from '../errors.js';
import type { WheelauditError } from '../errors.js';
import { crc32Portable } from './zip-write.js';

// zlib.crc32 arrived in Node 20.15; older Node takes the portable one (same results).
const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? (d, v) => zlib.crc32(d, v) : crc32Portable;

/** One central-directory record, with the raw header fields a writer needs to copy it. */
export interface WheelEntry {
  /** Decoded, validated name; directories end with '/'. */
  readonly name: string;
  readonly isDirectory: boolean;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  /** 0 = stored, 8 = deflate; anything else cannot be decoded here. */
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
}

/** Caps applied while listing and reading; each one is thrown as `WHEEL_LIMIT_EXCEEDED`. */
export interface ZipLimits {
  /** Most central-directory records accepted. */
  maxEntries: number;
  /** Largest declared uncompressed size of one entry, in bytes. */
  maxEntrySize: number;
  /** Largest sum of declared uncompressed sizes, in bytes. */
  maxTotalSize: number;
}

const GiB = 1024 * 1024 * 1024;
/** Far above any real wheel (large ML wheels have tens of thousands of files). */
export const MAX_ZIP_ENTRIES = 200_000;
/** 4 GiB: the zip32 ceiling, and about the largest single allocation Node 20 allows. */
export const MAX_ZIP_ENTRY_SIZE = 4 * GiB;
/** 16 GiB unpacked in total. */
export const MAX_ZIP_TOTAL_SIZE = 16 * GiB;

export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: MAX_ZIP_ENTRIES,
  maxEntrySize: MAX_ZIP_ENTRY_SIZE,
  maxTotalSize: MAX_ZIP_TOTAL_SIZE,
});

/** An open wheel archive. Entries are listed once, at open time, in central-directory order. */
export interface WheelZip {
  readonly path: string;
  readonly entries: readonly WheelEntry[];
  /** The entry with exactly this name (directories end with '/'), if any. */
  entry(name: string): WheelEntry | undefined;
  /** The whole inflated content, checked against the declared size and CRC-32. */
  readEntry(entry: WheelEntry): Promise<Uint8Array>;
  /**
   * Like readEntry, but inflates into `scratch` when it is large enough (returning a view of
   * it), so a caller reading many large entries one at a time reuses one buffer.
   */
  readEntryInto(entry: WheelEntry, scratch: Uint8Array | undefined): Promise<Uint8Array>;
  /** At most the first `n` inflated bytes; inflates only as much as needed (no CRC check). */
  readHead(entry: WheelEntry, n: number): Promise<Uint8Array>;
  /** The inflated content as a stream; it fails with a `WheelauditError` on a size or CRC mismatch. */
  openStream(entry: WheelEntry): Promise<NodeJS.ReadableStream>;
  /** The bytes exactly as stored (still compressed), for copying an entry without recompressing. */
  openRawStream(entry: WheelEntry): Promise<NodeJS.ReadableStream>;
  /** Releases the file descriptor; streams still open are destroyed first. Idempotent. */
  close(): Promise<void>;
}

// General-purpose flag bits (APPNOTE 4.4.4).
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;
// Extra field ids (APPNOTE 4.6).
const EXTRA_UNICODE_PATH = 0x7075;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/**
 * Open a wheel (zip) file and list its entries, validating every name and the size limits.
 * @throws IoError when the path is missing or not a regular file.
 * @throws WheelFormatError `WHEEL_NOT_ZIP`, `WHEEL_UNSAFE_PATH`, `WHEEL_LIMIT_EXCEEDED`.
 */
export async function openWheelZip(path: string, limits: Partial<ZipLimits> = {}): Promise<WheelZip> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  await assertRegularFile(path);

  const zf = await new Promise<ZipFile>((resolve, reject) => {
    try {
      yauzl.open(
        path,
        {
          lazyEntries: true,
          autoClose: false,
          // Names are decoded and validated below, so that every refusal carries our code.
          decodeStrings: false,
          strictFileNames: true,
          validateEntrySizes: true,
        },
        (err, zipfile) => {
          if (err !== null) reject(openError(path, err));
          else resolve(zipfile);
        },
      );
    } catch (err) {
      reject(openError(path, err));
    }
  });
  // yauzl reports late failures (e.g. closing the descriptor) as 'error' events; with no
  // listener Node would throw them. Errors that matter are seen through callbacks and streams.
  zf.on('error', () => undefined);

  try {
    if (zf.entryCount > lim.maxEntries) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `zip file ${path} declares ${zf.entryCount} entries, more than the limit of ${lim.maxEntries}`,
      );
    }
    const listed = await listEntries(zf, path, lim);
    checkNameConflicts(listed.map((l) => l.entry));
    return makeWheelZip(zf, path, lim, listed);
  } catch (err) {
    await closeZipFile(zf);
    throw err;
  }
}

/** Close a yauzl ZipFile and wait until its file descriptor has been released. */
function closeZipFile(zf: ZipFile): Promise<void> {
  if (!zf.isOpen) return Promise.resolve();
  return new Promise<void>((resolve) => {
    zf.once('close', () => resolve());
    zf.close();
  });
}

/**
 * The single top-level `*.dist-info` directory, derived from entry names (directory entries are
 * often absent), without a trailing '/'.
 * @throws WheelFormatError `WHEEL_NO_DIST_INFO` when there are none or several.
 */
export function findDistInfo(entries: readonly { readonly name: string }[]): string {
  const found = new Set<string>();
  for (const { name } of entries) {
    const slash = name.indexOf('/');
    if (slash <= 0) continue;
    const top = name.slice(0, slash);
    // Like a shell glob `*.dist-info`, hidden names do not count.
    if (top.endsWith('.dist-info') && !top.startsWith('.')) found.add(top);
  }
  const dirs = [...found].sort();
  const [only] = dirs;
  if (dirs.length !== 1 || only === undefined) {
    const list = dirs.length > 0 ? ` (${dirs.map(showName).join(', ')})` : '';
    throw new WheelFormatError(
      'WHEEL_NO_DIST_INFO',
      `should be exactly one *.dist-info directory, found ${dirs.length}${list}`,
    );
  }
  return only;
}

// ---------------------------------------------------------------------------------------------
// Opening and listing

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

interface Listed {
  readonly entry: WheelEntry;
  readonly raw: Entry;
}

function listEntries(zf: ZipFile, path: string, lim: ZipLimits): Promise<Listed[]> {
  return new Promise<Listed[]>((resolve, reject) => {
    const out: Listed[] = [];
    let total = 0;
    let settled = false;
    const finish = (err: Error | undefined): void => {
      if (settled) return;
      settled = true;
      zf.removeListener('entry', onEntry);
      zf.removeListener('end', onEnd);
      zf.removeListener('error', onError);
      if (err === undefined) resolve(out);
      else reject(err);
    };
    const onEntry = (raw: Entry): void => {
      try {
        const entry = toWheelEntry(raw);
        if (entry.uncompressedSize > lim.maxEntrySize) {
          throw new WheelFormatError(
            'WHEEL_LIMIT_EXCEEDED',
            `entry ${showName(entry.name)}: declared size ${entry.uncompressedSize} bytes exceeds the limit of ${lim.maxEntrySize}`,
          );
        }
        total += entry.uncompressedSize;
        if (total > lim.maxTotalSize) {
          throw new WheelFormatError(
            'WHEEL_LIMIT_EXCEEDED',
            `zip file ${path}: total declared size exceeds the limit of ${lim.maxTotalSize} bytes (reached ${total} at entry ${showName(entry.name)})`,
          );
        }
        out.push({ entry, raw });
      } catch (err) {
        finish(asWheelauditError(err, () => notZip(path, err)));
        return;
      }
      zf.readEntry();
    };
    const onEnd = (): void => finish(undefined);
    const onError = (err: unknown): void => finish(notZip(path, err));
    zf.on('entry', onEntry);
    zf.on('end', onEnd);
    zf.on('error', onError);
    zf.readEntry();
  });
}

function toWheelEntry(raw: Entry): WheelEntry {
  const name = decodeEntryName(raw);
  const why = unsafeNameReason(name);
  if (why !== undefined) {
    throw new WheelFormatError('WHEEL_UNSAFE_PATH', `entry ${showName(name)}: ${why}`);
  }
  for (const [field, value] of [
    ['compressed size', raw.compressedSize],
    ['uncompressed size', raw.uncompressedSize],
    ['local header offset', raw.relativeOffsetOfLocalHeader],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `entry ${showName(name)}: ${field} ${value} is not a usable byte count`);
    }
  }
  const external = raw.externalFileAttributes >>> 0;
  return Object.freeze({
    name,
    isDirectory: name.endsWith('/'),
    compressedSize: raw.compressedSize,
    uncompressedSize: raw.uncompressedSize,
    crc32: raw.crc32 >>> 0,
    compressionMethod: raw.compressionMethod,
    mode: external >>> 16,
    externalFileAttributes: external,
    versionMadeBy: raw.versionMadeBy,
    generalPurposeBitFlag: raw.generalPurposeBitFlag,
    lastModDate: raw.lastModFileDate,
    lastModTime: raw.lastModFileTime,
    relativeOffsetOfLocalHeader: raw.relativeOffsetOfLocalHeader,
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Code page 437, bytes 0x80-0xFF. Bytes below 0x80 decode as ASCII, as Python's codec does.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] ?? '');
  return s;
}

/**
 * The entry name: the Info-ZIP Unicode Path extra field when present and matching the raw
 * name's CRC, else UTF-8 when general-purpose bit 11 is set, else code page 437.
 */
function decodeEntryName(raw: Entry): string {
  const bytes = rawFileName(raw);
  for (const field of raw.extraFields) {
    // 0x7075: version (1 byte) = 1, CRC-32 of the raw name (4 bytes), UTF-8 name.
    if (field.id !== EXTRA_UNICODE_PATH || field.data.length < 6 || field.data[0] !== 1) continue;
    if (field.data.readUInt32LE(1) !== crc32(bytes)) continue;
    return decodeUtf8Name(field.data.subarray(5), bytes);
  }
  if ((raw.generalPurposeBitFlag & FLAG_UTF8) !== 0) return decodeUtf8Name(bytes, bytes);
  return decodeCp437(bytes);
}

function decodeUtf8Name(bytes: Uint8Array, rawBytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw new WheelFormatError(
      'WHEEL_UNSAFE_PATH',
      `entry ${showBytes(rawBytes)}: name is flagged UTF-8 but is not valid UTF-8`,
      { cause: err },
    );
  }
}

// With `decodeStrings: false`, yauzl 3 leaves the name bytes on `fileNameRaw` (and the
// untyped `fileName`); @types/yauzl 2.10 does not describe either, so narrow by hand.
function rawFileName(raw: Entry): Uint8Array {
  const value: unknown = Reflect.get(raw, 'fileNameRaw');
  if (value instanceof Uint8Array) return value;
  throw new InternalError('yauzl entry has no fileNameRaw buffer (decodeStrings: false expected)');
}

/** Why a decoded entry name is refused, or undefined when it is safe. */
function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.includes('\0')) return 'name contains a NUL byte';
  if (name.includes('\\')) return "name contains a backslash, expected '/' separators";
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    return 'absolute path, expected a path relative to the wheel root';
  }
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  const parts = body.split('/');
  if (parts.includes('..')) return 'path escapes the wheel';
  if (parts.some((p) => p === '' || p === '.')) return "path is not normalized (empty or '.' component)";
  return undefined;
}

/** Exact duplicates, a file and a directory with the same path, and a file used as a parent. */
function checkNameConflicts(entries: readonly WheelEntry[]): void {
  const seen = new Map<string, number>();
  const files = new Set<string>();
  entries.forEach((e, i) => {
    const path = e.isDirectory ? e.name.slice(0, -1) : e.name;
    const first = seen.get(path);
    if (first !== undefined) {
      throw new WheelFormatError(
        'WHEEL_UNSAFE_PATH',
        `entry ${showName(e.name)}: duplicate name (central directory records ${first + 1} and ${i + 1})`,
      );
    }
    seen.set(path, i);
    if (!e.isDirectory) files.add(path);
  });
  for (const e of entries) {
    const parts = e.name.split('/');
    for (let k = 1; k < parts.length; k++) {
      const parent = parts.slice(0, k).join('/');
      if (parent !== '' && files.has(parent)) {
        throw new WheelFormatError(
          'WHEEL_UNSAFE_PATH',
          `entry ${showName(e.name)}: parent ${showName(parent)} is a file entry, expected a directory`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

// yauzl 3 accepts `decodeFileData: false` (raw bytes, optional start/end); the 2.10 types do not
// know it, and require the four older keys, which yauzl ignores when they are null.
interface RawReadOptions extends ZipFileOptions {
  readonly decodeFileData: false;
}

function makeWheelZip(zf: ZipFile, path: string, lim: ZipLimits, listed: readonly Listed[]): WheelZip {
  const byName = new Map<string, Listed>();
  for (const l of listed) byName.set(l.entry.name, l);
  const entries = Object.freeze(listed.map((l) => l.entry));
  const live = new Set<Readable>();
  let closed = false;

  /** This archive's own record for the entry's name: sizes and CRC always come from the listing. */
  const lookup = (entry: WheelEntry): Listed => {
    if (closed) throw new InternalError(`zip file ${path} is closed; cannot read entry ${showName(entry.name)}`);
    const found = byName.get(entry.name);
    if (found === undefined) {
      throw new WheelFormatError('WHEEL_MISSING_ENTRY', `entry ${showName(entry.name)}: not found in ${path}`);
    }
    return found;
  };

  const checkDecodable = (entry: WheelEntry): void => {
    if ((entry.generalPurposeBitFlag & FLAG_ENCRYPTED) !== 0) {
      throw new WheelFormatError('WHEEL_NOT_ZIP', `entry ${showName(entry.name)}: encrypted, expected plain data`);
    }
    if (entry.compressionMethod !== METHOD_STORED && entry.compressionMethod !== METHOD_DEFLATE) {
      throw new WheelFormatError(
        'WHEEL_NOT_ZIP',
        `entry ${showName(entry.name)}: unsupported compression method ${entry.compressionMethod}, expected 0 (stored) or 8 (deflate)`,
      );
    }
  };

  const checkSize = (entry: WheelEntry): void => {
    if (entry.uncompressedSize > lim.maxEntrySize) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `entry ${showName(entry.name)}: declared size ${entry.uncompressedSize} bytes exceeds the limit of ${lim.maxEntrySize}`,
      );
    }
  };

  /** Open a yauzl stream, tracked so close() knows whether the descriptor is still in use. */
  const openYauzl = (entry: WheelEntry, raw: Entry, options: RawReadOptions | undefined): Promise<Readable> =>
    new Promise<Readable>((resolve, reject) => {
      const cb = (err: Error | null, stream: Readable): void => {
        if (err !== null) {
          reject(entryError(entry, err));
          return;
        }
        if (closed) {
          stream.destroy();
          reject(interrupted(entry));
          return;
        }
        live.add(stream);
        stream.once('close', () => live.delete(stream));
        stream.once('end', () => live.delete(stream));
        stream.once('error', () => live.delete(stream));
        resolve(stream);
      };
      try {
        if (options === undefined) zf.openReadStream(raw, cb);
        else zf.openReadStream(raw, options, cb);
      } catch (err) {
        reject(entryError(entry, err));
      }
    });

  /** The inflated stream, wrapped so errors are ours and size and CRC-32 are checked at the end. */
  const openVerified = async (wanted: WheelEntry): Promise<Readable> => {
    const { entry, raw } = lookup(wanted);
    checkDecodable(entry);
    checkSize(entry);
    const source = await openYauzl(entry, raw, undefined);
    let crc = 0;
    let count = 0;
    const verify = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
        count += chunk.length;
        if (count > entry.uncompressedSize) {
          callback(sizeMismatch(entry, `at least ${count}`));
          return;
        }
        crc = crc32(chunk, crc);
        callback(null, chunk);
      },
      flush(callback: TransformCallback): void {
        if (count !== entry.uncompressedSize) {
          callback(sizeMismatch(entry, String(count)));
        } else if (crc >>> 0 !== entry.crc32) {
          callback(
            new WheelFormatError(
              'WHEEL_NOT_ZIP',
              `entry ${showName(entry.name)}: CRC-32 of the data is ${hex32(crc)}, expected ${hex32(entry.crc32)}`,
            ),
          );
        } else {
          callback();
        }
      },
    });
    return link(source, verify, entry);
  };

  const readEntry = async (wanted: WheelEntry, scratch?: Uint8Array): Promise<Uint8Array> => {
    const { entry } = lookup(wanted);
    checkDecodable(entry);
    checkSize(entry);
    if (entry.uncompressedSize > bufferConstants.MAX_LENGTH) {
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `entry ${showName(entry.name)}: ${entry.uncompressedSize} bytes is too large to hold in memory (at most ${bufferConstants.MAX_LENGTH}); stream it instead`,
      );
    }
    const stream = await openVerified(entry);
    let out: Uint8Array;
    try {
      out = scratch !== undefined && scratch.length >= entry.uncompressedSize ? scratch.subarray(0, entry.uncompressedSize) : new Uint8Array(entry.uncompressedSize);
    } catch (err) {
      stream.destroy();
      throw new WheelFormatError(
        'WHEEL_LIMIT_EXCEEDED',
        `entry ${showName(entry.name)}: cannot allocate ${entry.uncompressedSize} bytes`,
        { cause: err },
      );
    }
    let offset = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // The verifying transform has already refused data beyond the declared size.
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  };

  const readHead = async (wanted: WheelEntry, n: number): Promise<Uint8Array> => {
    const { entry, raw } = lookup(wanted);
    checkDecodable(entry);
    const want = Number.isNaN(n) ? 0 : Math.max(0, Math.min(Math.floor(n), entry.uncompressedSize));
    if (want === 0) return new Uint8Array(0);
    let source: Readable;
    if (entry.compressionMethod === METHOD_STORED) {
      // Stored data is the content itself: read just the byte range.
      const options: RawReadOptions = { decodeFileData: false, decompress: null, decrypt: null, start: 0, end: want };
      source = await openYauzl(entry, raw, options);
    } else {
      source = await openYauzl(entry, raw, undefined);
    }
    const stream = link(source, new PassThrough(), entry);
    const out = new Uint8Array(want);
    let offset = 0;
    // Leaving the loop early destroys the stream, which stops inflating.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, want - offset);
      out.set(chunk.subarray(0, take), offset);
      offset += take;
      if (offset >= want) break;
    }
    return offset === want ? out : out.slice(0, offset);
  };

  const openRawStream = async (wanted: WheelEntry): Promise<NodeJS.ReadableStream> => {
    const { entry, raw } = lookup(wanted);
    const options: RawReadOptions = { decodeFileData: false, decompress: null, decrypt: null, start: null, end: null };
    const source = await openYauzl(entry, raw, options);
    return link(source, new PassThrough(), entry);
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // Each open stream holds a reference on the descriptor; ending them lets it close now.
    for (const stream of live) stream.destroy();
    live.clear();
    await closeZipFile(zf);
  };

  return Object.freeze({
    path,
    entries,
    entry: (name: string): WheelEntry | undefined => byName.get(name)?.entry,
    readEntry: (e: WheelEntry) => readEntry(e),
    readEntryInto: (e: WheelEntry, scratch: Uint8Array | undefined) => readEntry(e, scratch),
    readHead,
    openStream: openVerified,
    openRawStream,
    close,
  });
}

/**
 * Feed a yauzl stream into `sink`, turning every error into a `WheelauditError` with the original
 * as its cause, and destroying the source when the consumer destroys the sink. Forwarded by hand
 * rather than with pipe(), so that the sink's 'error' listeners are only the consumer's own.
 */
function link<T extends Transform>(source: Readable, sink: T, entry: WheelEntry): T {
  source.on('data', (chunk: Buffer) => {
    if (!sink.destroyed && !sink.write(chunk)) source.pause();
  });
  sink.on('drain', () => source.resume());
  source.on('end', () => sink.end());
  source.on('error', (err: unknown) => {
    sink.destroy(asWheelauditError(err, () => entryError(entry, err)));
  });
  source.on('close', () => {
    // Destroyed without an error (close() was called mid-read): fail a reader that is listening
    // instead of leaving it waiting; end an unheard sink quietly, as an unheard 'error' would
    // crash the process.
    if (!source.readableEnded && !sink.destroyed) {
      sink.destroy(sink.listenerCount('error') > 0 ? interrupted(entry) : undefined);
    }
  });
  sink.on('close', () => {
    if (!source.destroyed && !source.readableEnded) source.destroy();
  });
  return sink;
}

// ---------------------------------------------------------------------------------------------
// Errors

function interrupted(entry: WheelEntry): WheelFormatError {
  return new WheelFormatError('WHEEL_IO', `entry ${showName(entry.name)}: read interrupted because the zip file was closed`);
}

function sizeMismatch(entry: WheelEntry, found: string): WheelFormatError {
  return new WheelFormatError(
    'WHEEL_NOT_ZIP',
    `entry ${showName(entry.name)}: inflated to ${found} bytes, expected ${entry.uncompressedSize}`,
  );
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code: unknown = Reflect.get(err, 'code');
  return typeof code === 'string' ? code : undefined;
}

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
  const text = code === undefined ? detail(err) : (ERRNO_TEXT[code] ?? `${detail(err)}`);
  return new IoError(`cannot access ${path}: ${text}`, { cause: err });
}

/** yauzl.open failed: a system error is I/O; anything else means the bytes are not a usable zip. */
function openError(path: string, err: unknown): WheelauditError {
  if (errnoCode(err)?.startsWith('E') === true) return ioError(path, err);
  return notZip(path, err);
}

function notZip(path: string, err: unknown): WheelFormatError {
  return new WheelFormatError('WHEEL_NOT_ZIP', `cannot read zip file ${path}: ${detail(err)}`, { cause: err });
}

function entryError(entry: WheelEntry, err: unknown): WheelFormatError {
  const code = errnoCode(err)?.startsWith('E') === true ? 'WHEEL_IO' : 'WHEEL_NOT_ZIP';
  return new WheelFormatError(code, `entry ${showName(entry.name)}: cannot read its data: ${detail(err)}`, {
    cause: err,
  });
}

/** Our own errors (and bugs) pass through; anything foreign is wrapped. */
function asWheelauditError(err: unknown, wrap: () => WheelauditError): WheelauditError | InternalError {
  if (isWheelauditError(err) || err instanceof InternalError) return err;
  return wrap();
}

/** A foreign error message in house style (errno codes stay in capitals: "no space left on device (ENOSPC)"). */
function detail(err: unknown): string {
  return describeError(err);
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** Raw name bytes for a message: printable ASCII as is, anything else as \xNN. */
function showBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** An entry name fit for a one-line message: control characters are escaped. */
function showName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
