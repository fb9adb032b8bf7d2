// wheelaudit as a library. `audit` and `repair` are the one-line entry points: every option
// has the CLI's default (host libraries, bundled policies, the native ELF editor). The
// building blocks they stand on, and every type that appears in an exported signature, are
// exported too (test/index.test.ts checks that no such type is left out).
import { statSync } from 'node:fs';
import path from 'node:path';
import { auditWheel, type AuditOptions, type AuditOutcome } from './analyze/audit.js';
import { HostFs } from './analyze/host-fs.js';
import type { LdEnvironment } from './analyze/ld-paths.js';
import type { LibraryFs } from './analyze/library-fs.js';
import { UsageError } from './errors.js';
import type { HostContext } from './repair/host-context.js';
import { hostOwnerLookup } from './repair/package-owner.js';
import { nativePatcher, PATCHELF_MINIMUM, patchelfPatcher, type ElfPatcher } from './repair/patcher.js';
import { repairWheel, type RepairOptions, type RepairOutcome } from './repair/repair.js';
import { readPackageFile } from './util/package-files.js';

export * from './errors.js';
export { parseElf, hasElfMagic, type ParseOptions } from './elf/index.js';
export type {
  DynamicEntry,
  DynamicInfo,
  ElfFile,
  ElfHeader,
  ElfIdent,
  ElfNote,
  ElfSymbol,
  GnuProperty,
  ParseWarning,
  ParseWarningCode,
  ProgramHeader,
  SectionHeader,
  SymbolVersion,
  Verdaux,
  Verdef,
  Vernaux,
  Verneed,
} from './elf/types.js';
export { applyElfEdit, type EditOptions, type ElfWriteResult, type WriteStrategy } from './elf/write.js';
export { planElfEdit, type ElfEditOp, type ElfEditPlan, type RpathTag } from './elf/edit.js';
export { stripElf, type StripResult } from './elf/strip.js';
export { loadPolicySet, knownPlatformTags, type KnownTag } from './policy/load.js';
export type { Libc, BaseArch, Companion, Policy, PolicyEntry, PolicySet } from './policy/types.js';
export type { CustomPolicies } from './policy/custom.js';
export { parseWheelName, type WheelName } from './wheel/name.js';
export type { RecordRow } from './wheel/record.js';
export type { WheelMetadata } from './wheel/metadata.js';
export type { WheelProblem } from './wheel/conformance.js';
export { auditWheel, type AuditOptions, type AuditOutcome } from './analyze/audit.js';
export { analyzeWheelAbi, type AnalyzeOptions, type WheelContents } from './analyze/wheel-abi.js';
export { lddtree, type DynamicExecutable, type DynamicLibrary, type LddOptions, type LogLevel, type Logger } from './analyze/lddtree.js';
export type { LdEnvironment, LdPathSet, PathContext } from './analyze/ld-paths.js';
export type { LibraryFs } from './analyze/library-fs.js';
export { HostFs, type HostFsNote } from './analyze/host-fs.js';
export type { ElfSummary } from './analyze/elf-summary.js';
export { readWheelPlatforms, type ElfPlatform, type WheelPlatforms } from './analyze/arch.js';
export { parsePlatformTag, parsePolicyBase, type Architecture, type PlatformTag, type PolicyBase, type TagFamily } from './policy/tags.js';
export type { LoadedWheel } from './analyze/load-wheel.js';
export type { ProvidedLibrary, ProvidedTarget, Provider } from './analyze/provider.js';
export type { PyLoadCall } from './analyze/load-scan.js';
export type { RuntimeLoadHints } from './analyze/runtime-loads.js';
export type { ExternalReference, ExternalRefs, VersionedSymbols } from './analyze/policy-check.js';
export type { AuditReport, DependencyChain, ElfRole, Finding, LogRecord, WheelElf } from './analyze/report.js';
export { repairWheel, type RepairOptions, type RepairOutcome } from './repair/repair.js';
export type { HostContext, LibrarySearch } from './repair/host-context.js';
export type { GraftedLibrary, LeftOutLibrary, RepairSummary } from './repair/summary.js';
export type { Progress, ProgressSink } from './util/progress.js';
export { nativePatcher, patchelfPatcher, type ElfPatcher, type PatcherName } from './repair/patcher.js';
export { hostOwnerLookup, type HostOwnerLookupOptions, type OwnerLookup, type PackageOwner } from './repair/package-owner.js';

/** Options of {@link audit}. Every field is optional; the defaults are those of `wheelaudit show`. */
export type AuditWheelOptions = Partial<AuditOptions> & {
  /**
   * Look libraries up inside this directory as if it were `/` (`--sysroot`): its ld.so.conf,
   * its library directories, its symlinks. Default: the host. Overrides `root`.
   */
  readonly sysroot?: string | undefined;
};

/**
 * Options of {@link repair}. Every field is optional; the defaults are those of `wheelaudit
 * repair`. The host context's fields are given flat here; {@link repairWheel} takes them as one `host`.
 */
export type RepairWheelOptions = Partial<Omit<RepairOptions, 'host'>> &
  Partial<Omit<HostContext, 'fs' | 'patcher'>> & {
    /** The file-system view libraries are looked up in (default: this machine's, inside `root`). */
    readonly hostFs?: LibraryFs;
    /** Look libraries up (and their package owners for the SBOM) inside this directory (`--sysroot`). Overrides `root`. */
    readonly sysroot?: string | undefined;
    /** `'native'` (default: wheelaudit's own ELF editor), `'patchelf'`, `'none'` (retag only), or a patcher object. */
    readonly patcher?: ElfPatcher | 'native' | 'patchelf' | 'none';
  };

/** The library search environment of this process: `AUDITWHEEL_LD_LIBRARY_PATH` and `LD_LIBRARY_PATH`. */
export function processLdEnvironment(): LdEnvironment {
  return { AUDITWHEEL_LD_LIBRARY_PATH: process.env['AUDITWHEEL_LD_LIBRARY_PATH'], LD_LIBRARY_PATH: process.env['LD_LIBRARY_PATH'] };
}

/** wheelaudit's version (from its package.json). */
export function version(): string {
  const pkg: unknown = JSON.parse(readPackageFile('package.json'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The `root` the analysis takes: '' for the host, else the absolute sysroot, which must be a directory. */
function resolveRoot(cwd: string, sysroot: string | undefined, root: string | undefined): string {
  if (sysroot === undefined || sysroot === '') return root ?? '';
  const abs = path.resolve(cwd, sysroot).replace(/\/+$/, '');
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UsageError(`sysroot ${sysroot}: not a directory`);
  return abs;
}

/**
 * Audit one wheel as `wheelaudit show` does: which platform tag it is consistent with, and
 * what holds it back. Compliance problems are data (`report.findings`); only unreadable
 * input throws (a {@link WheelauditError}).
 *
 * @example
 * const outcome = await audit('dist/pkg-1.0-cp312-cp312-linux_x86_64.whl');
 * const tag = outcome.kind === 'platform' ? outcome.report.overall.name : undefined;
 */
export async function audit(wheel: string, options: AuditWheelOptions = {}): Promise<AuditOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const { sysroot, ...rest } = options;
  const root = resolveRoot(cwd, sysroot, options.root);
  return auditWheel(path.resolve(cwd, wheel), {
    disableIsaExtCheck: false,
    env: processLdEnvironment(),
    hostFs: new HostFs(root),
    ...rest,
    cwd,
    root,
  });
}

/**
 * Repair one wheel as `wheelaudit repair` does: graft the external libraries it needs, point
 * its ELF files at them, retag it and write it to `wheelDir` (default `./wheelhouse`). Refusals
 * (too-recent symbols, blacklisted symbols, ...) throw a {@link RepairError}; nothing is
 * written then. Environment variables such as `AUDITWHEEL_PLAT` are the CLI's business and
 * are not read here.
 *
 * @example
 * const outcome = await repair('dist/pkg-1.0-cp312-cp312-linux_x86_64.whl', { wheelDir: 'wheelhouse' });
 * const written = outcome.kind === 'written' ? outcome.outputPath : undefined;
 */
export async function repair(wheel: string, options: RepairWheelOptions = {}): Promise<RepairOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const { sysroot, patcher, root: _root, cwd: _cwd, env, ldpaths, hostFs, owners, ...rest } = options;
  const root = resolveRoot(cwd, sysroot, options.root);
  const host: HostContext = {
    root,
    cwd,
    env: env ?? processLdEnvironment(),
    ldpaths,
    fs: hostFs ?? new HostFs(root),
    // An explicit `owners: undefined` names no package, as before.
    owners: Object.hasOwn(options, 'owners') ? owners : hostOwnerLookup(root === '' ? {} : { root }),
    patcher: patcher === undefined || patcher === 'native' ? nativePatcher : patcher === 'patchelf' ? patchelfPatcher('patchelf', PATCHELF_MINIMUM, path.resolve(cwd, options.wheelDir ?? 'wheelhouse')) : patcher,
  };
  const defaults: RepairOptions = {
    plat: 'auto',
    wheelDir: 'wheelhouse',
    libSdir: '.libs',
    updateTags: true,
    onlyPlat: false,
    strip: false,
    exclude: [],
    level: 6,
    disableIsaExtCheck: false,
    allowPurePythonWheel: false,
    timestamp: undefined,
    host,
    tool: { name: 'wheelaudit', version: version() },
  };
  const o: RepairOptions = { ...defaults, ...rest, host };
  return repairWheel(wheel, { ...o, wheelDir: path.resolve(cwd, o.wheelDir) });
}
