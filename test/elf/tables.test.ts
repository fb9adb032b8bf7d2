// The tables a file without section headers still describes (src/elf/tables.ts), judged by the
// section headers of the same file before sstrip cut them off (read by readelf): every table
// found from the program headers and the dynamic array is exactly a run of whole sections, and
// every section the loader reaches that way is inside one of the tables.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sstrip } from '../../fixtures/elf-edit/sstrip.mjs';
import { parseElf } from '../../src/elf/read.js';
import { dynamicTableExtents, loadedTables } from '../../src/elf/tables.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, readelfSections, SAMPLES, type ReadelfSection } from './fixture.js';

/** Sections the loader reaches through the dynamic array or a program header. */
const REACHED = /^(\.interp|\.note\..*|\.hash|\.gnu\.hash|\.dynsym|\.dynstr|\.gnu\.version(_r|_d)?|\.rela?\.dyn|\.rela?\.plt|\.relr\.dyn)$/;

const FILES = [...SAMPLES.map(fixture), '/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/usr/s390x-linux-gnu/lib/libm.so.6', '/usr/i686-linux-gnu/lib/libm.so.6'].filter((f) => existsSync(f));

describe('loadedTables agrees with the section headers sstrip removes', needs(requireTool('readelf', 'binutils')), () => {
  for (const file of FILES) {
    it(file.replace(/.*fixtures\/elf\/out\//, ''), () => {
      const bytes = new Uint8Array(readFileSync(file));
      const tables = loadedTables(parseElf(sstrip(bytes)));
      const sections = readelfSections(file).filter((s) => REACHED.test(s.name) && s.size > 0n && s.addr > 0n);
      expect(tables.length).toBeGreaterThan(3);
      for (const t of tables) {
        const inside = sections.filter((s) => s.addr >= t.vaddr && s.addr < t.vaddr + t.size);
        expect(inside.length, `${t.name} holds sections`).toBeGreaterThan(0);
        const first = inside[0] as ReadelfSection;
        const last = inside[inside.length - 1] as ReadelfSection;
        expect([t.vaddr, t.offset], `${t.name} starts where ${first.name} does`).toEqual([first.addr, first.offset]);
        expect(t.vaddr + t.size, `${t.name} ends where ${last.name} does`).toBe(last.addr + last.size);
        expect(t.starts.every((a) => inside.some((s) => s.addr === a)), `${t.name}: every start is a section start`).toBe(true);
      }
      for (const s of sections) {
        expect(tables.filter((t) => s.addr >= t.vaddr && s.addr + s.size <= t.vaddr + t.size).map((t) => t.name), `${s.name} lies in one table`).toHaveLength(1);
      }
    });
  }

  it('names each dynamic table with its tag, and leaves out a table whose address maps nowhere', () => {
    const elf = parseElf(sstrip(new Uint8Array(readFileSync(fixture('x86_64/verdemo/libverdemo.so.1')))));
    const extents = dynamicTableExtents(elf, elf.dynamic ?? expect.unreachable());
    expect(extents.map((t) => t.name)).toEqual(['.gnu.hash', '.dynsym', '.gnu.version', '.gnu.version_r', '.gnu.version_d', '.dynstr', 'DT_RELA', 'DT_JMPREL']);
    // Point DT_VERSYM far outside every segment: the table is no longer placed.
    const bytes = sstrip(new Uint8Array(readFileSync(fixture('x86_64/verdemo/libverdemo.so.1'))));
    const d = parseElf(bytes).dynamic;
    const versym = d?.entries.find((e) => e.d_tag === 0x6ffffff0n);
    new DataView(bytes.buffer).setBigUint64((d?.offset ?? 0) + (versym?.index ?? 0) * 16 + 8, 0x7fff0000n, true);
    expect(loadedTables(parseElf(bytes)).map((t) => t.name)).not.toContain('.gnu.version');
  });
});
