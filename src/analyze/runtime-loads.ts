// Run-time loads for the report: the hints of load-scan.ts (dlopen strings in ELF files,
// ctypes calls in .py files), each marked as found in the wheel, on the host (where the
// dynamic loader would look: the environment, ld.so.conf and the trusted directories), or
// missing. Never changes a verdict. Pure over a LibraryFs and the wheel's entry names.
import type { Libc } from '../policy/types.js';
import type { ElfSummary } from './elf-summary.js';
import { argLdPaths, systemLdPaths, type LdEnvironment } from './ld-paths.js';
import type { LibraryFs } from './library-fs.js';
import type { PyLoadCall } from './load-scan.js';
import { basename, join, normpath } from './paths.js';

/** What the wheel's files say they load at run time (collected while the wheel is read). */
export interface RuntimeLoadHints {
  /** ELF entry -> library names in its read-only data. */
  readonly elf: ReadonlyMap<string, readonly string[]>;
  /** .py entry -> its ctypes calls. */
  readonly py: ReadonlyMap<string, readonly PyLoadCall[]>;
}

export type LoadStatus =
  | { readonly kind: 'wheel'; readonly entry: string }
  | { readonly kind: 'host'; readonly path: string }
  | { readonly kind: 'missing' }
  /** The argument is computed at run time and names no library file. */
  | { readonly kind: 'computed' };

export interface RuntimeLoad {
  /** The wheel entry the hint was found in. */
  readonly file: string;
  /** Source line, for .py files. */
  readonly line: number | undefined;
  readonly via: 'dlopen string' | 'ctypes.CDLL' | 'ctypes.PyDLL' | 'cdll.LoadLibrary' | 'ctypes.util.find_library';
  /** A library name or path, find_library's short name, or the computed argument's text. */
  readonly name: string;
  /** How `name` was found: a whole string, a literal inside a computed argument, or the argument itself. */
  readonly form: 'literal' | 'embedded' | 'computed';
  readonly status: LoadStatus;
}

export interface ResolveContext {
  readonly entryNames: readonly string[];
  readonly elves: ReadonlyMap<string, ElfSummary>;
  readonly fs: LibraryFs;
  /** '' for the host, else the sysroot. */
  readonly root: string;
  /** Directories the dynamic loader searches for a bare name, in order. */
  readonly searchDirs: readonly string[];
}

/** Where the dynamic loader looks for a bare library name on this host (or sysroot). */
export function runtimeSearchDirs(libc: Libc, o: { fs: LibraryFs; root: string; cwd: string; env: LdEnvironment; ldpaths: string | undefined }): string[] {
  if (libc === 'android') return [];
  const ctx = { fs: o.fs, root: o.root, cwd: o.cwd };
  const set = o.ldpaths === undefined ? systemLdPaths(libc, o.env, ctx) : argLdPaths(o.ldpaths, o.env, ctx);
  return [...new Set([...set.env, ...set.conf, ...set.interp].map((d) => normpath(d)))];
}

const VIA: Readonly<Record<PyLoadCall['call'], RuntimeLoad['via']>> = {
  CDLL: 'ctypes.CDLL',
  PyDLL: 'ctypes.PyDLL',
  LoadLibrary: 'cdll.LoadLibrary',
  find_library: 'ctypes.util.find_library',
};

class Resolver {
  private readonly byBasename = new Map<string, string>();
  private readonly bySoname = new Map<string, string>();

  constructor(private readonly ctx: ResolveContext) {
    for (const e of ctx.entryNames) {
      if (e.endsWith('/')) continue;
      const b = basename(e);
      if (!this.byBasename.has(b)) this.byBasename.set(b, e);
    }
    for (const [e, s] of ctx.elves) if (s.soname !== undefined && !this.bySoname.has(s.soname)) this.bySoname.set(s.soname, e);
  }

  private host(name: string): LoadStatus {
    for (const d of this.ctx.searchDirs) {
      const p = join(d, name);
      if (this.ctx.fs.exists(p)) return { kind: 'host', path: p };
    }
    return { kind: 'missing' };
  }

  /** A name as dlopen() takes it: a bare soname or file name, or a path. */
  library(name: string): LoadStatus {
    if (name.startsWith('/')) {
      const p = normpath(this.ctx.root + name);
      return this.ctx.fs.exists(p) ? { kind: 'host', path: p } : { kind: 'missing' };
    }
    const b = basename(name);
    const entry = name.includes('/') ? this.ctx.entryNames.find((e) => e === name || e.endsWith(`/${name}`)) : (this.bySoname.get(name) ?? this.byBasename.get(b));
    if (entry !== undefined) return { kind: 'wheel', entry };
    return name.includes('/') ? { kind: 'missing' } : this.host(name);
  }

  /** find_library('z') finds lib<z>.so* (any version). */
  shortName(short: string): LoadStatus {
    const prefix = `lib${short}.so`;
    const matches = (b: string): boolean => b === prefix || b.startsWith(`${prefix}.`);
    for (const [b, e] of this.byBasename) if (matches(b)) return { kind: 'wheel', entry: e };
    // Like ldconfig's cache, prefer the run-time name (libz.so.1) over the link-time one (libz.so).
    for (const d of this.ctx.searchDirs) {
      const hits = this.ctx.fs.glob(`${d.replace(/\/+$/, '')}/${prefix}*`).filter((p) => matches(basename(p)));
      const hit = hits.find((p) => basename(p) !== prefix) ?? hits[0];
      if (hit !== undefined) return { kind: 'host', path: hit };
    }
    return { kind: 'missing' };
  }
}

/** Resolve every hint; ELF strings first (by file), then Python calls (by file and line). */
export function resolveRuntimeLoads(hints: RuntimeLoadHints, ctx: ResolveContext): RuntimeLoad[] {
  const r = new Resolver(ctx);
  const out: RuntimeLoad[] = [];
  const sorted = <T>(m: ReadonlyMap<string, T>): [string, T][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [file, names] of sorted(hints.elf)) {
    for (const name of names) out.push({ file, line: undefined, via: 'dlopen string', name, form: 'literal', status: r.library(name) });
  }
  for (const [file, calls] of sorted(hints.py)) {
    for (const c of calls) {
      const via = VIA[c.call];
      if (c.literal !== undefined) {
        const status = c.call === 'find_library' ? r.shortName(c.literal) : r.library(c.literal);
        out.push({ file, line: c.line, via, name: c.literal, form: 'literal', status });
      } else if (c.embedded.length > 0) {
        for (const name of c.embedded) out.push({ file, line: c.line, via, name, form: 'embedded', status: r.library(basename(name)) });
      } else {
        out.push({ file, line: c.line, via, name: c.argument, form: 'computed', status: { kind: 'computed' } });
      }
    }
  }
  return out;
}
