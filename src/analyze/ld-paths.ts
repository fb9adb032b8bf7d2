// Library search paths as auditwheel's lddtree computes them: colon lists with $ORIGIN,
// ld.so.conf with `include` globs, musl's /etc/ld-musl-*.path, the environment, and
// --ldpaths. Deliberate deviations from the reference, each a fix: relative and empty
// entries of the environment and --ldpaths resolve against the invocation directory (not a
// temporary wheel root), include globs are expanded in sorted order, musl path files may
// use newlines as separators (as musl's loader accepts), and the glibc defaults include the
// Debian multiarch directories of the file's architecture (as Debian's ld.so has them).
// With a sysroot everything is taken inside it, as if run there: ld.so.conf, the default
// directories, and the directories of AUDITWHEEL_LD_LIBRARY_PATH and --ldpaths when they exist
// there (one that exists only outside it, named by the user, is taken as written);
// LD_LIBRARY_PATH, which describes the host, is ignored.
import { AnalyzeError } from '../errors.js';
import type { BaseArch, Libc } from '../policy/types.js';
import type { LibraryFs } from './library-fs.js';
import { dedupe, dirname, isSubdir, normpath } from './paths.js';

/** The system part of a library search path: ld.so.conf (or musl's path file), the environment, the interpreter's directories. */
export interface LdPathSet {
  readonly conf: readonly string[];
  readonly env: readonly string[];
  readonly interp: readonly string[];
}

/** The environment variables that add library search directories. */
export interface LdEnvironment {
  readonly AUDITWHEEL_LD_LIBRARY_PATH?: string | undefined;
  readonly LD_LIBRARY_PATH?: string | undefined;
}

/** Where search paths are resolved: the file system, the root (a sysroot or the host) and the working directory. */
export interface PathContext {
  readonly fs: LibraryFs;
  /** '' for the host, else a sysroot directory without a trailing slash. */
  readonly root: string;
  /** Absolute directory that empty and relative list entries are relative to. */
  readonly cwd: string;
}

const ORIGIN_RE = /\$(ORIGIN|\{ORIGIN\})/g;

/**
 * Parse one colon-separated list (DT_RPATH, DT_RUNPATH, an environment variable, --ldpaths).
 * `origin` is the absolute path of the ELF file whose list this is; `rooted` makes absolute
 * (and, like the reference, relative) entries fall under the sysroot, as ELF lists do.
 */
export function parseLdPaths(list: string, origin: string | undefined, ctx: PathContext, rooted: boolean, what: string): string[] {
  if (list === '') return [];
  const out: string[] = [];
  for (const entry of list.split(':')) {
    let p: string;
    if (entry === '') {
      p = ctx.cwd;
    } else if (/\$(ORIGIN|\{ORIGIN\})/.test(entry)) {
      if (origin === undefined) {
        throw new AnalyzeError('ANALYZE_BAD_PATH', `${what} entry '${entry}': $ORIGIN has no meaning outside an ELF file's own search path`);
      }
      const dir = dirname(origin);
      // A function replacement: '$' in a directory name must not act as a pattern.
      p = entry.replace(ORIGIN_RE, () => dir);
    } else if (rooted) {
      // An ELF list is read from the file system root (so a relative DT_RPATH `a` means `/a`,
      // as in the reference); with a sysroot, from there.
      p = entry.startsWith('/') ? ctx.root + entry : `${ctx.root}/${entry}`;
    } else {
      p = normpath(entry.startsWith('/') ? entry : `${ctx.cwd}/${entry}`);
      // With a sysroot, a directory the user names is the one inside it when it exists there
      // (as if run there: AUDITWHEEL_LD_LIBRARY_PATH=/usr/local/lib means the root's); one
      // that only exists outside (a build directory on the host) is taken as written.
      if (ctx.root !== '' && !isSubdir(p, ctx.root) && ctx.fs.isDirectory(ctx.root + p)) p = ctx.root + p;
    }
    out.push(normpath(p));
  }
  return dedupe(out).filter((p) => ctx.fs.isDirectory(p));
}

/** Directories from an ld.so.conf file and its includes, deduplicated and existing. */
export function parseLdSoConf(file: string, ctx: PathContext): string[] {
  const seen = new Set<string>();
  const walk = (conf: string, depth: number): string[] => {
    // Includes may form a cycle; glibc's ldconfig has no guard, a bounded depth is ours.
    if (depth > 16 || seen.has(conf)) return [];
    seen.add(conf);
    const text = ctx.fs.readText(conf);
    if (text === undefined) return [];
    const paths: string[] = [];
    for (const raw of text.split('\n')) {
      const line = (raw.split('#', 1)[0] ?? '').trim();
      if (line === '') continue;
      if (line.startsWith('include ')) {
        let pattern = line.slice(8).trim();
        pattern = pattern.startsWith('/') ? `${ctx.root}/${pattern.replace(/^\/+/, '')}` : `${dirname(conf)}/${pattern}`;
        for (const match of ctx.fs.glob(pattern)) paths.push(...walk(match, depth + 1));
      } else {
        paths.push(normpath(ctx.root + (line.startsWith('/') ? line : `/${line}`)));
      }
    }
    return paths;
  };
  return dedupe(walk(file, 0)).filter((p) => ctx.fs.isDirectory(p));
}

/** The environment part of the search path (AUDITWHEEL_LD_LIBRARY_PATH, then LD_LIBRARY_PATH). */
export function envLdPaths(env: LdEnvironment, ctx: PathContext, withLdLibraryPath: boolean): string[] {
  const parts = [env.AUDITWHEEL_LD_LIBRARY_PATH, withLdLibraryPath && ctx.root === '' ? env.LD_LIBRARY_PATH : undefined].filter(
    (v): v is string => v !== undefined && v !== '',
  );
  return parseLdPaths(parts.join(':'), undefined, ctx, false, parts.length > 1 ? 'library path environment' : 'library path environment variable');
}

/**
 * Debian's multiarch triplet per architecture: its glibc loader searches /lib/<triplet> and
 * /usr/lib/<triplet> by default, before /lib and /usr/lib.
 */
const MULTIARCH: Readonly<Record<BaseArch, string>> = {
  x86_64: 'x86_64-linux-gnu',
  i686: 'i386-linux-gnu',
  aarch64: 'aarch64-linux-gnu',
  armv7l: 'arm-linux-gnueabihf',
  ppc64le: 'powerpc64le-linux-gnu',
  ppc64: 'powerpc64-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
  loongarch64: 'loongarch64-linux-gnu',
};

/**
 * The system part: ld.so.conf plus the default directories (glibc), or musl's path file.
 * `arch` is the top-level file's architecture, for the glibc defaults.
 */
export function systemLdPaths(libc: Libc | undefined, env: LdEnvironment, ctx: PathContext, arch?: BaseArch): LdPathSet {
  const envPaths = envLdPaths(env, ctx, true);
  if (libc === 'musl') {
    const files = ctx.fs.glob(`${ctx.root}/etc/ld-musl-*.path`);
    const first = files[0];
    if (first === undefined) {
      return { conf: [`${ctx.root}/lib`, `${ctx.root}/usr/local/lib`, `${ctx.root}/usr/lib`], env: envPaths, interp: [] };
    }
    const text = ctx.fs.readText(first) ?? '';
    const conf = text
      .split(/[:\n]/)
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map((s) => ctx.root + s);
    return { conf, env: envPaths, interp: [] };
  }
  const conf = parseLdSoConf(`${ctx.root}/etc/ld.so.conf`, ctx);
  // The default directories are searched even when ld.so.conf does not list them: Debian's
  // multiarch ones for this architecture (when present and not listed already), then those
  // the reference appends unfiltered, in its order (/lib64 serves RPM-style 64-bit systems).
  const triplet = arch === undefined ? undefined : MULTIARCH[arch];
  if (triplet !== undefined) {
    for (const d of [`${ctx.root}/lib/${triplet}`, `${ctx.root}/usr/lib/${triplet}`]) {
      if (!conf.includes(d) && ctx.fs.isDirectory(d)) conf.push(d);
    }
  }
  conf.push(`${ctx.root}/lib`, `${ctx.root}/lib64/`, `${ctx.root}/usr/lib`, `${ctx.root}/usr/lib64`);
  return { conf, env: envPaths, interp: [] };
}

/** The search paths --ldpaths gives: its list replaces the system part; LD_LIBRARY_PATH is ignored. */
export function argLdPaths(arg: string, env: LdEnvironment, ctx: PathContext): LdPathSet {
  return {
    conf: parseLdPaths(arg, undefined, ctx, false, '--ldpaths'),
    env: envLdPaths(env, ctx, false),
    interp: [],
  };
}
