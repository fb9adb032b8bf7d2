// Symbol versioning tables (src/elf/versions.ts): Verneed/Vernaux and Verdef/Verdaux as readelf
// -V shows them, .gnu.version per symbol, and the chain checks (loops, overlapping records).
import { describe, expect, it } from 'vitest';
import { DT_VERNEED, DT_VERNEEDNUM } from '../../src/elf/constants.js';
import { fieldAt, VERNEED } from '../../src/elf/layout.js';
import { parseElf } from '../../src/elf/read.js';
import { isWheelauditError } from '../../src/errors.js';
import { readelfDynSyms, readelfVersions } from '../helpers/readelf.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, load, SAMPLES } from './fixture.js';

describe('symbol versions', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of SAMPLES) {
    it(`${rel}: Verneed and Verdef as readelf -V shows them`, () => {
      const f = parseElf(load(rel));
      const v = readelfVersions(fixture(rel));
      expect(f.versionNeeds().map((n) => [n.file, n.aux.map((a) => a.name)])).toEqual(v.needs);
      expect(f.versionDefs().map((d) => d.aux[0]?.name)).toEqual(v.defs);
      expect(f.symbolVersionIndexes()).toHaveLength(f.dynamicSymbolCount());
    });
  }

  it('names the version of every dynamic symbol as readelf --dyn-syms does, and the file a needed one comes from', () => {
    for (const rel of SAMPLES) {
      const f = parseElf(load(rel));
      // readelf prints no version for the symbol that names a version definition itself.
      const ours = f.dynamicSymbols().map((s) => (f.symbolVersion(s.index)?.name === s.name ? undefined : f.symbolVersion(s.index)?.name));
      expect(ours, rel).toEqual(readelfDynSyms(fixture(rel)).map((s) => s.version));
    }
    const main = parseElf(load('x86_64/verdemo/verdemo-main'));
    const len = main.dynamicSymbols().find((s) => s.name === 'verdemo_len');
    expect(main.symbolVersion(len?.index ?? -1)).toMatchObject({ name: 'VERDEMO_1.0', file: 'libverdemo.so.1', hidden: false });
  });
});

describe('version chains', () => {
  function withVerneed(edit: (dv: DataView, at: number) => void): Uint8Array {
    const bytes = load('x86_64/verdemo/verdemo-main');
    const f = parseElf(bytes);
    const at = f.vaddrToOffset(f.dynamic?.entries.find((e) => e.d_tag === DT_VERNEED)?.d_val ?? 0n, 16) ?? 0;
    edit(new DataView(bytes.buffer), at);
    return bytes;
  }
  const codeOf = (bytes: Uint8Array): string | undefined => {
    try {
      parseElf(bytes).versionNeeds();
    } catch (e) {
      return isWheelauditError(e) ? `${e.code}: ${e.message}` : String(e);
    }
    return undefined;
  };

  it('refuses a chain that leaves the file', () => {
    // The second Verneed's vn_next (unsigned) points far away, and DT_VERNEEDNUM claims more.
    const bytes = withVerneed((dv, at) => {
      const next = dv.getUint32(at + fieldAt(VERNEED.fields.vn_next, true), true);
      dv.setUint32(at + next + fieldAt(VERNEED.fields.vn_next, true), -next >>> 0, true);
    });
    const f = parseElf(bytes);
    const num = f.dynamic?.entries.find((e) => e.d_tag === DT_VERNEEDNUM);
    new DataView(bytes.buffer).setBigUint64((f.dynamic?.offset ?? 0) + (num?.index ?? 0) * 16 + 8, 5n, true);
    expect(codeOf(bytes)).toBe('ELF_TRUNCATED: verneed entry 2 (0x10 bytes at 0x100000618) lies past the end of the file (size 0x38c0)');
  });

  it('refuses Vernaux records that overlap their Verneed record', () => {
    const bytes = withVerneed((dv, at) => dv.setUint32(at + fieldAt(VERNEED.fields.vn_aux, true), 4, true));
    expect(codeOf(bytes)).toBe('ELF_MALFORMED: verneed 0 vn_aux 4 makes its Vernaux records overlap the Verneed record');
  });
});
