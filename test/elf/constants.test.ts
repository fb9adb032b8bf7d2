// The ELF constants (src/elf/constants.ts) are spelled as in elf.h and must have elf.h's values:
// every one of them that glibc's <elf.h> defines is compared with it.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { needs, requireFile } from '../helpers/requires.js';

const ELF_H = '/usr/include/elf.h';

/** elf.h's #defines whose value is a number, a shift of one, or another such define. */
function elfH(): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const m of readFileSync(ELF_H, 'utf8').matchAll(/^#define\s+(\w+)\s+(.+?)\s*(?:\/\*.*)?$/gm)) {
    const [, name, raw] = m;
    if (name === undefined || raw === undefined) continue;
    const v = raw.trim();
    const num = /^\(?(0[xX][0-9a-fA-F]+|\d+)[UL]*\)?$/.exec(v);
    const shift = /^\((\d+)U?L*\s*<<\s*(\d+)\)$/.exec(v);
    if (num?.[1] !== undefined) out.set(name, BigInt(num[1].toLowerCase()));
    else if (shift?.[1] !== undefined && shift[2] !== undefined) out.set(name, BigInt(shift[1]) << BigInt(shift[2]));
    else if (out.has(v)) out.set(name, out.get(v) ?? 0n);
  }
  return out;
}

/** Ours but not elf.h's: record sizes, tags from Android's and newer headers, binutils' VERSYM_* masks. */
const NOT_IN_ELF_H = /_SIZE$|^DT_ANDROID_|^GNU_PROPERTY_X86_ISA_1_(BASELINE|V[234])$|^DT_RELR(SZ|ENT)?$|^SHT_RELR$|^VERSYM_(HIDDEN|VERSION)$/;

describe('constants.ts', needs(requireFile(ELF_H, 'libc6-dev')), () => {
  it("has elf.h's value for every name elf.h defines", () => {
    const defs = existsSync(ELF_H) ? elfH() : new Map<string, bigint>();
    let compared = 0;
    const missing: string[] = [];
    for (const [name, value] of Object.entries(C)) {
      if (typeof value !== 'number' && typeof value !== 'bigint') continue;
      const want = defs.get(name);
      if (want === undefined) {
        if (!NOT_IN_ELF_H.test(name)) missing.push(name);
        continue;
      }
      expect(BigInt(value), name).toBe(want);
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
    expect(missing).toEqual([]);
  });
});
