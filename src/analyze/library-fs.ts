// The file-system view that library resolution runs on. Two sources stand behind it: the
// wheel's own entries (mounted read-only at a virtual directory, never extracted), and the
// host (or a --sysroot), read through HostFs. Keeping resolution on this interface is what
// lets one wheel be audited against another architecture's libraries.
import type { ElfSummary } from './elf-summary.js';
import { installedPath, isSubdir } from './paths.js';

/** The file-system questions library resolution asks; answered by the host ({@link HostFs}), a sysroot, or the wheel itself. */
export interface LibraryFs {
  isDirectory(path: string): boolean;
  /** True for anything that exists (file, directory, or a symlink to one). */
  exists(path: string): boolean;
  /** The target of `path` when it is a symlink, else undefined. */
  readlink(path: string): string | undefined;
  /**
   * The ELF facts of a regular file, or undefined when it is not a readable ELF file (a glibc
   * linker script named libc.so, a directory): ld.so skips such candidates, and so do we.
   */
  loadElf(path: string): ElfSummary | undefined;
  readText(path: string): string | undefined;
  /** Glob one pattern (`*`, `?`, `[...]` per path segment), sorted. */
  glob(pattern: string): string[];
}

/**
 * Where the wheel's entries appear in the virtual file system. It contains a NUL character,
 * which no name found in a wheel can: ELF strings (RPATH, RUNPATH, DT_NEEDED) end at the first
 * NUL, and entry names with one are refused. So no search path an ELF file or the user can
 * write reaches the wheel's files except through $ORIGIN, and a library missing from the
 * system can never look present because a RUNPATH names the mount. (A printable mount name
 * could be written into a RUNPATH by anyone who read this file.)
 */
export const WHEEL_MOUNT = '/\u0000wheel';

/** `path` for messages: the wheel's mount shown as `<wheel>`. */
export function displayPath(path: string): string {
  return isSubdir(path, WHEEL_MOUNT) ? `<wheel>${path.slice(WHEEL_MOUNT.length)}` : path;
}

/** A view of the wheel's files: ELF summaries by entry name plus the directories they imply. */
export class WheelFs implements LibraryFs {
  private readonly files = new Map<string, ElfSummary | undefined>();
  private readonly dirs: Set<string>;

  constructor(
    entryNames: Iterable<string>,
    elves: ReadonlyMap<string, ElfSummary>,
    readonly mount: string = WHEEL_MOUNT,
  ) {
    this.dirs = new Set([mount]);
    for (const entry of entryNames) {
      // Files under <name>.data/platlib/ are seen where they are installed, so their $ORIGIN
      // run paths resolve as they will at run time.
      const name = installedPath(entry);
      const clean = name.replace(/\/+$/, '');
      if (clean === '') continue;
      const full = `${mount}/${clean}`;
      if (name.endsWith('/')) this.dirs.add(full);
      else this.files.set(full, elves.get(entry));
      // Parents from the nearest up; once one is known, so are all above it (a wheel of
      // 150,000 files in a few folders adds each folder once, not once per file).
      let i = clean.lastIndexOf('/');
      while (i > 0) {
        const dir = `${mount}/${clean.slice(0, i)}`;
        if (this.dirs.has(dir)) break;
        this.dirs.add(dir);
        i = clean.lastIndexOf('/', i - 1);
      }
    }
  }

  /** Entry name -> virtual absolute path (its installed location). */
  pathOf(entryName: string): string {
    return `${this.mount}/${installedPath(entryName)}`;
  }

  owns(path: string): boolean {
    return isSubdir(path, this.mount);
  }

  isDirectory(path: string): boolean {
    return this.dirs.has(path);
  }

  exists(path: string): boolean {
    return this.dirs.has(path) || this.files.has(path);
  }

  readlink(): string | undefined {
    return undefined;
  }

  loadElf(path: string): ElfSummary | undefined {
    return this.files.get(path);
  }

  readText(): string | undefined {
    return undefined;
  }

  glob(): string[] {
    return [];
  }
}

/** Route paths under the wheel mount to the wheel, everything else to the host. */
export class OverlayFs implements LibraryFs {
  constructor(
    readonly wheel: WheelFs,
    readonly host: LibraryFs,
  ) {}

  private pick(path: string): LibraryFs {
    return this.wheel.owns(path) ? this.wheel : this.host;
  }

  isDirectory(path: string): boolean {
    return this.pick(path).isDirectory(path);
  }

  exists(path: string): boolean {
    return this.pick(path).exists(path);
  }

  readlink(path: string): string | undefined {
    return this.pick(path).readlink(path);
  }

  loadElf(path: string): ElfSummary | undefined {
    return this.pick(path).loadElf(path);
  }

  readText(path: string): string | undefined {
    return this.pick(path).readText(path);
  }

  glob(pattern: string): string[] {
    return this.pick(pattern).glob(pattern);
  }
}
