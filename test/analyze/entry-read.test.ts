// Reading an entry in one streamed pass, keeping only the byte ranges the analysis reads, must
// give exactly what parsing the whole file gives: the same ELF summary (and run-time load
// names), the same digests. Differential, on real Debian libraries (large ones are read
// sparsely; small ones whole), on a gcc-built library whose dynamic tables sit late in the file
// (placed there by a linker script, so the first pass misses them and a second pass fills them),
// and through loadWheel on one thread and on workers, with the errors each thread gives.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeElf } from '../../src/analyze/elf-summary.js';
import { headerRanges, merge, segmentRanges, tableRanges } from '../../src/analyze/elf-ranges.js';
import { ENTRY_POOL_AVAILABLE } from '../../src/analyze/entry-pool.js';
import { readEntrySync, type EntryJob } from '../../src/analyze/entry-read.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import { scanElfLoadStrings } from '../../src/analyze/load-scan.js';
import { loadWheel } from '../../src/analyze/load-wheel.js';
import { parseElf } from '../../src/elf/index.js';
import { parseHeader, parseIdent, parseSectionHeaders } from '../../src/elf/headers.js';
import { ByteReader } from '../../src/util/bytes.js';
import { entryStreamer } from '../../src/wheel/entry-stream.js';
import { openWheelZip, plainEntry } from '../../src/wheel/zip-read.js';
import { haveCompiler } from '../helpers/build-libs.js';
import { MET, needs, unmet } from '../helpers/requires.js';
import { buildZip, WHEEL_NAME, wheelEntries, type BuildEntry } from '../wheel/zip-builder.js';

/** Real libraries of several sizes and layouts (missing ones are left out; CI installs llvm, libpython3.11-dev, gcc). */
const CANDIDATES = [
  '/usr/lib/llvm-14/lib/libLLVM-14.so.1',
  '/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0',
  '/usr/lib/x86_64-linux-gnu/libasan.so.8',
  '/usr/lib/x86_64-linux-gnu/libtsan.so.2',
  '/usr/lib/x86_64-linux-gnu/libz3.so.4',
  '/usr/lib/x86_64-linux-gnu/libicudata.so.72',
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libstdc++.so.6',
];
const LIBS = CANDIDATES.filter((p) => fs.existsSync(p)).map((p) => fs.realpathSync(p));
/** Read sparsely: over the size below which entries are kept whole (6 MiB). */
const LARGE = LIBS.filter((p) => fs.statSync(p).size > 8 << 20);
const haveLibs = LARGE.length > 0 && LIBS.length > LARGE.length ? MET : unmet(`needs a real library over 8 MiB and a smaller one, found ${LIBS.join(', ') || 'none'} (install llvm, libpython3.11-dev)`);
const canThread = ENTRY_POOL_AVAILABLE ? MET : unmet("workers need node:zlib's crc32 (Node 20.15+) and synchronous piecewise inflation");
const canLink = haveCompiler() ? MET : unmet('gcc is not installed');

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-entry-read-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const b64 = (alg: string, data: Uint8Array): string => createHash(alg).update(data).digest('base64url');

/** A wheel holding `files` (deflated at level 1: quick to build, as real as any level). */
function writeWheel(name: string, files: readonly { name: string; data: Uint8Array }[], extra: (e: BuildEntry) => BuildEntry = (e) => e): string {
  const entries = wheelEntries({ files: files.map((f) => extra({ name: f.name, data: f.data, raw: new Uint8Array(deflateRawSync(f.data, { level: 1 })), mode: 0o100755 })) });
  const file = path.join(fs.mkdtempSync(path.join(tmp, `${name}-`)), WHEEL_NAME);
  fs.writeFileSync(file, buildZip(entries));
  return file;
}

/** Stream every entry of `wheel` named in `names` through readEntrySync on this thread. */
async function streamed(wheel: string, names: readonly string[], runtimeLoads: boolean): Promise<Map<string, unknown>> {
  const zip = await openWheelZip(wheel);
  const streamer = entryStreamer();
  if (streamer === undefined) throw new Error('no synchronous inflation here');
  const out = new Map<string, unknown>();
  try {
    for (const n of names) {
      const e = zip.entry(n);
      if (e === undefined) throw new Error(`no entry ${n}`);
      // A plain copy, as load-wheel sends a worker (a listed entry's fields are getters).
      const job: EntryJob = { ...plainEntry(e), hashes: ['sha256', 'sha512'], elf: true, runtimeLoads };
      out.set(n, readEntrySync(streamer, zip.fd, job, zip.path));
    }
  } finally {
    await zip.close();
  }
  return out;
}

/** What reading `bytes` whole gives. */
function whole(name: string, bytes: Uint8Array, runtimeLoads: boolean): unknown {
  const elf = parseElf(bytes);
  return { digests: [b64('sha256', bytes), b64('sha512', bytes)], elf: { summary: summarizeElf(elf, name), loads: runtimeLoads ? scanElfLoadStrings(elf) : [] } };
}

describe('readEntrySync: streamed, keeping only the ranges the analysis reads', () => {
  it('gives the same summaries and digests as parsing whole files, for real Debian libraries', needs(haveLibs), async () => {
    const files = LIBS.map((p, i) => ({ name: `pkg/_libs/${i}-${path.basename(p)}`, data: new Uint8Array(fs.readFileSync(p)) }));
    const wheel = writeWheel('real', files);
    for (const runtimeLoads of [false, true]) {
      const got = await streamed(wheel, files.map((f) => f.name), runtimeLoads);
      for (const f of files) expect(got.get(f.name), f.name).toEqual(whole(f.name, f.data, runtimeLoads));
    }
  });

  it('reads exactly the ranges elf-ranges plans: a buffer holding only them summarises as the whole file does', needs(haveLibs), () => {
    for (const p of LIBS) {
      const bytes = new Uint8Array(fs.readFileSync(p));
      const sparse = new Uint8Array(bytes.length);
      sparse.set(bytes.subarray(0, 64));
      // Each step is planned from what the previous ones filled in, as the readers do.
      for (const step of [headerRanges, segmentRanges, tableRanges]) {
        const ranges = step(sparse);
        if (ranges === undefined) throw new Error(`${p}: ranges cannot be planned`);
        for (const [s, e] of merge(ranges, bytes.length)) sparse.set(bytes.subarray(s, e), s);
      }
      // Nothing outside the planned ranges is needed: the zero-filled rest never shows.
      expect(summarizeElf(parseElf(sparse), p), p).toEqual(summarizeElf(parseElf(bytes), p));
    }
  });

  it('host libraries read sparsely summarise as when read whole', needs(haveLibs), () => {
    const fsys = new HostFs();
    for (const p of LIBS) {
      expect(fsys.loadElf(p), p).toEqual(summarizeElf(parseElf(new Uint8Array(fs.readFileSync(p))), path.basename(p), { symbols: false }));
    }
    expect(fsys.notes).toEqual([]);
  });
});

/**
 * A copy of the smallest large real library in which one Vernaux record is moved into the middle
 * of the file (the code, never kept by the first pass) and the previous record's vna_next made
 * to point there: a malformed but loadable file (ld.so follows the link too). Undefined when no
 * Verneed has two Vernaux records.
 */
function movedVernaux(): { bytes: Uint8Array; file: string; version: string } | undefined {
  const lib = [...LARGE].sort((a, b) => fs.statSync(a).size - fs.statSync(b).size)[0];
  if (lib === undefined) return undefined;
  const bytes = new Uint8Array(fs.readFileSync(lib));
  const need = parseElf(bytes).versionNeeds().find((n) => n.aux.length >= 2);
  const [a0, a1] = need?.aux ?? [];
  if (need === undefined || a0 === undefined || a1 === undefined) return undefined;
  const target = Math.floor(bytes.length / 2) & ~15;
  bytes.copyWithin(target, a1.offset, a1.offset + 16);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // vna_next (the last word of a Vernaux) is relative to the record; the moved one ends the chain.
  v.setUint32(a0.offset + 12, target - a0.offset, true);
  v.setUint32(target + 12, 0, true);
  return { bytes, file: need.file, version: a1.name };
}

describe('version records linked outside the kept sections', () => {
  it('are read as a whole read (and the loader) reads them, in a wheel entry and from the host', needs(haveLibs), async () => {
    const moved = movedVernaux();
    if (moved === undefined) throw new Error(`no Verneed with two Vernaux records in ${LARGE.join(', ')}`);
    const name = 'pkg/_libs/libmoved.so.1';
    const expected = whole(name, moved.bytes, false) as { elf: { summary: { versionRequirements: unknown[] } } };
    // The whole read follows the link to the moved record.
    expect(expected.elf.summary.versionRequirements).toContainEqual([moved.file, moved.version]);
    const got = await streamed(writeWheel('moved', [{ name, data: moved.bytes }]), [name], false);
    expect(got.get(name)).toEqual(expected);
    const onHost = path.join(fs.mkdtempSync(path.join(tmp, 'moved-')), 'libmoved.so.1');
    fs.writeFileSync(onHost, moved.bytes);
    expect(new HostFs().loadElf(onHost)).toEqual(summarizeElf(parseElf(moved.bytes), 'libmoved.so.1', { symbols: false }));
  });
});

/**
 * A shared library of about 9 MiB whose .dynsym, .dynstr, hash and version tables come after
 * 7 MiB of read-only data (a linker script moves them past .rodata) and before 2 MiB of
 * writable data: outside the 6 MiB kept from the start and the 1 MiB kept from the end.
 */
function lateTableLibrary(): Uint8Array {
  const dir = fs.mkdtempSync(path.join(tmp, 'late-'));
  const src = path.join(dir, 'late.c');
  fs.writeFileSync(src, [
    'extern int puts(const char *);',
    'extern unsigned long strlen(const char *);',
    'const char blob[7 << 20] = { 1, 2, 3 };',
    'char data[2 << 20] = { 4, 5, 6 };',
    'int late_entry(int i) { puts("libfoo.so.3"); return blob[i] + data[i] + (int)strlen(blob + i); }',
    '',
  ].join('\n'));
  const verbose = spawnSync('gcc', ['-shared', '-Wl,--verbose', '-o', path.join(dir, 'empty.so')], { cwd: dir, encoding: 'utf8' }).stdout;
  const script = verbose.split(/^={20,}$/m)[1];
  if (script === undefined) throw new Error('gcc -Wl,--verbose printed no linker script');
  const tables = /^\s*\.(hash|gnu\.hash|dynsym|dynstr|gnu\.version|gnu\.version_d|gnu\.version_r)\s*:.*$/gm;
  const moved = script.match(tables) ?? [];
  expect(moved.length).toBeGreaterThanOrEqual(5);
  const lateScript = script.replace(tables, '').replace(/^(\s*\.rodata\s*:.*)$/m, `$1\n${moved.join('\n')}`);
  fs.writeFileSync(path.join(dir, 'late.ld'), lateScript);
  const out = path.join(dir, 'liblate.so');
  const r = spawnSync('gcc', ['-shared', '-fPIC', '-O1', '-o', out, src, '-Wl,-T,late.ld', '-Wl,-soname,liblate.so.1'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  return new Uint8Array(fs.readFileSync(out));
}

/** The file offset of a section of `bytes` by type. */
function sectionOffset(bytes: Uint8Array, type: number): number {
  const ident = parseIdent(bytes);
  const r = new ByteReader(bytes, ident.littleEndian, ident.elfClass === 64);
  const s = parseSectionHeaders(r, parseHeader(r)).find((x) => x.sh_type === type);
  if (s === undefined) throw new Error(`no section of type ${type}`);
  return Number(s.sh_offset);
}

describe('an ELF entry whose tables lie late in the file', () => {
  let lib: Uint8Array | undefined;
  const late = (): Uint8Array => (lib ??= lateTableLibrary());

  it('is read by a second pass and summarised as the whole file is', needs(canLink), async () => {
    const bytes = late();
    const dynsym = sectionOffset(bytes, 11 /* SHT_DYNSYM */);
    // Outside what the first pass keeps on speculation (the first 6 MiB, the last 1 MiB).
    expect(dynsym).toBeGreaterThan(6 << 20);
    expect(bytes.length - dynsym).toBeGreaterThan(2 << 20);
    const name = 'pkg/_libs/liblate.so.1';
    const wheel = writeWheel('late', [{ name, data: bytes }]);
    const got = await streamed(wheel, [name], false);
    expect(got.get(name)).toEqual(whole(name, bytes, false));
    const summary = summarizeElf(parseElf(bytes), name);
    expect(summary.soname).toBe('liblate.so.1');
    expect(summary.undefinedStrong.has('puts')).toBe(true);
  });

  it('gives the same report on one thread and on workers', needs(canLink, canThread), async () => {
    const wheel = writeWheel('late-jobs', [{ name: 'pkg/_libs/liblate.so.1', data: late() }, { name: 'pkg/_libs/liblate-copy.so.1', data: late() }]);
    const one = await loadWheel(wheel, { jobs: 1, runtimeLoads: true, forRepair: true });
    const two = await loadWheel(wheel, { jobs: 2, runtimeLoads: true, forRepair: true });
    expect([...two.contents.elves]).toEqual([...one.contents.elves]);
    expect([...two.digests]).toEqual([...one.digests]);
    expect([...(two.runtimeLoads?.elf ?? [])]).toEqual([...(one.runtimeLoads?.elf ?? [])]);
    expect(one.runtimeLoads?.elf.get('pkg/_libs/liblate.so.1')).toEqual(['libfoo.so.3']);
    expect(one.contents.elves.get('pkg/_libs/liblate.so.1')?.soname).toBe('liblate.so.1');
  });
});

describe('entry errors are the same on one thread and on workers', () => {
  /** The message loadWheel fails with. */
  async function failure(file: string, jobs: number): Promise<string> {
    try {
      await loadWheel(file, { jobs });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  }
  const big = (): Uint8Array => new Uint8Array(fs.readFileSync('/lib/x86_64-linux-gnu/libc.so.6'));
  const cases: [string, (e: BuildEntry) => BuildEntry, RegExp][] = [
    ['a wrong CRC-32', (e) => ({ ...e, crc: 0x12345678 }), /entry pkg\/_libs\/liba\.so: CRC-32 of the data is 0x[0-9a-f]{8}, expected 0x12345678$/],
    ['more data than declared (a bomb)', (e) => ({ ...e, size: 1 << 20 }), /entry pkg\/_libs\/liba\.so: inflated to more than 1048576 bytes, expected 1048576$/],
    ['less data than declared', (e) => ({ ...e, size: ((e.data as Uint8Array).length + (1 << 20)) }), /entry pkg\/_libs\/liba\.so: inflated to \d+ bytes, expected \d+$/],
    ['corrupt deflate data', (e) => ({ ...e, raw: Uint8Array.from((e.raw as Uint8Array).subarray(0, 1 << 16), (b, i) => (i > 100 ? b ^ 0x5a : b)) }), /entry pkg\/_libs\/liba\.so: cannot inflate its data: /],
  ];
  for (const [what, corrupt, message] of cases) {
    it(`for ${what}, and the first entry in file order wins`, needs(canThread), async () => {
      const data = big();
      const wheel = writeWheel(`err-${what.replace(/\W+/g, '-')}`, [
        { name: 'pkg/_libs/liba.so', data },
        { name: 'pkg/_libs/libb.so', data },
      ], (e) => corrupt(e));
      const one = await failure(wheel, 1);
      expect(one).toMatch(message);
      expect(await failure(wheel, 2)).toBe(one);
      expect(await failure(wheel, 3)).toBe(one);
    });
  }
});
