// A large graft read without the bodies of its code and data sections, edited in place, and
// streamed with the bodies read back from the file, must give exactly the bytes of reading it
// whole and editing that (the oracle: the editor on the whole file); the pieces deflated ahead of
// the edit hold exactly those bytes too. Checked on the host's real
// libraries of 1 MiB and up (libLLVM among them when installed), with the edits repair makes.
// Files whose relocation addends live in data (RELR) are read whole, and a library that changes
// while it is streamed fails the stream instead of mixing two versions.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/read.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { isWheelauditError } from '../../src/errors.js';
import { capacityFor } from '../../src/repair/image-pool.js';
import { nativePatcher } from '../../src/repair/patcher.js';
import { bodyPieces, closeSparse, readBody, readSparse, sparseSource, type SparseGraft } from '../../src/repair/sparse-graft.js';
import { DEFLATE_PIECE, DEFLATE_WINDOW } from '../../src/wheel/chunked-deflate.js';
import { MET, needs, requireTool, unmet } from '../helpers/requires.js';

const MiB = 1024 * 1024;
const LIBDIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/llvm-14/lib'];

/** The host's shared libraries of 1 MiB and up (one path per file), largest first, at most 24. */
function bigLibraries(): string[] {
  const seen = new Set<string>();
  const out: { p: string; size: number }[] = [];
  for (const dir of LIBDIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/\.so(\.\d+)*$/.test(n)) continue;
      const p = path.join(dir, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile() || st.size < MiB || seen.has(`${st.dev}:${st.ino}`)) continue;
      seen.add(`${st.dev}:${st.ino}`);
      out.push({ p, size: st.size });
    }
  }
  return out.sort((a, b) => b.size - a.size).slice(0, 24).map((x) => x.p);
}

/** A buffer for `file` as the image pool gives one, full of old bytes from another library. */
function room(file: string): Uint8Array {
  return new Uint8Array(capacityFor(statSync(file).size)).fill(0xa5);
}

/** The edits repair makes to a graft: a new SONAME, a run path, and a renamed dependency. */
function graftOps(bytes: Uint8Array): ElfEditOp[] {
  const elf = parseElf(bytes);
  const needed = elf.dynamic?.needed ?? [];
  const ops: ElfEditOp[] = [
    { kind: 'set-soname', soname: 'libgraft-0123abcd.so.1' },
    { kind: 'set-rpath', value: '$ORIGIN/../pkg.libs', tag: 'DT_RUNPATH' },
  ];
  const first = needed[0];
  if (first !== undefined) ops.push({ kind: 'replace-needed', from: first, to: `${first.replace(/\.so.*/, '')}-89abcdef.so` });
  return ops;
}

/** Every byte of the edited graft, read through its piece source in deflate's order. */
function streamed(out: Uint8Array, g: SparseGraft): Uint8Array {
  const source = sparseSource(out, g);
  const whole = new Uint8Array(source.length);
  try {
    for (let start = 0; start < source.length; start += DEFLATE_PIECE) {
      const end = Math.min(source.length, start + DEFLATE_PIECE);
      const from = Math.max(0, start - 32 * 1024);
      const span = source.read(from, end);
      whole.set(span.subarray(start - from), start);
      source.release?.(span);
    }
  } finally {
    closeSparse(g);
  }
  return whole;
}

/** The edit of the whole file, or the error code the editor refuses it with. */
function wholeEdit(file: string, ops: readonly ElfEditOp[]): Uint8Array | string {
  try {
    return applyElfEdit(new Uint8Array(readFileSync(file)), ops).bytes;
  } catch (e) {
    if (isWheelauditError(e)) return e.code;
    throw e;
  }
}

describe('sparse grafts', () => {
  const libs = bigLibraries();

  const enough = libs.length >= 6 ? MET : unmet(`needs at least 6 shared libraries of 1 MiB or more in ${LIBDIRS.join(' or ')} (found ${libs.length}; e.g. Debian packages libllvm14, libicu72)`);

  it('give the same bytes as a whole read on the host libraries of 1 MiB and up', needs(enough), () => {
    let split = 0;
    let aheadPieces = 0;
    for (const file of libs) {
      const ops = graftOps(new Uint8Array(readFileSync(file)));
      const expected = wholeEdit(file, ops);
      const g = readSparse(file, room(file), MiB);
      if (g === undefined) continue;
      split++;
      const unread = g.bodies.reduce((n, b) => n + b.end - b.start, 0);
      expect(unread, file).toBeGreaterThan(statSync(file).size / 2);
      let out: Uint8Array;
      try {
        out = nativePatcher.patch(g.image, ops, file, { inPlace: true });
      } catch (e) {
        closeSparse(g);
        expect(isWheelauditError(e) ? e.code : String(e), file).toBe(expected);
        continue;
      }
      expect(typeof expected, `${file}: the whole edit was refused`).not.toBe('string');
      // The pieces deflated ahead of the edit hold the whole edit's bytes, window included.
      const whole = expected as Uint8Array;
      // Every piece whose window and bytes lie in one body and end before the file does.
      const fits = (k: number): boolean => g.bodies.some((b) => k * DEFLATE_PIECE - DEFLATE_WINDOW >= b.start && (k + 1) * DEFLATE_PIECE <= b.end) && (k + 1) * DEFLATE_PIECE < g.image.length;
      const eligible = Array.from({ length: Math.ceil(g.image.length / DEFLATE_PIECE) }, (_, k) => k).filter((k) => k > 0 && fits(k));
      expect(bodyPieces(g, 1000), file).toEqual(eligible.map((k) => k * DEFLATE_PIECE));
      for (const start of bodyPieces(g, 1000)) {
        const from = start - DEFLATE_WINDOW;
        expect(start + DEFLATE_PIECE, file).toBeLessThan(whole.length);
        expect(Buffer.compare(readBody(g, from, start + DEFLATE_PIECE), whole.subarray(from, start + DEFLATE_PIECE)), `${file}: piece at ${start}`).toBe(0);
        aheadPieces++;
      }
      const got = streamed(out, g);
      expect(Buffer.from(got).equals(Buffer.from(expected as Uint8Array)), `${file}: sparse and whole edits differ`).toBe(true);
    }
    // Most large libraries have large code and data sections.
    expect(split).toBeGreaterThan(libs.length / 2);
    // libLLVM's 48 MiB of code hold dozens of whole pieces (a bare root may have no such library).
    if (libs.some((f) => f.includes('libLLVM'))) expect(aheadPieces).toBeGreaterThan(20);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-sparse-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A shared library with 256 KiB of read-only data and relative relocations, linked with `flags`. */
  function build(name: string, flags: readonly string[]): string {
    const src = path.join(dir, 'big.c');
    writeFileSync(src, 'const char blob[262144] = { 1, 2, 3 };\nstatic int a, b;\nint *table[] = { &a, &b, &a, &b };\nint get(int i) { return blob[i] + *table[i & 3]; }\n');
    const out = path.join(dir, name);
    const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', ...flags, '-Wl,-soname,libbig.so', '-o', out, src], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return out;
  }

  it('are read whole when relocation addends live in data (RELR), split otherwise', needs(requireTool('gcc', 'gcc')), () => {
    const plain = build('plain.so', []);
    const packed = build('packed.so', ['-Wl,-z,pack-relative-relocs']);
    const g = readSparse(plain, room(plain), 0);
    expect(g).toBeDefined();
    if (g !== undefined) {
      const ops = graftOps(g.image);
      expect(Buffer.from(streamed(nativePatcher.patch(g.image, ops, plain, { inPlace: true }), g)).equals(Buffer.from(wholeEdit(plain, ops) as Uint8Array))).toBe(true);
    }
    expect(parseElf(new Uint8Array(readFileSync(packed))).dynamic?.entries.some((e) => e.d_tag === 36n)).toBe(true);
    expect(readSparse(packed, room(packed), 0)).toBeUndefined();
  });

  it('fail the stream when the library changes while it is read', needs(enough), () => {
    const [first] = libs;
    if (first === undefined) throw new Error('no library of 1 MiB or more on the host');
    const copy = path.join(dir, 'changing.so');
    copyFileSync(first, copy);
    const g = readSparse(copy, room(copy), MiB);
    expect(g).toBeDefined();
    if (g === undefined) return;
    const out = nativePatcher.patch(g.image, graftOps(g.image), copy, { inPlace: true });
    appendFileSync(copy, 'x');
    expect(() => streamed(out, g)).toThrow(/changed while it was being read/);
  });
});
