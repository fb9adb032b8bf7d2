// ELF notes (src/elf/notes.ts): owners, types and build-ids as readelf -n shows them, the GNU
// property note's ISA bits, and a note that overruns its area (a warning, never a crash).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { GNU_PROPERTY_X86_ISA_1_NEEDED, NT_GNU_BUILD_ID, NT_GNU_PROPERTY_TYPE_0 } from '../../src/elf/constants.js';
import { parseGnuProperties, parseNotes } from '../../src/elf/notes.js';
import { parseElf } from '../../src/elf/read.js';
import type { ParseWarning } from '../../src/elf/types.js';
import { ByteReader } from '../../src/util/bytes.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, load, SAMPLES } from './fixture.js';

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('notes', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of [...SAMPLES, 'x86_64/isa-v2/_isav2.cpython-311-x86_64-linux-gnu.so']) {
    it(`${rel}: the build-id readelf shows, from the sections and (sstripped) from PT_NOTE`, () => {
      const text = execFileSync('readelf', ['-nW', fixture(rel)], { encoding: 'utf8' });
      const buildId = /Build ID: ([0-9a-f]+)/.exec(text)?.[1];
      for (const f of [parseElf(load(rel)), parseElf(sstrip(load(rel)))]) {
        const note = f.notes().find((n) => n.type === NT_GNU_BUILD_ID);
        expect([note?.owner, note === undefined ? undefined : hexOf(note.desc)]).toEqual(['GNU', buildId]);
        expect(f.notes().length).toBe([...text.matchAll(/^\s+GNU\s+0x/gm)].length);
      }
    });
  }

  it('reads the x86 ISA level from the GNU property note', () => {
    const f = parseElf(load('x86_64/isa-v2/_isav2.cpython-311-x86_64-linux-gnu.so'));
    const props = parseGnuProperties(f.notes(), true, true, []);
    expect(f.notes().some((n) => n.type === NT_GNU_PROPERTY_TYPE_0)).toBe(true);
    const isa = props.find((p) => p.pr_type === GNU_PROPERTY_X86_ISA_1_NEEDED);
    expect(isa?.data.length).toBe(4);
    expect(f.x86IsaNeeded()).toBe(0b11); // baseline and v2, as readelf says
  });

  it('warns about a note that overruns its area and keeps the ones before it', () => {
    const bytes = new Uint8Array(32);
    const dv = new DataView(bytes.buffer);
    // One good note (namesz 4 "GNU\0", descsz 4), then one claiming 0x100 bytes of desc.
    dv.setUint32(0, 4, true);
    dv.setUint32(4, 4, true);
    dv.setUint32(8, 3, true);
    bytes.set(new TextEncoder().encode('GNU\0'), 12);
    dv.setUint32(20, 0, true);
    dv.setUint32(24, 0x100, true);
    const warnings: ParseWarning[] = [];
    const notes = parseNotes(new ByteReader(bytes, true, true), 0, 32, 4, warnings);
    expect(notes.map((n) => [n.owner, n.type])).toEqual([['GNU', 3]]);
    expect(warnings.map((w) => w.code)).toEqual(['ELF_BAD_NOTE']);
  });
});
