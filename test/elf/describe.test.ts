// Display names (src/elf/describe.ts) are elf.h's names for the values readelf reads.
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import { describeMachine, describeOsabi, describeType } from '../../src/elf/describe.js';

describe('describe', () => {
  it("names machines, types and OS ABIs with elf.h's names, and says when it does not know one", () => {
    for (const [v, name] of [[C.EM_X86_64, 'EM_X86_64'], [C.EM_AARCH64, 'EM_AARCH64'], [C.EM_S390, 'EM_S390'], [C.EM_PPC64, 'EM_PPC64'], [C.EM_386, 'EM_386'], [C.EM_ARM, 'EM_ARM'], [C.EM_RISCV, 'EM_RISCV'], [C.EM_LOONGARCH, 'EM_LOONGARCH']] as const) {
      expect(describeMachine(v)).toBe(name);
    }
    expect([describeType(C.ET_DYN), describeType(C.ET_EXEC), describeType(C.ET_REL)]).toEqual(['ET_DYN', 'ET_EXEC', 'ET_REL']);
    expect([describeOsabi(C.ELFOSABI_SYSV), describeOsabi(C.ELFOSABI_GNU)]).toEqual(['ELFOSABI_SYSV', 'ELFOSABI_LINUX']);
    expect([describeMachine(9999), describeType(77), describeOsabi(200)]).toEqual(['<unknown: 9999>', '<unknown: 77>', '<unknown: 200>']);
  });
});
