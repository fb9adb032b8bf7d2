import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { inflateRawSync, crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { InternalError, IoError, WheelFormatError, WheelauditError } from '../../src/errors.js';
import { DEFAULT_ZIP_LIMITS, findDistInfo, openWheelZip, plainEntry, reopenWheelZip } from '../../src/wheel/zip-read.js';
import type { WheelEntry, WheelZip } from '../../src/wheel/zip-read.js';
import { buildZip as buildRaw, type BuildEntry } from './zip-builder.js';

// ---- building zips with Python's zipfile -------------------------------------------------------

interface PyEntry {
  name: string;
  data?: Uint8Array | string;
  method?: 'stored' | 'deflated';
  /** Full st_mode; written as external_attr = mode << 16 with create_system 3. */
  mode?: number;
  /** Patch external_attr to 0 and "made by" to MS-DOS (an entry with no Unix mode). */
  noMode?: boolean;
  date?: [number, number, number, number, number, number];
}

const PY_BUILD = `
import base64, json, sys, zipfile
spec = json.load(sys.stdin)
with zipfile.ZipFile(spec["path"], "w") as zf:
    for e in spec["entries"]:
        zi = zipfile.ZipInfo(e["name"], date_time=tuple(e.get("date") or (2020, 2, 29, 13, 45, 30)))
        method = e.get("method") or ("stored" if e["name"].endswith("/") else "deflated")
        zi.compress_type = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
        if not e.get("noMode"):
            zi.create_system = 3
            mode = e.get("mode") or (0o40755 if e["name"].endswith("/") else 0o100644)
            zi.external_attr = (mode << 16) | (0x10 if e["name"].endswith("/") else 0)
        zf.writestr(zi, base64.b64decode(e["data"]))
# writestr turns external_attr 0 into 0o600 << 16, so clear it in the central directory afterwards.
plain = {e["name"].encode() for e in spec["entries"] if e.get("noMode")}
if plain:
    b = bytearray(open(spec["path"], "rb").read())
    eocd = b.rfind(b"PK\\x05\\x06")
    count, pos = int.from_bytes(b[eocd + 10:eocd + 12], "little"), int.from_bytes(b[eocd + 16:eocd + 20], "little")
    for _ in range(count):
        n, m, k = (int.from_bytes(b[pos + o:pos + o + 2], "little") for o in (28, 30, 32))
        if bytes(b[pos + 46:pos + 46 + n]) in plain:
            b[pos + 5] = 0                 # version made by: MS-DOS
            b[pos + 38:pos + 42] = bytes(4)  # external file attributes
        pos += 46 + n + m + k
    open(spec["path"], "wb").write(b)
`;
import { MET, needs, requireTool, unmet } from '../helpers/requires.js';
import { noise, rejection } from '../helpers/noise.js';

let tmp = '';
let counter = 0;

function toBytes(d: Uint8Array | string | undefined): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  return typeof d === 'string' ? new TextEncoder().encode(d) : d;
}

function buildZip(entries: PyEntry[]): string {
  const out = path.join(tmp, `w${counter++}.whl`);
  const spec = {
    path: out,
    entries: entries.map((e) => ({ ...e, data: Buffer.from(toBytes(e.data)).toString('base64') })),
  };
  execFileSync('python3', ['-W', 'ignore', '-c', PY_BUILD], { input: JSON.stringify(spec) });
  return out;
}

function patchFile(file: string, patch: (b: Buffer) => void): string {
  const b = fs.readFileSync(file);
  patch(b);
  const out = path.join(tmp, `p${counter++}.whl`);
  fs.writeFileSync(out, b);
  return out;
}

/** Offset of an entry's data in the file, from its local header (30 + name + extra). */
function dataOffset(b: Buffer, e: WheelEntry): number {
  const loc = e.relativeOffsetOfLocalHeader;
  return loc + 30 + b.readUInt16LE(loc + 26) + b.readUInt16LE(loc + 28);
}

async function withZip<T>(file: string, fn: (z: WheelZip) => T | Promise<T>, limits = {}): Promise<T> {
  const z = await openWheelZip(file, limits);
  try {
    return await fn(z);
  } finally {
    await z.close();
  }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function inflated(z: WheelZip, e: WheelEntry): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  await z.readChunks(e, (c) => {
    parts.push(c);
  });
  return Buffer.concat(parts);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-zip-read-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- listing ----------------------------------------------------------------------------------

// The zips these tests read are written by Python's zipfile, an independent writer.
const PYTHON = needs(requireTool('python3', 'python3'));

describe('openWheelZip: listing', PYTHON, () => {
  it('lists entries in central-directory order with sizes, CRC, methods, modes and timestamps', async () => {
    const text = 'print("hello")\n'.repeat(50);
    const file = buildZip([
      { name: 'demo/', mode: 0o40755 },
      { name: 'demo/__init__.py', data: text },
      { name: 'demo/_ext.so', data: '\x7fELF....', method: 'stored', mode: 0o100755 },
      { name: 'demo/readonly.txt', data: 'r', mode: 0o100444 },
      { name: 'demo/dos.txt', data: 'dos', noMode: true },
      { name: 'demo-1.0.dist-info/RECORD', data: '' },
    ]);
    await withZip(file, (z) => {
      expect(z.path).toBe(file);
      expect(z.entries.map((e) => e.name)).toEqual([
        'demo/',
        'demo/__init__.py',
        'demo/_ext.so',
        'demo/readonly.txt',
        'demo/dos.txt',
        'demo-1.0.dist-info/RECORD',
      ]);
      const [dir, init, ext, ro, dos, record] = z.entries;
      expect(dir?.isDirectory).toBe(true);
      expect(dir?.mode).toBe(0o40755);
      expect(dir?.externalFileAttributes).toBe(((0o40755 << 16) | 0x10) >>> 0);
      expect(dir?.compressionMethod).toBe(0);

      expect(init?.isDirectory).toBe(false);
      expect(init?.compressionMethod).toBe(8);
      expect(init?.uncompressedSize).toBe(text.length);
      expect(init?.compressedSize).toBeLessThan(text.length);
      expect(init?.crc32).toBe(crc32(text));
      expect(init?.mode).toBe(0o100644);
      expect((init?.versionMadeBy ?? 0) >> 8).toBe(3); // made by Unix
      // 2020-02-29 13:45:30 in MS-DOS format.
      expect(init?.lastModDate).toBe(((2020 - 1980) << 9) | (2 << 5) | 29);
      expect(init?.lastModTime).toBe((13 << 11) | (45 << 5) | (30 / 2));
      expect(init?.generalPurposeBitFlag).toBe(0);

      expect(ext?.compressionMethod).toBe(0);
      expect(ext?.compressedSize).toBe(ext?.uncompressedSize);
      expect(ext?.mode).toBe(0o100755);
      expect(ro?.mode).toBe(0o100444);
      expect(dos?.mode).toBe(0);
      expect(dos?.externalFileAttributes).toBe(0);
      expect(record?.uncompressedSize).toBe(0);
      expect(record?.relativeOffsetOfLocalHeader).toBeGreaterThan(init?.relativeOffsetOfLocalHeader ?? Infinity);
    });
  });

  it('an entry as a plain object (what a worker is sent) holds the same fields, each its own', async () => {
    const file = buildZip([{ name: 'demo/', mode: 0o40755 }, { name: 'demo/a.py', data: 'a = 1\n'.repeat(40) }, { name: 'demo/b.so', data: '\x7fELF', method: 'stored', mode: 0o100755 }]);
    await withZip(file, (z) => {
      const fields = ['name', 'isDirectory', 'compressedSize', 'uncompressedSize', 'crc32', 'compressionMethod', 'mode', 'externalFileAttributes', 'versionMadeBy', 'generalPurposeBitFlag', 'lastModDate', 'lastModTime', 'relativeOffsetOfLocalHeader', 'dataOffset'] as const;
      for (const e of z.entries) {
        const plain = plainEntry(e);
        expect(Object.keys(plain).sort()).toEqual([...fields].sort());
        for (const f of fields) expect(plain[f], `${e.name} ${f}`).toBe(e[f]);
        expect(structuredClone(plain)).toEqual(plain);
        expect(JSON.parse(JSON.stringify(e))).toEqual(plain);
      }
      const b = z.entry('demo/b.so');
      expect([b?.mode, b?.compressionMethod, b?.isDirectory, (b?.dataOffset ?? 0) > (b?.relativeOffsetOfLocalHeader ?? 0)]).toEqual([0o100755, 0, false, true]);
    });
  });

  it('looks entries up by exact name', async () => {
    const file = buildZip([{ name: 'demo/a.py', data: 'a' }, { name: 'demo/b/', mode: 0o40755 }]);
    await withZip(file, (z) => {
      expect(z.entry('demo/a.py')?.uncompressedSize).toBe(1);
      expect(z.entry('demo/b/')?.isDirectory).toBe(true);
      expect(z.entry('demo/b')).toBeUndefined();
      expect(z.entry('nope')).toBeUndefined();
    });
  });

  it('decodes UTF-8 names (bit 11) and code page 437 names', async () => {
    const utf = buildZip([{ name: 'demo/é✓.txt', data: 'u' }]);
    await withZip(utf, (z) => {
      expect(z.entries[0]?.name).toBe('demo/é✓.txt');
      expect((z.entries[0]?.generalPurposeBitFlag ?? 0) & 0x800).toBe(0x800);
    });
    // Byte 0x82 is 'é' in code page 437; zipfile would write UTF-8, so patch the name bytes.
    const cp = patchFile(buildZip([{ name: 'demo/X.txt', data: 'c' }]), (b) => {
      let i = b.indexOf('demo/X.txt');
      while (i >= 0) {
        b[i + 5] = 0x82;
        i = b.indexOf('demo/X.txt', i + 1);
      }
    });
    await withZip(cp, (z) => {
      expect(z.entries[0]?.name).toBe('demo/é.txt');
    });
  });

  it('exposes the default limits as named constants', () => {
    expect(DEFAULT_ZIP_LIMITS).toEqual({
      maxEntries: 200_000,
      maxEntrySize: 4 * 1024 ** 3,
      maxTotalSize: 16 * 1024 ** 3,
      maxRatio: 100,
      ratioFreeEntrySize: 32 * 1024 ** 2,
      ratioFreeTotalSize: 1024 ** 3,
    });
  });

  it('applies partial limits on top of the defaults', async () => {
    const file = buildZip([{ name: 'a/x', data: new Uint8Array(100) }, { name: 'a/y', data: new Uint8Array(100) }]);
    await withZip(file, (z) => expect(z.entries).toHaveLength(2), { maxEntrySize: 100 });
    const err = await rejection(openWheelZip(file, { maxTotalSize: 150 }));
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_LIMIT_EXCEEDED');
    expect((err as Error).message).toContain('exceeds the limit of 150 bytes');
    const one = await rejection(openWheelZip(file, { maxEntrySize: 99 }));
    expect((one as Error).message).toBe(`${file}: entry a/x: declared size 100 bytes exceeds the limit of 99`);
    const count = await rejection(openWheelZip(file, { maxEntries: 1 }));
    expect((count as WheelFormatError).code).toBe('WHEEL_LIMIT_EXCEEDED');
  });

  it('reads a yazl-written archive (UTF-8 flag, data descriptor, mode)', async () => {
    const zip = new yazl.ZipFile();
    const mtime = new Date(Date.UTC(2021, 5, 1, 12, 0, 0));
    zip.addBuffer(Buffer.from('hello from yazl\n'.repeat(20)), 'pkg/a.txt', { mtime, mode: 0o100755 });
    zip.addBuffer(Buffer.from('stored'), 'pkg/b.bin', { mtime, compress: false });
    zip.addEmptyDirectory('pkg/empty/', { mtime });
    // A stream entry's sizes and CRC are only known afterwards: yazl writes a data descriptor.
    zip.addReadStream(Readable.from([Buffer.from('streamed '), Buffer.from('content')]), 'pkg/c.txt', { mtime });
    zip.end();
    const file = path.join(tmp, `yazl${counter++}.whl`);
    await new Promise<void>((resolve, reject) => {
      zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject);
    });
    await withZip(file, async (z) => {
      expect(z.entries.map((e) => [e.name, e.mode, e.compressionMethod])).toEqual([
        ['pkg/a.txt', 0o100755, 8],
        ['pkg/b.bin', 0o100664, 0],
        ['pkg/empty/', 0o40775, 0],
        ['pkg/c.txt', 0o100664, 8],
      ]);
      expect(z.entries.map((e) => e.generalPurposeBitFlag & 0x808)).toEqual([0x800, 0x800, 0x800, 0x808]);
      expect(Buffer.from(await z.readEntry(z.entries[3] as WheelEntry)).toString()).toBe('streamed content');
      expect(Buffer.from(await z.readEntry(z.entries[0] as WheelEntry)).toString()).toBe('hello from yazl\n'.repeat(20));
      expect(Buffer.from(await z.readEntry(z.entries[1] as WheelEntry)).toString()).toBe('stored');
    });
  });
});

// ---- reading ----------------------------------------------------------------------------------

describe('WheelZip: reading', PYTHON, () => {
  const text = 'line of text that deflates well\n'.repeat(2000);
  const big = noise(300_000, 7);
  let file = '';
  beforeAll(() => {
    file = buildZip([
      { name: 'demo/', mode: 0o40755 },
      { name: 'demo/text.txt', data: text },
      { name: 'demo/stored.bin', data: big, method: 'stored' },
      { name: 'demo/noise.bin', data: big },
      { name: 'demo/empty.txt', data: '' },
    ]);
  });

  it('readEntry returns the whole content for deflated, stored, empty and directory entries', async () => {
    await withZip(file, async (z) => {
      const get = (n: string): WheelEntry => z.entry(n) as WheelEntry;
      const t = await z.readEntry(get('demo/text.txt'));
      expect(t).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(t).toString()).toBe(text);
      expect(t.length).toBe(text.length);
      expect(Buffer.compare(await z.readEntry(get('demo/stored.bin')), big)).toBe(0);
      expect(Buffer.compare(await z.readEntry(get('demo/noise.bin')), big)).toBe(0);
      expect((await z.readEntry(get('demo/empty.txt'))).length).toBe(0);
      expect((await z.readEntry(get('demo/'))).length).toBe(0);
    });
  });

  it('readHead returns at most n bytes', async () => {
    await withZip(file, async (z) => {
      const get = (n: string): WheelEntry => z.entry(n) as WheelEntry;
      expect(Buffer.from(await z.readHead(get('demo/text.txt'), 4)).toString()).toBe('line');
      expect(Buffer.compare(await z.readHead(get('demo/stored.bin'), 10), big.subarray(0, 10))).toBe(0);
      expect(Buffer.compare(await z.readHead(get('demo/noise.bin'), 70_000), big.subarray(0, 70_000))).toBe(0);
      expect((await z.readHead(get('demo/text.txt'), 0)).length).toBe(0);
      expect((await z.readHead(get('demo/empty.txt'), 4)).length).toBe(0);
      const all = await z.readHead(get('demo/text.txt'), 10 * text.length);
      expect(Buffer.from(all).toString()).toBe(text);
    });
  });

  it('readHead does not inflate the whole entry: it succeeds where the tail is corrupt', async () => {
    const corrupt = await withZip(file, (z) => {
      const e = z.entry('demo/noise.bin') as WheelEntry;
      return patchFile(file, (b) => {
        const end = dataOffset(b, e) + e.compressedSize;
        b.fill(0xff, end - 2000, end);
      });
    });
    await withZip(corrupt, async (z) => {
      const e = z.entry('demo/noise.bin') as WheelEntry;
      expect(Buffer.compare(await z.readHead(e, 4), big.subarray(0, 4))).toBe(0);
      const err = await rejection(z.readEntry(e));
      expect(err).toBeInstanceOf(WheelFormatError);
      expect((err as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
      expect((err as Error).message).toMatch(new RegExp(`^${esc(corrupt)}: entry demo/noise\\.bin: `));
      // Other entries stay readable after a failed one.
      expect(Buffer.from(await z.readEntry(z.entry('demo/text.txt') as WheelEntry)).toString()).toBe(text);
    });
  });

  it('readChunks inflates; rawChunks gives the stored bytes, which inflate back to the content', async () => {
    await withZip(file, async (z) => {
      const t = z.entry('demo/text.txt') as WheelEntry;
      expect((await inflated(z, t)).toString()).toBe(text);
      const raw = await collect(z.rawChunks(t));
      expect(raw.length).toBe(t.compressedSize);
      expect(raw.length).toBeLessThan(text.length);
      expect(inflateRawSync(raw).toString()).toBe(text);

      const s = z.entry('demo/stored.bin') as WheelEntry;
      const rawStored = await collect(z.rawChunks(s));
      expect(Buffer.compare(rawStored, big)).toBe(0);
    });
  });

  it('checks the CRC-32 of stored data', async () => {
    const bad = await withZip(file, (z) => {
      const e = z.entry('demo/stored.bin') as WheelEntry;
      return patchFile(file, (b) => {
        const at = dataOffset(b, e) + 1000;
        b[at] = (b[at] ?? 0) ^ 0x01;
      });
    });
    await withZip(bad, async (z) => {
      const e = z.entry('demo/stored.bin') as WheelEntry;
      const err = await rejection(z.readEntry(e));
      expect((err as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
      expect((err as Error).message).toMatch(new RegExp(`^${esc(bad)}: entry demo/stored\\.bin: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0x[0-9a-f]{8}$`));
      const chunksErr = await rejection(inflated(z, e));
      expect((chunksErr as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
      // The head is still readable, and the raw copy is exactly what is stored.
      expect((await z.readHead(e, 8)).length).toBe(8);
      expect((await collect(z.rawChunks(e))).length).toBe(e.compressedSize);
    });
  });

  it('uses its own record for an entry, whatever copy the caller passes', async () => {
    await withZip(file, async (z) => {
      const forged: WheelEntry = { ...(z.entry('demo/text.txt') as WheelEntry), uncompressedSize: 3, crc32: 0 };
      expect(Buffer.from(await z.readEntry(forged)).toString()).toBe(text);
    });
  });

  it('refuses an entry that is not part of this archive', async () => {
    await withZip(file, async (z) => {
      const ghost: WheelEntry = { ...(z.entries[1] as WheelEntry), name: 'demo/ghost.txt' };
      const err = await rejection(z.readEntry(ghost));
      expect((err as WheelFormatError).code).toBe('WHEEL_MISSING_ENTRY');
    });
  });

  it('close is idempotent: a second close resolves, and the zip stays closed (a read is refused as a bug)', async () => {
    const z = await openWheelZip(file);
    const e = z.entry('demo/text.txt') as WheelEntry;
    expect((await z.readEntry(e)).length).toBe(e.uncompressedSize);
    await z.close();
    await expect(z.close()).resolves.toBeUndefined();
    expect(await rejection(z.readEntry(e))).toBeInstanceOf(InternalError);
  });

  it('close() during a read fails the reader with a typed error; reading after close() is a bug', async () => {
    // Over 4 MiB of stored data: read in several raw chunks, so close() lands between two.
    const large = buildZip([{ name: 'demo/large.bin', data: noise(5 * 1024 * 1024, 3), method: 'stored' }]);
    const z = await openWheelZip(large);
    const e = z.entry('demo/large.bin') as WheelEntry;
    let chunks = 0;
    const err = await rejection(
      z.readChunks(e, async () => {
        chunks++;
        if (chunks === 1) await z.close();
      }),
    );
    expect(chunks).toBe(1);
    expect(err).toBeInstanceOf(WheelauditError);
    expect((err as WheelauditError).code).toBe('WHEEL_IO');
    expect((err as Error).message).toBe(`${large}: read interrupted because the zip file was closed`);
    const after = await rejection(z.readEntry(e));
    expect(after).toBeInstanceOf(InternalError);
  });

  it('releases the file descriptor after reads, heads and failures', needs(fs.existsSync('/proc/self/fd') ? MET : unmet('needs /proc/self/fd (Linux procfs)')), async () => {
    const openFds = (): number => fs.readdirSync('/proc/self/fd').length;
    const before = openFds();
    for (let i = 0; i < 20; i++) {
      await withZip(file, async (z) => {
        await z.readEntry(z.entry('demo/text.txt') as WheelEntry);
        await z.readHead(z.entry('demo/noise.bin') as WheelEntry, 4);
        await collect(z.rawChunks(z.entry('demo/stored.bin') as WheelEntry));
      });
      await rejection(openWheelZip(file, { maxEntries: 1 }));
    }
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});

// ---- errors -----------------------------------------------------------------------------------

/** The files this process holds open (Linux). */
function openFiles(): string[] {
  return fs.readdirSync('/proc/self/fd').map((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

describe('reopenWheelZip', PYTHON, () => {
  const content = 'reopened content\n'.repeat(500);
  const build = (): string => buildZip([{ name: 'demo/', mode: 0o40755 }, { name: 'demo/a.txt', data: content }, { name: 'demo/b.bin', data: noise(70_000, 3), method: 'stored' }]);

  it('opens the same file again with the listing already checked: the same entries, the same bytes', async () => {
    const file = build();
    const first = await openWheelZip(file);
    const listing = first.listing;
    const raw = await first.readRaw(first.entry('demo/b.bin') as WheelEntry);
    await first.close();
    const again = await reopenWheelZip(listing);
    try {
      expect(again.entries).toBe(first.entries);
      expect(again.entry('demo/a.txt')).toBe(first.entry('demo/a.txt'));
      expect(Buffer.from(await again.readEntry(again.entry('demo/a.txt') as WheelEntry)).toString()).toBe(content);
      expect(Buffer.compare(Buffer.from(await again.readRaw(again.entry('demo/b.bin') as WheelEntry)), Buffer.from(raw))).toBe(0);
      expect(openFiles()).toContain(file);
    } finally {
      await again.close();
    }
    // Each reopened zip closes its own descriptor.
    expect(openFiles()).not.toContain(file);
  });

  it('refuses a file modified since it was listed, even at the same size, and a file replaced by another', async () => {
    const file = build();
    const z = await openWheelZip(file);
    await z.close();
    // Same bytes rewritten in place: a new modification and change time.
    const bytes = fs.readFileSync(file);
    await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(file, bytes);
    const changed = await rejection(reopenWheelZip(z.listing));
    expect(changed).toBeInstanceOf(WheelFormatError);
    expect((changed as WheelFormatError).code).toBe('WHEEL_IO');
    expect((changed as Error).message).toBe(`${file}: the file changed while it was being read (it was replaced or modified); nothing was written`);
    // Another file renamed over the path (same content, another inode).
    const z2 = await openWheelZip(file);
    await z2.close();
    const other = path.join(tmp, `r${counter++}.whl`);
    fs.writeFileSync(other, bytes);
    fs.renameSync(other, file);
    expect(((await rejection(reopenWheelZip(z2.listing))) as WheelFormatError).code).toBe('WHEEL_IO');
    // Gone: the usual I/O error naming the file.
    fs.rmSync(file);
    const gone = await rejection(reopenWheelZip(z2.listing));
    expect(gone).toBeInstanceOf(IoError);
    expect((gone as Error).message).toBe(`cannot access ${file}: no such file`);
  });
});

describe('openWheelZip: errors', PYTHON, () => {
  it('a missing file is an IoError', async () => {
    const missing = path.join(tmp, 'nope.whl');
    const err = await rejection(openWheelZip(missing));
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).code).toBe('IO');
    expect((err as Error).message).toBe(`cannot access ${missing}: no such file`);
    expect((err as Error).cause).toBeDefined();
  });

  it('a directory is an IoError', async () => {
    const err = await rejection(openWheelZip(tmp));
    expect(err).toBeInstanceOf(IoError);
    expect((err as Error).message).toBe(`cannot access ${tmp}: is a directory, expected a wheel file`);
  });

  it('a text file is WHEEL_NOT_ZIP naming the file', async () => {
    const txt = path.join(tmp, 'text.whl');
    fs.writeFileSync(txt, 'hello\n');
    const err = await rejection(openWheelZip(txt));
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
    expect((err as Error).message).toMatch(new RegExp(`^cannot read zip file ${txt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no end of central directory record \\(not a zip file, or a truncated one\\)$`));
    expect((err as Error).message).not.toMatch(/\.$/);
  });

  it.each([
    ['../x.so', 'entry ../x.so: path escapes the wheel'],
    ['demo/../../x.so', 'entry demo/../../x.so: path escapes the wheel'],
    ['/etc/x', 'entry /etc/x: absolute path, expected a path relative to the wheel root'],
    ['demo\\x.so', "entry demo\\x.so: name contains a backslash, expected '/' separators"],
    ['demo//x.so', "entry demo//x.so: path is not normalized (empty or '.' component)"],
  ])('refuses the entry name %j', async (name, message) => {
    const file = buildZip([{ name, data: 'x' }, { name: 'demo-1.0.dist-info/RECORD', data: '' }]);
    const err = await rejection(openWheelZip(file));
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_UNSAFE_PATH');
    expect((err as Error).message).toBe(`${file}: ${message}`);
  });

  it('refuses a NUL byte in a name', async () => {
    const file = patchFile(buildZip([{ name: 'demo/a_b', data: 'x' }]), (b) => {
      let i = b.indexOf('demo/a_b');
      while (i >= 0) {
        b[i + 6] = 0;
        i = b.indexOf('demo/a_b', i + 1);
      }
    });
    const err = await rejection(openWheelZip(file));
    expect((err as WheelFormatError).code).toBe('WHEEL_UNSAFE_PATH');
    expect((err as Error).message).toBe(`${file}: entry demo/a\\x00b: name contains a NUL byte`);
  });

  it('refuses duplicate names, and a file and a directory at the same path', async () => {
    const dup = buildZip([{ name: 'demo/x', data: '1' }, { name: 'demo/y', data: '2' }, { name: 'demo/x', data: '3' }]);
    const err = await rejection(openWheelZip(dup));
    expect((err as WheelFormatError).code).toBe('WHEEL_UNSAFE_PATH');
    expect((err as Error).message).toBe(`${dup}: entry demo/x: duplicate name (central directory records 1 and 3)`);
    const both = buildZip([{ name: 'demo/x', data: '1' }, { name: 'demo/x/', mode: 0o40755 }]);
    expect(((await rejection(openWheelZip(both))) as WheelFormatError).code).toBe('WHEEL_UNSAFE_PATH');
  });
});

describe('findDistInfo', () => {
  const names = (...n: string[]): { name: string }[] => n.map((name) => ({ name }));

  it('finds the directory from file names, with or without a directory entry', () => {
    expect(findDistInfo(names('demo/__init__.py', 'demo-1.0.dist-info/METADATA', 'demo-1.0.dist-info/RECORD'))).toBe(
      'demo-1.0.dist-info',
    );
    expect(findDistInfo(names('demo-1.0.dist-info/'))).toBe('demo-1.0.dist-info');
  });

  it('ignores nested dist-info directories, but counts hidden ones and files so named, as pip does', () => {
    expect(findDistInfo(names('demo/vendored-2.0.dist-info/RECORD', 'demo-1.0.dist-info/RECORD'))).toBe('demo-1.0.dist-info');
    expect(() => findDistInfo(names('.hidden.dist-info/x', 'demo-1.0.dist-info/RECORD'))).toThrow(
      'should be exactly one *.dist-info directory, found 2 (.hidden.dist-info, demo-1.0.dist-info)',
    );
    expect(() => findDistInfo(names('x.dist-info', 'demo-1.0.dist-info/RECORD'))).toThrow('found 2');
  });

  it('refuses zero or several', () => {
    const none = (): string => findDistInfo(names('demo/__init__.py'));
    expect(none).toThrow(WheelFormatError);
    expect(none).toThrow('should be exactly one *.dist-info directory, found 0');
    try {
      findDistInfo(names('b-1.dist-info/RECORD', 'a-1.dist-info/RECORD', 'a-1.dist-info/WHEEL'));
    } catch (e) {
      expect((e as WheelFormatError).code).toBe('WHEEL_NO_DIST_INFO');
      expect((e as Error).message).toBe('should be exactly one *.dist-info directory, found 2 (a-1.dist-info, b-1.dist-info)');
      return;
    }
    throw new Error('expected findDistInfo to throw');
  });
});

// ---- what each entry's local header and flags must agree with ---------------------------------

describe('openWheelZip: local headers and flags', () => {
  const write = (entries: BuildEntry[]): string => {
    const file = path.join(tmp, `lh${counter++}.whl`);
    fs.writeFileSync(file, buildRaw(entries));
    return file;
  };
  const refusal = async (entries: BuildEntry[]): Promise<WheelFormatError> => {
    const err = await rejection(openWheelZip(write(entries)));
    expect(err).toBeInstanceOf(WheelFormatError);
    return err as WheelFormatError;
  };
  const OK = { name: 'pkg/ok.txt', data: 'fine\n'.repeat(20) };

  it('accepts zeros in the local header when a data descriptor is flagged (the central values rule)', async () => {
    const z = await openWheelZip(write([OK, { name: 'pkg/dd.txt', data: 'dd\n'.repeat(30), flags: 0x0008, localCrc: 0, localSizes: [0, 0] }]));
    try {
      expect(Buffer.from(await z.readEntry(z.entry('pkg/dd.txt') as WheelEntry)).toString()).toBe('dd\n'.repeat(30));
    } finally {
      await z.close();
    }
  });

  it.each([
    ['another compression method', { localMethod: 0 }, /the local header at offset \d+ says compression method 0, the central directory 8; readers that trust it see another archive than pip$/],
    ['another CRC-32', { localCrc: 0x12345678 }, /says CRC-32 0x12345678, the central directory 0x[0-9a-f]{8}/],
    ['another compressed size', { localSizes: [3, undefined] }, /says compressed size 3, the central directory \d+/],
    ['another uncompressed size', { localSizes: [undefined, 7] }, /says uncompressed size 7, the central directory 100/],
    ['the encryption flag', { localFlags: 0x0001 }, /flags the data as encrypted/],
    ['the same non-ASCII name bytes without the UTF-8 flag', { name: 'pkg/é.txt', localFlags: 0 }, /names pkg\/\\xc3\\xa9\.txt/],
  ] as const)('refuses a local header with %s', async (_label, patch, message) => {
    const e = await refusal([{ ...OK, ...patch }]);
    expect(e.code).toBe('WHEEL_ZIP_INCONSISTENT');
    expect(e.message).toMatch(message);
  });

  it.each([
    ['strong encryption (bit 6)', { flags: 0x0040 }, 'strongly encrypted, expected plain data'],
    ['an encrypted central directory (bit 13)', { flags: 0x2000 }, 'flags an encrypted central directory, expected plain data'],
    ['compressed patch data (bit 5)', { flags: 0x0020 }, 'holds compressed patch data (flag bit 5), expected plain data'],
    ['a newer zip version than Python reads', { versionNeeded: 64 }, 'needs zip version 6.4 to extract, newer than 6.3'],
  ] as const)('refuses %s', async (_label, patch, message) => {
    const e = await refusal([{ ...OK, ...patch }]);
    expect(e.code).toBe('WHEEL_NOT_ZIP');
    expect(e.message).toContain(`entry pkg/ok.txt: ${message}`);
  });

  it('refuses a directory entry that holds data, and a file used as a directory', async () => {
    const dir = await refusal([{ name: 'pkg/dir/', data: 'hidden', method: 0 }]);
    expect(dir.code).toBe('WHEEL_ZIP_INCONSISTENT');
    expect(dir.message).toContain('entry pkg/dir/: a directory entry holding 6 bytes of data');
    const parent = await refusal([{ name: 'pkg/a', data: 'x' }, { name: 'pkg/a/b/c.txt', data: 'y' }]);
    expect(parent.code).toBe('WHEEL_UNSAFE_PATH');
    expect(parent.message).toContain('entry pkg/a/b/c.txt: parent pkg/a is a file entry, expected a directory');
  });
});
