// The native ELF editor on real fixtures: each write strategy, idempotence, refusals, and
// agreement with readelf after the edit (the full cross-architecture matrix with runtime
// oracles lives in test/elf-edit/).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planElfEdit, type ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { isWheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';
import { readelfDynamic, readelfVersions } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';

const READELF = needs(requireTool('readelf', 'binutils'));

const OUT = path.join(FIXTURES, 'elf', 'out');
const load = (rel: string): Uint8Array => new Uint8Array(readFileSync(path.join(OUT, rel)));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-write-'));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWheelauditError(e) ? e.code : `not a WheelauditError: ${String(e)}`;
  }
  return undefined;
}

const GRAFT: ElfEditOp[] = [
  { kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' },
  { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
];

describe('applyElfEdit', () => {
  it('leaves the input untouched and reports "unchanged" for a no-op plan', () => {
    const input = load('x86_64/verdemo/libverdemo.so.1');
    const copy = input.slice();
    const r = applyElfEdit(input, []);
    expect(r.strategy).toBe('unchanged');
    expect(r.bytes).toBe(input);
    expect(input).toEqual(copy);
  });

  it('edits in place when strings exist and the dynamic array has slack', () => {
    const input = load('x86_64/with-libpython/_withpython.cpython-311-x86_64-linux-gnu.so');
    const before = parseElf(input);
    expect(before.dynamic?.needed).toContain('libpython3.11.so.1.0');
    const r = applyElfEdit(input, [{ kind: 'remove-needed', name: 'libpython3.11.so.1.0' }]);
    expect(r.strategy).toBe('in-place');
    expect(r.bytes.length).toBe(input.length);
    const after = parseElf(r.bytes);
    expect(after.dynamic?.needed).toEqual(before.dynamic?.needed.filter((n) => n !== 'libpython3.11.so.1.0'));
  });

  for (const arch of ['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 'ppc64', 's390x', 'riscv64']) {
    it(`relocates on ${arch}, and readelf sees exactly the requested entries`, READELF, () => {
      const input = load(arch === 'x86_64' ? 'x86_64/verdemo/libverdemo.so.1' : `${arch}/libverdemo.so.1`);
      const r = applyElfEdit(input, GRAFT);
      expect(r.strategy).toBe('relocated');
      const file = path.join(tmp, `${arch}-libverdemo.so`);
      writeFileSync(file, r.bytes);
      const d = readelfDynamic(file);
      expect(d.soname).toBe('libverdemo-1a2b3c4d.so.1');
      expect(d.rpath).toBe('$ORIGIN/../verdemo.libs');
      expect(d.runpath).toBeUndefined();
      expect(d.needed).toEqual(parseElf(input).dynamic?.needed);
      // The new segment is aligned for the machine's largest pages (F1) and congruent (F2).
      const loads = parseElf(r.bytes).programHeaders.filter((p) => p.p_type === 1);
      const last = loads.at(-1);
      const page = ['aarch64', 'ppc64le', 'ppc64'].includes(arch) ? 0x10000n : 0x1000n;
      expect(last?.p_align).toBeGreaterThanOrEqual(page);
      expect((last?.p_offset ?? 1n) % (last?.p_align ?? 1n)).toBe(0n);
      expect((last?.p_vaddr ?? 1n) % (last?.p_align ?? 1n)).toBe(0n);
    });
  }

  it('renames the Verneed together with DT_NEEDED', READELF, () => {
    const input = load('x86_64/verdemo/verdemo-main');
    const r = applyElfEdit(input, [{ kind: 'replace-needed', from: 'libverdemo.so.1', to: 'libverdemo-1a2b3c4d.so.1' }]);
    const file = path.join(tmp, 'verdemo-main');
    writeFileSync(file, r.bytes);
    expect(readelfDynamic(file).needed).toContain('libverdemo-1a2b3c4d.so.1');
    expect(readelfVersions(file).needs.map(([f]) => f)).toContain('libverdemo-1a2b3c4d.so.1');
    expect(readelfVersions(file).needs.map(([f]) => f)).not.toContain('libverdemo.so.1');
  });

  it('writes into a caller-provided buffer (old contents ignored) with the same result', () => {
    for (const [file, ops] of [
      ['x86_64/verdemo/libverdemo.so.1', GRAFT],
      ['x86_64/with-libpython/_withpython.cpython-311-x86_64-linux-gnu.so', [{ kind: 'remove-needed', name: 'libpython3.11.so.1.0' }]],
    ] as const) {
      const input = load(file);
      const fresh = applyElfEdit(input, ops);
      const dirty = new Uint8Array(input.length + 0x40000).fill(0xaa);
      const reused = applyElfEdit(input, ops, { output: dirty });
      expect(reused.bytes.buffer).toBe(dirty.buffer);
      expect(reused.bytes).toEqual(fresh.bytes);
      expect(reused.strategy).toBe(fresh.strategy);
    }
    // Too small, or the input's own memory: a new buffer is used instead.
    const input = load('x86_64/verdemo/libverdemo.so.1');
    expect(applyElfEdit(input, GRAFT, { output: new Uint8Array(16) }).bytes.length).toBeGreaterThan(16);
    expect(applyElfEdit(input, GRAFT, { output: input }).bytes.buffer).not.toBe(input.buffer);
  });

  it('is idempotent: re-applying a plan changes nothing', () => {
    const once = applyElfEdit(load('x86_64/verdemo/libverdemo.so.1'), GRAFT);
    const twice = applyElfEdit(once.bytes, GRAFT);
    expect(twice.strategy).toBe('unchanged');
    expect(twice.bytes).toEqual(once.bytes);
  });

  it('rebuilds its own segment instead of growing the file on every run', () => {
    let bytes = load('x86_64/verdemo/libverdemo.so.1');
    const sizes: number[] = [];
    const strategies: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = applyElfEdit(bytes, [{ kind: 'set-rpath', value: `$ORIGIN/run-${i}-${'x'.repeat(40)}`, tag: 'DT_RPATH' }]);
      bytes = r.bytes;
      sizes.push(bytes.length);
      strategies.push(r.strategy);
    }
    expect(strategies).toEqual(['relocated', 'reused', 'reused', 'reused', 'reused']);
    expect(parseElf(bytes).programHeaders.filter((p) => p.p_type === 1)).toHaveLength(parseElf(load('x86_64/verdemo/libverdemo.so.1')).programHeaders.filter((p) => p.p_type === 1).length + 1);
    // Each run only adds its new string.
    for (let i = 1; i < sizes.length; i++) expect((sizes[i] as number) - (sizes[i - 1] as number)).toBeLessThanOrEqual(64);
  });

  it('keeps exactly one run path entry of the requested kind', () => {
    const r1 = applyElfEdit(load('x86_64/chain-runpath/_chainrunpath.cpython-311-x86_64-linux-gnu.so'), [{ kind: 'set-rpath', value: '$ORIGIN/lib', tag: 'DT_RPATH' }]);
    const d = parseElf(r1.bytes).dynamic;
    expect(d?.rpath).toBe('$ORIGIN/lib');
    expect(d?.runpath).toBeUndefined();
    const r2 = applyElfEdit(r1.bytes, [{ kind: 'remove-rpath' }]);
    expect(parseElf(r2.bytes).dynamic?.rpath).toBeUndefined();
    expect(r2.strategy).toBe('in-place');
  });

  it('refuses to remove a DT_NEEDED that symbol versions still come from', () => {
    expect(codeOf(() => applyElfEdit(load('x86_64/verdemo/verdemo-main'), [{ kind: 'remove-needed', name: 'libverdemo.so.1' }]))).toBe('ELF_EDIT_INVALID');
  });

  it('refuses static files, and layouts it cannot grow, pointing at --patcher patchelf', () => {
    expect(codeOf(() => applyElfEdit(load('x86_64/exe/hello-static'), GRAFT))).toBe('ELF_EDIT_INVALID');
    // .gnu.hash follows the program header table; typed PROGBITS it is data we may not move.
    const input = load('x86_64/verdemo/libverdemo.so.1').slice();
    const elf = parseElf(input);
    const hash = elf.sections().find((s) => s.name === '.gnu.hash');
    expect(hash?.index).toBe(2);
    new DataView(input.buffer).setUint32(Number(elf.header.e_shoff) + (hash?.index ?? 0) * elf.header.e_shentsize + 4, 1, true);
    try {
      applyElfEdit(input, GRAFT);
      expect.unreachable();
    } catch (e) {
      expect(isWheelauditError(e) && e.code).toBe('ELF_EDIT_NO_ROOM');
      expect(isWheelauditError(e) && e.message).toMatch(/section \.gnu\.hash \(type 0x1\) follows the program header table and cannot be moved/);
      expect(isWheelauditError(e) && e.hint).toContain('--patcher patchelf');
    }
  });

  it('edits a file without section headers (the fixture made by llvm-objcopy --strip-sections)', () => {
    const nosect = load('x86_64/no-sections/_nosect.cpython-311-x86_64-linux-gnu.so');
    const r = applyElfEdit(nosect, [{ kind: 'set-rpath', value: `$ORIGIN/${'y'.repeat(64)}`, tag: 'DT_RPATH' }]);
    expect(r.strategy).toBe('relocated');
    const out = parseElf(r.bytes);
    expect(out.header.e_shnum).toBe(0);
    expect(out.dynamic?.rpath).toBe(`$ORIGIN/${'y'.repeat(64)}`);
    expect(out.dynamic?.needed).toEqual(parseElf(nosect).dynamic?.needed);
  });

  it('reuses a PT_NULL slot when the file has no section headers', () => {
    const input = load('x86_64/no-sections/_nosect.cpython-311-x86_64-linux-gnu.so').slice();
    const elf = parseElf(input);
    const stack = elf.programHeaders.find((p) => p.p_type === 0x6474e551);
    expect(stack).toBeDefined();
    // Turn PT_GNU_STACK into PT_NULL (its slot is what we may reuse).
    new DataView(input.buffer).setUint32(Number(elf.header.e_phoff) + (stack?.index ?? 0) * elf.header.e_phentsize, 0, true);
    const r = applyElfEdit(input, [{ kind: 'set-rpath', value: `$ORIGIN/${'y'.repeat(64)}`, tag: 'DT_RPATH' }]);
    expect(r.strategy).toBe('relocated');
    expect(parseElf(r.bytes).header.e_phnum).toBe(elf.header.e_phnum);
  });
});

describe('planElfEdit', () => {
  const invalid: [string, ElfEditOp[]][] = [
    ['remove and replace the same name', [{ kind: 'remove-needed', name: 'a' }, { kind: 'replace-needed', from: 'a', to: 'b' }]],
    ['replace, then remove the new name', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'remove-needed', name: 'b' }]],
    ['replace one name two ways', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'replace-needed', from: 'a', to: 'c' }]],
    ['a rename chain', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'replace-needed', from: 'b', to: 'c' }]],
    ['set and remove the run path', [{ kind: 'set-rpath', value: 'x', tag: 'DT_RPATH' }, { kind: 'remove-rpath' }]],
    ['two SONAMEs', [{ kind: 'set-soname', soname: 'a' }, { kind: 'set-soname', soname: 'b' }]],
    ['an empty name', [{ kind: 'set-soname', soname: '' }]],
    ['a NUL in a name', [{ kind: 'replace-needed', from: 'a', to: 'b\0c' }]],
  ];
  for (const [what, ops] of invalid) {
    it(`refuses ${what}`, () => expect(codeOf(() => planElfEdit(ops))).toBe('ELF_EDIT_INVALID'));
  }
  it('accepts repeated identical operations', () => {
    const p = planElfEdit([{ kind: 'set-soname', soname: 'a' }, { kind: 'set-soname', soname: 'a' }, { kind: 'replace-needed', from: 'x', to: 'y' }, { kind: 'replace-needed', from: 'x', to: 'y' }]);
    expect(p.soname).toBe('a');
    expect([...p.replaceNeeded]).toEqual([['x', 'y']]);
  });
});
