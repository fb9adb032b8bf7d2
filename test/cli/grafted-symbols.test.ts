// Symbol names for libraries repair would graft, read from the library file only when a
// blocker needs them: checked against readelf's list of what a real host library imports at
// one version; unreadable files and wheel files are left as they are.
import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Blocker } from '../../src/analyze/blockers.js';
import { withGraftedSymbols } from '../../src/cli/grafted-symbols.js';
import { readelfDynSyms } from '../helpers/readelf.js';
import { needs, requireLibs, requireTool } from '../helpers/requires.js';
import { systemLibrary } from '../helpers/isolate.js';

describe('withGraftedSymbols', () => {
  it('fills in, sorted, the symbols a grafted library imports at the blocking version', needs(requireTool('readelf', 'binutils'), requireLibs('libffi.so.8')), () => {
    const lib = realpathSync(systemLibrary('libffi.so.8') ?? '');
    const imports = readelfDynSyms(lib).filter((s) => s.undefined && s.version?.startsWith('GLIBC_') === true);
    expect(imports.length).toBeGreaterThan(0);
    const version = imports.map((s) => s.version as string).sort().at(-1) as string;
    const want = [...new Set(imports.filter((s) => s.version === version).map((s) => s.name))].sort();
    const b: Blocker = {
      kind: 'symbol-version',
      library: 'libc.so.6',
      version,
      bestTag: undefined,
      importers: [
        { file: 'pkg/_x.so', grafted: false, realpath: undefined, symbols: ['own'] },
        { file: 'libffi.so.8', grafted: true, realpath: lib, symbols: [] },
        { file: 'libgone.so', grafted: true, realpath: '/nonexistent/libgone.so', symbols: [] },
      ],
    };
    const [out] = withGraftedSymbols([b]);
    expect(out?.kind === 'symbol-version' ? out.importers.map((i) => i.symbols) : []).toEqual([['own'], want, []]);
  });

  it('returns other blockers, and blockers with no grafted importer, unchanged', () => {
    const isa: Blocker = { kind: 'isa', file: 'x', isa: 'x86_64_v3', whitelistedIn: undefined };
    const own: Blocker = { kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', bestTag: undefined, importers: [{ file: 'a.so', grafted: false, realpath: undefined, symbols: [] }] };
    const out = withGraftedSymbols([isa, own]);
    expect(out[0]).toBe(isa);
    expect(out[1]).toBe(own);
  });
});
