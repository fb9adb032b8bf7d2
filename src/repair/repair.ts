// repairWheel: the `repair` flow for one wheel (spec §1.5): check the wheel against --plat,
// analyse it with grafting allowed, refuse what cannot be repaired (too-recent symbols, UCS2,
// blacklisted symbols, unsupported ISA, PyFPE), choose the tags, plan, and apply. Refusals
// happen before anything is written; the output appears whole or not at all.
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { readWheelPlatforms, type WheelPlatforms } from '../analyze/arch.js';
import { auditWheel } from '../analyze/audit.js';
import { describeProvided } from '../analyze/findings.js';
import type { LdEnvironment } from '../analyze/ld-paths.js';
import type { LibraryFs } from '../analyze/library-fs.js';
import type { AuditReport, LogRecord } from '../analyze/report.js';
import { hostPathInRoot } from '../analyze/host-fs.js';
import { blockersFor, platformMismatch, type Blocker } from '../analyze/blockers.js';
import { describeError, IoError, UsageError, RepairError, type ErrorCode } from '../errors.js';
import { normpath } from '../analyze/paths.js';
import { parsePlatformTag } from '../policy/tags.js';
import type { BaseArch, Libc, Policy } from '../policy/types.js';
import { applyRepair, gatherSources, sameFile } from './apply.js';
import { ownersInsideRoot, type OwnerLookup } from './package-owner.js';
import type { ElfPatcher } from './patcher.js';
import { planRepair, type GraftSource, type RepairPlan } from './plan.js';
import { RefusalError } from './refusal.js';
import { summarizeRepair, type RepairSummary } from './summary.js';
import type { ProgressSink } from '../util/progress.js';
import { wheelNameOf } from '../analyze/load-wheel.js';
import { copyFileAtomic } from '../wheel/temp-files.js';
import type { Provider } from '../analyze/provider.js';
import type { CustomPolicies } from '../policy/custom.js';
import { afterAudit, extendPlan, prepareExtras } from './repair-extras.js';
import type { WheelName } from '../wheel/name.js';

/** Options of {@link repairWheel}; the library's `repair()` fills in defaults for every field. */
export interface RepairOptions {
  /** 'auto' or a platform tag (any architecture and libc). */
  readonly plat: string;
  readonly wheelDir: string;
  readonly libSdir: string;
  readonly updateTags: boolean;
  readonly onlyPlat: boolean;
  readonly strip: boolean;
  readonly exclude: readonly string[];
  readonly level: number;
  readonly disableIsaExtCheck: boolean;
  readonly allowPurePythonWheel: boolean;
  readonly ldpaths: string | undefined;
  readonly patcher: ElfPatcher | 'none';
  /** SOURCE_DATE_EPOCH, clipped; undefined: the newest timestamp among the input's entries. */
  readonly timestamp: Date | undefined;
  readonly env: LdEnvironment;
  readonly cwd: string;
  readonly root: string;
  readonly hostFs: LibraryFs;
  readonly owners: OwnerLookup | undefined;
  readonly tool: { readonly name: string; readonly version: string };
  /** Called for every log record as it happens (so progress shows before a refusal). */
  readonly onLog?: (r: LogRecord) => void;
  /** --include: libraries to graft that nothing links (paths or sonames). */
  readonly includes?: readonly string[];
  /** --provided-by: wheels whose libraries are not grafted but found where they install. */
  readonly providers?: readonly Provider[];
  /** --policy-file policies, merged into the bundled ones. */
  readonly customPolicies?: CustomPolicies | undefined;
  /** Told as the wheel is read, patched and written. */
  readonly onProgress?: ProgressSink | undefined;
}

/** The result of repairing one wheel: where it was written, or why it is not a platform wheel. */
export type RepairOutcome =
  | { readonly kind: 'written'; readonly outputPath: string; readonly summary: RepairSummary; readonly logs: readonly LogRecord[] }
  | { readonly kind: 'pure-copied'; readonly outputPath: string; readonly logs: readonly LogRecord[] }
  | { readonly kind: 'non-platform'; readonly code: ErrorCode; readonly message: string; readonly logs: readonly LogRecord[] };

const LIBC_NAME: Record<Libc, string> = { glibc: 'GLIBC', musl: 'MUSL', android: 'ANDROID' };

/** Split --plat into base name, requested (baseline) architecture and libc. */
export function parsePlat(plat: string): { base: string; arch: BaseArch | undefined; libc: Libc | undefined } {
  if (plat === 'auto') return { base: 'auto', arch: undefined, libc: undefined };
  const t = parsePlatformTag(plat);
  return { base: t.base, arch: t.baseArch, libc: t.libc };
}

function refuse(file: string, plat: string, why: string, blockers: readonly Blocker[]): RefusalError {
  return new RefusalError('REPAIR_REFUSED', `cannot repair "${file}" to "${plat}" ABI because ${why}`, plat, blockers);
}

/** The reason repair refuses `target` in the reference's order and words, or undefined. */
function refusalReason(report: AuditReport, target: Policy): string | undefined {
  if (target.priority > report.sym.priority) return "of the presence of too-recent versioned symbols. You'll need to compile the wheel on an older toolchain.";
  if (target.priority > report.ucs.priority) return "it was compiled against a UCS2 build of Python. You'll need to compile the wheel against a wide-unicode build of Python.";
  if (target.priority > report.blacklist.priority) return 'it depends on black-listed symbols.';
  if (target.priority > report.machine.priority) return 'it depends on unsupported ISA extensions.';
  // auditwheel skips this check and labels such wheels manylinux; we refuse (PEP 513).
  if (target.priority > report.pyfpe.priority) return 'it uses the PyFPE_jbuf function, which no manylinux/musllinux tag allows.';
  return undefined;
}

function mismatch(name: string, plat: string, what: 'architecture' | 'libc', wheel: string, target: string, blocker: Blocker): RefusalError {
  const message =
    what === 'architecture'
      ? `can't repair wheel ${name} with ${wheel} architecture to a wheel targeting ${target}`
      : `can't repair wheel ${name} with ${wheel} libc to a wheel targeting ${target}`;
  return new RefusalError('REPAIR_REFUSED', message, plat, [blocker]);
}

/**
 * Repair one wheel (the `repair` flow) with every option given explicitly; see `repair()` for
 * the one with defaults. Over 80 lines because it is the flow itself, read top to bottom:
 * check the request, analyse, choose and vet the target, plan, apply, summarise. Each step is
 * a named function or library call; what remains here is passing their results along.
 */
export async function repairWheel(file: string, o: RepairOptions): Promise<RepairOutcome> {
  const logs: LogRecord[] = [];
  // An array, not a rest parameter: spreading many records into a call overflows the stack.
  const emit = (rs: readonly LogRecord[]): void => {
    for (const r of rs) {
      logs.push(r);
      o.onLog?.(r);
    }
  };
  const info = (message: string): void => emit([{ level: 'info', message }]);
  const wheelPath = path.resolve(o.cwd, file);
  const name = wheelNameOf(wheelPath);
  const plat = parsePlat(o.plat);
  const facts = readWheelPlatforms(name);
  emit(facts.logs);
  checkRequest(name, facts, plat, o);
  const libc = facts.libc;
  info(`Repairing ${name.filename}`);
  prepareOutputDir(o.wheelDir);

  const extras = prepareExtras(
    { includes: o.includes ?? [], providers: o.providers ?? [] },
    { libDir: normpath(`${name.distribution}${o.libSdir}`), libc: libc ?? plat.libc, fs: o.hostFs, root: o.root, cwd: o.cwd, env: o.env, ldpaths: o.ldpaths },
  );
  const outcome = await auditWheel(wheelPath, {
    disableIsaExtCheck: o.disableIsaExtCheck,
    ldpaths: o.ldpaths,
    exclude: o.exclude,
    allowGraft: true,
    requestedPolicyBaseName: plat.base,
    // The ELF files say which libc and architecture the wheel has; --plat only fills in a
    // libc none of them names, and a difference is refused below as exactly that.
    libc,
    fallbackLibc: plat.libc,
    arch: facts.arch,
    musl: plat.libc === 'musl' ? plat.base : undefined,
    platforms: facts,
    env: o.env,
    cwd: o.cwd,
    root: o.root,
    hostFs: o.hostFs,
    forRepair: true,
    customPolicies: o.customPolicies,
    provided: extras.provided,
    amendContents: extras.amendContents,
    onProgress: o.onProgress,
  });
  // The filename facts were logged already.
  emit(outcome.logs.slice(facts.logs.length));
  if (outcome.kind === 'non-platform') {
    if (facts.pure && o.allowPurePythonWheel) {
      info(outcome.message);
      const dest = path.join(o.wheelDir, name.filename);
      if (!sameFile(dest, wheelPath)) await copyFileAtomic(wheelPath, dest);
      return { kind: 'pure-copied', outputPath: dest, logs };
    }
    return { kind: 'non-platform', code: outcome.code, message: outcome.message, logs };
  }

  const report = outcome.report;
  const policies = report.policies;
  emit(unmatchedExcludes(report));
  const { target, platName } = chooseTarget(report, name.filename, plat, o.plat);
  const why = refusalReason(report, target);
  if (why !== undefined) throw refuse(file, platName, why, blockersFor(report, target, 'repair'));

  let abis = [target.name, ...target.aliases];
  if (!o.onlyPlat && target.priority < report.overall.priority) {
    info(`Wheel is eligible for a higher priority tag. You requested ${platName} but I have found this wheel is eligible for ${report.overall.name}.`);
    abis = [report.overall.name, ...report.overall.aliases, ...abis];
  }

  const after = await afterAudit(report, extras, { wheelPath, file, updateTags: o.updateTags, providers: o.providers ?? [] });
  emit(after.logs);

  const graftPolicy = abis[0] as string;
  const toGraft = new Set<string>();
  for (const refs of report.fullExternalRefs.values()) {
    for (const p of refs.get(graftPolicy)?.libs.values() ?? []) if (p !== undefined) toGraft.add(p);
  }
  for (const [soname, rule] of report.externalRefs.get(graftPolicy)?.provided ?? []) info(describeProvided(soname, rule));
  throwIfMissing(report, graftPolicy, platName);
  // An Android wheel has exactly one platform tag (the analysis refused it otherwise).
  const androidApiLevel = facts.tags.find((t) => t.family === 'android')?.policy?.apiLevel;
  const basePlan = planRepair(report, o.root === '' ? gatherSources(toGraft, report) : gatherInsideRoot(toGraft, report, o.root), {
    graftPolicy,
    libSdir: o.libSdir,
    distribution: name.distribution,
    android: policies.libc === 'android',
    androidApiLevel,
    is64: !['i686', 'armv7l'].includes(policies.arch),
    arch: policies.arch,
    strip: o.strip,
    entries: outcome.wheel.contents.entryNames,
  });
  const plan = extendPlan(basePlan, report, extras, {
    libDir: basePlan.libDir,
    distribution: name.distribution,
    android: policies.libc === 'android',
    androidApiLevel,
    is64: !['i686', 'armv7l'].includes(policies.arch),
    arch: policies.arch,
    strip: o.strip,
  });
  emit(plan.logs);
  if (plan.grafts.length > 0 && o.owners?.unknownReason !== undefined) {
    emit([{ level: 'warning', message: `the SBOM names no system package for the grafted libraries: ${o.owners.unknownReason}` }]);
  }
  // With a sysroot the SBOM names each graft by its path inside the root, as a repair run
  // there would (the bom-ref hashes that path).
  const sbom = o.root === '' ? { plan, owners: o.owners } : sbomInsideRoot(plan, o.owners, o.root);
  const res = await applyRepair(outcome.wheel, sbom.plan, {
    outDir: realpathSync(o.wheelDir),
    abis,
    updateTags: o.updateTags,
    level: o.level,
    timestamp: o.timestamp,
    patcher: o.patcher,
    owners: sbom.owners,
    tool: o.tool,
    inputPath: wheelPath,
    abi3PythonTag: after.abi3PythonTag,
    onProgress: o.onProgress,
  });
  emit(res.logs);
  // The caller prints the "Fixed-up wheel written to" line (CI scripts grep for it).
  const summary = summarizeRepair(report, plan, graftPolicy, (p) => statSync(p).size);
  return { kind: 'written', outputPath: res.outputPath, summary, logs };
}

/** What repair can tell before reading the wheel: --plat against the filename, and -L. */
function checkRequest(name: WheelName, facts: WheelPlatforms, plat: ReturnType<typeof parsePlat>, o: RepairOptions): void {
  if (facts.arch !== undefined && plat.arch !== undefined && facts.arch !== plat.arch) {
    throw mismatch(name.filename, o.plat, 'architecture', facts.arch, plat.arch, { kind: 'arch-mismatch', wheelArch: facts.arch, targetArch: plat.arch, files: [] });
  }
  if (plat.libc !== undefined && facts.libc !== undefined && facts.libc !== plat.libc) {
    throw mismatch(name.filename, o.plat, 'libc', LIBC_NAME[facts.libc], LIBC_NAME[plat.libc], { kind: 'libc-mismatch', wheelLibc: facts.libc, targetLibc: plat.libc });
  }
  const libDir = normpath(`${name.distribution}${o.libSdir}`);
  if (libDir === '.' || libDir.startsWith('/') || libDir === '..' || libDir.startsWith('../')) {
    throw new UsageError(`-L ${o.libSdir}: the library folder '${libDir}' would not be inside the wheel`);
  }
}

/** A warning for each --exclude pattern that matched nothing. */
function unmatchedExcludes(report: AuditReport): LogRecord[] {
  const out: LogRecord[] = [];
  for (const [pattern, hits] of report.excluded ?? []) {
    if (hits.length > 0) continue;
    // A pattern matches a whole soname or path; a bare prefix is the usual mistake.
    const prefix = /[*?[]/.test(pattern) ? '' : `; did you mean '${pattern}*'?`;
    out.push({ level: 'warning', message: `--exclude ${pattern} matched no library in the wheel's dependency trees${prefix}` });
  }
  return out;
}

/**
 * The policy --plat asks for ('auto': the best the wheel allows), after refusing a libc or
 * architecture that differs from the ELF files'. A tag the wheel's policies lack is a usage error.
 */
function chooseTarget(report: AuditReport, filename: string, plat: ReturnType<typeof parsePlat>, typed: string): { target: Policy; platName: string } {
  const policies = report.policies;
  for (const b of platformMismatch(report, { libc: plat.libc, arch: plat.arch })) {
    if (b.kind === 'arch-mismatch') throw mismatch(filename, typed, 'architecture', b.wheelArch, b.targetArch, b);
    if (b.kind === 'libc-mismatch') throw mismatch(filename, typed, 'libc', LIBC_NAME[b.wheelLibc], LIBC_NAME[b.targetLibc], b);
  }
  if (plat.base === 'auto') {
    const target = report.overall === policies.linux ? policies.lowest : report.overall;
    return { target, platName: target.name };
  }
  const platName = `${plat.base}_${policies.arch}`;
  const found = policies.find(platName) ?? (policies.libc === 'android' && plat.libc === 'android' ? policies.lowest : undefined);
  if (found === undefined) {
    throw new UsageError(`--plat ${typed}: no such policy for a ${policies.libc} ${policies.arch} wheel`, {
      hint: `choose one of: ${policies.policies
        .slice(1)
        .flatMap((p) => [p.name, ...p.aliases])
        .join(', ')}`,
    });
  }
  return { target: found, platName };
}

/**
 * A library repair must graft but cannot find: refuse before planning, naming every such
 * library and the chain that needs it (the planner would stop at the first, without one).
 */
function throwIfMissing(report: AuditReport, graftPolicy: string, platName: string): void {
  const policy = report.policies.find(graftPolicy);
  if (policy === undefined) return;
  const missing = blockersFor(report, policy, 'repair').filter((b) => b.kind === 'library-not-found');
  const first = missing[0];
  if (first === undefined) return;
  throw new RefusalError('REPAIR_LIB_NOT_FOUND', `Cannot repair wheel, because required library "${first.soname}" could not be located`, platName, missing, {
    hint: report.policies.libc === 'android' ? 'point --ldpaths or AUDITWHEEL_LD_LIBRARY_PATH at it, or skip it with --exclude' : 'add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude',
  });
}

/** Create the output directory; say plainly when it, or a folder on its way, is a file. */
function prepareOutputDir(dir: string): void {
  for (let p = dir; ; p = path.dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch {
      if (path.dirname(p) === p) break;
      continue;
    }
    if (!st.isDirectory()) {
      const what = st.isFile() ? 'a file' : 'not a directory';
      const where = p === dir ? `${dir} is ${what}` : `${p} (on the way to ${dir}) is ${what}`;
      throw new IoError(`cannot use ${dir} as the output directory: ${where}`, { hint: 'pass -w with a directory (it is created when missing)' });
    }
    break;
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new IoError(`cannot create the output directory ${dir}: ${describeError(e)}`, { cause: e });
  }
}

/**
 * gatherSources for libraries found in a sysroot: each is read through its path resolved
 * inside the root (a directory symlink there never leads to the host), and keyed by the path
 * the analysis reported.
 */
function gatherInsideRoot(paths: Iterable<string>, report: AuditReport, root: string): Map<string, GraftSource> {
  const out = new Map<string, GraftSource>();
  for (const p of paths) {
    const host = hostPathInRoot(root, p);
    if (host === undefined) throw new RepairError('REPAIR_IO', `cannot read library ${p}: too many levels of symbolic links inside ${root}`);
    const source = gatherSources([host], report).get(host);
    if (source !== undefined) out.set(p, source);
  }
  return out;
}

/** The plan with SBOM source paths as seen inside `root`, and an owner lookup that takes those. */
function sbomInsideRoot(plan: RepairPlan, owners: OwnerLookup | undefined, root: string): { plan: RepairPlan; owners: OwnerLookup | undefined } {
  const inner = (p: string): string => (p.startsWith(`${root}/`) ? p.slice(root.length) : p);
  return { plan: { ...plan, sbomSources: plan.sbomSources.map(inner) }, owners: owners === undefined ? undefined : ownersInsideRoot(owners, root) };
}
