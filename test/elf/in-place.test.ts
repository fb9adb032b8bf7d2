// The editor's in-place mode (repair edits each library in the buffer it was read into): on
// every fixture library (eight architectures, with and without section headers) and on real
// Debian libraries, for each kind of edit (in the existing tables, through a new segment, and
// rebuilding the segment an earlier edit added), the result is byte for byte what the editor
// writes into a fresh buffer, and a refusal is the same refusal. The self-check still compares
// with the input: it reads it from a snapshot taken before the first byte is written, and a
// damaged output fails against that snapshot.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { selfCheckBaseline, verifyEdit } from '../../src/elf/self-check.js';
import { selfCheckSnapshot } from '../../src/elf/snapshot.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { ElfSelfCheckError, isWheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';

const OUT = path.join(FIXTURES, 'elf', 'out');

function libraries(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...libraries(p));
    else if (/\.so(\.|$)/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Debian libraries of several sizes and toolchains, as repair grafts them. */
const DEBIAN = [
  '/lib/x86_64-linux-gnu/libm.so.6',
  '/lib/x86_64-linux-gnu/libz.so.1',
  '/lib/x86_64-linux-gnu/libstdc++.so.6',
  '/lib/x86_64-linux-gnu/libcrypto.so.3',
  '/lib/x86_64-linux-gnu/libxml2.so.2',
  '/lib/x86_64-linux-gnu/libffi.so.8',
  '/lib/x86_64-linux-gnu/libicuuc.so.72',
  '/lib/x86_64-linux-gnu/libgfortran.so.5',
].filter((p) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
});

/** The edits repair makes: a graft's, a wheel extension's, and one the existing tables hold. */
function editsFor(bytes: Uint8Array): ElfEditOp[][] {
  const dyn = parseElf(bytes).dynamic;
  const first = dyn?.needed[0];
  const edits: ElfEditOp[][] = [
    [
      { kind: 'set-soname', soname: 'libgrafted-0123abcd.so.1' },
      { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RUNPATH' },
    ],
    [{ kind: 'remove-rpath' }],
  ];
  if (first !== undefined) edits.push([{ kind: 'replace-needed', from: first, to: first.replace(/\.so/, '-89abcdef.so') }, { kind: 'set-rpath', value: '$ORIGIN/../pkg.libs', tag: 'DT_RPATH' }]);
  return edits;
}

/** `bytes` at the start of a buffer with `room` spare bytes after them. */
function withRoom(bytes: Uint8Array, room: number): Uint8Array {
  const buf = new Uint8Array(bytes.length + room).fill(0xcc);
  buf.set(bytes);
  return buf.subarray(0, bytes.length);
}

type Outcome = { bytes: Uint8Array; strategy: string } | { error: string };

function attempt(f: () => { bytes: Uint8Array; strategy: string }): Outcome {
  try {
    const r = f();
    return { bytes: r.bytes.slice(), strategy: r.strategy };
  } catch (e) {
    if (!isWheelauditError(e) || e instanceof ElfSelfCheckError) throw e;
    return { error: e.code };
  }
}

function expectSame(file: string, input: Uint8Array, ops: readonly ElfEditOp[]): Outcome {
  const fresh = attempt(() => applyElfEdit(input, ops));
  const room = 'bytes' in fresh ? Math.max(0, fresh.bytes.length - input.length) + 4096 : 1 << 20;
  const view = withRoom(input, room);
  let inItsBuffer = false;
  const inPlace = attempt(() => {
    const r = applyElfEdit(view, ops, { inPlace: true });
    inItsBuffer = r.bytes.buffer === view.buffer;
    return r;
  });
  if ('error' in fresh) {
    expect(inPlace, file).toEqual(fresh);
    return fresh;
  }
  expect('bytes' in inPlace, `${file}: ${JSON.stringify(inPlace)}`).toBe(true);
  if ('bytes' in inPlace) {
    expect(inPlace.strategy, file).toBe(fresh.strategy);
    expect(inItsBuffer, `${file}: written in its own buffer`).toBe(true);
    expect(Buffer.compare(Buffer.from(inPlace.bytes), Buffer.from(fresh.bytes)), `${file} ${JSON.stringify(ops)}`).toBe(0);
  }
  return fresh;
}

describe('applyElfEdit in place', () => {
  const files = libraries(OUT);
  it('finds the fixture libraries', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const file of files) {
    const rel = path.relative(OUT, file);
    it(`gives the fresh-buffer bytes: ${rel} (and sstripped), including a rebuilt segment`, () => {
      const input = new Uint8Array(readFileSync(file));
      for (const bytes of [input, sstrip(input)]) {
        for (const ops of editsFor(bytes)) {
          const once = expectSame(rel, bytes, ops);
          // Editing our own output again rebuilds the segment it added, in place too.
          if ('bytes' in once) expectSame(`${rel} (again)`, once.bytes, [{ kind: 'set-soname', soname: 'libagain-fedcba98.so.2' }]);
        }
      }
    });
  }

  for (const lib of DEBIAN) {
    it(`gives the fresh-buffer bytes on Debian's ${path.basename(lib)}`, () => {
      const input = new Uint8Array(readFileSync(lib));
      for (const ops of editsFor(input)) expectSame(lib, input, ops);
    });
  }

  it('writes over the input in its own buffer, or into a new one when the room after it is too small', () => {
    const input = new Uint8Array(readFileSync(path.join(OUT, 'x86_64/verdemo/libverdemo.so.1')));
    const ops: ElfEditOp[] = [{ kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' }];
    const fresh = applyElfEdit(input, ops).bytes;
    const roomy = withRoom(input, fresh.length);
    const r = applyElfEdit(roomy, ops, { inPlace: true });
    expect(r.bytes.buffer).toBe(roomy.buffer);
    expect(r.bytes.byteOffset).toBe(0);
    const tight = withRoom(input, 0);
    const t = applyElfEdit(tight, ops, { inPlace: true });
    expect(t.bytes.buffer).not.toBe(tight.buffer);
    expect(Buffer.compare(Buffer.from(t.bytes), Buffer.from(fresh))).toBe(0);
    expect(Buffer.compare(Buffer.from(tight), Buffer.from(input))).toBe(0);
  });

  it('the self-check compares with the snapshot of the input: a damaged output fails', () => {
    const input = new Uint8Array(readFileSync(path.join(OUT, 'x86_64/verdemo/libverdemo.so.1')));
    const ops: ElfEditOp[] = [{ kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' }];
    const out = applyElfEdit(input, ops).bytes.slice();
    const snapshot = parseElf(selfCheckSnapshot(parseElf(input)));
    const expected = { needed: parseElf(out).dynamic?.needed ?? [], soname: 'libverdemo-1a2b3c4d.so.1', rpath: undefined, runpath: undefined, verneedFiles: parseElf(out).versionNeeds().map((n) => n.file) };
    expect(() => verifyEdit(selfCheckBaseline(snapshot), out, expected)).not.toThrow();
    // Damage one dynamic symbol's size in the output: the check sees it against the snapshot.
    const sym = parseElf(out).sections().find((s) => s.name === '.dynsym');
    if (sym === undefined) throw new Error('fixture has no .dynsym');
    const damaged = out.slice();
    const at = Number(sym.sh_offset) + 24 * 2 + 16;
    damaged[at] = (damaged[at] ?? 0) ^ 0x40;
    expect(() => verifyEdit(selfCheckBaseline(snapshot), damaged, expected)).toThrow(ElfSelfCheckError);
  });
});
