// Refusals (src/elf/refuse.ts): the code, the message's promise, and a hint that names only
// what can still edit the file.
import { describe, expect, it } from 'vitest';
import { layoutRefusalHint, refuseLayout } from '../../src/elf/refuse.js';
import { ElfFormatError } from '../../src/errors.js';

describe('layout refusals', () => {
  it('are ELF_EDIT_NO_ROOM errors that say nothing was rewritten', () => {
    const e = refuseLayout('section .text follows the program header table', 'use X');
    expect(e).toBeInstanceOf(ElfFormatError);
    expect([e.code, e.message, e.hint]).toEqual(['ELF_EDIT_NO_ROOM', 'section .text follows the program header table; this layout cannot be rewritten safely here', 'use X']);
    expect(refuseLayout('x').hint).toBeUndefined();
  });

  it('suggest patchelf only for files it can edit (with section headers)', () => {
    expect(layoutRefusalHint(true)).toBe('use --patcher patchelf for this file');
    expect(layoutRefusalHint(false)).toMatch(/no section headers, which patchelf cannot edit either/);
    expect(layoutRefusalHint(false)).not.toMatch(/--patcher/);
  });
});
