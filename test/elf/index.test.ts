// The ELF layer's public surface (src/elf/index.ts): what the rest of wheelaudit imports.
import { describe, expect, it } from 'vitest';
import * as elf from '../../src/elf/index.js';
import { load } from './fixture.js';

describe('src/elf/index.ts', () => {
  it('exports the reader and the display names, and they work together', () => {
    expect(Object.keys(elf).sort()).toEqual(['describeMachine', 'describeOsabi', 'describeType', 'hasElfMagic', 'parseElf']);
    const bytes = load('aarch64/libverdemo.so.1');
    expect(elf.hasElfMagic(bytes)).toBe(true);
    expect(elf.describeMachine(elf.parseElf(bytes).header.e_machine)).toBe('EM_AARCH64');
  });
});
