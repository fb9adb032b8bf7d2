// The host's (or a sysroot's) file system for library resolution: the one place in analyze/
// that reads files the user did not name. File-system answers are cached for the run. ELF
// candidates are parsed once; a candidate that is not a readable ELF file is skipped (as
// ld.so does) and noted. Large libraries are read sparsely: only the header, the program
// and section header tables and the sections the analysis reads are loaded into a buffer
// whose other pages are never touched, so a 100 MiB libLLVM costs a few MiB.
// With a sysroot, every path below it is resolved as a process chrooted there would resolve
// it (absolute symlinks start again at the sysroot), so nothing is ever read from the host.
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { ELF32_EHDR_SIZE, SHF_ALLOC, SHT_DYNAMIC, SHT_DYNSYM, SHT_GNU_HASH, SHT_GNU_verdef, SHT_GNU_verneed, SHT_GNU_versym, SHT_HASH, SHT_NOTE, SHT_STRTAB, PT_DYNAMIC, PT_INTERP, PT_NOTE } from '../elf/constants.js';
import { hasElfMagic, parseElf } from '../elf/index.js';
import { parseHeader, parseIdent, parseProgramHeaders, parseSectionHeaders } from '../elf/headers.js';
import { isWheelauditError } from '../errors.js';
import { ByteReader } from '../util/bytes.js';
import { summarizeElf, type ElfSummary } from './elf-summary.js';
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
/** Section types the analysis reads from libraries outside the wheel. */
const NEEDED_SECTIONS = new Set([SHT_STRTAB, SHT_GNU_verneed, SHT_GNU_verdef, SHT_GNU_versym, SHT_NOTE, SHT_HASH, SHT_GNU_HASH, SHT_DYNSYM, SHT_DYNAMIC]);

type Range = readonly [number, number];

/** Read [start, end) of fd into buf, remembering the range. */
function fill(fd: number, buf: Uint8Array, ranges: Range[], start: number, end: number): void {
  const s = Math.max(0, start);
  const e = Math.min(buf.length, end);
  if (e <= s) return;
  let pos = s;
  while (pos < e) {
    const n = readSync(fd, buf, pos, e - pos, pos);
    if (n <= 0) break;
    pos += n;
  }
  ranges.push([s, pos]);
}

function covered(ranges: readonly Range[], start: number, end: number): boolean {
  return ranges.some(([s, e]) => start >= s && end <= e);
}

/**
 * The bytes of a large ELF file with only the parts the analysis reads filled in, or
 * undefined when that cannot be done safely (no section headers): then read it whole.
 */
function readSparse(fd: number, size: number): Uint8Array | undefined {
  const buf = new Uint8Array(size);
  const ranges: Range[] = [];
  fill(fd, buf, ranges, 0, HEAD);
  const ident = parseIdent(buf);
  const r = new ByteReader(buf, ident.littleEndian, ident.elfClass === 64);
  if (size < ELF32_EHDR_SIZE) return undefined;
  const h = parseHeader(r);
  const phoff = Number(h.e_phoff);
  fill(fd, buf, ranges, phoff, phoff + h.e_phnum * h.e_phentsize);
  const shoff = Number(h.e_shoff);
  if (h.e_shnum === 0 || shoff === 0) return undefined;
  fill(fd, buf, ranges, shoff, shoff + h.e_shnum * h.e_shentsize);
  for (const p of parseProgramHeaders(r, h)) {
    if (p.p_type === PT_DYNAMIC || p.p_type === PT_INTERP || p.p_type === PT_NOTE) fill(fd, buf, ranges, Number(p.p_offset), Number(p.p_offset + p.p_filesz));
  }
  const sections = parseSectionHeaders(r, h);
  const shstr = sections[h.e_shstrndx];
  if (shstr !== undefined) fill(fd, buf, ranges, Number(shstr.sh_offset), Number(shstr.sh_offset + shstr.sh_size));
  for (const s of sections) {
    const wanted = NEEDED_SECTIONS.has(s.sh_type) && ((s.sh_flags & SHF_ALLOC) !== 0n || s.sh_type === SHT_NOTE);
    if (wanted) fill(fd, buf, ranges, Number(s.sh_offset), Number(s.sh_offset + s.sh_size));
  }
  // The dynamic string table must be one of the ranges read; otherwise fall back.
  const elf = parseElf(buf);
  const d = elf.dynamic;
  if (d !== undefined && d.strtabSize > 0 && !covered(ranges, d.strtabOffset, d.strtabOffset + d.strtabSize)) return undefined;
  return buf;
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
    let bytes = size > SPARSE_THRESHOLD ? readSparse(fd, size) : undefined;
    if (bytes === undefined) {
      if (size <= SPARSE_THRESHOLD) {
        smallScratch ??= new Uint8Array(SPARSE_THRESHOLD);
        bytes = smallScratch.subarray(0, size);
      } else {
        bytes = new Uint8Array(size);
      }
      fill(fd, bytes, [], 0, size);
    }
    return summarizeElf(parseElf(bytes), basename(path), { symbols: false });
  } finally {
    closeSync(fd);
  }
}
