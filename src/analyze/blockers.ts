// What keeps a wheel from one platform tag, named: each too-recent symbol version with the
// symbols and files that import it, each blacklisted symbol with its file, each external
// library with the chain that pulls it in, each ISA extension, UCS2 and PyFPE use, and a libc
// or architecture that differs from the tag's. Pure: read off the audit report's findings, so
// a refusal, `show -v` and `check` name exactly what the verdict counted.
import type { Libc, Policy } from '../policy/types.js';
import { versionedImportKey } from './elf-summary.js';
import { LIBPYTHON_RE } from './lddtree.js';
import { versionPrefix } from './policy-check.js';
import type { AuditReport, DependencyChain, Finding } from './report.js';

/** A file that imports symbols of one too-recent version. */
export interface VersionImporter {
  /** Wheel entry name, or the soname of a library repair would graft. */
  readonly file: string;
  /** An external library that repair would copy into the wheel (its versions then count). */
  readonly grafted: boolean;
  /** Where a grafted library was found on the host; undefined for wheel files. */
  readonly realpath: string | undefined;
  /** The undefined symbols bound to the version; empty when not read (grafted libraries). */
  readonly symbols: readonly string[];
}

export type Blocker =
  | {
      readonly kind: 'symbol-version';
      /** The library that defines the version (the Verneed file), e.g. libc.so.6. */
      readonly library: string;
      readonly version: string;
      readonly importers: readonly VersionImporter[];
      /** The most compatible tag that allows this version; undefined when none does. */
      readonly bestTag: string | undefined;
    }
  | { readonly kind: 'blacklisted-symbol'; readonly file: string; readonly library: string; readonly symbols: readonly string[] }
  | {
      readonly kind: 'external-library';
      readonly soname: string;
      /** Where it was found on the host; undefined when it was not found. */
      readonly realpath: string | undefined;
      readonly chains: readonly DependencyChain[];
    }
  | { readonly kind: 'library-not-found'; readonly soname: string; readonly chains: readonly DependencyChain[] }
  | {
      readonly kind: 'isa';
      /** Wheel entry name, or the host path of an external library. */
      readonly file: string;
      readonly isa: string;
      /** The most compatible tag whose whitelist holds this (external) library, if any. */
      readonly whitelistedIn: string | undefined;
    }
  | { readonly kind: 'ucs2'; readonly file: string }
  | { readonly kind: 'pyfpe'; readonly file: string }
  | { readonly kind: 'libc-mismatch'; readonly wheelLibc: Libc; readonly targetLibc: Libc }
  | { readonly kind: 'arch-mismatch'; readonly wheelArch: string; readonly targetArch: string; readonly files: readonly string[] }
  /** ELF files in a wheel tagged `any`: pip installs it on every platform. */
  | { readonly kind: 'elf-in-pure-wheel'; readonly files: readonly string[] };

/**
 * How the wheel is judged against the tag:
 * - 'as-is': exactly as it is (`check`, `show`): every external library blocks.
 * - 'repair': after `repair` grafts the external libraries it finds: their symbol versions,
 *   and libraries it cannot find, block instead.
 */
export type BlockerMode = 'as-is' | 'repair';

/** The most compatible (highest-priority) policy of the report that allows `version`. */
export function bestTagFor(report: AuditReport, version: string): string | undefined {
  const prefix = versionPrefix(version);
  const ps = report.policies.policies;
  for (let i = ps.length - 1; i >= 0; i--) {
    const p = ps[i] as Policy;
    if (p === report.policies.linux) continue;
    const allowed = p.symbolVersions.get(prefix);
    if (allowed === undefined || allowed.has(version)) return p.name;
  }
  return undefined;
}

type FindingOf<K extends Finding['kind']> = Extract<Finding, { kind: K }>;

function ofKind<K extends Finding['kind']>(report: AuditReport, kind: K): FindingOf<K>[] {
  return report.findings.filter((f): f is FindingOf<K> => f.kind === kind);
}

/** soname -> chains, per report: built once, so a wheel with 10,000 libraries stays linear. */
const chainIndexes = new WeakMap<AuditReport, Map<string, readonly DependencyChain[]>>();

/** The chains through which the wheel's top-level files reach `soname`. */
function chainsOf(report: AuditReport, soname: string): readonly DependencyChain[] {
  let index = chainIndexes.get(report);
  if (index === undefined) {
    index = new Map(ofKind(report, 'external-lib').map((f) => [f.soname, f.neededBy]));
    chainIndexes.set(report, index);
  }
  return index.get(soname) ?? [];
}

function symbolVersionBlockers(report: AuditReport, target: Policy, mode: BlockerMode): Blocker[] {
  const summaries = new Map(report.elves.map((e) => [e.path, e.summary]));
  const grafted = mode === 'repair' ? (report.externalRefs.get(target.name)?.libs ?? new Map<string, string | undefined>()) : new Map<string, string | undefined>();
  const out: Blocker[] = [];
  for (const f of ofKind(report, 'symbol-version-too-new')) {
    if (!f.rulesOut.includes(target.name)) continue;
    const importers: VersionImporter[] = [];
    for (const by of f.requiredBy) {
      const summary = summaries.get(by);
      if (summary !== undefined) {
        const symbols = [...(summary.versionedImports?.get(versionedImportKey(f.library, f.version)) ?? [])].sort();
        importers.push({ file: by, grafted: false, realpath: undefined, symbols });
      } else if (grafted.has(by)) {
        importers.push({ file: by, grafted: true, realpath: grafted.get(by), symbols: [] });
      }
    }
    if (importers.length === 0) continue;
    out.push({ kind: 'symbol-version', library: f.library, version: f.version, importers, bestTag: bestTagFor(report, f.version) });
  }
  return out.sort((a, b) => compareText(blockerKey(a), blockerKey(b)));
}

function libraryBlockers(report: AuditReport, target: Policy, mode: BlockerMode): Blocker[] {
  const libs = report.externalRefs.get(target.name)?.libs ?? new Map<string, string | undefined>();
  const out: Blocker[] = [];
  for (const [soname, realpath] of [...libs].sort(([a], [b]) => compareText(a, b))) {
    if (mode === 'as-is') out.push({ kind: 'external-library', soname, realpath, chains: chainsOf(report, soname) });
    // repair removes libpython instead of grafting it.
    else if (realpath === undefined && !LIBPYTHON_RE.test(soname)) out.push({ kind: 'library-not-found', soname, chains: chainsOf(report, soname) });
  }
  return out;
}

function isaBlocks(report: AuditReport, target: Policy, whitelistedIn: string | undefined): boolean {
  if (whitelistedIn === undefined) return true;
  const p = report.policies.find(whitelistedIn);
  return p === undefined || p.priority < target.priority;
}

/**
 * Everything that keeps the wheel of `report` from `target` (a policy of the report's own
 * set), judged as `mode` says. Empty exactly when the verdict allows the tag: for 'as-is'
 * when `target` is no better than `report.overall` of a `show` analysis; for 'repair' when
 * repair would not refuse it (see test/analyze/blockers.test.ts).
 */
export function blockersFor(report: AuditReport, target: Policy, mode: BlockerMode): Blocker[] {
  if (target === report.policies.linux) return [];
  const out: Blocker[] = [...symbolVersionBlockers(report, target, mode)];
  const topLevel = new Set(report.elves.filter((e) => e.topLevel).map((e) => e.path));
  for (const f of ofKind(report, 'blacklisted-symbol')) {
    // The verdict judges the blacklist on the top-level files only, as the reference does.
    if (f.rulesOut.includes(target.name) && topLevel.has(f.elf)) out.push({ kind: 'blacklisted-symbol', file: f.elf, library: f.library, symbols: f.symbols });
  }
  out.push(...libraryBlockers(report, target, mode));
  for (const f of ofKind(report, 'unsupported-isa')) {
    if (isaBlocks(report, target, f.whitelistedIn)) out.push({ kind: 'isa', file: f.file, isa: f.isa, whitelistedIn: f.whitelistedIn });
  }
  for (const f of ofKind(report, 'ucs2')) out.push({ kind: 'ucs2', file: f.elf });
  for (const f of ofKind(report, 'pyfpe')) out.push({ kind: 'pyfpe', file: f.elf });
  return out;
}

/**
 * A tag of another libc or architecture than the wheel's ELF files: exactly that, and
 * nothing else (the policies of the report do not apply to such a tag).
 */
export function platformMismatch(report: AuditReport, tag: { readonly libc: Libc | undefined; readonly arch: string | undefined }): Blocker[] {
  const out: Blocker[] = [];
  if (tag.arch !== undefined && tag.arch !== report.policies.arch) {
    out.push({ kind: 'arch-mismatch', wheelArch: report.policies.arch, targetArch: tag.arch, files: report.elves.map((e) => e.path) });
  }
  if (tag.libc !== undefined && tag.libc !== report.policies.libc) out.push({ kind: 'libc-mismatch', wheelLibc: report.policies.libc, targetLibc: tag.libc });
  return out;
}

/** A stable sort key: blockers of one kind in name order. */
function blockerKey(b: Blocker): string {
  return b.kind === 'symbol-version' ? `${b.library}\0${versionSortKey(b.version)}` : b.kind;
}

/** GLIBC_2.9 before GLIBC_2.17: numbers compare as numbers. */
function versionSortKey(v: string): string {
  return v.replace(/\d+/g, (d) => d.padStart(8, '0'));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
