// The verdict on a wheel, computed as auditwheel 6.8.1's analyze_wheel_abi does (spec §4):
// classify the ELF files listed in RECORD, resolve their trees, then derive the symbol,
// library, blacklist, ISA, PyFPE, UCS2 and graft policies and the overall tag. Pure over its
// inputs: the wheel's ELF facts and a LibraryFs for the host side.
import { AnalyzeError } from '../errors.js';
import type { CustomPolicies } from '../policy/custom.js';
import { loadPolicySet } from '../policy/load.js';
import type { BaseArch, Libc, Policy, PolicySet } from '../policy/types.js';
import type { WheelName } from '../wheel/name.js';
import { archCovers, parsePlatformTag, type Architecture, type PlatformTag } from '../policy/tags.js';
import { readWheelPlatforms, type WheelPlatforms } from './arch.js';
import type { ElfSummary } from './elf-summary.js';
import { buildFindings } from './findings.js';
import type { LdEnvironment, LdPathSet } from './ld-paths.js';
import { lddtree, type DynamicExecutable, type DynamicLibrary, type LddOptions, type LogLevel } from './lddtree.js';
import { OverlayFs, WheelFs, type LibraryFs } from './library-fs.js';
import {
  addRequirements,
  emptyExternalRefs,
  maxPolicy,
  mergeExternalRefs,
  minPolicy,
  treeExternalReferences,
  versionedSymbolsPolicy,
  type ExternalRefs,
  type VersionedSymbols,
} from './policy-check.js';
import { basename } from './paths.js';
import type { ProvidedTarget } from './provider.js';
import type { AuditReport, LogRecord, WheelElf } from './report.js';

/** What the analysis needs to know about the wheel's contents (read by load-wheel.ts). */
export interface WheelContents {
  readonly name: WheelName;
  /** Paths listed in RECORD, in RECORD order. */
  readonly recordPaths: readonly string[];
  /** Every entry name in the zip. */
  readonly entryNames: readonly string[];
  /** Facts of every entry that is an ELF file, by entry name. */
  readonly elves: ReadonlyMap<string, ElfSummary>;
}

/** Options of {@link analyzeWheelAbi}: what is known about the target, and where libraries are looked up. */
export interface AnalyzeOptions {
  /** From the filename or --plat; undefined to learn it from the ELF files. */
  readonly libc: Libc | undefined;
  readonly arch: BaseArch | undefined;
  /** The musllinux policy base name to judge against (from the wheel's tags or --plat). */
  readonly musl?: string | undefined;
  /** The file name's platform tags, parsed once by the caller; read from `contents.name` when absent. */
  readonly platforms?: WheelPlatforms | undefined;
  readonly exclude: readonly string[];
  readonly disableIsaExtCheck: boolean;
  /** repair: libraries outside the whitelist can be grafted, so they do not lower the tag. */
  readonly allowGraft: boolean;
  /** repair's --plat base name, or 'auto'; undefined for show. */
  readonly requestedPolicyBaseName?: string | undefined;
  readonly ldpaths?: string | undefined;
  readonly env: LdEnvironment;
  /** Directory that relative and empty search-path entries are relative to. */
  readonly cwd: string;
  /** '' for the host, else the sysroot that host libraries are looked up in. */
  readonly root: string;
  readonly hostFs: LibraryFs;
  /** Policies from --policy-file, merged into the bundled ones. */
  readonly customPolicies?: CustomPolicies | undefined;
  /**
   * Libraries other wheels provide (--provided-by) or repair adds (--include): soname ->
   * install path relative to site-packages and machine. They count as inside the wheel.
   */
  readonly provided?: ReadonlyMap<string, ProvidedTarget> | undefined;
  /** The libc to assume when no ELF file says (the target's, e.g. --plat's); else the host's. */
  readonly fallbackLibc?: Libc | undefined;
}

export const NOT_PLATFORM_MESSAGE =
  'This does not look like a platform wheel, no ELF executable or shared library file (including compiled Python C extension) found in the wheel archive';

/** A wheel with no usable ELF file. `pure` when every platform tag is `any`. */
export class NonPlatformWheelError extends AnalyzeError {
  readonly invalidMachine: readonly string[];
  /** What the analysis logged before it gave up (ignored files and why). */
  readonly logs: readonly LogRecord[];
  constructor(arch: string | undefined, libraries: readonly string[], logs: readonly LogRecord[] = []) {
    const message =
      arch === undefined || libraries.length === 0
        ? NOT_PLATFORM_MESSAGE
        : `Invalid binary wheel: no ELF executable or shared library file (including compiled Python C extension) with a '${arch}' architecture found; the ELF files found are for other architectures: ${libraries.join(', ')}`;
    super(arch === undefined || libraries.length === 0 ? 'ANALYZE_NON_PLATFORM' : 'ANALYZE_WRONG_ARCH', message);
    this.invalidMachine = libraries;
    this.logs = logs;
  }
}

/** How many files of each kind a refusal names before it says "and N more". */
const MIXED_LISTED = 5;

/**
 * A wheel is for one architecture and one libc: refuse one whose ELF files (those listed in
 * RECORD) are for several, naming the files of each (`seen`: arch or libc -> entries).
 */
function refuseMixed(seen: ReadonlyMap<string, readonly string[]>, code: 'ANALYZE_MULTI_ARCH' | 'ANALYZE_LIBC', what: string): void {
  if (seen.size < 2) return;
  const groups = [...seen].map(([key, files]) => {
    const more = files.length > MIXED_LISTED ? ` and ${files.length - MIXED_LISTED} more` : '';
    return `${key}: ${files.slice(0, MIXED_LISTED).join(', ')}${more}`;
  });
  throw new AnalyzeError(code, `the wheel's ELF files are for several ${what} (${groups.join('; ')}); a wheel is for exactly one`, {
    hint: 'build one wheel per architecture and libc',
  });
}

function hasParentNamed(path: string, name: string): boolean {
  const parts = path.split('/');
  return parts.slice(0, -1).includes(name);
}

/** Borrow resolutions for non-Python trees from fully resolved trees that load them (spec §4.5). */
function fixupNonPythonTrees(
  extTrees: Map<string, DynamicExecutable>,
  nonpyTrees: Map<string, DynamicExecutable>,
  log: (level: LogLevel, message: string) => void,
): void {
  const resolved = [...extTrees.values(), ...nonpyTrees.values()].filter((t) => [...t.libraries.values()].every((l) => l.realpath !== undefined));
  const referenceFor = (realpath: string): DynamicExecutable | undefined =>
    resolved.find((c) => [...c.libraries.values()].some((l) => l.realpath === realpath));
  for (const [path, tree] of nonpyTrees) {
    if (![...tree.libraries.values()].some((l) => l.realpath === undefined)) continue;
    const reference = referenceFor(tree.realpath);
    if (reference === undefined) continue;
    const refName = basename(reference.realpath);
    const libraries = new Map<string, DynamicLibrary>();
    const all = new Set(tree.libraries.keys());
    for (const [soname, lib] of tree.libraries) {
      const borrowed = reference.libraries.get(soname);
      if (lib.realpath === undefined && borrowed !== undefined) {
        libraries.set(soname, borrowed);
        let pending = new Set([...borrowed.needed].filter((n) => !all.has(n)));
        while (pending.size > 0) {
          const batch = [...pending];
          for (const n of batch) all.add(n);
          for (const n of batch) {
            const dep = reference.libraries.get(n);
            if (dep !== undefined) {
              libraries.set(n, dep);
              for (const m of dep.needed) pending.add(m);
            } else {
              log('warning', `${n} not found in ${refName} ELF tree`);
            }
          }
          pending = new Set([...pending].filter((n) => !all.has(n)));
        }
      } else {
        if (lib.realpath === undefined) log('warning', `${soname} not found in ${refName} ELF tree`);
        libraries.set(soname, lib);
      }
    }
    nonpyTrees.set(path, { ...tree, libraries });
  }
}

function hostLibc(fs: LibraryFs, root: string): Libc {
  return fs.glob(`${root}/lib/libc.musl-*.so.1`).length === 1 ? 'musl' : 'glibc';
}

function selectPolicies(libc: Libc, arch: BaseArch, tags: readonly PlatformTag[], musl: string | undefined, custom: CustomPolicies | undefined): PolicySet {
  if (libc === 'android') {
    if (tags.length !== 1) {
      throw new AnalyzeError('ANALYZE_LIBC', `Android wheels must have exactly one platform tag, got [${tags.map((t) => `'${t.tag}'`).join(', ')}]`);
    }
    return loadPolicySet(libc, arch, { androidTag: (tags[0] as PlatformTag).tag, custom });
  }
  if (libc === 'musl') return loadPolicySet(libc, arch, musl === undefined ? { custom } : { musl, custom });
  return loadPolicySet(libc, arch, { custom });
}

type Log = (level: LogLevel, message: string) => void;

/** Analyse a wheel's contents. Throws NonPlatformWheelError and AnalyzeError (purelib, libc). */
export function analyzeWheelAbi(contents: WheelContents, options: AnalyzeOptions): AuditReport {
  const logs: LogRecord[] = [];
  const log: Log = (level, message) => {
    logs.push({ level, message });
  };
  const platformTags = (options.platforms ?? readWheelPlatforms(contents.name)).tags;
  const wheelFs = new WheelFs(contents.entryNames, contents.elves);
  const fs = new OverlayFs(wheelFs, options.hostFs);
  const excludeHits = new Map<string, Set<string>>();
  const ctx: ScanContext = { options, platformTags, mount: wheelFs.mount, log };
  const scan = scanElves(contents, ctx, wheelFs, lddOptionsFor(options, fs, wheelFs, excludeHits, log));

  if (scan.purelib.length > 0) {
    throw new AnalyzeError(
      'ANALYZE_PURELIB',
      `Invalid binary wheel, found the following shared library/libraries in purelib folder:\n\t${scan.purelib.join('\n\t')}\nThe wheel has to be platlib compliant in order to be repaired by auditwheel.`,
    );
  }
  refuseMixed(scan.seenArch, 'ANALYZE_MULTI_ARCH', 'architectures');
  refuseMixed(scan.seenLibc, 'ANALYZE_LIBC', 'C libraries');
  const arch = scan.arch;
  if (!scan.platformWheel || arch === undefined) throw new NonPlatformWheelError(arch, scan.invalidMachine, logs);

  const { extTrees, nonpyTrees, fullExternalRefs } = scan;
  fixupNonPythonTrees(extTrees, nonpyTrees, log);
  const neededLibs = new Set<string>();
  for (const t of [...extTrees.values(), ...nonpyTrees.values()]) for (const n of t.needed) neededLibs.add(n);

  let pset = scan.policies;
  if (pset === undefined) {
    const libc = options.fallbackLibc ?? hostLibc(options.hostFs, options.root);
    log('warning', `couldn't detect wheel libc, defaulting to ${libc}`);
    pset = selectPolicies(libc, arch, platformTags, options.musl, options.customPolicies);
  }
  const topTrees = new Map(extTrees);
  for (const [path, tree] of nonpyTrees) {
    if (!neededLibs.has(basename(path))) topTrees.set(path, tree);
    fullExternalRefs.set(path, treeExternalReferences(pset, tree, scan.accepted.get(path) as ElfSummary, wheelFs.mount));
  }

  // Aggregate over the top-level files; the library files they need are covered by their trees.
  const externalRefs = emptyExternalRefs(pset);
  for (const path of topTrees.keys()) mergeExternalRefs(externalRefs, fullExternalRefs.get(path) as ExternalRefs);
  const { externalSonames, externalVersioned } = externalLibraries(pset, externalRefs, fs);
  const sym = symbolVerdict(pset, externalRefs, scan.versionedSymbols, externalVersioned);
  const { ref, blacklist, graft } = referenceVerdicts(pset, externalRefs, options.requestedPolicyBaseName);

  const isaProblems: IsaProblem[] = [];
  const machine = options.disableIsaExtCheck ? pset.highest : machineCheck(pset, topTrees, externalSonames, fs, log, isaProblems);
  const ucs = scan.usesUcs2 ? pset.linux : pset.highest;
  const pyfpe = scan.usesPyFPE ? pset.linux : pset.highest;
  let overall = minPolicy(sym.policy, ucs, pyfpe, blacklist, machine);
  if (options.requestedPolicyBaseName !== undefined) overall = minPolicy(overall, graft);
  if (!options.allowGraft) overall = minPolicy(overall, ref);

  const elves: WheelElf[] = [...scan.accepted].map(([path, summary]) => ({
    path,
    role: scan.extensions.has(path) ? 'extension' : summary.interpreter !== undefined ? 'executable' : 'library',
    topLevel: topTrees.has(path),
    summary,
    tree: (extTrees.get(path) ?? nonpyTrees.get(path)) as DynamicExecutable,
  }));

  return {
    wheel: contents.name.filename,
    name: contents.name,
    libc: pset.libc,
    arch,
    policies: pset,
    overall,
    sym: sym.policy,
    ucs,
    pyfpe,
    blacklist,
    machine,
    ref,
    graft,
    versionedSymbols: sym.symbols,
    externalRefs,
    fullExternalRefs,
    elves,
    excluded: new Map(options.exclude.map((e) => [e, [...(excludeHits.get(e) ?? [])].sort()])),
    findings: buildFindings({ policies: pset, elves, externalRefs, externalVersioned, isaProblems, wheelMount: wheelFs.mount }),
    logs,
  };
}

/** How the wheel's trees are resolved: inside the wheel first (an overlay), then on the host. */
function lddOptionsFor(options: AnalyzeOptions, fs: LibraryFs, wheelFs: WheelFs, excludeHits: Map<string, Set<string>>, log: Log): LddOptions {
  return {
    fs,
    root: options.root,
    cwd: options.cwd,
    env: options.env,
    // Android wheels are cross-compiled: the build machine's libraries never count.
    ldpaths: options.libc === 'android' && options.ldpaths === undefined ? '' : options.ldpaths,
    exclude: options.exclude,
    excludeHits,
    log,
    systemCache: new Map<string, LdPathSet>(),
    provided: new Map([...(options.provided ?? [])].map(([soname, t]) => [soname, { path: `${wheelFs.mount}/${t.installed}`, platform: t.platform }])),
  };
}

/** What the walk over the ELF files listed in RECORD learns; later files see what earlier ones set. */
interface ElfScan {
  arch: BaseArch | undefined;
  libc: Libc | undefined;
  policies: PolicySet | undefined;
  platformWheel: boolean;
  usesUcs2: boolean;
  usesPyFPE: boolean;
  /** Libraries under a purelib folder (the wheel is refused). */
  readonly purelib: string[];
  /** Files skipped for another (or an unknown) architecture. */
  readonly invalidMachine: string[];
  readonly extTrees: Map<string, DynamicExecutable>;
  readonly nonpyTrees: Map<string, DynamicExecutable>;
  /** The files judged, with their facts. */
  readonly accepted: Map<string, ElfSummary>;
  readonly extensions: Set<string>;
  readonly versionedSymbols: VersionedSymbols;
  readonly fullExternalRefs: Map<string, ExternalRefs>;
  /** Every architecture and libc the wheel's ELF files are for: a wheel holds one of each. */
  readonly seenArch: Map<string, string[]>;
  readonly seenLibc: Map<string, string[]>;
}

interface ScanContext {
  readonly options: AnalyzeOptions;
  readonly platformTags: readonly PlatformTag[];
  readonly mount: string;
  readonly log: Log;
}

function scanElves(contents: WheelContents, ctx: ScanContext, wheelFs: WheelFs, lddOptions: LddOptions): ElfScan {
  const scan: ElfScan = {
    arch: ctx.options.arch,
    libc: ctx.options.libc,
    policies: undefined,
    platformWheel: false,
    usesUcs2: false,
    usesPyFPE: false,
    purelib: [],
    invalidMachine: [],
    extTrees: new Map(),
    nonpyTrees: new Map(),
    accepted: new Map(),
    extensions: new Set(),
    versionedSymbols: new Map(),
    fullExternalRefs: new Map(),
    seenArch: new Map(),
    seenLibc: new Map(),
  };
  const present = new Set(contents.entryNames);
  for (const path of contents.recordPaths) {
    if (path.endsWith('.py')) continue;
    if (!present.has(path)) {
      ctx.log('warning', `${path} is listed in RECORD but missing from the wheel`);
      continue;
    }
    const sum = contents.elves.get(path);
    if (sum === undefined) continue;
    if (hasParentNamed(path, 'purelib')) scan.purelib.push(basename(path));
    if (scan.purelib.length > 0) continue;
    scanElf(scan, ctx, path, sum, lddtree(wheelFs.pathOf(path), lddOptions, path));
  }
  return scan;
}

function seen(m: Map<string, string[]>, key: string, path: string): void {
  const list = m.get(key);
  if (list === undefined) m.set(key, [path]);
  else list.push(path);
}

/** One ELF file of the scan: ignored (another architecture or libc), or judged into `scan`. */
function scanElf(scan: ElfScan, ctx: ScanContext, path: string, sum: ElfSummary, tree: DynamicExecutable): void {
  const { options, log } = ctx;
  const soName = basename(path);
  const elfArch = tree.platform.baseArch;
  if (elfArch !== undefined) seen(scan.seenArch, elfArch, path);
  if (tree.libc !== undefined) seen(scan.seenLibc, tree.libc, path);
  if (elfArch === undefined) {
    scan.invalidMachine.push(soName);
    log('warning', `ignoring: ${soName} with unknown architecture`);
    return;
  }
  if (scan.arch === undefined) {
    log('debug', `setting architecture to ${elfArch}`);
    scan.arch = elfArch;
  } else if (elfArch !== scan.arch) {
    scan.invalidMachine.push(soName);
    log('warning', `ignoring: ${soName} with ${elfArch} architecture`);
    return;
  }
  if (tree.libc !== undefined) {
    if (scan.libc === undefined) {
      log('debug', `setting libc to ${tree.libc}`);
      scan.libc = tree.libc;
    } else if (scan.libc !== tree.libc) {
      log('warning', `ignoring: ${soName} with ${tree.libc} libc`);
      return;
    }
  }
  const arch = scan.arch;
  const select = (libc: Libc): PolicySet => selectPolicies(libc, arch, ctx.platformTags, options.musl, options.customPolicies);
  if (scan.policies === undefined && scan.libc !== undefined) scan.policies = select(scan.libc);
  scan.platformWheel = true;
  scan.accepted.set(path, sum);
  addRequirements(scan.versionedSymbols, sum.versionRequirements);
  if (sum.pythonExtension === undefined) {
    scan.nonpyTrees.set(path, tree);
    return;
  }
  if (scan.policies === undefined && options.fallbackLibc !== undefined) {
    scan.libc = options.fallbackLibc;
    scan.policies = select(scan.libc);
  }
  if (scan.policies === undefined) {
    throw new AnalyzeError('ANALYZE_LIBC', `couldn't detect libc for python extension ${path}`, {
      hint: 'name the target with --plat (e.g. musllinux_1_2_x86_64), or use a CPython 3.11+ extension suffix',
    });
  }
  scan.extTrees.set(path, tree);
  scan.extensions.add(path);
  scan.usesPyFPE ||= sum.usesPyFPE;
  if (sum.pythonExtension === 2) scan.usesUcs2 ||= sum.usesUcs2;
  scan.fullExternalRefs.set(path, treeExternalReferences(scan.policies, tree, sum, ctx.mount));
}

/**
 * Libraries outside the wheel that some policy would graft, by resolved path (first soname
 * wins): their sonames, and the symbol versions each of them requires.
 */
function externalLibraries(
  pset: PolicySet,
  externalRefs: ExternalRefs,
  fs: LibraryFs,
): { externalSonames: ReadonlySet<string>; externalVersioned: Map<string, VersionedSymbols> } {
  const externalLibs = new Map<string, string>();
  for (const ref of externalRefs.values()) {
    if (ref.policy === pset.linux) continue;
    for (const [soname, realpath] of ref.libs) if (realpath !== undefined && !externalLibs.has(realpath)) externalLibs.set(realpath, soname);
  }
  const externalVersioned = new Map<string, VersionedSymbols>();
  for (const [realpath, soname] of externalLibs) {
    const lib = fs.loadElf(realpath);
    const vs: VersionedSymbols = new Map();
    if (lib !== undefined) addRequirements(vs, lib.versionRequirements);
    externalVersioned.set(soname, vs);
  }
  return { externalSonames: new Set(externalLibs.values()), externalVersioned };
}

/**
 * The symbol policy, with the versions it was judged on: per policy, the wheel's versions plus
 * those of the libraries grafted under that policy; a policy's own verdict can only be lowered (#648).
 */
function symbolVerdict(
  pset: PolicySet,
  externalRefs: ExternalRefs,
  versionedSymbols: VersionedSymbols,
  externalVersioned: ReadonlyMap<string, VersionedSymbols>,
): { policy: Policy; symbols: VersionedSymbols } {
  let best: { policy: Policy; symbols: VersionedSymbols } | undefined;
  for (const ref of externalRefs.values()) {
    if (ref.policy === pset.linux) continue;
    const symbols: VersionedSymbols = new Map([...versionedSymbols].map(([k, v]) => [k, new Set(v)]));
    for (const soname of ref.libs.keys()) {
      const ext = externalVersioned.get(soname);
      if (ext !== undefined) addRequirements(symbols, [...ext].flatMap(([k, vs]) => [...vs].map((v) => [k, v] as const)));
    }
    const found = minPolicy(ref.policy, versionedSymbolsPolicy(pset, symbols));
    if (best === undefined || found.priority > best.policy.priority) best = { policy: found, symbols };
  }
  return best ?? { policy: versionedSymbolsPolicy(pset, versionedSymbols), symbols: versionedSymbols };
}

/**
 * The library (`ref`: nothing to graft), blacklist and graft verdicts. The graft policy is the
 * highest one that grafts no more libraries than the fewest any candidate needs (candidates:
 * every policy but linux, or only --plat's family when it is named).
 */
function referenceVerdicts(pset: PolicySet, externalRefs: ExternalRefs, requested: string | undefined): { ref: Policy; blacklist: Policy; graft: Policy } {
  const refs = [...externalRefs.values()];
  const counted =
    requested === undefined || requested === 'auto'
      ? refs.filter((e) => e.policy !== pset.linux)
      : refs.filter((e) => parsePlatformTag(e.policy.name).base === requested);
  const graftCount = counted.length === 0 ? 0 : Math.min(...counted.map((e) => e.libs.size));
  return {
    ref: maxPolicy(
      refs.filter((e) => e.libs.size === 0).map((e) => e.policy),
      pset.linux,
    ),
    blacklist: maxPolicy(
      refs.filter((e) => e.blacklist.size === 0).map((e) => e.policy),
      pset.linux,
    ),
    graft: maxPolicy(
      refs.filter((e) => e.libs.size <= graftCount).map((e) => e.policy),
      pset.linux,
    ),
  };
}

/** An ELF file needing instructions its target does not cover (whitelisted when a policy lists the library). */
interface IsaProblem {
  file: string;
  isa: Architecture;
  whitelistedIn: Policy | undefined;
}

function machineCheck(
  pset: PolicySet,
  topTrees: ReadonlyMap<string, DynamicExecutable>,
  externalSonames: ReadonlySet<string>,
  fs: LibraryFs,
  log: Log,
  problems: IsaProblem[],
): Policy {
  let result = pset.highest;
  const toCheck = new Map<string, { soname: string | undefined; ext: Architecture | undefined; error: string | undefined }>();
  for (const [path, tree] of topTrees) {
    if (toCheck.has(path)) continue;
    toCheck.set(path, { soname: undefined, ext: tree.platform.extArch, error: tree.platform.error });
    for (const dep of tree.libraries.values()) {
      if (!externalSonames.has(dep.soname) || dep.realpath === undefined || toCheck.has(dep.realpath)) continue;
      const platform = dep.platform ?? fs.loadElf(dep.realpath)?.platform;
      toCheck.set(dep.realpath, { soname: dep.soname, ext: platform?.extArch, error: platform?.error });
    }
  }
  const arch = pset.arch as Architecture;
  for (const [file, { soname, ext, error }] of toCheck) {
    if (error === 'unknown x86_64 ISA') {
      // The reference crashes here; an ISA level we cannot name is treated as unsupported.
      log('warning', `ELF file '${file}' requires an unknown x86-64 ISA level, not in '${arch}'`);
      problems.push({ file, isa: 'x86_64', whitelistedIn: undefined });
      result = pset.linux;
      continue;
    }
    if (ext === undefined || archCovers(arch, ext)) continue;
    if (soname !== undefined) {
      let found = pset.linux;
      for (const p of pset.policies) if (p.libraryWhitelist.has(soname) && p.priority > found.priority) found = p;
      if (found !== pset.linux) {
        log('info', `ELF file '${file}' requires '${ext}' instruction set, not in '${arch}', whitelisted in '${found.name}'`);
        problems.push({ file, isa: ext, whitelistedIn: found });
        result = minPolicy(result, found);
        continue;
      }
    }
    log('warning', `ELF file '${file}' requires '${ext}' instruction set, not in '${arch}'`);
    problems.push({ file, isa: ext, whitelistedIn: undefined });
    result = pset.linux;
  }
  return result;
}
