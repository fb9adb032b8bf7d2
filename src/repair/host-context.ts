// The host a repair runs against, as one value passed down the flow: where libraries are
// looked up (root or sysroot, search paths, loader environment, the file-system view), who
// owns them (for the SBOM), and what edits ELF files. Built once by the CLI or by the
// library's repair(); the repair steps take it whole instead of a field each.
import type { AuditOptions } from '../analyze/audit.js';
import { hostPathInRoot } from '../analyze/host-fs.js';
import type { LdEnvironment } from '../analyze/ld-paths.js';
import type { LibraryFs } from '../analyze/library-fs.js';
import type { AuditReport } from '../analyze/report.js';
import { RepairError } from '../errors.js';
import { gatherSources } from './apply.js';
import { ownersInsideRoot, type OwnerLookup } from './package-owner.js';
import type { ElfPatcher } from './patcher.js';
import type { GraftSource, RepairPlan } from './plan.js';

/** Where host libraries are looked up: what the analysis, --include and grafting share. */
export interface LibrarySearch {
  /** '' for this machine, else the directory host libraries are looked up in as if it were `/` (--sysroot). */
  readonly root: string;
  /** The directory relative paths (relative search entries, --include paths) are resolved against. */
  readonly cwd: string;
  /** The loader's environment: AUDITWHEEL_LD_LIBRARY_PATH and LD_LIBRARY_PATH. */
  readonly env: LdEnvironment;
  /** --ldpaths: directories that replace the system ones; undefined for ld.so.conf's. */
  readonly ldpaths: string | undefined;
  /** The file-system view of the host (or of `root`). */
  readonly fs: LibraryFs;
}

/** The host a repair runs against: its library search, package owners and ELF editor. */
export interface HostContext extends LibrarySearch {
  /** Who owns a grafted library, for the SBOM; undefined to name no package. */
  readonly owners: OwnerLookup | undefined;
  /** What edits the ELF files: wheelaudit's own editor, patchelf, or 'none' (retag only). */
  readonly patcher: ElfPatcher | 'none';
}

/** The library-search fields of the analysis' options, from the host context. */
export function auditSearch(host: LibrarySearch): Pick<AuditOptions, 'env' | 'cwd' | 'root' | 'hostFs' | 'ldpaths'> {
  return { env: host.env, cwd: host.cwd, root: host.root, hostFs: host.fs, ldpaths: host.ldpaths };
}

/**
 * The facts of each library to graft, read from the host. With a sysroot each one is read
 * through its path resolved inside the root (a directory symlink there never leads to the
 * host) and keyed by the path the analysis reported.
 */
export function readGraftSources(paths: Iterable<string>, report: AuditReport | undefined, host: LibrarySearch): Map<string, GraftSource> {
  if (host.root === '') return gatherSources(paths, report);
  const out = new Map<string, GraftSource>();
  for (const p of paths) {
    const inside = hostPathInRoot(host.root, p);
    if (inside === undefined) throw new RepairError('REPAIR_IO', `cannot read library ${p}: too many levels of symbolic links inside ${host.root}`);
    const source = gatherSources([inside], report).get(inside);
    if (source !== undefined) out.set(p, source);
  }
  return out;
}

/**
 * The plan and owner lookup the SBOM is written from. With a sysroot each graft is named by
 * its path inside the root, as a repair run there would name it (the bom-ref hashes that path).
 */
export function sbomView(plan: RepairPlan, host: HostContext): { plan: RepairPlan; owners: OwnerLookup | undefined } {
  const root = host.root;
  if (root === '') return { plan, owners: host.owners };
  const inner = (p: string): string => (p.startsWith(`${root}/`) ? p.slice(root.length) : p);
  return { plan: { ...plan, sbomSources: plan.sbomSources.map(inner) }, owners: host.owners === undefined ? undefined : ownersInsideRoot(host.owners, root) };
}
