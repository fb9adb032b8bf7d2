// Files without section headers (sstripped): the editor finds room from the program headers
// and the dynamic array alone. The fast x86_64 cases of the matrix in test/elf-edit
// (no-section-headers.test.ts runs aarch64 and s390x under qemu, and a wheel end to end):
// a grafted library and the programs or extensions that need it are sstripped by our own
// generator (fixtures/elf-edit/sstrip.mjs), edited as `repair` edits them, and then run.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sstrip, sstripLength } from '../../fixtures/elf-edit/sstrip.mjs';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { ElfFormatError, isWheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';
import { systemLibrary } from '../helpers/isolate.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { MET, needs, requireFile, requireTool, unmet } from '../helpers/requires.js';

const OUT = path.join(FIXTURES, 'elf', 'out');
const load = (rel: string): Uint8Array => new Uint8Array(readFileSync(path.join(OUT, rel)));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-nosht-'));
const H = '1a2b3c4d';
const PYTHON = '/usr/bin/python3.11';

function put(file: string, bytes: Uint8Array): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  chmodSync(file, 0o755);
  return file;
}

function edit(bytes: Uint8Array, ops: readonly ElfEditOp[]): { bytes: Uint8Array; strategy: string } {
  const input = bytes.slice();
  const r = applyElfEdit(bytes, ops);
  expect(bytes).toEqual(input); // the input is never modified
  return r;
}

describe('sstrip generator (fixtures/elf-edit/sstrip.mjs)', () => {
  it('cuts the section header table and everything only sections reference, nothing the loader sees', () => {
    const input = load('x86_64/verdemo/libverdemo.so.1');
    const copy = input.slice();
    const out = sstrip(input);
    expect(input).toEqual(copy);
    const a = parseElf(input);
    const b = parseElf(out);
    expect(b.header.e_shnum).toBe(0);
    expect(b.header.e_shoff).toBe(0n);
    expect(b.header.e_shstrndx).toBe(0);
    expect(b.programHeaders).toEqual(a.programHeaders);
    // The file ends where the last segment's bytes end, and those bytes are the input's.
    const end = Math.max(...a.programHeaders.map((p) => Number(p.p_offset + p.p_filesz)));
    expect(out.length).toBe(end);
    expect(out.length).toBeLessThan(input.length);
    expect(out.subarray(64)).toEqual(input.subarray(64, end));
    expect(b.dynamic?.soname).toBe('libverdemo.so.1');
    expect(b.versionDefs().map((d) => d.aux[0]?.name)).toEqual(a.versionDefs().map((d) => d.aux[0]?.name));
    expect(() => sstripLength(new TextEncoder().encode('not an elf file at all, really not'))).toThrow(/not an ELF file/);
  });
});

describe('editing files without section headers', () => {
  const x64 = process.arch === 'x64' ? MET : unmet('needs an x86_64 host (the fixtures run natively)');
  it('a grafted library and the program that needs it are rewritten and run (x86_64, natively)', needs(x64, requireTool('readelf', 'binutils')), () => {
    const lib = sstrip(load('x86_64/verdemo/libverdemo.so.1'));
    const exe = sstrip(load('x86_64/verdemo/verdemo-main'));
    const libOut = edit(lib, [
      { kind: 'set-soname', soname: `libverdemo-${H}.so.1` },
      { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' },
    ]);
    const exeOut = edit(exe, [
      { kind: 'replace-needed', from: 'libverdemo.so.1', to: `libverdemo-${H}.so.1` },
      { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
    ]);
    expect([libOut.strategy, exeOut.strategy]).toEqual(['relocated', 'relocated']);
    for (const o of [libOut, exeOut]) expect(parseElf(o.bytes).header.e_shnum).toBe(0);
    const dir = path.join(tmp, 'verdemo');
    const libFile = put(path.join(dir, 'verdemo.libs', `libverdemo-${H}.so.1`), libOut.bytes);
    const exeFile = put(path.join(dir, 'bin', 'verdemo-main'), exeOut.bytes);
    const r = spawnSync(exeFile, [], { encoding: 'utf8', env: { LD_BIND_NOW: '1', LD_WARN: '1', PATH: '/usr/bin:/bin' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('answer=2 len=3 n=5\n');
    expect(readelfDynamic(libFile).soname).toBe(`libverdemo-${H}.so.1`);
    expect(readelfDynamic(exeFile).needed).toContain(`libverdemo-${H}.so.1`);
    expect(readelfDynamic(exeFile).rpath).toBe('$ORIGIN/../verdemo.libs');
  });

  const ffi = systemLibrary('libffi.so.8');
  const python = needs(x64, requireFile('/usr/lib/x86_64-linux-gnu/libffi.so.8', 'libffi8'), requireFile(PYTHON, 'python3.11'));
  it('an extension and its grafted libffi are rewritten and import in Python', python, () => {
    const ext = sstrip(load('x86_64/with-ffi/_withffi.cpython-311-x86_64-linux-gnu.so'));
    const graft = sstrip(new Uint8Array(readFileSync(realpathSync(ffi as string))));
    const extOut = edit(ext, [
      { kind: 'replace-needed', from: 'libffi.so.8', to: `libffi-${H}.so.8.1.2` },
      { kind: 'set-rpath', value: '$ORIGIN/../withffi.libs', tag: 'DT_RPATH' },
    ]);
    const graftOut = edit(graft, [{ kind: 'set-soname', soname: `libffi-${H}.so.8.1.2` }]);
    expect(parseElf(extOut.bytes).header.e_shnum).toBe(0);
    expect(parseElf(graftOut.bytes).header.e_shnum).toBe(0);
    const dir = path.join(tmp, 'site');
    put(path.join(dir, 'withffi', '_withffi.cpython-311-x86_64-linux-gnu.so'), extOut.bytes);
    put(path.join(dir, 'withffi.libs', `libffi-${H}.so.8.1.2`), graftOut.bytes);
    // The grafted copy must be the one that loads: the host's libffi.so.8 must not be mapped.
    const code = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(dir, 'withffi'))})`,
      'import _withffi as m',
      'maps = open("/proc/self/maps").read()',
      `print(m.value(), "libffi-${H}" in maps, "libffi.so.8" in maps)`,
    ].join('\n');
    const r = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LD_BIND_NOW: '1', PYTHONDONTWRITEBYTECODE: '1' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42 True False\n');
  });

  it('edits our own output again by rebuilding the segment it added (no growth for the same edit)', () => {
    const lib = sstrip(load('x86_64/verdemo/libverdemo.so.1'));
    const ops: ElfEditOp[] = [{ kind: 'set-rpath', value: `$ORIGIN/${'x'.repeat(80)}`, tag: 'DT_RUNPATH' }];
    const first = edit(lib, ops);
    const second = edit(first.bytes, [{ kind: 'set-rpath', value: `$ORIGIN/${'y'.repeat(80)}`, tag: 'DT_RUNPATH' }]);
    expect(second.strategy).toBe('reused');
    expect(parseElf(second.bytes).programHeaders.length).toBe(parseElf(first.bytes).programHeaders.length);
    expect(parseElf(second.bytes).dynamic?.runpath).toBe(`$ORIGIN/${'y'.repeat(80)}`);
    expect(second.bytes.length - first.bytes.length).toBeLessThanOrEqual(96);
  });

  it('refuses, saying why and not suggesting patchelf, when unknown bytes follow the program header table', () => {
    // The four bytes between the build-id note and .gnu.hash are alignment padding; make them
    // data that no program header or dynamic tag describes.
    const lib = sstrip(load('x86_64/verdemo/libverdemo.so.1'));
    const elf = parseElf(lib);
    const note = elf.programHeaders.find((p) => p.p_type === 4);
    const end = Number((note?.p_offset ?? 0n) + (note?.p_filesz ?? 0n));
    expect(Array.from(lib.subarray(end, end + 4))).toEqual([0, 0, 0, 0]);
    lib.set([0xde, 0xad, 0xbe, 0xef], end);
    try {
      applyElfEdit(lib, [{ kind: 'set-soname', soname: `libverdemo-${H}.so.1` }]);
      expect.unreachable('the edit must be refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ElfFormatError);
      expect(isWheelauditError(e) && e.code).toBe('ELF_EDIT_NO_ROOM');
      expect(isWheelauditError(e) && e.message).toMatch(/no section headers, and bytes 0x25c-0x260 after the program header table belong to no table/);
      expect(isWheelauditError(e) && e.hint).toMatch(/no section headers, which patchelf cannot edit either/);
      expect(isWheelauditError(e) && e.hint).not.toMatch(/--patcher patchelf/);
    }
  });
});
