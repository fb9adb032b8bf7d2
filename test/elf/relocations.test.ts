// Dynamic relocation records (src/elf/relocations.ts), read for the eviction safety scan and the
// symbol count without sections: the same sites readelf -r lists (RELA and REL, with PLT
// relocations, and packed RELR), and the addresses relative relocations produce.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/read.js';
import { forEachRelocation, relocatedSymbolCount, type RelocationSite } from '../../src/elf/relocations.js';
import { ByteReader } from '../../src/util/bytes.js';
import { needs, requireTool } from '../helpers/requires.js';
import { fixture, SAMPLES } from './fixture.js';

/** readelf -rW: r_offset and symbol index of every relocation, in table order. */
function readelfRelocs(file: string): [bigint, number][] {
  const out = execFileSync('readelf', ['-rW', file], { encoding: 'utf8' });
  const rows: [bigint, number][] = [];
  for (const m of out.matchAll(/^([0-9a-f]{8,16})\s+([0-9a-f]{8,16})\s+R_/gm)) {
    const info = BigInt(`0x${m[2]}`);
    rows.push([BigInt(`0x${m[1]}`), Number((m[2]?.length ?? 0) > 8 ? info >> 32n : info >> 8n)]);
  }
  return rows;
}

function sites(file: string): RelocationSite[] {
  const f = parseElf(new Uint8Array(readFileSync(file)));
  if (f.dynamic === undefined) return [];
  const out: RelocationSite[] = [];
  forEachRelocation(new ByteReader(f.bytes, f.ident.littleEndian, f.ident.elfClass === 64), f.dynamic, f.vaddrToOffset, (s) => out.push(s));
  return out;
}

describe('forEachRelocation', needs(requireTool('readelf', 'binutils')), () => {
  for (const rel of SAMPLES) {
    it(`${rel}: the sites readelf lists`, () => {
      const ours = sites(fixture(rel)).map((s): [bigint, number] => [s.r_offset, s.sym]);
      expect(ours).toEqual(readelfRelocs(fixture(rel)));
      const f = parseElf(new Uint8Array(readFileSync(fixture(rel))));
      const r = new ByteReader(f.bytes, f.ident.littleEndian, f.ident.elfClass === 64);
      expect(f.dynamic && relocatedSymbolCount(r, f.dynamic, f.vaddrToOffset)).toBe(Math.max(0, ...ours.map(([, s]) => s + 1)));
    });
  }

  it('gives relative relocations their target: the addend (RELA) or the word stored at r_offset (REL)', () => {
    for (const rel of ['x86_64/verdemo/libverdemo.so.1', 'i686/libverdemo.so.1']) {
      const f = parseElf(new Uint8Array(readFileSync(fixture(rel))));
      const relative = sites(fixture(rel)).filter((s) => s.sym === 0);
      expect(relative.length).toBeGreaterThan(0);
      // Each points back into the image (a function or data of this library).
      for (const s of relative) expect(f.vaddrToOffset(s.target ?? -1n, 1), `${rel} ${s.r_offset}`).toBeDefined();
      expect(sites(fixture(rel)).filter((s) => s.sym !== 0).every((s) => s.target === undefined)).toBe(true);
    }
  });

  it('unpacks DT_RELR into the offsets readelf decodes', needs(requireTool('gcc', 'gcc')), () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-relr-'));
    writeFileSync(path.join(dir, 'p.c'), 'static int a, b, c;\nint *table[] = { &a, &b, &c, &a, &b, &c, &a, &b, &c, &a, &b, &c, &a, &b, &c, &a, &b, &c, &a, &b };\nint *get(int i) { return table[i]; }\n');
    const packed = path.join(dir, 'packed.so');
    const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-Wl,-z,pack-relative-relocs', '-o', packed, path.join(dir, 'p.c')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(parseElf(new Uint8Array(readFileSync(packed))).dynamic?.entries.some((e) => e.d_tag === 36n)).toBe(true);
    const text = execFileSync('readelf', ['-rW', packed], { encoding: 'utf8' });
    const relr = /'\.relr\.dyn'[^\n]*\n\s+\d+ offsets\n((?:[0-9a-f]{16}\n?)+)/.exec(text)?.[1] ?? '';
    const decoded = relr.trim().split('\n').map((l) => BigInt(`0x${l}`));
    expect(decoded.length).toBeGreaterThanOrEqual(20);
    const ours = sites(packed).filter((s) => s.sym === 0).map((s) => s.r_offset);
    expect(ours).toEqual(decoded);
  });
});
