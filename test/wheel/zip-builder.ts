// Test-only generator of zip archives, valid or deliberately broken: every header field a
// hostile archive might lie in can be overridden per entry (names, flags, methods, CRC, sizes,
// offsets), and the end records can lie about counts, offsets and zip64. Written from APPNOTE,
// independently of src/wheel/zip-write.ts, so the reader is not tested against its own writer.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export interface BuildEntry {
  name: string;
  /** Content; the stored bytes are its deflate (or itself when `method` is 0). */
  data?: Uint8Array | string;
  /** Method field of both headers (default 8 for files, 0 for directories). */
  method?: number;
  /** Stored bytes written instead of compressing `data` (sizes and CRC still come from `data`). */
  raw?: Uint8Array;
  /** Overrides of the central and local CRC-32, uncompressed size and compressed size. */
  crc?: number;
  size?: number;
  csize?: number;
  /** General-purpose flags of both headers; `localFlags` overrides the local one. */
  flags?: number;
  localFlags?: number;
  /** Local header values that differ from the central ones. */
  localMethod?: number;
  localCrc?: number;
  localSizes?: readonly [number | undefined, number | undefined];
  /** Name in the local header, when it must differ from the central one. */
  localName?: string;
  /** Full st_mode (default 0o100644, directories 0o40755). */
  mode?: number;
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
  /** The central record's local header offset, replacing the real one. */
  headerOffset?: number;
  /** Local header and data only: no central record. */
  hidden?: boolean;
  /** Version needed to extract (both headers). */
  versionNeeded?: number;
}

export interface BuildOptions {
  /** Entry count written in the end record(s), instead of the number of central records. */
  count?: number;
  /** Write zip64 end records (the classic fields then hold the escape values). */
  zip64?: boolean;
  comment?: Uint8Array;
  /** Comment length field, instead of the comment's real length. */
  commentLength?: number;
  /** Central directory offset field, instead of the real offset. */
  cdOffset?: number;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytesOf = (d: Uint8Array | string | undefined): Uint8Array => (d === undefined ? new Uint8Array(0) : typeof d === 'string' ? text(d) : d);

interface Stored {
  readonly raw: Uint8Array;
  readonly crc: number;
  readonly size: number;
}

/** Deflated forms of contents already seen, so thousands of identical entries cost one deflate. */
const deflated = new WeakMap<Uint8Array, Stored>();

function store(e: BuildEntry, method: number): Stored {
  const content = bytesOf(e.data);
  if (e.raw !== undefined) return { raw: e.raw, crc: crc32(content), size: content.length };
  if (method !== 8) return { raw: content, crc: crc32(content), size: content.length };
  const known = typeof e.data === 'string' ? undefined : deflated.get(content);
  if (known !== undefined) return known;
  const s = { raw: new Uint8Array(deflateRawSync(content, { level: 6 })), crc: crc32(content), size: content.length };
  if (typeof e.data !== 'string') deflated.set(content, s);
  return s;
}

/** Where each entry's local header lands in the archive built from `entries`. */
export function localOffsets(entries: readonly BuildEntry[]): number[] {
  let offset = 0;
  return entries.map((e) => {
    const here = offset;
    const s = store(e, e.method ?? (e.name.endsWith('/') ? 0 : 8));
    offset += 30 + Buffer.byteLength(e.localName ?? e.name) + (e.localExtra?.length ?? 0) + s.raw.length;
    return here;
  });
}

/** Build the archive in memory. */
export function buildZip(entries: readonly BuildEntry[], opts: BuildOptions = {}): Buffer {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  let count = 0;
  for (const e of entries) {
    const isDir = e.name.endsWith('/');
    const method = e.method ?? (isDir ? 0 : 8);
    const s = store(e, method);
    const name = Buffer.from(e.name, 'utf8');
    const localName = Buffer.from(e.localName ?? e.name, 'utf8');
    const utf8 = [...name].some((b) => b >= 0x80) ? 0x800 : 0;
    const flags = e.flags ?? utf8;
    const crc = e.crc ?? s.crc;
    const size = e.size ?? s.size;
    const csize = e.csize ?? s.raw.length;
    const version = e.versionNeeded ?? 20;
    const localExtra = e.localExtra ?? new Uint8Array(0);
    const local = Buffer.alloc(30 + localName.length + localExtra.length);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(version, 4);
    local.writeUInt16LE(e.localFlags ?? flags, 6);
    local.writeUInt16LE(e.localMethod ?? method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE((40 << 9) | (1 << 5) | 1, 12); // 2020-01-01
    local.writeUInt32LE((e.localCrc ?? crc) >>> 0, 14);
    local.writeUInt32LE(e.localSizes?.[0] ?? csize, 18);
    local.writeUInt32LE(e.localSizes?.[1] ?? size, 22);
    local.writeUInt16LE(localName.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    localName.copy(local, 30);
    local.set(localExtra, 30 + localName.length);
    const here = offset;
    parts.push(local, s.raw);
    offset += local.length + s.raw.length;
    if (e.hidden === true) continue;
    const extra = e.centralExtra ?? new Uint8Array(0);
    const c = Buffer.alloc(46 + name.length + extra.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE((3 << 8) | version, 4);
    c.writeUInt16LE(version, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt16LE(0, 12);
    c.writeUInt16LE((40 << 9) | (1 << 5) | 1, 14);
    c.writeUInt32LE(crc >>> 0, 16);
    c.writeUInt32LE(csize, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(extra.length, 30);
    c.writeUInt32LE((((e.mode ?? (isDir ? 0o40755 : 0o100644)) << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    c.writeUInt32LE(e.headerOffset ?? here, 42);
    name.copy(c, 46);
    c.set(extra, 46 + name.length);
    central.push(c);
    count++;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const n = opts.count ?? count;
  const tail: Buffer[] = [];
  if (opts.zip64 === true) {
    const z = Buffer.alloc(56 + 20);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    z.writeBigUInt64LE(BigInt(n), 24);
    z.writeBigUInt64LE(BigInt(n), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(opts.cdOffset ?? cdOffset), 48);
    z.writeUInt32LE(0x07064b50, 56);
    z.writeBigUInt64LE(BigInt(cdOffset + cdSize), 64);
    z.writeUInt32LE(1, 72);
    tail.push(z);
  }
  const comment = opts.comment ?? new Uint8Array(0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const n16 = opts.zip64 === true ? 0xffff : n & 0xffff;
  eocd.writeUInt16LE(n16, 8);
  eocd.writeUInt16LE(n16, 10);
  eocd.writeUInt32LE(opts.zip64 === true ? 0xffffffff : cdSize, 12);
  eocd.writeUInt32LE(opts.zip64 === true ? 0xffffffff : (opts.cdOffset ?? cdOffset), 16);
  eocd.writeUInt16LE(opts.commentLength ?? comment.length, 20);
  return Buffer.concat([...parts, ...central, ...tail, eocd, comment]);
}

/** `sha256=<urlsafe base64>` as RECORD writes it. */
export function recordHash(data: Uint8Array): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

export const DIST = 'hostile';
export const VERSION = '1.0';
export const DIST_INFO = `${DIST}-${VERSION}.dist-info`;
export const WHEEL_NAME = `${DIST}-${VERSION}-cp311-cp311-linux_x86_64.whl`;

/** A real x86-64 extension that needs only libc (a platform wheel `show` can judge). */
export function extensionBytes(repo: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(repo, 'fixtures/elf/out/x86_64/symver-old/_symverold.cpython-311-x86_64-linux-gnu.so')));
}

export const WHEEL_TEXT = 'Wheel-Version: 1.0\nGenerator: zip-builder\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n\n';

export interface WheelSpec {
  /** Entries before the dist-info; their RECORD rows are correct unless `record` says otherwise. */
  files: BuildEntry[];
  /** RECORD text, replacing the generated one. */
  record?: string;
  /** Extra RECORD rows (before RECORD's own row). */
  extraRows?: string[];
  /** WHEEL text, replacing the default; null leaves WHEEL out. */
  wheel?: string | null;
  /** dist-info directory name, replacing `hostile-1.0.dist-info`. */
  distInfo?: string;
}

/** The entries of a wheel: the files, then METADATA, WHEEL and a RECORD listing them all. */
export function wheelEntries(spec: WheelSpec): BuildEntry[] {
  const di = spec.distInfo ?? DIST_INFO;
  const meta: BuildEntry[] = [{ name: `${di}/METADATA`, data: `Metadata-Version: 2.1\nName: ${DIST}\nVersion: ${VERSION}\n` }];
  if (spec.wheel !== null) meta.push({ name: `${di}/WHEEL`, data: spec.wheel ?? WHEEL_TEXT });
  const listed = [...spec.files, ...meta].filter((e) => !e.name.endsWith('/'));
  const rows = listed.map((e) => `${e.name},${recordHash(bytesOf(e.data))},${bytesOf(e.data).length}\r\n`);
  const record = spec.record ?? `${rows.join('')}${(spec.extraRows ?? []).join('')}${di}/RECORD,,\r\n`;
  return [...spec.files, ...meta, { name: `${di}/RECORD`, data: record }];
}

/**
 * A deflate stream of `head` followed by `times` copies of `chunk`, built without ever holding
 * the inflated bytes: each piece is compressed once with a full flush (byte-aligned, no
 * references to earlier data), the chunk's piece is repeated, and an empty final block ends
 * the stream. Returns the stored bytes, the CRC-32 and the size of what they inflate to.
 */
export function repeatedDeflate(chunk: Uint8Array, times: number, head: Uint8Array = new Uint8Array(0)): { raw: Uint8Array; crc: number; size: number } {
  const piece = (b: Uint8Array): Buffer => deflateRawSync(b, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const h = head.length > 0 ? piece(head) : Buffer.alloc(0);
  const c = piece(chunk);
  const raw = Buffer.alloc(h.length + c.length * times + 2);
  h.copy(raw, 0);
  for (let i = 0; i < times; i++) c.copy(raw, h.length + i * c.length);
  // An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block (0000000).
  raw[raw.length - 2] = 0x03;
  raw[raw.length - 1] = 0x00;
  let crc = crc32(head);
  for (let i = 0; i < times; i++) crc = crc32(chunk, crc);
  return { raw: new Uint8Array(raw), crc: crc >>> 0, size: head.length + chunk.length * times };
}
