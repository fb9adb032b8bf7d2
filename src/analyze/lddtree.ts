// The dependency tree of one ELF file, resolved the way auditwheel's lddtree does (spec §5):
// each soname is resolved once per tree (first resolution wins), the top-level file's
// RPATH and RUNPATH are inherited by every dependency, and the search order is
// inherited RPATH, own RPATH, own RUNPATH, environment, inherited RUNPATH, system, interpreter.
// Deviations, both fixes: a candidate that is not an ELF file is skipped (the reference
// crashes), and symlink loops end the lookup instead of hanging.
import { AnalyzeError } from '../errors.js';
import type { Libc } from '../policy/types.js';
import { describePlatform, libcFromExtensionName, platformsCompatible, type ElfPlatform } from './arch.js';
import type { ElfSummary } from './elf-summary.js';
import { fnmatch } from './fnmatch.js';
import { argLdPaths, parseLdPaths, systemLdPaths, type LdEnvironment, type LdPathSet, type PathContext } from './ld-paths.js';
import { displayPath, type LibraryFs } from './library-fs.js';
import { basename, dirname, isSubdir, join, normpath } from './paths.js';

/** One library of a dependency tree: where it was found (if anywhere) and what it needs. */
export interface DynamicLibrary {
  readonly soname: string;
  /** The candidate path as found in a search directory; undefined when not found. */
  readonly path: string | undefined;
  /** `path` with final-component symlinks resolved. */
  readonly realpath: string | undefined;
  readonly platform: ElfPlatform | undefined;
  readonly needed: readonly string[];
}

/** An ELF file with its resolved dependency tree, as {@link lddtree} returns it. */
export interface DynamicExecutable {
  readonly interpreter: string | undefined;
  readonly libc: 'glibc' | 'musl' | undefined;
  readonly path: string;
  readonly realpath: string;
  readonly platform: ElfPlatform;
  /** DT_NEEDED in order, excluded sonames left out. */
  readonly needed: readonly string[];
  readonly rpath: readonly string[];
  readonly runpath: readonly string[];
  /** Every soname met anywhere in the tree, in discovery order. */
  readonly libraries: ReadonlyMap<string, DynamicLibrary>;
}

/** How important a log message is. */
export type LogLevel = 'debug' | 'info' | 'warning';
/** Receives the messages of a dependency-tree walk. */
export type Logger = (level: LogLevel, message: string) => void;

/** Options of {@link lddtree}: the file system, search paths and exclusions to resolve with. */
export interface LddOptions extends PathContext {
  readonly env: LdEnvironment;
  /** --ldpaths: replaces the system search path when given. */
  readonly ldpaths: string | undefined;
  readonly exclude: readonly string[];
  /** When given, every exclude pattern that matched is recorded with what it matched. */
  readonly excludeHits?: Map<string, Set<string>>;
  readonly log: Logger;
  /** System search paths per libc, shared across the files of one run. */
  readonly systemCache?: Map<string, LdPathSet>;
  /**
   * Libraries another wheel provides (--provided-by, --include): soname -> the virtual path
   * where it will be installed. They resolve there without a search and are not walked: their
   * own dependencies are the providing wheel's business. One built for another machine than
   * the file that needs it is passed over (and said so), as the loader would pass it over.
   */
  readonly provided?: ReadonlyMap<string, { readonly path: string; readonly platform: ElfPlatform | undefined }>;
}

/** Whether an exclude pattern matches `name` (recording every pattern that does). */
function excludedBy(opts: LddOptions, name: string): boolean {
  let hit = false;
  for (const e of opts.exclude) {
    if (!fnmatch(name, e)) continue;
    hit = true;
    if (opts.excludeHits === undefined) break;
    let set = opts.excludeHits.get(e);
    if (set === undefined) opts.excludeHits.set(e, (set = new Set()));
    set.add(name);
  }
  return hit;
}

/** libpython as auditwheel's regex recognises it (the unescaped '.' before "so" is kept on purpose). */
export const LIBPYTHON_RE = /^libpython\d+\.\d+m?.so(\.\d)*$/;

const MAX_SYMLINKS = 40;

/**
 * Resolve final-component symlinks of a (root-prefixed) path, like the reference's readlink,
 * so that a sysroot run reports the paths a run inside the root would. Directory components
 * may still be symlinks: a rooted HostFs resolves those inside the root when it reads, and
 * repair reads grafts through hostPathInRoot, so an absolute link never leads to the host.
 */
export function resolveFinalSymlinks(fs: LibraryFs, path: string, root: string): string {
  // Only paths inside the sysroot have their absolute link targets re-rooted; a candidate
  // outside it (the wheel's virtual mount) is resolved as it is.
  const base = root !== '' && isSubdir(path, root) ? root : '';
  let p = path.slice(base.length);
  for (let i = 0; i < MAX_SYMLINKS; i++) {
    const target = fs.readlink(base + p);
    if (target === undefined) break;
    p = join(dirname(p), target);
  }
  return normpath(base + p);
}

function libcFromContents(sum: ElfSummary, fileName: string): 'glibc' | 'musl' | undefined {
  let libc: 'glibc' | 'musl' | undefined;
  if (sum.interpreter !== undefined) libc = basename(sum.interpreter).startsWith('ld-musl-') ? 'musl' : 'glibc';
  for (const soname of sum.needed) {
    let found: 'glibc' | 'musl' | undefined;
    if (soname.startsWith('libc.musl-') || soname.startsWith('ld-musl-')) found = 'musl';
    else if (soname === 'libc.so.6' || soname.startsWith('ld-linux-') || soname.startsWith('ld64.so.')) found = 'glibc';
    if (found === undefined) continue;
    libc ??= found;
    if (libc !== found) {
      throw new AnalyzeError('ANALYZE_LIBC', `${fileName}: found a dependency on ${found.toUpperCase()} but the libc is already set to ${libc}`);
    }
  }
  if (libc === undefined) {
    const l: Libc | undefined = libcFromExtensionName(fileName);
    if (l === 'glibc' || l === 'musl') libc = l;
  }
  return libc;
}

function findLib(opts: LddOptions, platform: ElfPlatform, soname: string, dirs: readonly string[]): { path: string; realpath: string } | undefined {
  for (const dir of dirs) {
    const path = join(dir, soname);
    const target = resolveFinalSymlinks(opts.fs, path, opts.root);
    if (!opts.fs.exists(target)) continue;
    const lib = opts.fs.loadElf(target);
    if (lib === undefined) continue;
    if (platformsCompatible(platform, lib.platform)) return { path, realpath: target };
  }
  return undefined;
}

/**
 * Resolve the dependency tree of the ELF file at `path` (an absolute path in `opts.fs`).
 * `display` is the path reported for the top-level file.
 */
export function lddtree(path: string, opts: LddOptions, display?: string): DynamicExecutable {
  const libraries = new Map<string, DynamicLibrary>();
  return walk(path, display ?? path, opts, undefined, libraries);
}

interface InheritedPaths extends LdPathSet {
  readonly rpath: readonly string[];
  readonly runpath: readonly string[];
}

function walk(
  path: string,
  display: string,
  opts: LddOptions,
  inherited: InheritedPaths | undefined,
  libraries: Map<string, DynamicLibrary>,
): DynamicExecutable {
  const sum = opts.fs.loadElf(path);
  if (sum === undefined) {
    throw new AnalyzeError('ANALYZE_BAD_PATH', `${display}: not a readable ELF file`);
  }
  // Only the file the walk starts from has its interpreter recorded and decides the libc.
  const interp = inherited === undefined ? addInterpreter(sum, opts, libraries) : undefined;
  let rpaths = parseLdPaths(sum.rpath ?? '', path, opts, true, `${display}: DT_RPATH`);
  const runpaths = parseLdPaths(sum.runpath ?? '', path, opts, true, `${display}: DT_RUNPATH`);
  // With both present only DT_RUNPATH is used (the reference decides after dropping missing dirs).
  if (runpaths.length > 0) rpaths = [];
  const libc = inherited === undefined ? libcFromContents(sum, basename(path)) : undefined;
  const ldpaths = inherited ?? { ...startPaths(sum, libc, opts, interp?.dirs ?? []), rpath: rpaths, runpath: runpaths };

  const searchDirs = [...ldpaths.rpath, ...rpaths, ...runpaths, ...ldpaths.env, ...ldpaths.runpath, ...ldpaths.conf, ...ldpaths.interp];
  const excluded = new Set<string>();
  for (const soname of sum.needed) {
    if (libraries.has(soname) || excluded.has(soname)) continue;
    if (!resolveNeeded(soname, sum, searchDirs, opts, ldpaths, libraries)) excluded.add(soname);
  }

  return {
    interpreter: interp?.path,
    libc,
    path: display,
    realpath: path,
    platform: sum.platform,
    needed: sum.needed.filter((s) => !excluded.has(s)),
    rpath: rpaths,
    runpath: runpaths,
    libraries,
  };
}

/** Records the interpreter of the starting file as a library; returns its path and the directories it adds. */
function addInterpreter(sum: ElfSummary, opts: LddOptions, libraries: Map<string, DynamicLibrary>): { path: string; dirs: string[] } | undefined {
  const interp = sum.interpreter;
  if (interp === undefined) return undefined;
  const path = normpath(opts.root + interp);
  const soname = basename(path);
  libraries.set(soname, { soname, path, realpath: resolveFinalSymlinks(opts.fs, path, opts.root), platform: sum.platform, needed: [] });
  return { path, dirs: [normpath(opts.root + dirname(interp)), normpath(`${opts.root}/usr${dirname(interp)}`)] };
}

/** The search paths of the starting file (--ldpaths, or the system's, cached per libc, architecture and root). */
function startPaths(sum: ElfSummary, libc: Libc | undefined, opts: LddOptions, interpDirs: string[]): LdPathSet {
  let base: LdPathSet;
  if (opts.ldpaths !== undefined) {
    base = argLdPaths(opts.ldpaths, opts.env, opts);
  } else {
    const arch = sum.platform.baseArch;
    const key = `${libc ?? 'unknown'}:${arch ?? '?'}:${opts.root}`;
    let cached = opts.systemCache?.get(key);
    if (cached === undefined) {
      cached = systemLdPaths(libc, opts.env, opts, arch);
      opts.systemCache?.set(key, cached);
    }
    base = cached;
  }
  return { ...base, interp: interpDirs.length > 0 ? interpDirs : base.interp };
}

/**
 * Resolves one DT_NEEDED soname into `libraries` (and walks its own needs); false when it is
 * excluded (--exclude by soname or by the path it resolves to).
 */
function resolveNeeded(
  soname: string,
  sum: ElfSummary,
  searchDirs: readonly string[],
  opts: LddOptions,
  ldpaths: InheritedPaths,
  libraries: Map<string, DynamicLibrary>,
): boolean {
  if (excludedBy(opts, soname)) {
    opts.log('info', `Excluding ${soname}`);
    return false;
  }
  const provided = opts.provided?.get(soname);
  if (provided !== undefined && (provided.platform === undefined || platformsCompatible(sum.platform, provided.platform))) {
    libraries.set(soname, { soname, path: provided.path, realpath: provided.path, platform: undefined, needed: [] });
    return true;
  }
  if (provided !== undefined) {
    opts.log('warning', `${soname} from --provided-by is built for ${describePlatform(provided.platform)}, not ${describePlatform(sum.platform)}: it does not count`);
  }
  if (LIBPYTHON_RE.test(soname)) {
    opts.log('debug', `Skip ${soname} resolution`);
    libraries.set(soname, { soname, path: undefined, realpath: undefined, platform: undefined, needed: [] });
    return true;
  }
  const found = findLib(opts, sum.platform, soname, searchDirs);
  if (found !== undefined && excludedBy(opts, found.realpath)) {
    opts.log('info', `Excluding ${displayPath(found.realpath)}`);
    return false;
  }
  // Set before the walk so that a cycle back to this soname stops here.
  libraries.set(soname, { soname, path: found?.path, realpath: found?.realpath, platform: undefined, needed: [] });
  if (found === undefined) return true;
  const dep = walk(found.realpath, found.path, opts, ldpaths, libraries);
  libraries.set(soname, { soname, path: found.path, realpath: found.realpath, platform: dep.platform, needed: dep.needed });
  return true;
}
