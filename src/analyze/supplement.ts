// Facts the reference's report lacks, gathered after the verdict without changing it: the
// abi3 check, the libraries taken from other wheels (--provided-by) and who needs them, and
// the libraries the wheel may load at run time. `show` prints them after auditwheel's
// paragraphs; `check` fails on abi3 problems. Pure over the report and a LibraryFs.
import type { StableAbi } from '../policy/stable-abi.js';
import { checkAbi3, type Abi3Result } from './abi3.js';
import { platformsCompatible, type ElfPlatform } from './arch.js';
import type { LdEnvironment } from './ld-paths.js';
import { WHEEL_MOUNT, type LibraryFs } from './library-fs.js';
import type { LoadedWheel } from './load-wheel.js';
import { isSubdir } from './paths.js';
import { checkRequirement, type ProvidedMatch, type Requirement, type RequirementCheck } from './provider.js';
import type { AuditReport } from './report.js';
import { resolveRuntimeLoads, runtimeSearchDirs, type RuntimeLoad } from './runtime-loads.js';

/** A provided library and the files that need it: wheel entries, or external libraries by soname. */
export interface ProvidedUse {
  readonly soname: string;
  readonly match: ProvidedMatch;
  readonly neededBy: readonly string[];
}

export interface ProviderRequirement {
  readonly distribution: string;
  readonly source: string;
  readonly check: RequirementCheck;
}

export interface Supplement {
  readonly abi3: Abi3Result | undefined;
  readonly provided: readonly ProvidedUse[];
  /** One per provider that supplies a needed library: is it in the wheel's Requires-Dist? */
  readonly requirements: readonly ProviderRequirement[];
  /** Providers that supply nothing the wheel needs (likely a wrong --provided-by). */
  readonly unusedProviders: readonly string[];
  readonly runtimeLoads: readonly RuntimeLoad[];
}

/**
 * Which provided libraries each file needs: the wheel's own ELF files by entry name, and the
 * external libraries of their trees (which repair grafts) by soname. Sorted by soname.
 */
export function providedUses(report: AuditReport, index: ReadonlyMap<string, ProvidedMatch>): ProvidedUse[] {
  const uses = new Map<string, { match: ProvidedMatch; neededBy: Set<string> }>();
  const note = (soname: string, by: string, platform: ElfPlatform | undefined): void => {
    const match = index.get(soname);
    if (match === undefined) return;
    // A copy built for another machine is passed over by the loader, and so by the analysis.
    const theirs = match.library.platform;
    if (platform !== undefined && theirs !== undefined && !platformsCompatible(platform, theirs)) return;
    const u = uses.get(soname) ?? { match, neededBy: new Set<string>() };
    u.neededBy.add(by);
    uses.set(soname, u);
  };
  for (const elf of report.elves) {
    for (const n of elf.summary.needed) note(n, elf.path, elf.summary.platform);
    for (const lib of elf.tree.libraries.values()) {
      // External libraries only: the wheel's own are in report.elves, provided ones need nothing.
      if (lib.realpath === undefined || isSubdir(lib.realpath, WHEEL_MOUNT)) continue;
      for (const n of lib.needed) note(n, lib.soname, lib.platform);
    }
  }
  return [...uses]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([soname, u]) => ({ soname, match: u.match, neededBy: [...u.neededBy].sort() }));
}

export interface SupplementOptions {
  readonly stableAbi: StableAbi;
  readonly providers: readonly { readonly source: string; readonly distribution: string }[];
  readonly index: ReadonlyMap<string, ProvidedMatch>;
  /** The wheel's Requires-Dist, when providers were given. */
  readonly requirements: readonly Requirement[];
  readonly fs: LibraryFs;
  readonly root: string;
  readonly cwd: string;
  readonly env: LdEnvironment;
  readonly ldpaths: string | undefined;
}

export function buildSupplement(report: AuditReport, wheel: LoadedWheel, o: SupplementOptions): Supplement {
  const abi3 = checkAbi3(
    report.name,
    report.elves.map((e) => [e.path, e.summary] as const),
    o.stableAbi,
  );
  const provided = providedUses(report, o.index);
  const usedSources = new Set(provided.map((u) => u.match.provider.source));
  const requirements: ProviderRequirement[] = [];
  for (const p of o.providers) {
    if (!usedSources.has(p.source)) continue;
    requirements.push({ distribution: p.distribution, source: p.source, check: checkRequirement(o.requirements, p.distribution) });
  }
  const hints = wheel.runtimeLoads;
  const runtimeLoads =
    hints === undefined
      ? []
      : resolveRuntimeLoads(hints, {
          entryNames: wheel.contents.entryNames,
          elves: wheel.contents.elves,
          fs: o.fs,
          root: o.root,
          searchDirs: runtimeSearchDirs(report.libc, { fs: o.fs, root: o.root, cwd: o.cwd, env: o.env, ldpaths: o.ldpaths }),
        });
  return {
    abi3,
    provided,
    requirements,
    unusedProviders: o.providers.filter((p) => !usedSources.has(p.source)).map((p) => p.source),
    runtimeLoads,
  };
}
