// The host's (or a sysroot's) file system for library resolution: the one place in analyze/
// that reads files the user did not name. File-system answers are cached for the run. ELF
// candidates are parsed once; a candidate that is not a readable ELF file is skipped (as
// ld.so does) and noted. Large libraries are read sparsely: only the header, the program
// and section header tables and the sections the analysis reads are loaded into a buffer
// whose other pages are never touched, so a 100 MiB libLLVM costs a few MiB.
// With a sysroot, every path below it is resolved as a process chrooted there would resolve
// it (absolute symlinks start again at the sysroot), so nothing is ever read from the host.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { hasElfMagic, parseElf } from '../elf/index.js';
import { isWheelauditError } from '../errors.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
import { filledRanges, headerRanges, merge, parseFollowingVersions, segmentRanges, tableRanges, type Filled } from './elf-ranges.js';
import { fnmatch } from './fnmatch.js';
import type { LibraryFs } from './library-fs.js';
import { basename, isSubdir } from './paths.js';
import { resolveInRoot, symlinkTarget } from '../util/rooted-path.js';
export { hostPathInRoot } from '../util/rooted-path.js';

/** A library candidate that could not be used, and why. */
export interface HostFsNote {
  readonly path: string;
  readonly message: string;
}

/** Files up to this size are simply read whole. */
const SPARSE_THRESHOLD = 4 * 1024 * 1024;
const HEAD = 64 * 1024;
/** Read [start, end) of fd into buf (clipped to the buffer), noting what was read in `filled`. */
function fill(fd: number, buf: Uint8Array, start: number, end: number, filled?: Filled): void {
  const s = Math.max(0, start);
  const e = Math.min(buf.length, end);
  let pos = s;
  while (pos < e) {
    const n = readSync(fd, buf, pos, e - pos, pos);
    if (n <= 0) break;
    pos += n;
  }
  filled?.add(s, pos);
}

/**
 * The bytes of a large ELF file with only the parts the analysis reads filled in (elf-ranges.ts,
 * shared with wheel entries), or undefined when that cannot be done safely: then read it whole.
 */
function readSparse(fd: number, size: number): { buf: Uint8Array; filled: Filled } | undefined {
  const buf = new Uint8Array(size);
  const filled = filledRanges();
  fill(fd, buf, 0, HEAD, filled);
  try {
    // Each step needs the bytes the previous one filled in.
    for (const step of [headerRanges, segmentRanges, tableRanges]) {
      const ranges = step(buf);
      if (ranges === undefined) return undefined;
      for (const [s, e] of merge(ranges, size)) fill(fd, buf, s, e, filled);
    }
  } catch {
    // Headers that do not parse: the whole file, so the parser can say what is wrong.
    return undefined;
  }
  return { buf, filled };
}

/** The real file system (the host, or a sysroot below it) as a {@link LibraryFs}, with answers cached for the run. */
export class HostFs implements LibraryFs {
  private readonly elves = new Map<string, ElfSummary | undefined>();
  private readonly stats = new Map<string, 'file' | 'dir' | 'other' | 'missing'>();
  private readonly links = new Map<string, string | undefined>();
  /** Raw lstat+readlink answers by host path, for resolving paths inside the root. */
  private readonly rawLinks = new Map<string, string | undefined>();
  private readonly hostPaths = new Map<string, string | undefined>();
  /** Candidates that looked like libraries but could not be used, with the reason. */
  readonly notes: HostFsNote[] = [];

  /**
   * @param root '' for the host, else the sysroot (absolute, no trailing slash): paths below
   *   it are resolved inside it, so its symlinks never lead to a host file.
   */
  constructor(readonly root = '') {}

  private rawReadlink(hostPath: string): string | undefined {
    if (this.rawLinks.has(hostPath)) return this.rawLinks.get(hostPath);
    const target = symlinkTarget(hostPath);
    this.rawLinks.set(hostPath, target);
    return target;
  }

  /**
   * The host path to open for `path`: itself outside the root; below the root, the path with
   * every symlink resolved inside the root (the last component only when `followFinal`).
   * Undefined for a symlink loop.
   */
  private hostPath(path: string, followFinal = true): string | undefined {
    if (this.root === '' || !isSubdir(path, this.root)) return path;
    const key = `${followFinal ? 'F' : 'L'}${path}`;
    if (this.hostPaths.has(key)) return this.hostPaths.get(key);
    const inner = resolveInRoot(this.root, path.slice(this.root.length) || '/', (p) => this.rawReadlink(p), followFinal);
    const host = inner === undefined ? undefined : inner === '/' ? this.root : this.root + inner;
    this.hostPaths.set(key, host);
    return host;
  }

  private kind(path: string): 'file' | 'dir' | 'other' | 'missing' {
    let k = this.stats.get(path);
    if (k === undefined) {
      const host = this.hostPath(path);
      try {
        if (host === undefined) throw new Error('symlink loop');
        const st = statSync(host);
        k = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
      } catch {
        k = 'missing';
      }
      this.stats.set(path, k);
    }
    return k;
  }

  isDirectory(path: string): boolean {
    return this.kind(path) === 'dir';
  }

  exists(path: string): boolean {
    return this.kind(path) !== 'missing';
  }

  readlink(path: string): string | undefined {
    if (this.links.has(path)) return this.links.get(path);
    const host = this.hostPath(path, false);
    const target = host === undefined ? undefined : this.rawReadlink(host);
    this.links.set(path, target);
    return target;
  }

  loadElf(path: string): ElfSummary | undefined {
    if (this.elves.has(path)) return this.elves.get(path);
    let summary: ElfSummary | undefined;
    try {
      const host = this.hostPath(path);
      if (host !== undefined && this.kind(path) === 'file') summary = loadSummary(host);
    } catch (e) {
      if (!isWheelauditError(e) && !(e instanceof Error && 'code' in e)) throw e;
      this.notes.push({ path, message: e instanceof Error ? e.message : String(e) });
      summary = undefined;
    }
    this.elves.set(path, summary);
    return summary;
  }

  readText(path: string): string | undefined {
    const host = this.hostPath(path);
    if (host === undefined) return undefined;
    try {
      return readFileSync(host, 'utf8');
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
          const host = this.hostPath(b);
          if (host === undefined) continue;
          names = readdirSync(host);
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

/** One buffer for every small host library: summaries keep no view into it. */
let smallScratch: Uint8Array | undefined;

function loadSummary(path: string): ElfSummary | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(4);
    if (readSync(fd, head, 0, 4, 0) !== 4 || !hasElfMagic(head)) return undefined;
    const size = fstatSync(fd).size;
    const sparse = size > SPARSE_THRESHOLD ? readSparse(fd, size) : undefined;
    let bytes = sparse?.buf;
    if (bytes === undefined) {
      if (size <= SPARSE_THRESHOLD) {
        smallScratch ??= new Uint8Array(SPARSE_THRESHOLD);
        bytes = smallScratch.subarray(0, size);
      } else {
        bytes = new Uint8Array(size);
      }
      fill(fd, bytes, 0, size);
    }
    // A sparse read follows the version links through pread as far as they lead.
    const elf = sparse === undefined ? parseElf(bytes) : parseFollowingVersions(bytes, sparse.filled, (ranges) => {
      for (const [s, e] of ranges) fill(fd, bytes, s, e, sparse.filled);
    });
    return summarizeElf(elf, basename(path), { symbols: false });
  } finally {
    closeSync(fd);
  }
}

