import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InternalError, WheelFormatError, WheelauditError } from '../../src/errors.js';
import { openWheelZip } from '../../src/wheel/zip-read.js';
import type { WheelEntry, WheelZip } from '../../src/wheel/zip-read.js';
import { taskQueue } from '../../src/util/task-queue.js';
import { DEFLATE_PIECE, deflateInPieces } from '../../src/wheel/chunked-deflate.js';
import { clipTimestamp, dosDateTime, writeZip } from '../../src/wheel/zip-write.js';
import type { ZipWriteItem, ZipWriteOptions } from '../../src/wheel/zip-write.js';

// ---- helpers -------------------------------------------------------------------------------------

interface PyEntry {
  name: string;
  data?: Uint8Array | string;
  method?: 'stored' | 'deflated' | 'bzip2';
  mode?: number;
}

// Input wheels are built by Python's zipfile, so raw copies start from a real writer's bytes.
const PY_BUILD = `
import base64, json, sys, zipfile
spec = json.load(sys.stdin)
methods = {"stored": zipfile.ZIP_STORED, "deflated": zipfile.ZIP_DEFLATED, "bzip2": zipfile.ZIP_BZIP2}
with zipfile.ZipFile(spec["path"], "w") as zf:
    for e in spec["entries"]:
        zi = zipfile.ZipInfo(e["name"], date_time=(2021, 3, 4, 5, 6, 7))
        zi.compress_type = methods[e.get("method") or ("stored" if e["name"].endswith("/") else "deflated")]
        zi.create_system = 3
        mode = e.get("mode") or (0o40755 if e["name"].endswith("/") else 0o100644)
        zi.external_attr = (mode << 16) | (0x10 if e["name"].endswith("/") else 0)
        zf.writestr(zi, base64.b64decode(e["data"]))
`;

// What Python's zipfile sees in an archive we wrote; testzip() reads every member and checks its CRC.
const PY_INSPECT = `
import calendar, json, sys, zipfile
def inspect(path):
  with zipfile.ZipFile(path) as zf:
    bad = zf.testzip()
    entries = [dict(
        name=i.filename, date_time=list(i.date_time), epoch=calendar.timegm(tuple(i.date_time) + (0, 0, 0)),
        compress_type=i.compress_type, mode=i.external_attr >> 16, dos=i.external_attr & 0xFFFF,
        flag_bits=i.flag_bits, create_system=i.create_system, create_version=i.create_version,
        extract_version=i.extract_version, crc=i.CRC, file_size=i.file_size, compress_size=i.compress_size,
        extra=i.extra.hex(), header_offset=i.header_offset) for i in zf.infolist()]
    return dict(bad=bad, entries=entries)
print(json.dumps([inspect(p) for p in sys.argv[1:]]))
`;
import { needs, requireTool } from '../helpers/requires.js';
import { noise, rejection } from '../helpers/noise.js';

interface PyInfo {
  name: string;
  date_time: number[];
  epoch: number;
  compress_type: number;
  mode: number;
  dos: number;
  flag_bits: number;
  create_system: number;
  create_version: number;
  extract_version: number;
  crc: number;
  file_size: number;
  compress_size: number;
  extra: string;
  header_offset: number;
}

let tmp = '';
let counter = 0;

function bytes(d: Uint8Array | string | undefined): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  return typeof d === 'string' ? new TextEncoder().encode(d) : d;
}

function buildInput(entries: PyEntry[]): string {
  const out = path.join(tmp, `in${counter++}.whl`);
  const spec = { path: out, entries: entries.map((e) => ({ ...e, data: Buffer.from(bytes(e.data)).toString('base64') })) };
  execFileSync('python3', ['-c', PY_BUILD], { input: JSON.stringify(spec) });
  return out;
}

interface PyZip {
  bad: string | null;
  entries: PyInfo[];
}

/** Python's view of several archives, in one interpreter start. */
function inspectAll(files: readonly string[]): PyZip[] {
  return JSON.parse(execFileSync('python3', ['-c', PY_INSPECT, ...files], { encoding: 'utf8' })) as PyZip[];
}

function inspect(file: string): PyZip {
  const [one] = inspectAll([file]);
  if (one === undefined) throw new Error('no inspection result');
  return one;
}

/** `unzip -t` and `python3 -m zipfile -t` both accept the file. */
function expectToolsAccept(file: string): void {
  const unzip = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
  expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  expect(unzip.stdout).toMatch(/No errors detected/);
  const py = spawnSync('python3', ['-m', 'zipfile', '-t', file], { encoding: 'utf8' });
  expect(py.status, py.stdout + py.stderr).toBe(0);
  expect(py.stdout).toContain('Done testing');
  expect(py.stdout).not.toContain('corrupted');
}

function outPath(): string {
  return path.join(tmp, `out${counter++}.whl`);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** `v`, or a failed test naming what is missing. */
function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`missing: ${what}`);
  return v;
}

async function withZip<T>(file: string, fn: (z: WheelZip) => T | Promise<T>): Promise<T> {
  const z = await openWheelZip(file);
  try {
    return await fn(z);
  } finally {
    await z.close();
  }
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const T2020 = new Date(Date.UTC(2020, 1, 29, 13, 45, 30));
const OPTS: ZipWriteOptions = { level: 6, timestamp: T2020 };

function dir(name: string, mode = 0o40755): ZipWriteItem {
  return { name, source: undefined, mode };
}
function data(name: string, content: Uint8Array | string, mode = 0o100644): ZipWriteItem {
  return { name, source: { kind: 'data', data: bytes(content) }, mode };
}
function raw(z: WheelZip, inputName: string, name = inputName, mode = 0o100644): ZipWriteItem {
  const entry = z.entry(inputName);
  if (entry === undefined) throw new Error(`no ${inputName} in test input`);
  return { name, source: { kind: 'raw', entry, zip: z }, mode };
}

/** The files in the temp directory whose names mention `base` (outputs and temporaries). */
function leftovers(base: string): string[] {
  return fs.readdirSync(tmp).filter((f) => f.includes(base));
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-zip-write-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- the shared input wheel ---------------------------------------------------------------------

const SO = noise(300_000, 3);
const PY_SRC = 'def f():\n    return 42\n'.repeat(400);
const BIG_STORED = noise(6 * 1024 * 1024, 5);

function demoInput(): string {
  return buildInput([
    { name: 'demo/', mode: 0o40755 },
    { name: 'demo/__init__.py', data: PY_SRC },
    { name: 'demo/_ext.so', data: SO, method: 'stored', mode: 0o100755 },
    { name: 'demo/big.bin', data: BIG_STORED, method: 'stored' },
    { name: 'demo/empty.txt', data: '' },
    { name: 'demo/empty-stored.txt', data: '', method: 'stored' },
    { name: 'demo-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' },
    { name: 'demo-1.0.dist-info/RECORD', data: 'old record\n' },
  ]);
}

// ---- round trip -----------------------------------------------------------------------------------

// Inputs are written, and outputs checked, by Python's zipfile and Info-ZIP's unzip.
const ORACLES = needs(requireTool('python3', 'python3'), requireTool('unzip', 'unzip'));

describe('writeZip: mixing raw copies and new data', ORACLES, () => {
  it('writes an archive unzip and Python accept, with identical content and raw bytes copied as stored', async () => {
    const input = demoInput();
    const out = outPath();
    const newLib = noise(50_000, 9);
    const record = 'demo/__init__.py,sha256=x,1\r\ndemo-1.0.dist-info/RECORD,,\r\n';
    await withZip(input, async (z) => {
      const items: ZipWriteItem[] = [
        dir('demo/'),
        raw(z, 'demo/__init__.py'),
        raw(z, 'demo/_ext.so', 'demo/_ext.so', 0o100755),
        raw(z, 'demo/big.bin'),
        raw(z, 'demo/empty.txt'),
        raw(z, 'demo/empty-stored.txt'),
        data('demo/new.txt', 'brand new\n'),
        dir('demo.libs/'),
        data('demo.libs/libfoo-12345678.so.1', newLib, 0o100755),
        dir('demo-1.0.dist-info/'),
        raw(z, 'demo-1.0.dist-info/METADATA'),
        data('demo-1.0.dist-info/RECORD', record),
      ];
      const { bytesWritten } = await writeZip(out, items, OPTS);
      expect(bytesWritten).toBe(fs.statSync(out).size);
      expectToolsAccept(out);

      const info = inspect(out);
      expect(info.bad).toBeNull();
      expect(info.entries.map((e) => e.name)).toEqual(items.map((i) => i.name));

      await withZip(out, async (o) => {
        // Content, read back through our own reader (which checks sizes and CRC-32).
        const expected: Record<string, Uint8Array> = {
          'demo/__init__.py': text(PY_SRC),
          'demo/_ext.so': SO,
          'demo/big.bin': BIG_STORED,
          'demo/empty.txt': new Uint8Array(0),
          'demo/empty-stored.txt': new Uint8Array(0),
          'demo/new.txt': text('brand new\n'),
          'demo.libs/libfoo-12345678.so.1': newLib,
          'demo-1.0.dist-info/METADATA': await z.readEntry(must(z.entry('demo-1.0.dist-info/METADATA') ?? z.entries[0], 'an entry')),
          'demo-1.0.dist-info/RECORD': text(record),
        };
        for (const [name, want] of Object.entries(expected)) {
          const e = o.entry(name);
          expect(e, name).toBeDefined();
          expect(sha(await o.readEntry(must(e, name))), name).toBe(sha(want));
        }
        // Raw copies: stored bytes, method and CRC identical to the input's.
        for (const name of ['demo/__init__.py', 'demo/_ext.so', 'demo/big.bin', 'demo/empty.txt', 'demo/empty-stored.txt', 'demo-1.0.dist-info/METADATA']) {
          const a = must(z.entry(name), name);
          const b = must(o.entry(name), name);
          expect(b.compressionMethod, name).toBe(a.compressionMethod);
          expect(b.crc32, name).toBe(a.crc32);
          expect(b.compressedSize, name).toBe(a.compressedSize);
          expect(b.uncompressedSize, name).toBe(a.uncompressedSize);
          expect(sha(await collect(o.rawChunks(b))), name).toBe(sha(await collect(z.rawChunks(a))));
        }
        expect(o.entry('demo/_ext.so')?.compressionMethod).toBe(0);
        expect(o.entry('demo/big.bin')?.compressionMethod).toBe(0);
        expect(o.entry('demo/__init__.py')?.compressionMethod).toBe(8);
        // New data is deflated, with the CRC-32 of the content.
        const lib = must(o.entry('demo.libs/libfoo-12345678.so.1'), 'demo.libs/libfoo-12345678.so.1');
        expect(lib.compressionMethod).toBe(8);
        expect(lib.crc32).toBe(crc32(newLib) >>> 0);
      });
    });
  });

  it('writes the header fields Python zipfile writes (made by Unix 2.0, no flags, no extra, external attributes)', async () => {
    const out = outPath();
    await writeZip(
      out,
      [dir('pkg/'), data('pkg/a.py', 'a = 1\n'), data('pkg/run', '#!/bin/sh\n', 0o100755), dir('pkg/ro/', 0o40500), data('pkg/ro/r.txt', 'r', 0o100444)],
      OPTS,
    );
    expectToolsAccept(out);
    const entries = inspect(out).entries;
    for (const e of entries) {
      expect(e.create_system, e.name).toBe(3);
      expect(e.create_version, e.name).toBe(20);
      expect(e.extract_version, e.name).toBe(20);
      expect(e.flag_bits, e.name).toBe(0);
      expect(e.extra, e.name).toBe('');
    }
    const by = new Map(entries.map((e) => [e.name, e]));
    expect(by.get('pkg/')).toMatchObject({ mode: 0o40755, dos: 0x10, compress_type: 0, file_size: 0, compress_size: 0, crc: 0 });
    expect(by.get('pkg/ro/')).toMatchObject({ mode: 0o40500, dos: 0x10, compress_type: 0 });
    expect(by.get('pkg/a.py')).toMatchObject({ mode: 0o100644, dos: 0, compress_type: 8 });
    expect(by.get('pkg/run')).toMatchObject({ mode: 0o100755, compress_type: 8 });
    expect(by.get('pkg/ro/r.txt')).toMatchObject({ mode: 0o100444, compress_type: 8 });

    // Local headers agree: version needed 20, flags 0, no extra field, no data descriptor.
    const b = fs.readFileSync(out);
    for (const e of entries) {
      const at = e.header_offset;
      expect(b.readUInt32LE(at)).toBe(0x04034b50);
      expect(b.readUInt16LE(at + 4)).toBe(20);
      expect(b.readUInt16LE(at + 6)).toBe(0);
      expect(b.readUInt16LE(at + 28)).toBe(0);
      expect(b.readUInt32LE(at + 14)).toBe(e.crc);
      expect(b.readUInt32LE(at + 18)).toBe(e.compress_size);
    }
    // The archive ends with a plain 22-byte end record and no zip64 records.
    expect(b.readUInt32LE(b.length - 22)).toBe(0x06054b50);
    expect(b.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(false);
  });

  it('takes timestamp and mode from the item, not from the raw input entry', async () => {
    const input = buildInput([{ name: 'a.txt', data: 'aaaa', mode: 0o100600 }]);
    const out = outPath();
    await withZip(input, async (z) => {
      await writeZip(out, [raw(z, 'a.txt', 'a.txt', 0o100755)], { level: 6, timestamp: new Date(Date.UTC(1999, 11, 31, 23, 59, 58)) });
    });
    const [e] = inspect(out).entries;
    expect(e?.mode).toBe(0o100755);
    expect(e?.date_time).toEqual([1999, 12, 31, 23, 59, 58]);
  });

  it('sets the UTF-8 flag (bit 11) only on a non-ASCII name', async () => {
    const out = outPath();
    await writeZip(out, [data('pkg/naïve-✓.txt', 'u'), data('pkg/plain.txt', 'p'), data('pkg/\u{1F600}.txt', 'e')], OPTS);
    expectToolsAccept(out);
    const entries = inspect(out).entries;
    expect(entries.map((e) => [e.name, e.flag_bits & 0x800])).toEqual([
      ['pkg/naïve-✓.txt', 0x800],
      ['pkg/plain.txt', 0],
      ['pkg/\u{1F600}.txt', 0x800],
    ]);
    const b = fs.readFileSync(out);
    expect(b.readUInt16LE((entries[0]?.header_offset ?? 0) + 6)).toBe(0x800);
    await withZip(out, (o) => {
      expect(o.entries.map((e) => e.name)).toEqual(['pkg/naïve-✓.txt', 'pkg/plain.txt', 'pkg/\u{1F600}.txt']);
    });
  });

  it('raw-copies an entry under a new name', async () => {
    const input = buildInput([{ name: 'old/x.py', data: 'x = 1\n' }]);
    const out = outPath();
    await withZip(input, async (z) => {
      await writeZip(out, [raw(z, 'old/x.py', 'new/x.py')], OPTS);
    });
    expectToolsAccept(out);
    await withZip(out, async (o) => {
      expect(Buffer.from(await o.readEntry(must(o.entry('new/x.py'), 'new/x.py'))).toString()).toBe('x = 1\n');
    });
  });

  it('writes an empty archive', async () => {
    const out = outPath();
    const { bytesWritten } = await writeZip(out, [], OPTS);
    expect(bytesWritten).toBe(22);
    expect(inspect(out).entries).toEqual([]);
  });
});

// ---- compression ---------------------------------------------------------------------------------

describe('writeZip: compression', ORACLES, () => {
  it('deflates 1 MiB of zeros below 256 KiB', async () => {
    const out = outPath();
    await writeZip(out, [data('zeros.bin', new Uint8Array(1024 * 1024))], OPTS);
    const [e] = inspect(out).entries;
    expect(e?.compress_type).toBe(8);
    expect(e?.file_size).toBe(1024 * 1024);
    expect(e?.compress_size).toBeLessThan(256 * 1024);
    expectToolsAccept(out);
  });

  it('uses method 8 at level 0 (stored deflate blocks), never method 0', async () => {
    const out = outPath();
    await writeZip(out, [dir('d/'), data('d/zeros.bin', new Uint8Array(100_000)), data('d/empty', '')], { level: 0, timestamp: T2020 });
    expectToolsAccept(out);
    const [d, zeros, empty] = inspect(out).entries;
    expect(d?.compress_type).toBe(0);
    expect(zeros?.compress_type).toBe(8);
    expect(zeros?.compress_size).toBeGreaterThanOrEqual(100_000);
    expect(empty?.compress_type).toBe(8);
  });

  it('honours the level (-1 = zlib default 6)', async () => {
    const content = text('the quick brown fox jumps over the lazy dog '.repeat(5000) + String(noise(20_000, 11)));
    const levels = [-1, 1, 6, 9];
    const outs: string[] = [];
    for (const level of levels) {
      const out = outPath();
      await writeZip(out, [data('t.txt', content)], { level, timestamp: T2020, concurrency: 1 });
      outs.push(out);
    }
    const [dflt, l1, l6, l9] = inspectAll(outs).map((z) => z.entries[0]?.compress_size ?? 0);
    expect(fs.readFileSync(must(outs[0], 'output 0')).equals(fs.readFileSync(must(outs[2], 'output 2')))).toBe(true);
    expect(dflt).toBe(l6);
    expect(l9).toBeLessThanOrEqual(must(l1, 'the level-1 size'));
  });

  it('is deterministic: the same items give identical bytes, whatever the concurrency', async () => {
    const input = demoInput();
    await withZip(input, async (z) => {
      const items = (): ZipWriteItem[] => [
        data('a/1.bin', noise(200_000, 1)),
        raw(z, 'demo/__init__.py'),
        data('a/2.bin', new Uint8Array(300_000)),
        data('a/3.txt', 'three'),
        raw(z, 'demo/_ext.so'),
        data('a/4.bin', noise(100_000, 4)),
        data('a/5.bin', noise(10, 5)),
      ];
      const a = outPath();
      const b = outPath();
      const c = outPath();
      await writeZip(a, items(), { ...OPTS, concurrency: 1 });
      await writeZip(b, items(), { ...OPTS, concurrency: 3 });
      await writeZip(c, items(), { ...OPTS, concurrency: 16 });
      const bytesA = fs.readFileSync(a);
      expect(bytesA.equals(fs.readFileSync(b))).toBe(true);
      expect(bytesA.equals(fs.readFileSync(c))).toBe(true);
      expectToolsAccept(a);
    });
  });

});

// ---- timestamps ----------------------------------------------------------------------------------

describe('timestamps', ORACLES, () => {
  it('stores SOURCE_DATE_EPOCH values as spec §6.14 lists them, as read by Python zipfile', async () => {
    const cases: [number, number, boolean][] = [
      [0, 315532800, true],
      [315532799, 315532800, true],
      [315532801, 315532800, false],
      [315532802, 315532802, false],
      [650203201, 650203200, false],
    ];
    const outs: string[] = [];
    for (const [sde, , clipped] of cases) {
      const ts = clipTimestamp(sde);
      expect(ts.clipped, String(sde)).toBe(clipped);
      const out = outPath();
      await writeZip(out, [dir('d/'), data('d/f', 'x')], { level: 6, timestamp: ts.date });
      outs.push(out);
    }
    const seen = inspectAll(outs).map((z) => z.entries.map((e) => e.epoch));
    expect(seen).toEqual(cases.map(([, stored]) => [stored, stored]));
  });

  it('dosDateTime packs UTC fields with 2-second resolution and clips to the DOS range', () => {
    expect(dosDateTime(T2020)).toEqual({ date: ((2020 - 1980) << 9) | (2 << 5) | 29, time: (13 << 11) | (45 << 5) | 15 });
    expect(dosDateTime(new Date(Date.UTC(2020, 1, 29, 13, 45, 31, 999)))).toEqual(dosDateTime(T2020));
    expect(dosDateTime(new Date(0))).toEqual({ date: (1 << 5) | 1, time: 0 });
    expect(dosDateTime(new Date(Date.UTC(1979, 11, 31, 23, 59, 59)))).toEqual({ date: (1 << 5) | 1, time: 0 });
    expect(dosDateTime(new Date(Date.UTC(2200, 0, 1)))).toEqual({ date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 });
    expect(() => dosDateTime(new Date(Number.NaN))).toThrow(InternalError);
  });

  it('clipTimestamp clips only before 1980 and refuses non-finite input', () => {
    expect(clipTimestamp(-5)).toEqual({ date: new Date('1980-01-01T00:00:00Z'), clipped: true });
    expect(clipTimestamp(315532800)).toEqual({ date: new Date('1980-01-01T00:00:00Z'), clipped: false });
    expect(clipTimestamp(1700000000).date.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(() => clipTimestamp(Number.POSITIVE_INFINITY)).toThrow(InternalError);
  });
});

// ---- atomicity and errors ------------------------------------------------------------------------

describe('writeZip: failures leave nothing behind', ORACLES, () => {
  it('a raw source whose zip was closed: rejects, no output, no temporary file', async () => {
    const input = buildInput([{ name: 'a.txt', data: 'a' }]);
    const z = await openWheelZip(input);
    const item = raw(z, 'a.txt');
    await z.close();
    const out = path.join(tmp, 'closed-source.whl');
    const err = await rejection(writeZip(out, [data('first.bin', noise(3 * 1024 * 1024, 11)), item], OPTS));
    expect(err).toBeInstanceOf(InternalError);
    expect(leftovers('closed-source')).toEqual([]);
  });

  it('a source failing mid-archive, after megabytes were written: the previous file stays as it was', async () => {
    const input = buildInput([{ name: 'big.bin', data: noise(2 * 1024 * 1024, 21), method: 'stored' }]);
    const out = path.join(tmp, 'keep-old.whl');
    fs.writeFileSync(out, 'previous content');
    const z = await openWheelZip(input);
    try {
      // Cut the input short after it was opened: reading the stored data then fails.
      fs.truncateSync(input, 1024);
      const err = await rejection(
        writeZip(out, [data('a.bin', noise(3 * 1024 * 1024, 22)), data('b.bin', noise(100, 23)), raw(z, 'big.bin')], OPTS),
      );
      expect(err).toBeInstanceOf(WheelauditError);
      expect((err as WheelauditError).code).toMatch(/^WHEEL_(NOT_ZIP|IO)$/);
    } finally {
      await z.close();
    }
    expect(fs.readFileSync(out, 'utf8')).toBe('previous content');
    expect(leftovers('keep-old')).toEqual(['keep-old.whl']);
  });

  it('an unwritable destination is WHEEL_IO', async () => {
    const err = await rejection(writeZip(path.join(tmp, 'no-such-dir', 'x.whl'), [data('a', 'a')], OPTS));
    expect(err).toBeInstanceOf(WheelFormatError);
    expect((err as WheelFormatError).code).toBe('WHEEL_IO');
    expect((err as Error).message).toMatch(/^cannot write .*no-such-dir.*x\.whl: /);
  });

  it('refuses a raw entry it cannot copy (compression method other than stored/deflate)', async () => {
    // The reader refuses such an archive outright, so the entry is forged from a readable one.
    const input = buildInput([{ name: 'b.txt', data: 'bzip2 '.repeat(100) }]);
    const out = path.join(tmp, 'bzip2-source.whl');
    await withZip(input, async (z) => {
      const forged = { ...(z.entry('b.txt') as WheelEntry), compressionMethod: 12 };
      const err = await rejection(writeZip(out, [{ name: 'b.txt', source: { kind: 'raw', entry: forged, zip: z }, mode: 0o100644 }], OPTS));
      expect(err).toBeInstanceOf(WheelFormatError);
      expect((err as WheelFormatError).code).toBe('WHEEL_NOT_ZIP');
      expect((err as Error).message).toContain('compression method 12');
    });
    expect(leftovers('bzip2-source')).toEqual([]);
  });

  it('refuses inconsistent items and options before creating anything', async () => {
    const out = path.join(tmp, 'bad-items.whl');
    const bad: [ZipWriteItem[], Partial<ZipWriteOptions>][] = [
      [[{ name: 'd/', source: { kind: 'data', data: new Uint8Array(1) }, mode: 0o40755 }], {}],
      [[{ name: 'f', source: undefined, mode: 0o100644 }], {}],
      [[data('a', 'a'), data('a', 'b')], {}],
      [[data('', 'a')], {}],
      [[data('a', 'a', 0x10000)], {}],
      [[data('bad\uD800', 'a')], {}],
      [[data('a', 'a')], { level: 10 }],
      [[data('a', 'a')], { level: 1.5 }],
      [[data('a', 'a')], { concurrency: 0 }],
      [[data('a', 'a')], { timestamp: new Date(Number.NaN) }],
    ];
    for (const [items, opts] of bad) {
      const err = await rejection(writeZip(out, items, { ...OPTS, ...opts }));
      expect(err, JSON.stringify(items.map((i) => i.name))).toBeInstanceOf(InternalError);
    }
    expect(leftovers('bad-items')).toEqual([]);
  });
});

// ---- zip64 ---------------------------------------------------------------------------------------

describe('writeZip: zip64', ORACLES, () => {
  it('forced zip64 fields are read correctly by unzip, Python and our reader', async () => {
    const input = demoInput();
    const out = outPath();
    const fresh = noise(70_000, 31);
    await withZip(input, async (z) => {
      await writeZip(
        out,
        [dir('demo/'), raw(z, 'demo/__init__.py'), raw(z, 'demo/_ext.so'), data('demo/fresh.bin', fresh), data('demo/é.txt', 'é')],
        { ...OPTS, forceZip64: true },
      );
      expectToolsAccept(out);
      const info = inspect(out);
      expect(info.bad).toBeNull();
      for (const e of info.entries) {
        expect(e.extract_version, e.name).toBe(45);
        expect(e.create_version, e.name).toBe(45);
        expect(e.create_system, e.name).toBe(3);
        // Central extra: id 0x0001, 24 bytes (original size, compressed size, header offset).
        expect(e.extra.slice(0, 8), e.name).toBe('01001800');
      }
      await withZip(out, async (o) => {
        expect(o.entries.map((e) => e.name)).toEqual(['demo/', 'demo/__init__.py', 'demo/_ext.so', 'demo/fresh.bin', 'demo/é.txt']);
        expect(sha(await o.readEntry(must(o.entry('demo/fresh.bin'), 'demo/fresh.bin')))).toBe(sha(fresh));
        expect(sha(await o.readEntry(must(o.entry('demo/_ext.so'), 'demo/_ext.so')))).toBe(sha(SO));
        expect(Buffer.from(await o.readEntry(must(o.entry('demo/__init__.py'), 'demo/__init__.py'))).toString()).toBe(PY_SRC);
        const a = must(z.entry('demo/__init__.py'), 'demo/__init__.py');
        expect(sha(await collect(o.rawChunks(must(o.entry(a.name), a.name))))).toBe(sha(await collect(z.rawChunks(a))));
      });
    });
    // Local headers carry 0xffffffff sizes and a 20-byte zip64 extra field with both sizes.
    const b = fs.readFileSync(out);
    expect(b.readUInt32LE(18)).toBe(0xffffffff);
    expect(b.readUInt32LE(22)).toBe(0xffffffff);
    expect(b.readUInt16LE(28)).toBe(20);
    // Tail: zip64 end record, locator pointing at it, then the end record with sentinels.
    const eocd = b.length - 22;
    const locator = eocd - 20;
    const z64 = locator - 56;
    expect(b.readUInt32LE(z64)).toBe(0x06064b50);
    expect(b.readUInt32LE(locator)).toBe(0x07064b50);
    expect(Number(b.readBigUInt64LE(locator + 8))).toBe(z64);
    expect(b.readUInt32LE(locator + 16)).toBe(1);
    expect(Number(b.readBigUInt64LE(z64 + 32))).toBe(5);
    expect(b.readUInt16LE(eocd + 10)).toBe(0xffff);
    expect(b.readUInt32LE(eocd + 12)).toBe(0xffffffff);
    expect(b.readUInt32LE(eocd + 16)).toBe(0xffffffff);
  });

  it('switches to a zip64 end record by itself when there are 65535 entries or more', async () => {
    const out = outPath();
    const items: ZipWriteItem[] = [];
    for (let i = 0; i < 0x10000; i++) items.push(dir(`d${i.toString(16).padStart(4, '0')}/`));
    items.push(data('last.txt', 'the end'));
    await writeZip(out, items, OPTS);
    const b = fs.readFileSync(out);
    const eocd = b.length - 22;
    expect(b.readUInt16LE(eocd + 10)).toBe(0xffff);
    // Sizes and offsets fit: only the count is a sentinel, and entries carry no zip64 extra.
    expect(b.readUInt32LE(eocd + 16)).not.toBe(0xffffffff);
    expect(Number(b.readBigUInt64LE(eocd - 20 - 56 + 32))).toBe(0x10001);
    const unzip = spawnSync('unzip', ['-tq', out], { encoding: 'utf8' });
    expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
    const py = execFileSync(
      'python3',
      ['-c', 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.read("last.txt").decode(), z.infolist()[0].extract_version)', out],
      { encoding: 'utf8' },
    );
    expect(py.trim()).toBe('65537 the end 20');
    // Our own reader lists the same entries (its central directory is read in one go).
    await withZip(out, async (z) => {
      expect(z.entries).toHaveLength(0x10001);
      expect(Buffer.from(await z.readEntry(z.entry('last.txt') as WheelEntry)).toString()).toBe('the end');
    });
  });
});

// Streamed entries: the local header goes out before the compressed size is known and is
// completed afterwards; unzip and Python (which compare local and central headers) and our own
// reader (which refuses any disagreement) read them back, plain and zip64.
describe('writeZip: streamed entries', ORACLES, () => {
  const streamed = (name: string, content: Uint8Array, queue = taskQueue(2)): ZipWriteItem => ({
    name,
    source: { kind: 'stream', content: Promise.resolve(deflateInPieces(content, 6, queue, name)) },
    mode: 0o100755,
  });

  for (const force64 of [false, true]) {
    it(`writes pieces as they come and completes the local header${force64 ? ' (zip64)' : ''}`, async () => {
      const big = noise(DEFLATE_PIECE * 2 + 999, 41);
      const small = text('tiny');
      const out = outPath();
      await writeZip(out, [data('a.txt', 'first'), streamed('lib/big.so', big), streamed('lib/small.so', small), { name: 'z.txt', source: { kind: 'later', data: Promise.resolve(text('last')) }, mode: 0o100644 }], {
        ...OPTS,
        forceZip64: force64,
      });
      expectToolsAccept(out);
      const info = inspect(out);
      expect(info.bad).toBeNull();
      expect(info.entries.map((e) => [e.name, e.compress_type, e.file_size])).toEqual([
        ['a.txt', 8, 5],
        ['lib/big.so', 8, big.length],
        ['lib/small.so', 8, 4],
        ['z.txt', 8, 4],
      ]);
      await withZip(out, async (o) => {
        expect(sha(await o.readEntry(must(o.entry('lib/big.so'), 'big')))).toBe(sha(big));
        expect(Buffer.from(await o.readEntry(must(o.entry('lib/small.so'), 'small'))).toString()).toBe('tiny');
        expect(Buffer.from(await o.readEntry(must(o.entry('z.txt'), 'z'))).toString()).toBe('last');
      });
    });
  }

  it('is byte-identical for any number of deflate threads', async () => {
    const big = noise(DEFLATE_PIECE * 3 + 5, 43);
    const outs = [outPath(), outPath()];
    await writeZip(outs[0] as string, [streamed('x.so', big, taskQueue(1))], OPTS);
    await writeZip(outs[1] as string, [streamed('x.so', big, taskQueue(4))], OPTS);
    expect(sha(fs.readFileSync(outs[0] as string))).toBe(sha(fs.readFileSync(outs[1] as string)));
  });

  it('a stream that fails (its content, or a piece) rejects with that error and leaves nothing', async () => {
    const boom = new WheelFormatError('WHEEL_IO', 'boom');
    const out = path.join(tmp, 'failed-stream.whl');
    const failing: ZipWriteItem = { name: 'b.so', source: { kind: 'stream', content: Promise.reject(boom) }, mode: 0o100644 };
    expect(await rejection(writeZip(out, [data('a.bin', noise(2 * 1024 * 1024, 44)), failing], OPTS))).toBe(boom);
    expect(leftovers('failed-stream')).toEqual([]);
    const badPiece: ZipWriteItem = { name: 'c.so', source: { kind: 'stream', content: Promise.resolve(deflateInPieces(noise(100, 1), 42, taskQueue(1), 'c.so')) }, mode: 0o100644 };
    const err = await rejection(writeZip(out, [badPiece], OPTS));
    expect((err as WheelFormatError).code).toBe('WHEEL_IO');
    expect(leftovers('failed-stream')).toEqual([]);
  });
});
