// Symbol names for the libraries repair would graft: the analysis reads only the version
// tables of host libraries (their symbol tables can be huge), so when a refusal or a check
// has to name `symbol@VERSION` imported by such a library, its dynamic symbols are read here,
// once per library, and only for those.
import { readFileSync } from 'node:fs';
import type { Blocker } from '../analyze/blockers.js';
import { summarizeElf, versionedImportKey } from '../analyze/elf-summary.js';
import { parseElf } from '../elf/index.js';

/** The blockers with the symbol names of grafted importers filled in (left empty when unreadable). */
export function withGraftedSymbols(blockers: readonly Blocker[]): Blocker[] {
  const cache = new Map<string, ReadonlyMap<string, readonly string[]> | undefined>();
  const importsOf = (realpath: string): ReadonlyMap<string, readonly string[]> | undefined => {
    if (!cache.has(realpath)) {
      let found: ReadonlyMap<string, readonly string[]> | undefined;
      try {
        found = summarizeElf(parseElf(new Uint8Array(readFileSync(realpath))), realpath).versionedImports;
      } catch {
        // The analysis read this file already; if it cannot be read again, names are omitted.
        found = undefined;
      }
      cache.set(realpath, found);
    }
    return cache.get(realpath);
  };
  return blockers.map((b) => {
    if (b.kind !== 'symbol-version' || !b.importers.some((i) => i.grafted)) return b;
    const importers = b.importers.map((i) => {
      if (!i.grafted || i.realpath === undefined || i.symbols.length > 0) return i;
      const names = importsOf(i.realpath)?.get(versionedImportKey(b.library, b.version)) ?? [];
      return { ...i, symbols: [...names].sort() };
    });
    return { ...b, importers };
  });
}
