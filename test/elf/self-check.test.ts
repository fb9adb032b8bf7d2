// The self-check (src/elf/self-check.ts) on real outputs: it accepts what the editor
// wrote, and it catches an output damaged after the write (a moved table, a note, a dynamic
// entry). A failure is an ElfSelfCheckError, an internal error (a bug, exit 70), never an
// ElfFormatError that would blame the input.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { PT_LOAD, PT_PHDR } from '../../src/elf/constants.js';
import { fieldAt, PHDR } from '../../src/elf/layout.js';
import { layoutViolations, selfCheckBaseline, verifyEdit, verifyStrip, type ExpectedDynamic } from '../../src/elf/self-check.js';
import { stripElf } from '../../src/elf/strip.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { ElfSelfCheckError, InternalError, isWheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';

const load = (rel: string): Uint8Array => new Uint8Array(readFileSync(path.join(FIXTURES, 'elf', 'out', rel)));
const OPS: ElfEditOp[] = [
  { kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' },
  { kind: 'set-rpath', value: '$ORIGIN/../verdemo.libs', tag: 'DT_RPATH' },
];

function expectedAfter(bytes: Uint8Array): ExpectedDynamic {
  const d = parseElf(bytes);
  return { needed: d.dynamic?.needed ?? [], soname: d.dynamic?.soname, rpath: d.dynamic?.rpath, runpath: d.dynamic?.runpath, verneedFiles: d.versionNeeds().map((n) => n.file) };
}

function selfCheckMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ElfSelfCheckError);
    expect(e).toBeInstanceOf(InternalError);
    expect(isWheelauditError(e)).toBe(false);
    expect((e as ElfSelfCheckError).code).toBe('ELF_SELF_CHECK');
    return (e as Error).message;
  }
  return expect.unreachable('the self-check passed');
}

for (const [label, input] of [
  ['with section headers', load('x86_64/verdemo/libverdemo.so.1')],
  ['without section headers', sstrip(load('x86_64/verdemo/libverdemo.so.1'))],
] as const) {
  describe(`self-check of a relocated library, ${label}`, () => {
    const out = applyElfEdit(input, OPS).bytes;
    const baseline = selfCheckBaseline(parseElf(input));
    const expected = expectedAfter(out);
    const moved = (tag: bigint): number => {
      const a = parseElf(out);
      const v = a.dynamic?.entries.find((e) => e.d_tag === tag)?.d_val ?? 0n;
      return a.vaddrToOffset(v, 1) ?? -1;
    };

    it('accepts the output the editor wrote', () => {
      expect(verifyEdit(baseline, out, expected).dynamic?.soname).toBe('libverdemo-1a2b3c4d.so.1');
    });

    it('catches a byte changed in a table that moved (.gnu.hash in the new segment)', () => {
      const bad = out.slice();
      const at = moved(0x6ffffef5n);
      expect(at).toBeGreaterThan(input.length); // it was evicted into the new segment
      bad[at + 20] = (bad[at + 20] ?? 0) ^ 0x40;
      expect(selfCheckMessage(() => verifyEdit(baseline, bad, expected))).toMatch(/the bytes of \.gnu\.hash changed/);
    });

    it('catches a moved note whose bytes changed', () => {
      const bad = out.slice();
      const note = parseElf(out).programHeaders.find((p) => p.p_type === 4);
      if (note === undefined) throw new Error('the edited file has no PT_NOTE');
      const at = Number(note.p_offset) + 20;
      bad[at] = (bad[at] ?? 0) ^ 0xff;
      expect(selfCheckMessage(() => verifyEdit(baseline, bad, expected))).toMatch(/notes changed/);
    });

    it('catches a dynamic entry that is not what was asked for, and an output that does not read back', () => {
      expect(selfCheckMessage(() => verifyEdit(baseline, out, { ...expected, soname: 'other.so' }))).toMatch(/DT_SONAME is libverdemo-1a2b3c4d\.so\.1, expected other\.so/);
      expect(selfCheckMessage(() => verifyEdit(baseline, out.subarray(0, 40), expected))).toMatch(/does not read back/);
    });
  });
}

describe('layout rules', () => {
  it('holds for the linker output of every class and byte order', () => {
    for (const rel of ['x86_64/verdemo/libverdemo.so.1', 'x86_64/verdemo/verdemo-main', 'i686/libverdemo.so.1', 'aarch64/verdemo-main', 'ppc64/libverdemo.so.1', 's390x/verdemo-main']) {
      expect(layoutViolations(parseElf(load(rel))), rel).toEqual([]);
    }
  });

  it('names what a broken file breaks: PT_LOAD order, a read-only .dynamic, a PT_PHDR that lies', () => {
    const bytes = load('x86_64/verdemo/verdemo-main');
    const f = parseElf(bytes);
    const dv = new DataView(bytes.buffer);
    const ph = (i: number, field: keyof typeof PHDR.fields): number => Number(f.header.e_phoff) + i * f.header.e_phentsize + fieldAt(PHDR.fields[field], true);
    const rw = f.programHeaders.find((p) => p.p_type === PT_LOAD && (p.p_flags & 2) !== 0);
    const phdr = f.programHeaders.find((p) => p.p_type === PT_PHDR);
    dv.setUint32(ph(rw?.index ?? 0, 'p_flags'), 4, true); // the RW segment, now read-only
    dv.setBigUint64(ph(phdr?.index ?? 0, 'p_filesz'), 8n, true);
    expect(layoutViolations(parseElf(bytes))).toEqual(expect.arrayContaining(['PT_DYNAMIC is not inside a writable PT_LOAD', 'PT_PHDR does not describe the program header table']));
  });
});

describe('self-check of a strip', () => {
  it('accepts what stripElf wrote and catches a kept section whose bytes changed afterwards', () => {
    const input = load('x86_64/verdemo/libverdemo.so.1');
    // The fixture is already stripped; rename its .comment to .debug_x (same length), which
    // strip removes, so there is something to strip.
    const elf = parseElf(input);
    const comment = elf.sections().find((s) => s.name === '.comment');
    expect(comment).toBeDefined();
    const shstr = elf.sections()[elf.header.e_shstrndx];
    const nameAt = Number(shstr?.sh_offset ?? 0n) + (comment?.sh_name ?? 0);
    input.set(new TextEncoder().encode('.debug_x'), nameAt);
    const stripped = stripElf(input);
    expect(stripped.removedSections).toEqual(['.debug_x']);
    const kept = parseElf(input).sections().filter((s) => s.name !== '.debug_x');
    expect(() => verifyStrip(parseElf(input), stripped.bytes, kept, false)).not.toThrow();
    const bad = stripped.bytes.slice();
    const text = parseElf(bad).sections().find((s) => s.name === '.text');
    if (text === undefined) throw new Error('the stripped file has no .text');
    const at = Number(text.sh_offset) + 3;
    bad[at] = (bad[at] ?? 0) ^ 0xff;
    expect(() => verifyStrip(parseElf(input), bad, kept, false)).toThrow(ElfSelfCheckError);
    expect(() => verifyStrip(parseElf(input), bad, kept, false)).toThrow(/strip produced an inconsistent file: the bytes of program header \d+ changed/);
  });
});
