// The entries repair adds or changes, waiting to be written. Small ones keep their bytes (they
// are deflated when written); patched ELF files start deflating at once and keep only their
// RECORD row and the deflated bytes, with at most `limit` deflates running: a patch waits
// for a free slot, so no more than that many patched copies are in memory at once.
import type { RecordRow } from '../wheel/record.js';
import { recordRowFor } from '../wheel/record.js';
import { deflateData, type DeflatedData } from '../wheel/zip-write.js';

export interface ChangedEntry {
  /** Content to deflate when written (small entries). */
  readonly data: Uint8Array | undefined;
  /** Deflation already under way (patched ELF files). */
  readonly deflated: Promise<DeflatedData> | undefined;
  /** The RECORD row, when taken before the content was dropped. */
  readonly row: RecordRow | undefined;
  readonly mode: number;
}

export interface ChangedEntries {
  readonly entries: ReadonlyMap<string, ChangedEntry>;
  /** A small new or changed entry, kept as bytes. */
  small(name: string, data: Uint8Array, mode: number): void;
  /** A large one: hashed now and deflated once fewer than `limit` deflates run. */
  big(name: string, data: Uint8Array, mode: number): Promise<void>;
}

export function changedEntries(level: number, limit: number): ChangedEntries {
  const entries = new Map<string, ChangedEntry>();
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    entries,
    small(name, data, mode) {
      entries.set(name, { data, deflated: undefined, row: undefined, mode });
    },
    async big(name, data, mode) {
      const row = recordRowFor(name, data);
      while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      const deflated = deflateData(data, level, name);
      const free = (): void => {
        running--;
        waiting.shift()?.();
      };
      deflated.then(free, free);
      entries.set(name, { data: undefined, deflated, row, mode });
    },
  };
}
