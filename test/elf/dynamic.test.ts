// The dynamic array (src/elf/dynamic.ts), read from PT_DYNAMIC: the same entries and strings as
// readelf -d on real files (also without section headers), the DT_NULL slot and capacity, and
// the errors for string tables it cannot place.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { DT_FLAGS_1, DT_STRSZ, DT_STRTAB, PT_DYNAMIC } from '../../src/elf/constants.js';
import { dynamicValue } from '../../src/elf/dynamic.js';
import { DYN, fieldAt, recordSize } from '../../src/elf/layout.js';
import { parseElf } from '../../src/elf/read.js';
import { isWheelauditError } from '../../src/errors.js';
import { readelfDynamic } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, load, SAMPLES } from './fixture.js';

describe('parseDynamic', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of SAMPLES) {
    it(`${rel}: entries and strings as readelf -d shows them, with and without section headers`, () => {
      const text = execFileSync('readelf', ['-dW', fixture(rel)], { encoding: 'utf8' });
      const tags = [...text.matchAll(/^\s*0x([0-9a-f]+)\s+\(/gm)].map((m) => BigInt(`0x${m[1]}`)).filter((t) => t !== 0n);
      const want = readelfDynamic(fixture(rel));
      for (const f of [parseElf(load(rel)), parseElf(sstrip(load(rel)))]) {
        const d = f.dynamic;
        expect(d?.entries.map((e) => e.d_tag)).toEqual(tags);
        expect([d?.needed, d?.soname, d?.rpath, d?.runpath]).toEqual([want.needed, want.soname, want.rpath, want.runpath]);
        const ph = f.programHeaders.find((p) => p.p_type === PT_DYNAMIC);
        expect(d?.capacity).toBe(Number(ph?.p_filesz ?? 0n) / recordSize(DYN, f.ident.elfClass === 64));
        expect(d?.nullIndex).toBe(tags.length);
        expect(d?.strtabSize).toBe(Number(d === undefined ? 0 : dynamicValue(d, DT_STRSZ)));
        expect(d?.strtabAddr).toBe(d === undefined ? undefined : dynamicValue(d, DT_STRTAB));
      }
    });
  }

  it('reads DT_FLAGS_1 (PIE) of a program', () => {
    const d = parseElf(load('x86_64/verdemo/verdemo-main')).dynamic;
    expect(d?.flags1).toBe(Number(d === undefined ? 0n : dynamicValue(d, DT_FLAGS_1)));
    expect((d?.flags1 ?? 0) & 0x08000000).not.toBe(0); // DF_1_PIE
  });
});

describe('parseDynamic refusals', () => {
  /** libverdemo with dynamic entry `tag` given another value (little-endian ELF64). */
  function withEntry(tag: bigint, value: bigint): Uint8Array {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    const d = parseElf(bytes).dynamic;
    const e = d?.entries.find((x) => x.d_tag === tag);
    new DataView(bytes.buffer).setBigUint64((d?.offset ?? 0) + (e?.index ?? 0) * 16 + fieldAt(DYN.fields.d_val, true), value, true);
    return bytes;
  }
  const errorOf = (b: Uint8Array): string | undefined => {
    try {
      parseElf(b);
    } catch (e) {
      return isWheelauditError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    return undefined;
  };

  it('refuses a string table outside every PT_LOAD, or larger than the file', () => {
    expect(errorOf(withEntry(DT_STRTAB, 0x7000_0000n))).toBe('ELF_MALFORMED: DT_STRTAB 0x70000000 (DT_STRSZ 0xcd) is not inside the file bytes of any PT_LOAD segment');
    expect(errorOf(withEntry(DT_STRSZ, 0x10_0000n))).toMatch(/^ELF_TRUNCATED: DT_STRSZ \(0x100000\) is larger than the file allows/);
  });

  it('warns about a dynamic array without DT_NULL', () => {
    const bytes = load('x86_64/verdemo/libverdemo.so.1');
    const d = parseElf(bytes).dynamic;
    // Fill every slot after the live entries with a harmless DT_DEBUG.
    for (let i = d?.nullIndex ?? 0; i < (d?.capacity ?? 0); i++) new DataView(bytes.buffer).setBigInt64((d?.offset ?? 0) + i * 16, 21n, true);
    const f = parseElf(bytes);
    expect(f.dynamic?.nullIndex).toBe(-1);
    expect(f.warnings.map((w) => w.code)).toContain('ELF_NO_DT_NULL');
  });
});
