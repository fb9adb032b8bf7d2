// The host's (or a sysroot's) file system for library resolution: the one place in analyze/
// that reads files the user did not name. ELF candidates are parsed once and cached; a
// candidate that is not a readable ELF file is skipped (as ld.so does) and noted.
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs';
import { isWheelauditError } from '../errors.js';
import { hasElfMagic, parseElf } from '../elf/index.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
import { fnmatch } from './fnmatch.js';
import type { LibraryFs } from './library-fs.js';
import { basename } from './paths.js';

export interface HostFsNote {
  readonly path: string;
  readonly message: string;
}

export class HostFs implements LibraryFs {
  private readonly elves = new Map<string, ElfSummary | undefined>();
  /** Candidates that looked like libraries but could not be used, with the reason. */
  readonly notes: HostFsNote[] = [];

  isDirectory(path: string): boolean {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  exists(path: string): boolean {
    try {
      statSync(path);
      return true;
    } catch {
      return false;
    }
  }

  readlink(path: string): string | undefined {
    try {
      if (!lstatSync(path).isSymbolicLink()) return undefined;
      return readlinkSync(path);
    } catch {
      return undefined;
    }
  }

  loadElf(path: string): ElfSummary | undefined {
    if (this.elves.has(path)) return this.elves.get(path);
    let summary: ElfSummary | undefined;
    try {
      if (statSync(path).isFile() && startsWithElfMagic(path)) {
        summary = summarizeElf(parseElf(new Uint8Array(readFileSync(path))), basename(path));
      }
    } catch (e) {
      if (!isWheelauditError(e) && !(e instanceof Error && 'code' in e)) throw e;
      this.notes.push({ path, message: e instanceof Error ? e.message : String(e) });
      summary = undefined;
    }
    this.elves.set(path, summary);
    return summary;
  }

  readText(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  }

  glob(pattern: string): string[] {
    const segs = pattern.split('/');
    let bases: string[] = [pattern.startsWith('/') ? '/' : '.'];
    const start = pattern.startsWith('/') ? 1 : 0;
    for (let i = start; i < segs.length; i++) {
      const seg = segs[i] as string;
      if (seg === '') continue;
      const last = i === segs.length - 1;
      const next: string[] = [];
      for (const b of bases) {
        const join = (n: string): string => (b === '/' ? `/${n}` : b === '.' ? n : `${b}/${n}`);
        if (!/[*?[]/.test(seg)) {
          const p = join(seg);
          if (last ? this.exists(p) : this.isDirectory(p)) next.push(p);
          continue;
        }
        let names: string[];
        try {
          names = readdirSync(b === '.' ? '.' : b);
        } catch {
          continue;
        }
        for (const n of names.sort()) {
          // Like glob(3), a wildcard does not match a leading dot.
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (!fnmatch(n, seg)) continue;
          const p = join(n);
          if (last || this.isDirectory(p)) next.push(p);
        }
      }
      bases = next;
    }
    return bases.filter((b) => b !== '/' && b !== '.').sort();
  }
}

function startsWithElfMagic(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4);
    return readSync(fd, head, 0, 4, 0) === 4 && hasElfMagic(head);
  } finally {
    closeSync(fd);
  }
}
