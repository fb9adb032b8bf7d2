// Seeded mutation fuzzing of the ELF reader. Mutants of small committed fixtures (bit flips,
// boundary bytes, absurd values written over header / program header / dynamic / version /
// hash-table fields located by parsing the base file, truncations) must either parse or throw a
// WheelauditError — from parseElf and from every lazy getter — quickly, deterministically, and
// without building more records than the input has bytes. A second block checks that crafted
// inputs cannot make the reader retain far more memory than the input size.
//
// WHEELAUDIT_FUZZ_RUNS   total mutants (default 4000, spread round-robin over the bases)
// WHEELAUDIT_FUZZ_SEED   the seed (default below); each iteration derives its own PRNG from it
// WHEELAUDIT_FUZZ_ONLY   run just this iteration number (to reproduce a reported failure)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MET, needs, unmet } from '../helpers/requires.js';
import {
  DT_GNU_HASH,
  DT_HASH,
  DT_NEEDED,
  DT_NULL,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMENT,
  DT_SYMTAB,
  DT_VERNEED,
  DT_VERNEEDNUM,
  PT_DYNAMIC,
  PT_GNU_STACK,
  PT_LOAD,
  PT_NOTE,
  SHT_DYNSYM,
} from '../../src/elf/constants.js';
import { parseElf } from '../../src/elf/index.js';
import type { ElfFile } from '../../src/elf/index.js';
import { WheelauditError } from '../../src/errors.js';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/elf/out');

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

const RUNS = envInt('WHEELAUDIT_FUZZ_RUNS', 4000);
const SEED = envInt('WHEELAUDIT_FUZZ_SEED', 0x0e1f_5eed) >>> 0;
const ONLY = process.env['WHEELAUDIT_FUZZ_ONLY'] === undefined ? undefined : envInt('WHEELAUDIT_FUZZ_ONLY', 0);
/** A mutant whose parse and getters take longer than this fails the test. */
const MAX_MS_PER_MUTANT = 2000;
/** The watchdog kills the test process when one mutant has not finished after this long. */
const HANG_MS = 15_000;

/** Small files covering both classes, both byte orders, Verneed, Verdef, DT_HASH, no sections, GNU property notes. */
const BASE_FILES = [
  'x86_64/verdemo/verdemo-main',
  'x86_64/verdemo/libverdemo.so.1',
  'x86_64/no-sections/_nosect.cpython-311-x86_64-linux-gnu.so',
  'x86_64/isa-v3/_isav3.cpython-311-x86_64-linux-gnu.so',
  'x86_64-musl/_muslext.cpython-311-x86_64-linux-musl.so',
  'i686/verdemo-main',
  'armv7l/libverdemo.so.1',
  's390x/verdemo-main',
  's390x/libverdemo.so.1',
  'riscv64/libverdemo.so.1',
];

// ---- PRNG ---------------------------------------------------------------------------------------

type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG, plenty for choosing mutations. Returns [0, 1). */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The PRNG of one iteration: independent of every other, so one iteration can be replayed alone. */
function rngFor(seed: number, iteration: number): Rng {
  return mulberry32((seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0);
}

function below(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  const v = items[below(rng, items.length)];
  if (v === undefined) throw new Error('pick from an empty list');
  return v;
}

// ---- interesting locations in a base file --------------------------------------------------------

type Size = 1 | 2 | 4 | 8;

interface Field {
  readonly at: number;
  readonly size: Size;
  readonly what: string;
}

interface Base {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  readonly fields: readonly Field[];
  /** Offsets worth truncating at (table starts, record starts, segment ends). */
  readonly cuts: readonly number[];
}

/** The unsigned field at `at`, or 0 when it lies (partly) past the end (after a truncation). */
function readUint(bytes: Uint8Array, at: number, size: Size, le: boolean): bigint {
  if (at < 0 || at + size > bytes.length) return 0n;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (size) {
    case 1:
      return BigInt(dv.getUint8(at));
    case 2:
      return BigInt(dv.getUint16(at, le));
    case 4:
      return BigInt(dv.getUint32(at, le));
    case 8:
      return dv.getBigUint64(at, le);
  }
}

function writeUint(bytes: Uint8Array, at: number, size: Size, le: boolean, value: bigint): void {
  if (at < 0 || at + size > bytes.length) return;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v = BigInt.asUintN(size * 8, value);
  switch (size) {
    case 1:
      dv.setUint8(at, Number(v));
      break;
    case 2:
      dv.setUint16(at, Number(v), le);
      break;
    case 4:
      dv.setUint32(at, Number(v), le);
      break;
    case 8:
      dv.setBigUint64(at, v, le);
      break;
  }
}

/** Locate the fields worth corrupting, by parsing the (valid) base file with the reader itself. */
function describeBase(name: string): Base {
  const bytes = new Uint8Array(fs.readFileSync(path.join(OUT, name)));
  const f = parseElf(bytes);
  const is64 = f.ident.elfClass === 64;
  const W: Size = is64 ? 8 : 4;
  const fields: Field[] = [];
  const cuts = new Set<number>([0, 4, 16, bytes.length - 1]);
  const add = (at: number, size: Size, what: string): void => {
    if (at >= 0 && at + size <= bytes.length) fields.push({ at, size, what });
  };

  // e_ident bytes, then the ELF header (gABI Elf32_Ehdr / Elf64_Ehdr).
  add(4, 1, 'EI_CLASS');
  add(5, 1, 'EI_DATA');
  add(6, 1, 'EI_VERSION');
  const ehdr: readonly (readonly [string, number, Size])[] = is64
    ? [
        ['e_type', 0x10, 2],
        ['e_phoff', 0x20, 8],
        ['e_shoff', 0x28, 8],
        ['e_phentsize', 0x36, 2],
        ['e_phnum', 0x38, 2],
        ['e_shentsize', 0x3a, 2],
        ['e_shnum', 0x3c, 2],
        ['e_shstrndx', 0x3e, 2],
      ]
    : [
        ['e_type', 0x10, 2],
        ['e_phoff', 0x1c, 4],
        ['e_shoff', 0x20, 4],
        ['e_phentsize', 0x2a, 2],
        ['e_phnum', 0x2c, 2],
        ['e_shentsize', 0x2e, 2],
        ['e_shnum', 0x30, 2],
        ['e_shstrndx', 0x32, 2],
      ];
  for (const [n, at, size] of ehdr) add(at, size, n);
  cuts.add(is64 ? 0x40 : 0x34);

  // Program headers (Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align).
  const phoff = Number(f.header.e_phoff);
  for (const ph of f.programHeaders) {
    const o = phoff + ph.index * f.header.e_phentsize;
    cuts.add(o);
    const w = `phdr ${ph.index}`;
    add(o, 4, `${w} p_type`);
    if (is64) {
      add(o + 0x08, 8, `${w} p_offset`);
      add(o + 0x10, 8, `${w} p_vaddr`);
      add(o + 0x20, 8, `${w} p_filesz`);
      add(o + 0x28, 8, `${w} p_memsz`);
    } else {
      add(o + 0x04, 4, `${w} p_offset`);
      add(o + 0x08, 4, `${w} p_vaddr`);
      add(o + 0x10, 4, `${w} p_filesz`);
      add(o + 0x14, 4, `${w} p_memsz`);
    }
    if (ph.p_type === PT_LOAD || ph.p_type === PT_DYNAMIC || ph.p_type === PT_NOTE) {
      cuts.add(Number(ph.p_offset));
      cuts.add(Number(ph.p_offset + ph.p_filesz));
      cuts.add(Number(ph.p_offset + ph.p_filesz / 2n));
    }
    if (ph.p_type === PT_NOTE && ph.p_filesz >= 12n) {
      // Elf_Nhdr of the first note: n_namesz, n_descsz, n_type.
      const n = Number(ph.p_offset);
      add(n, 4, 'n_namesz');
      add(n + 4, 4, 'n_descsz');
      add(n + 8, 4, 'n_type');
    }
  }

  // Section headers (a few fields each) and the section name table.
  const shoff = Number(f.header.e_shoff);
  for (const s of f.sections()) {
    const o = shoff + s.index * f.header.e_shentsize;
    cuts.add(o);
    const w = `shdr ${s.index} (${s.name})`;
    add(o, 4, `${w} sh_name`);
    add(o + 4, 4, `${w} sh_type`);
    add(o + (is64 ? 0x18 : 0x10), W, `${w} sh_offset`);
    add(o + (is64 ? 0x20 : 0x14), W, `${w} sh_size`);
    add(o + (is64 ? 0x28 : 0x18), 4, `${w} sh_link`);
    add(o + (is64 ? 0x2c : 0x1c), 4, `${w} sh_info`);
    add(o + (is64 ? 0x38 : 0x24), W, `${w} sh_entsize`);
    if (s.sh_type === SHT_DYNSYM) {
      // st_name of the first few dynamic symbols.
      for (let i = 1; i < 4; i++) add(Number(s.sh_offset) + i * (is64 ? 24 : 16), 4, `dynsym ${i} st_name`);
    }
  }

  // The dynamic array, DT_NULL slot included, and what it points at.
  const d = f.dynamic;
  if (d !== undefined) {
    for (let i = 0; i <= d.entries.length; i++) {
      const o = d.offset + i * 2 * W;
      add(o, W, `dyn ${i} d_tag`);
      add(o + W, W, `dyn ${i} d_val`);
      cuts.add(o);
    }
    // NULs of .dynstr (removing one runs a string into the next), and its last byte.
    for (let i = 0; i < d.strtabSize; i++) if (bytes[d.strtabOffset + i] === 0) add(d.strtabOffset + i, 1, `dynstr[${i}] NUL`);
    cuts.add(d.strtabOffset + d.strtabSize - 1);
    const tagValue = (tag: bigint): bigint | undefined => d.entries.find((e) => e.d_tag === tag)?.d_val;
    const gnu = tagValue(DT_GNU_HASH);
    const gnuAt = gnu === undefined ? undefined : f.vaddrToOffset(gnu, 16);
    if (gnuAt !== undefined) {
      for (const [n, k] of [
        ['nbuckets', 0],
        ['symoffset', 4],
        ['bloom_size', 8],
        ['bloom_shift', 12],
      ] as const) {
        add(gnuAt + k, 4, `DT_GNU_HASH ${n}`);
      }
    }
    const hash = tagValue(DT_HASH);
    const hashAt = hash === undefined ? undefined : f.vaddrToOffset(hash, 8);
    if (hashAt !== undefined) {
      add(hashAt, 4, 'DT_HASH nbucket');
      add(hashAt + 4, 4, 'DT_HASH nchain');
    }
  }

  // Verneed / Vernaux and Verdef / Verdaux records (LSB symbol versioning).
  f.versionNeeds().forEach((vn, i) => {
    cuts.add(vn.offset);
    add(vn.offset + 2, 2, `verneed ${i} vn_cnt`);
    add(vn.offset + 4, 4, `verneed ${i} vn_file`);
    add(vn.offset + 8, 4, `verneed ${i} vn_aux`);
    add(vn.offset + 12, 4, `verneed ${i} vn_next`);
    vn.aux.forEach((a, j) => {
      add(a.offset + 6, 2, `vernaux ${i}.${j} vna_other`);
      add(a.offset + 8, 4, `vernaux ${i}.${j} vna_name`);
      add(a.offset + 12, 4, `vernaux ${i}.${j} vna_next`);
    });
  });
  f.versionDefs().forEach((vd, i) => {
    cuts.add(vd.offset);
    add(vd.offset + 4, 2, `verdef ${i} vd_ndx`);
    add(vd.offset + 6, 2, `verdef ${i} vd_cnt`);
    add(vd.offset + 12, 4, `verdef ${i} vd_aux`);
    add(vd.offset + 16, 4, `verdef ${i} vd_next`);
    vd.aux.forEach((a, j) => {
      add(a.offset, 4, `verdaux ${i}.${j} vda_name`);
      add(a.offset + 4, 4, `verdaux ${i}.${j} vda_next`);
    });
  });

  return {
    name,
    bytes,
    littleEndian: f.ident.littleEndian,
    fields,
    cuts: [...cuts].filter((c) => c >= 0 && c <= bytes.length).sort((a, b) => a - b),
  };
}

// ---- mutation -------------------------------------------------------------------------------------

function valuesFor(size: Size, len: number, current: bigint): bigint[] {
  const L = BigInt(len);
  return [
    0n,
    1n,
    2n,
    0x7fn,
    0x80n,
    0xffn,
    0x7fffn,
    0x8000n,
    0xfffen,
    0xffffn,
    0x7fffffffn,
    0x80000000n,
    0xfffffff0n,
    0xffffffffn,
    L - 1n,
    L,
    L + 1n,
    current - 1n,
    current + 1n,
    current + 16n,
    current * 2n,
    1n << 53n,
    (1n << 53n) + 1n,
    1n << 63n,
    (1n << 64n) - 1n,
  ].map((v) => BigInt.asUintN(size * 8, v));
}

interface Mutant {
  readonly bytes: Uint8Array;
  readonly ops: readonly string[];
}

function mutate(rng: Rng, base: Base): Mutant {
  let bytes = base.bytes.slice();
  const ops: string[] = [];
  const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
  const count = 1 + (rng() < 0.35 ? 1 : 0) + (rng() < 0.15 ? 1 : 0);
  for (let k = 0; k < count; k++) {
    const r = rng();
    if (r < 0.35) {
      // A field overwritten with a boundary / absurd value of its own width.
      const fld = pick(rng, base.fields);
      const v = pick(rng, valuesFor(fld.size, bytes.length, readUint(bytes, fld.at, fld.size, base.littleEndian)));
      writeUint(bytes, fld.at, fld.size, base.littleEndian, v);
      ops.push(`${fld.what}@${hex(fld.at)} = ${hex(v)}`);
    } else if (r < 0.5) {
      // A 4- or 8-byte overwrite at a field start, whatever the field's width.
      const fld = pick(rng, base.fields);
      const size: Size = rng() < 0.5 ? 4 : 8;
      const v = pick(rng, [0n, 0xffffffffn, 0x7fffffffn, 0xffffffffffffffffn, 0x7fffffffffffffffn, BigInt(bytes.length) * 4n]);
      writeUint(bytes, fld.at, size, base.littleEndian, v);
      ops.push(`${size} bytes at ${fld.what}@${hex(fld.at)} = ${hex(BigInt.asUintN(size * 8, v))}`);
    } else if (r < 0.68) {
      // Bit flips anywhere.
      const n = 1 + below(rng, 4);
      for (let i = 0; i < n; i++) {
        const at = below(rng, bytes.length);
        const bit = below(rng, 8);
        bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
        ops.push(`flip bit ${bit} of ${hex(at)}`);
      }
    } else if (r < 0.85) {
      // A boundary byte, inside a known field half of the time, anywhere otherwise.
      const at = rng() < 0.5 ? (() => {
        const fld = pick(rng, base.fields);
        return fld.at + below(rng, fld.size);
      })() : below(rng, bytes.length);
      const v = pick(rng, [0, 0xff, 0x7f, 0x80]);
      if (at < bytes.length) bytes[at] = v;
      ops.push(`byte ${hex(at)} = ${hex(v)}`);
    } else {
      // Truncation near an interesting offset, or anywhere.
      const near = rng() < 0.7 ? pick(rng, base.cuts) + below(rng, 9) - 4 : below(rng, bytes.length);
      const len = Math.max(0, Math.min(bytes.length, near));
      bytes = bytes.slice(0, len);
      ops.push(`truncate to ${hex(len)}`);
    }
  }
  return { bytes, ops };
}

// ---- exercising the reader ------------------------------------------------------------------------

interface Trial {
  /** parseElf threw (its code), or undefined when it returned. */
  readonly parseCode: string | undefined;
  /** A stable rendering of everything the reader returned, to compare re-parses. */
  readonly summary: string;
  /** Throws that were not WheelauditErrors, by stage. */
  readonly escapes: readonly string[];
  /** Records returned by the getters (sections, symbols, versym entries, version records, notes...). */
  readonly records: number;
  readonly ms: number;
}

const GETTERS: readonly (readonly [string, (f: ElfFile) => unknown])[] = [
  ['sections', (f) => f.sections()],
  ['sectionByName', (f) => f.sectionByName('.dynstr')],
  ['dynamicSymbols', (f) => f.dynamicSymbols()],
  ['symbolVersionIndexes', (f) => f.symbolVersionIndexes()],
  [
    'symbolVersion',
    (f) => {
      const out: unknown[] = [];
      const n = f.symbolVersionIndexes().length;
      for (let i = 0; i <= n; i++) out.push(f.symbolVersion(i));
      return out;
    },
  ],
  ['versionNeeds', (f) => f.versionNeeds()],
  ['versionDefs', (f) => f.versionDefs()],
  ['notes', (f) => f.notes()],
  ['gnuProperties', (f) => f.gnuProperties()],
  ['x86IsaNeeded', (f) => f.x86IsaNeeded()],
];

function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v.toString(16)}n`;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return v;
}

function recordCount(name: string, v: unknown): number {
  if (!Array.isArray(v)) return 0;
  let n = v.length;
  if (name === 'versionNeeds' || name === 'versionDefs') {
    for (const r of v as readonly { aux: readonly unknown[] }[]) n += r.aux.length;
  }
  return name === 'symbolVersion' ? 0 : n;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : `non-Error throw: ${String(e)}`;
}

/** parseElf, then every getter (each one even if an earlier one threw). */
function trial(bytes: Uint8Array): Trial {
  const t0 = performance.now();
  const escapes: string[] = [];
  const parts: unknown[] = [];
  let records = 0;
  let f: ElfFile;
  try {
    f = parseElf(bytes);
  } catch (e) {
    if (!(e instanceof WheelauditError)) escapes.push(`parseElf: ${errorText(e)}`);
    const code = e instanceof WheelauditError ? e.code : 'ESCAPED';
    return { parseCode: code, summary: code, escapes, records, ms: performance.now() - t0 };
  }
  parts.push(f.ident, f.header, f.programHeaders, f.interpreter, f.dynamic);
  records += f.programHeaders.length + (f.dynamic?.entries.length ?? 0);
  for (const [name, get] of GETTERS) {
    try {
      const v = get(f);
      records += recordCount(name, v);
      parts.push([name, v]);
    } catch (e) {
      if (!(e instanceof WheelauditError)) escapes.push(`${name}: ${errorText(e)}`);
      parts.push([name, 'threw', e instanceof WheelauditError ? [e.code, e.message] : String(e)]);
    }
  }
  parts.push(f.warnings);
  const ms = performance.now() - t0;
  let summary: string;
  try {
    summary = JSON.stringify(parts, jsonReplacer);
  } catch (e) {
    escapes.push(`summary: ${errorText(e)}`);
    summary = '';
  }
  return { parseCode: undefined, summary, escapes, records, ms };
}

// ---- hang watchdog --------------------------------------------------------------------------------

// A synchronous infinite loop cannot be interrupted by vitest's timeout, so a worker thread watches
// a heartbeat in shared memory and, if one mutant runs for HANG_MS, prints how to reproduce it and
// kills this test process (vitest then reports the worker as crashed).
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(workerData.shared);
let beat = -1;
let since = Date.now();
setInterval(() => {
  const now = Atomics.load(state, 1);
  if (now !== beat || Atomics.load(state, 2) === 1) { beat = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.hangMs) {
    fs.writeSync(2, '\\nelf-fuzz: iteration ' + Atomics.load(state, 0) + ' (seed ' + workerData.seed + ') has not finished after ' +
      workerData.hangMs + ' ms: a hang in the ELF reader. Reproduce with WHEELAUDIT_FUZZ_SEED=' + workerData.seed +
      ' WHEELAUDIT_FUZZ_ONLY=' + Atomics.load(state, 0) + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 200);
`;

const shared = new Int32Array(new SharedArrayBuffer(12));
let watchdog: Worker | undefined;

beforeAll(() => {
  Atomics.store(shared, 2, 1);
  watchdog = new Worker(WATCHDOG, { eval: true, workerData: { shared: shared.buffer, hangMs: HANG_MS, seed: SEED } });
  watchdog.unref();
});

afterAll(async () => {
  await watchdog?.terminate();
});

// ---- the fuzz loop --------------------------------------------------------------------------------

const bases = BASE_FILES.map(describeBase);

describe(`ELF reader mutation fuzz (seed ${SEED}, ${ONLY === undefined ? `${RUNS} mutants` : `iteration ${ONLY} only`})`, () => {
  it('starts from bases that parse cleanly, with fields located in each', () => {
    for (const b of bases) {
      const t = trial(b.bytes);
      expect(t.parseCode, b.name).toBeUndefined();
      expect(t.escapes, b.name).toEqual([]);
      expect(t.summary, b.name).not.toMatch(/"threw"/);
      expect(b.fields.length, b.name).toBeGreaterThan(50);
    }
  });

  bases.forEach((base, baseIndex) => {
    it(`mutants of ${base.name}`, () => {
      const failures: string[] = [];
      let runs = 0;
      let parsed = 0;
      let slowest = { ms: 0, iteration: -1 };
      const t0 = performance.now();
      Atomics.store(shared, 2, 0);
      for (let i = baseIndex; i < RUNS; i += bases.length) {
        if (ONLY !== undefined && i !== ONLY) continue;
        Atomics.store(shared, 0, i);
        Atomics.add(shared, 1, 1);
        const { bytes, ops } = mutate(rngFor(SEED, i), base);
        const repro = `iteration ${i} (WHEELAUDIT_FUZZ_SEED=${SEED} WHEELAUDIT_FUZZ_ONLY=${i}), ${base.name}, ${bytes.length} bytes: ${ops.join('; ')}`;
        const before = bytes.slice();
        const t = trial(bytes);
        runs++;
        if (t.ms > slowest.ms) slowest = { ms: t.ms, iteration: i };
        for (const e of t.escapes) failures.push(`${repro}\n  escaped: ${e}`);
        if (t.ms > MAX_MS_PER_MUTANT) failures.push(`${repro}\n  took ${t.ms.toFixed(0)} ms (limit ${MAX_MS_PER_MUTANT})`);
        if (Buffer.compare(bytes, before) !== 0) failures.push(`${repro}\n  the reader modified its input`);
        if (t.records > bytes.length) failures.push(`${repro}\n  ${t.records} records returned from ${bytes.length} bytes`);
        if (t.parseCode === undefined) {
          parsed++;
          const again = trial(bytes.slice());
          if (again.summary !== t.summary) failures.push(`${repro}\n  a second parse of the same bytes gave a different result`);
        }
        if (failures.length >= 20) break;
      }
      Atomics.store(shared, 2, 1);
      const total = performance.now() - t0;
      // One line per base, for the record: how many ran, how many parsed, time, slowest mutant.
      console.log(
        `elf-fuzz ${base.name}: ${runs} mutants (${parsed} parsed) in ${total.toFixed(0)} ms; slowest ${slowest.ms.toFixed(1)} ms (iteration ${slowest.iteration})`,
      );
      expect(failures, failures.join('\n\n')).toEqual([]);
    });
  });
});

// ---- allocation bounds ----------------------------------------------------------------------------

// Crafted inputs where many small records all point at one large thing. Whatever the reader
// returns must stay proportional to the input: it may refuse the file (any WheelauditError), but
// if it accepts it, the memory it retains must stay within RETAIN_FACTOR times the input size.
const RETAIN_FACTOR = 16;
const RETAIN_SLACK = 1024 * 1024;

function getGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose_gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? () => void (gc as () => unknown)() : undefined;
  } catch {
    return undefined;
  }
}
const gc = getGc();

/** Heap retained by what `work` returns, or the error it threw. */
function retained(work: () => unknown): { bytes: number; keep: unknown } | { error: unknown } {
  if (gc === undefined) throw new Error('no gc');
  gc();
  const h0 = process.memoryUsage().heapUsed;
  let keep: unknown;
  try {
    keep = work();
  } catch (error) {
    return { error };
  }
  gc();
  const bytes = process.memoryUsage().heapUsed - h0;
  return { bytes, keep };
}

interface Grown {
  readonly bytes: Uint8Array;
  /** File offset and virtual address of the appended region. */
  readonly offset: number;
  readonly vaddr: bigint;
}

const EXTRA_VADDR = 0x4000_0000n;

/**
 * Append `region` to a base file and map it with a new PT_LOAD (the PT_GNU_STACK header is
 * reused for it), optionally with the section header table dropped (e_shoff = e_shnum = e_shstrndx = 0).
 */
function appendLoad(name: string, regionSize: number, stripSections: boolean): Grown & { f: ElfFile } {
  const base = new Uint8Array(fs.readFileSync(path.join(OUT, name)));
  const f = parseElf(base);
  const is64 = f.ident.elfClass === 64;
  const le = f.ident.littleEndian;
  const W: Size = is64 ? 8 : 4;
  const offset = Math.ceil(base.length / 16) * 16;
  const bytes = new Uint8Array(offset + regionSize);
  bytes.set(base);
  const stack = f.programHeaders.find((p) => p.p_type === PT_GNU_STACK);
  if (stack === undefined) throw new Error(`${name} has no PT_GNU_STACK to reuse`);
  const o = Number(f.header.e_phoff) + stack.index * f.header.e_phentsize;
  writeUint(bytes, o, 4, le, BigInt(PT_LOAD));
  if (is64) {
    writeUint(bytes, o + 0x04, 4, le, 4n); // p_flags PF_R
    for (const [k, v] of [
      [0x08, BigInt(offset)],
      [0x10, EXTRA_VADDR],
      [0x18, EXTRA_VADDR],
      [0x20, BigInt(regionSize)],
      [0x28, BigInt(regionSize)],
      [0x30, 0x1000n],
    ] as const) {
      writeUint(bytes, o + k, W, le, v);
    }
  } else {
    for (const [k, v] of [
      [0x04, BigInt(offset)],
      [0x08, EXTRA_VADDR],
      [0x0c, EXTRA_VADDR],
      [0x10, BigInt(regionSize)],
      [0x14, BigInt(regionSize)],
      [0x18, 4n],
      [0x1c, 0x1000n],
    ] as const) {
      writeUint(bytes, o + k, W, le, v);
    }
  }
  if (stripSections) {
    writeUint(bytes, is64 ? 0x28 : 0x20, W, le, 0n); // e_shoff
    writeUint(bytes, is64 ? 0x3c : 0x30, 2, le, 0n); // e_shnum
    writeUint(bytes, is64 ? 0x3e : 0x32, 2, le, 0n); // e_shstrndx
  }
  return { bytes, offset, vaddr: EXTRA_VADDR, f };
}

/** Point PT_DYNAMIC at a new dynamic array written at `at` (file offset) / `vaddr`. */
function writeDynamic(g: Grown & { f: ElfFile }, at: number, vaddr: bigint, entries: readonly (readonly [bigint, bigint])[]): void {
  const is64 = g.f.ident.elfClass === 64;
  const le = g.f.ident.littleEndian;
  const W: Size = is64 ? 8 : 4;
  const all = [...entries, [DT_NULL, 0n] as const];
  all.forEach(([tag, val], i) => {
    writeUint(g.bytes, at + i * 2 * W, W, le, tag);
    writeUint(g.bytes, at + i * 2 * W + W, W, le, val);
  });
  const dyn = g.f.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
  if (dyn === undefined) throw new Error('no PT_DYNAMIC');
  const o = Number(g.f.header.e_phoff) + dyn.index * g.f.header.e_phentsize;
  const size = BigInt(all.length * 2 * W);
  if (is64) {
    writeUint(g.bytes, o + 0x08, 8, le, BigInt(at));
    writeUint(g.bytes, o + 0x10, 8, le, vaddr);
    writeUint(g.bytes, o + 0x20, 8, le, size);
    writeUint(g.bytes, o + 0x28, 8, le, size);
  } else {
    writeUint(g.bytes, o + 0x04, 4, le, BigInt(at));
    writeUint(g.bytes, o + 0x08, 4, le, vaddr);
    writeUint(g.bytes, o + 0x10, 4, le, size);
    writeUint(g.bytes, o + 0x14, 4, le, size);
  }
}

const LONG = 64 * 1024;
const X64 = 'x86_64/verdemo/verdemo-main';

function expectBounded(input: Uint8Array, work: () => unknown): void {
  const r = retained(work);
  if ('error' in r) {
    expect(r.error, errorText(r.error)).toBeInstanceOf(WheelauditError);
    return;
  }
  const limit = RETAIN_FACTOR * input.length + RETAIN_SLACK;
  expect(
    r.bytes,
    `parsing ${input.length} bytes retained ${(r.bytes / 1e6).toFixed(1)} MB (limit ${(limit / 1e6).toFixed(1)} MB)`,
  ).toBeLessThanOrEqual(limit);
  expect(r.keep).toBeDefined();
}

describe('memory retained by the reader stays proportional to the input', needs(gc === undefined ? unmet('needs V8 to expose gc() (v8.setFlagsFromString("--expose_gc") had no effect)') : MET), () => {
  it('2048 DT_NEEDED entries naming one 64 KiB string (parseElf alone)', () => {
    const n = 2048;
    const strtabSize = LONG + 2;
    const dynAt = Math.ceil(strtabSize / 16) * 16;
    const g = appendLoad(X64, dynAt + (n + 3) * 16, false);
    // .dynstr: "\0" then LONG x 'A' then "\0"; every DT_NEEDED names offset 1.
    g.bytes.fill(0x41, g.offset + 1, g.offset + 1 + LONG);
    writeDynamic(g, g.offset + dynAt, g.vaddr + BigInt(dynAt), [
      [DT_STRTAB, g.vaddr],
      [DT_STRSZ, BigInt(strtabSize)],
      ...Array.from({ length: n }, () => [DT_NEEDED, 1n] as const),
    ]);
    expectBounded(g.bytes, () => parseElf(g.bytes));
  });

  it('2048 dynamic symbols named by one 64 KiB string (section-stripped, sized by DT_HASH)', () => {
    const n = 2048;
    const strtabSize = LONG + 2;
    const hashAt = Math.ceil(strtabSize / 16) * 16;
    const symAt = hashAt + Math.ceil(((2 + 1 + n) * 4) / 16) * 16;
    const dynAt = symAt + n * 24;
    const g = appendLoad(X64, dynAt + 8 * 16, true);
    const le = g.f.ident.littleEndian;
    g.bytes.fill(0x41, g.offset + 1, g.offset + 1 + LONG);
    // DT_HASH: nbucket 1, nchain n, bucket[0] = 0, chain all 0.
    writeUint(g.bytes, g.offset + hashAt, 4, le, 1n);
    writeUint(g.bytes, g.offset + hashAt + 4, 4, le, BigInt(n));
    // Elf64_Sym: st_name = 1 (the long string); everything else 0.
    for (let i = 0; i < n; i++) writeUint(g.bytes, g.offset + symAt + i * 24, 4, le, 1n);
    writeDynamic(g, g.offset + dynAt, g.vaddr + BigInt(dynAt), [
      [DT_STRTAB, g.vaddr],
      [DT_STRSZ, BigInt(strtabSize)],
      [DT_HASH, g.vaddr + BigInt(hashAt)],
      [DT_SYMTAB, g.vaddr + BigInt(symAt)],
      [DT_SYMENT, 24n],
    ]);
    const f = parseElf(g.bytes);
    expectBounded(g.bytes, () => f.dynamicSymbols());
  });

  it('384 Verneed records whose Vernaux chains all run through the same 16-byte records', () => {
    // Each record reads both as Elf_Verneed {vn_version 1, vn_cnt n, vn_file 1, vn_aux 16, vn_next 16}
    // and as Elf_Vernaux {.., vna_name 16, vna_next 16}: Verneed i re-walks records i+1 .. i+n.
    const n = 384;
    const strtab = new TextEncoder().encode('\0libquadratic.so.1\0VERS_1.0\0');
    const recAt = 32;
    const dynAt = recAt + 2 * n * 16 + 16;
    const g = appendLoad(X64, dynAt + 8 * 16, false);
    const le = g.f.ident.littleEndian;
    g.bytes.set(strtab, g.offset);
    for (let k = 0; k < 2 * n; k++) {
      const at = g.offset + recAt + k * 16;
      writeUint(g.bytes, at, 2, le, 1n);
      writeUint(g.bytes, at + 2, 2, le, BigInt(n));
      writeUint(g.bytes, at + 4, 4, le, 1n);
      writeUint(g.bytes, at + 8, 4, le, 16n);
      writeUint(g.bytes, at + 12, 4, le, 16n);
    }
    writeDynamic(g, g.offset + dynAt, g.vaddr + BigInt(dynAt), [
      [DT_STRTAB, g.vaddr],
      [DT_STRSZ, BigInt(strtab.length)],
      [DT_VERNEED, g.vaddr + BigInt(recAt)],
      [DT_VERNEEDNUM, BigInt(n)],
    ]);
    const f = parseElf(g.bytes);
    expectBounded(g.bytes, () => f.versionNeeds());
  });
});
